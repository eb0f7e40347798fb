"""Output datums (``firecover.outputs.datum``).

Oracle: the inverse conversions of ``firecover.network.coords`` (GCJ-02 / BD-09 → WGS-84) bring
every written point back, and the known size of the GCJ-02 shift in northern China (a few
hundred metres).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import DataFormatError
from firecover.network.coords import bd09_to_wgs84, gcj02_to_wgs84
from firecover.outputs.datum import check_output_datum, frame_in_datum, lonlat_in_datum

_BACK = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}


def _frame(lon: list[float], lat: list[float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"s{i}" for i in range(len(lon))], "lon": lon, "lat": lat},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(100.0, 125.0), st.floats(22.0, 45.0)), min_size=1,
                max_size=5), st.sampled_from(["gcj02", "bd09"]))  # fmt: skip
def test_points_go_back_to_wgs84(points: list[tuple[float, float]], datum: str) -> None:
    lon, lat = [p[0] for p in points], [p[1] for p in points]
    out = frame_in_datum(_frame(lon, lat), datum)
    back = np.column_stack(_BACK[datum](out["lon"].to_numpy(), out["lat"].to_numpy()))
    assert np.allclose(back, np.column_stack([lon, lat]), atol=2e-6)
    assert np.allclose(out.geometry.x, out["lon"]) and set(out["datum"]) == {datum}


def test_shift_size_and_identity_datums() -> None:
    (lon, lat), = lonlat_in_datum([(118.35, 38.75)], "GCJ-02")  # fmt: skip
    metres = np.hypot((lon - 118.35) * 111_320 * np.cos(np.radians(38.75)), (lat - 38.75) * 110_540)
    assert 100 < metres < 1000
    for datum in ("wgs84", "cgcs2000"):
        assert lonlat_in_datum([(118.35, 38.75)], datum) == [(118.35, 38.75)]


def test_metric_frame_and_errors() -> None:
    metric = _frame([118.35], [38.75]).drop(columns=["lon", "lat"]).to_crs("EPSG:32650")
    out = frame_in_datum(metric, "wgs84")
    assert out.crs.to_epsg() == 4326 and out.geometry.x.iloc[0] == pytest.approx(118.35)
    assert check_output_datum("BD-09") == "bd09"
    with pytest.raises(DataFormatError, match="--output-datum"):
        check_output_datum("beijing54")
