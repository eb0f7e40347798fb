"""Tests for firecover.analysis.risk and risk_classes: reading planners' risk-object files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from firecover._errors import DataFormatError, FirecoverError, InputFileError
from firecover.analysis.risk import read_risk_objects, risk_cell_multiplier
from firecover.analysis.risk_classes import load_risk_classes
from firecover.network.coords import project_points, wgs84_to_gcj02

CRS = "EPSG:32650"


def test_builtin_classes_and_aliases() -> None:
    rc = load_risk_classes()
    assert [c.zh for c in rc.classes] == [
        "高层",
        "大型综合体",
        "地下",
        "危化品",
        "重点单位",
        "文物古建",
    ]
    assert rc.resolve("危险化学品").key == "hazmat"
    assert rc.resolve("High-Rise").key == "high_rise"
    hz = rc.get("hazmat")
    assert (hz.required_min, hz.required_station, hz.reinforce_stations, hz.reinforce_min) == (
        5.0,
        "special",
        3,
        15.0,
    )
    user = rc.resolve("加油站")
    assert user.user and user.required_min == 5.0 and user.zh == "加油站"
    assert all("our" in c.basis or "GB" in c.basis for c in rc.classes)


def test_overrides() -> None:
    rc = load_risk_classes().with_overrides({"危化品": {"required_min": 8}})
    assert rc.get("hazmat").required_min == 8.0
    with pytest.raises(DataFormatError, match="unknown figure"):
        load_risk_classes().with_overrides({"高层": {"speed": 3}})


def test_csv_chinese_columns_and_gcj02(tmp_path: Path) -> None:
    lon, lat = 117.2, 39.12
    glon, glat = wgs84_to_gcj02(lon, lat)
    p = tmp_path / "risk.csv"
    p.write_text(
        f"名称,类别,经度,纬度,坐标系,要求时间\n甲化工厂,危化品,{float(glon):.8f},"
        f"{float(glat):.8f},GCJ-02,\n乙大厦,高层,{lon},{lat},wgs84,4\n",
        encoding="gbk",
    )
    out = read_risk_objects(p, CRS)
    assert list(out["name"]) == ["甲化工厂", "乙大厦"]
    assert list(out["risk_class"]) == ["hazmat", "high_rise"]
    assert list(out["required_min"]) == [5.0, 4.0]
    x, y = project_points([lon], [lat], CRS)
    # the GCJ-02 point comes back to within a metre of the WGS-84 one
    assert shapely.distance(out.geometry.iloc[0], shapely.Point(x[0], y[0])) < 1.0
    assert shapely.distance(out.geometry.iloc[1], shapely.Point(x[0], y[0])) < 1e-6


def test_geojson_polygons_and_user_class(tmp_path: Path) -> None:
    x, y = project_points([117.2], [39.12], CRS)
    poly = shapely.box(x[0], y[0], x[0] + 100, y[0] + 100)
    p = tmp_path / "risk.geojson"
    gpd.GeoDataFrame(
        {"type": ["mall", "油库"], "name": ["M", None]},
        geometry=[poly, shapely.Point(x[0], y[0])],
        crs=CRS,
    ).to_crs("EPSG:4326").to_file(p)
    out = read_risk_objects(p, CRS)
    assert list(out["risk_class"]) == ["complex", "油库"]
    assert list(out["name"]) == ["M", "R2"]
    assert list(out["user_class"]) == [False, True]
    assert out.geometry.iloc[0].area == pytest.approx(10_000, rel=1e-6)


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        read_risk_objects(tmp_path / "none.csv", CRS)
    p = tmp_path / "r.csv"
    p.write_text("name,lon,lat\nA,117.2,39.1\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="no class column"):
        read_risk_objects(p, CRS)
    p.write_text("name,class,lon,lat\nA,高层,abc,39.1\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="row 2"):
        read_risk_objects(p, CRS)
    line = gpd.GeoDataFrame(
        {"class": ["高层"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=CRS
    )
    with pytest.raises(FirecoverError, match="point or polygon"):
        read_risk_objects(line, CRS)


def test_cell_multiplier_takes_the_largest_weight() -> None:
    cells = [shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(20, 0, 30, 10)]
    objs = read_risk_objects(
        gpd.GeoDataFrame(
            {"class": ["危化品", "高层", "高层"]},
            geometry=[shapely.Point(5, 5), shapely.Point(6, 6), shapely.Point(15, 5)],
            crs=CRS,
        ),
        CRS,
    )
    np.testing.assert_allclose(risk_cell_multiplier(cells, objs), [5.0, 3.0, 1.0])
