"""Drawn-district audit (firecover.analysis.audit) on a hand-made strip with known answers.

A straight two-way road 6 km long at 36 km/h (10 m/s) along the x axis; the planning area is a
100 m strip centred on it, so every 100 m demand cell has its point on the road and a cell
centred at x is reached from a station at x = 0 after x / 10 s. Budget 1 + 4 min: 2,400 m.
Station A at x = 0 draws [0, 4000], station B at x = 6000 draws [4200, 6000]: by hand,
A reaches [0, 2400] (0.24 of 0.40 km²), B reaches [3000, 4000] of A's district sooner
(0.10 km²), A's slowest cell is x = 3950 (1 + 395/60 min), the hole is [4000, 4200] (0.02 km²).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from graphs import CRS, X0, add_road, empty_graph
from pyproj import Transformer

from firecover.analysis.audit import audit_districts
from firecover.analysis.station_spec import StationSpec
from firecover.traveltime import CSRNetwork

#: The road runs along the middle of a row of 100 m cells (cell corners are multiples of 100 m).
Y0 = 4_300_050.0
TO_WGS = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _station(name: str, x: float, cls: str = "level1") -> StationSpec:
    lon, lat = TO_WGS.transform(X0 + x, Y0)
    return StationSpec(
        name=name, class_name=cls, class_key=cls, status="existing", lon=lon, lat=lat, source="test"
    )


def _strip(a: float, b: float) -> shapely.Polygon:
    return shapely.box(X0 + a, Y0 - 50, X0 + b, Y0 + 50)


@pytest.fixture(scope="module")
def net() -> CSRNetwork:
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 6000.0, y=Y0)
    add_road(g, 0, 1, 36.0)
    return CSRNetwork.from_graph(g)


def _audit(net: CSRNetwork, drawn: dict[str, tuple[float, float]], **kw: object):  # type: ignore[no-untyped-def]
    stations = [_station("A", 0.0), _station("B", 6000.0)]
    gdf = gpd.GeoDataFrame(
        {"station": list(drawn)}, geometry=[_strip(*v) for v in drawn.values()], crs=CRS
    )
    return audit_districts(net, stations, gdf, boundary=_strip(0, 6000), cell_size_m=100.0, **kw)  # type: ignore[arg-type]


def test_strip_by_hand(net: CSRNetwork) -> None:
    res = _audit(net, {"A": (0, 4000), "B": (4200, 6000)})
    a, b = res.districts
    assert a.drawn_km2 == pytest.approx(0.40)
    assert a.reached_km2 == pytest.approx(0.24) and a.unreachable_km2 == pytest.approx(0.16)
    assert a.max_arrival_min == pytest.approx(1 + 395 / 60, abs=1e-6)
    assert a.sooner == pytest.approx({"B": 0.10})
    assert not a.check.compliant and a.check.checks["five_minute"] is False
    assert b.reached_share == pytest.approx(1.0) and b.sooner == {}
    assert b.max_arrival_min == pytest.approx(1 + 175 / 60, abs=1e-6) and b.check.compliant
    assert res.hole_km2 == pytest.approx(0.02) and res.overlap_km2 == 0
    assert not res.compliant
    un = res.layers["unreachable"]
    assert un["area_km2"].sum() == pytest.approx(0.16)
    assert shapely.union_all(un.geometry).symmetric_difference(_strip(2400, 4000)).area < 1e-3


def test_overlap_and_area_limit(net: CSRNetwork) -> None:
    stations = [_station("A", 0.0, "small"), _station("B", 6000.0)]
    gdf = gpd.GeoDataFrame(
        {"station": ["A", "B"]}, geometry=[_strip(0, 3500), _strip(3000, 6000)], crs=CRS
    )
    # A 小型站 limited to 2 km² is fine on area (0.35 km²); overlap [3000, 3500] = 0.05 km².
    res = audit_districts(net, stations, gdf, boundary=_strip(0, 6000), cell_size_m=100.0)
    ov = res.layers["overlaps"]
    assert list(zip(ov["a"], ov["b"], strict=True)) == [("A", "B")]
    assert ov["area_km2"].iloc[0] == pytest.approx(0.05)
    assert res.districts[0].check.limit_km2 == 2.0 and res.hole_km2 == 0


def test_barrier_named_and_area_across(net: CSRNetwork) -> None:
    river = gpd.GeoDataFrame(
        {"kind": ["river"], "name": ["测试河"]},
        geometry=[shapely.LineString([(X0 + 1000, Y0 - 200), (X0 + 1000, Y0 + 200)])],
        crs=CRS,
    )
    res = _audit(net, {"A": (0, 4000), "B": (4200, 6000)}, barriers=river)
    a, b = res.districts
    assert set(a.barriers) == {"测试河"} and a.barriers["测试河"] == pytest.approx(98.0, abs=1)
    assert a.across_barrier_km2 == pytest.approx(0.30, abs=1e-6)
    assert b.barriers == {} and b.across_barrier_km2 == 0


def test_unknown_station_name(net: CSRNetwork) -> None:
    from firecover._errors import DataFormatError

    with pytest.raises(DataFormatError, match="names no station"):
        _audit(net, {"A": (0, 3000), "C": (3000, 6000)})
