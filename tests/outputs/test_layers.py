"""CoverageLayers validation and the GeoPackage writer (round trip, metadata, atomicity)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from layer_data import NAMES, _stations, make_layers

import firecover.outputs.layers as outputs
from firecover._errors import DataFormatError, OutputError, UnsupportedCRSError
from firecover.outputs import (
    SYNTHETIC_LABEL,
    CoverageLayers,
    CoverageMeta,
    read_geopackage,
    write_geopackage,
)


def test_meta_and_crs_filled_in() -> None:
    layers = make_layers()
    assert isinstance(layers.meta, CoverageMeta)
    assert layers.meta.crs == "EPSG:32650"
    assert layers.crs.to_epsg() == 32650
    assert layers.meta.budget_label() == "5 min = 1 turnout + 4 driving"
    assert layers.meta.budget_label_zh() == "5 分钟 = 1 分钟出动 + 4 分钟行车"
    assert layers.meta.display_title() == "测试区 · Test District"
    assert isinstance(layers.boundary, gpd.GeoDataFrame)
    assert [name for name, _ in layers.layers()] == [
        "stations", "service_areas", "jurisdictions", "cells", "gaps", "roads", "boundary",
        "barriers",
    ]  # fmt: skip


def test_budget_label_fractional() -> None:
    meta = CoverageMeta(turnout_min=1.5, driving_min=3.5)
    assert meta.budget_label() == "5 min = 1.5 turnout + 3.5 driving"


def test_missing_column_names_layer_and_column() -> None:
    layers = make_layers()
    with pytest.raises(DataFormatError, match=r"'jurisdictions' lacks column 'limit_km2'"):
        CoverageLayers(jurisdictions=layers.jurisdictions.drop(columns="limit_km2"))


def test_wrong_geometry_kind() -> None:
    stations = _stations()
    stations.geometry = stations.buffer(10)
    with pytest.raises(DataFormatError, match="'stations' has Polygon"):
        CoverageLayers(stations=stations)


def test_mixed_crs_rejected() -> None:
    layers = make_layers()
    with pytest.raises(UnsupportedCRSError, match="reproject"):
        CoverageLayers(stations=layers.stations, roads=layers.roads.to_crs("EPSG:32651"))


def test_geographic_crs_rejected() -> None:
    with pytest.raises(UnsupportedCRSError, match="not projected"):
        CoverageLayers(stations=_stations().to_crs("EPSG:4326"))


def test_missing_crs_rejected() -> None:
    with pytest.raises(UnsupportedCRSError, match="no CRS"):
        CoverageLayers(stations=_stations().set_crs(None, allow_override=True))


def test_meta_crs_must_agree() -> None:
    with pytest.raises(UnsupportedCRSError):
        CoverageLayers(stations=_stations(), meta=CoverageMeta(crs="EPSG:3857"))


def test_all_empty_rejected() -> None:
    with pytest.raises(DataFormatError, match="all empty"):
        CoverageLayers()


def test_unknown_meta_key() -> None:
    with pytest.raises(DataFormatError, match="unknown coverage meta"):
        CoverageLayers(stations=_stations(), meta={"titel": "x"})


def test_empty_frames_are_absent() -> None:
    layers = CoverageLayers(stations=_stations(), gaps=gpd.GeoDataFrame(columns=["geometry"]))
    assert layers.has("stations") and not layers.has("gaps") and not layers.has("boundary")


# --- GeoPackage -----------------------------------------------------------------------------


def _same_rows(written: gpd.GeoDataFrame, read: gpd.GeoDataFrame) -> None:
    expected = written.reset_index(drop=True)
    if expected.geometry.name != "geometry":
        expected = expected.rename_geometry("geometry")
    got = read[list(expected.columns)]
    assert_geodataframe_equal(got, expected, check_dtype=False, check_less_precise=True,
                              normalize=True, check_geom_type=False)  # fmt: skip


def test_geopackage_round_trip(tmp_path: Path) -> None:
    layers = make_layers()
    out = write_geopackage(layers, tmp_path / "out" / "coverage.gpkg")
    names = {str(row[0]) for row in pyogrio.list_layers(out)}
    assert names == {
        "stations", "service_areas", "jurisdictions", "demand_cells", "gaps", "roads",
        "boundary", "barriers", "metadata", "layer_styles",
    }  # fmt: skip
    for name, frame in layers.layers():
        read = gpd.read_file(out, layer=outputs.GPKG_LAYER_NAMES[name])
        assert read.crs.to_epsg() == 32650
        _same_rows(frame, read)
    stations = gpd.read_file(out, layer="stations")
    assert list(stations["name"]) == list(NAMES)
    assert gpd.read_file(out, layer="jurisdictions")["reasons"][1].startswith("边缘到达")
    assert sorted(p.name for p in out.parent.iterdir()) == ["coverage.gpkg"]


def test_geopackage_metadata_and_label(tmp_path: Path) -> None:
    out = write_geopackage(make_layers(synthetic=True), tmp_path / "c.gpkg")
    meta = pyogrio.read_dataframe(out, layer="metadata")
    kv = dict(zip(meta["key"], meta["value"], strict=True))
    assert kv["synthetic"] == "true"
    assert kv["data_label"] == SYNTHETIC_LABEL
    assert kv["budget"] == "5 min = 1 turnout + 4 driving"
    assert kv["title_zh"] == "测试区"
    assert kv["crs"] == "EPSG:32650"
    info = pyogrio.read_info(out, layer="stations")
    assert "SYNTHETIC DATA" in info["layer_metadata"]["DESCRIPTION"]
    real = write_geopackage(make_layers(synthetic=False), tmp_path / "r.gpkg")
    kv = dict(pyogrio.read_dataframe(real, layer="metadata")[["key", "value"]].to_numpy())
    assert kv["synthetic"] == "false" and kv["data_label"] == ""
    assert (
        "SYNTHETIC"
        not in pyogrio.read_info(real, layer="stations")["layer_metadata"]["DESCRIPTION"]
    )


def test_read_geopackage(tmp_path: Path) -> None:
    layers = make_layers()
    back = read_geopackage(write_geopackage(layers, tmp_path / "c.gpkg"))
    assert back.meta == layers.meta
    assert back.stations["year"].dtype == "Int64"
    assert back.stations["year"].isna().tolist() == [False, True, False]
    assert back.cells["covered"].dtype == bool
    for name, frame in layers.layers():
        _same_rows(frame, getattr(back, name))


def test_read_geopackage_rejects_foreign_file(tmp_path: Path) -> None:
    other = tmp_path / "other.gpkg"
    _stations().to_file(other, layer="stations")
    with pytest.raises(DataFormatError, match="no 'metadata'"):
        read_geopackage(other)


def test_empty_layers_not_written(tmp_path: Path) -> None:
    layers = CoverageLayers(stations=_stations(), roads=make_layers().roads)
    out = write_geopackage(layers, tmp_path / "c.gpkg")
    assert {str(r[0]) for r in pyogrio.list_layers(out)} == {"stations", "roads", "metadata",
                                                             "layer_styles"}  # fmt: skip


def test_geopackage_suffix_and_input_checked(tmp_path: Path) -> None:
    layers = make_layers()
    with pytest.raises(OutputError, match=r"\.gpkg"):
        write_geopackage(layers, tmp_path / "c.shp")
    src = tmp_path / "in.gpkg"
    src.write_bytes(b"input")
    with pytest.raises(OutputError, match="also an input"):
        write_geopackage(layers, src, inputs=[src])
    assert src.read_bytes() == b"input"


def test_failed_write_leaves_existing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "c.gpkg"
    write_geopackage(make_layers(), dest)
    before = dest.read_bytes()
    real = outputs._write_layer
    calls = {"n": 0}

    def crash_on_third(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk pulled out")
        real(*args, **kwargs)

    monkeypatch.setattr(outputs, "_write_layer", crash_on_third)
    with pytest.raises(RuntimeError, match="disk pulled out"):
        write_geopackage(make_layers(synthetic=False), dest)
    assert dest.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.gpkg"]


def test_nan_and_inf_times_round_trip(tmp_path: Path) -> None:
    layers = make_layers()
    cells = layers.cells.copy()
    cells.loc[0, "second_min"] = np.inf
    cells.loc[1, "second_min"] = np.nan
    out = write_geopackage(CoverageLayers(cells=cells), tmp_path / "c.gpkg")
    back = gpd.read_file(out, layer="demand_cells")
    assert np.isinf(back["second_min"][0]) and np.isnan(back["second_min"][1])
