"""Planner's road centre-line files → road graph (firecover.network.centerline via load_graph)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from firecover import network
from firecover._errors import DataFormatError, UnsupportedCRSError
from firecover.network.centerline import DEFAULT_ONEWAY, OnewayValues, snap_endpoints

DATA = Path(__file__).resolve().parents[1] / "data"
CN = DATA / "centerline_cn.geojson"
XIAN = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "xian_roads" / "modifiedConn_link.shp"
)


@pytest.fixture(autouse=True)
def _propagate_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI turns propagation off on the "firecover" logger; caplog needs it on."""
    monkeypatch.setattr(logging.getLogger("firecover"), "propagate", True)


def _speeds(g: nx.MultiDiGraph) -> dict[tuple[int, int], float]:
    return {(u, v): d["speed_kph"] for u, v, d in g.edges(data=True)}


def _by_name(g: nx.MultiDiGraph, name: str) -> list[dict[str, Any]]:
    return [d for *_, d in g.edges(data=True) if d.get("name") == name]


@pytest.fixture(scope="module")
def cn() -> nx.MultiDiGraph:
    return network.load_graph(CN)


def test_chinese_classes_directions_and_snapping(cn: nx.MultiDiGraph) -> None:
    # 9 junctions: the 0.3 m gap is snapped, the 2 m gap is not; the MultiLineString is split
    assert cn.number_of_nodes() == 9
    assert cn.number_of_edges() == 16
    assert nx.is_strongly_connected(cn)
    assert cn.graph["crs"] == "EPSG:32650"
    expected = {
        "海河东路": ("motorway", 60.0, 2),  # 快速路, two-way
        "南京路": ("primary", 45.0, 1),  # 主干路, 方向=1: along the drawing direction
        "大沽路": ("secondary", 40.0, 1),  # 次干路, 方向=-1: against it
        "小白楼街": ("residential", 30.0, 2),  # 支路
        "多伦道": ("residential", 30.0, 2),  # 支路/街巷
        "曲江路": ("secondary", 40.0, 2),  # 次干道
        "多段路": ("primary", 45.0, 4),  # 主干道, MultiLineString of two parts
        "景观大道": ("unclassified", 25.0, 2),  # 景观路: unknown → default
    }
    for name, (cls, kph, count) in expected.items():
        edges = _by_name(cn, name)
        assert len(edges) == count, name
        assert {(d["road_class"], d["speed_kph"]) for d in edges} == {(cls, kph)}, name
    assert _by_name(cn, "无几何") == []  # no geometry → skipped
    assert cn.graph["unknown_class_edges"] == 2


def test_oneway_geometry_follows_travel(cn: nx.MultiDiGraph) -> None:
    for u, v, d in cn.edges(data=True):
        start, end = d["geometry"].coords[0], d["geometry"].coords[-1]
        assert start == pytest.approx((cn.nodes[u]["x"], cn.nodes[u]["y"]))
        assert end == pytest.approx((cn.nodes[v]["x"], cn.nodes[v]["y"]))
        assert d["length"] == pytest.approx(d["geometry"].length)
    (against,) = _by_name(cn, "大沽路")
    # drawn from F (north) to C (south) with 方向=-1 → travel runs south to north
    assert against["geometry"].coords[-1][1] > against["geometry"].coords[0][1]
    assert against["oneway"] is True and against["reversed"] is True


def test_explicit_columns_and_custom_oneway_values() -> None:
    g = network.load_graph(
        CN,
        class_column="道路等级",
        oneway_column="方向",
        oneway_values="1=backward,-1=forward,0=both",
        keep_largest_component=False,
    )
    (along,) = _by_name(g, "南京路")
    assert along["geometry"].coords[0][0] > along["geometry"].coords[-1][0]  # now east → west


def test_unknown_column_and_values_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError) as info:
        network.load_graph(CN, class_column="road_grade")
    assert "'road_grade' not found" in str(info.value) and "道路等级" in str(info.value)
    with pytest.raises(DataFormatError, match="no one-way meaning"):
        network.load_graph(CN, oneway_values="0=both")
    with pytest.raises(DataFormatError, match="unknown meaning"):
        network.load_graph(CN, oneway_values="1=sideways")
    with pytest.raises(DataFormatError, match="VALUE=MEANING"):
        network.load_graph(CN, oneway_values="forward")
    with pytest.raises(DataFormatError, match="not a known road class"):
        network.load_graph(CN, default_class="景观路")


def test_oneway_semantics() -> None:
    d = DEFAULT_ONEWAY
    assert [d.direction(v) for v in (1, 1.0, "yes", "FT", "F")] == ["forward"] * 5
    assert [d.direction(v) for v in (-1, "-1", "T", "TF", "reverse")] == ["backward"] * 5
    assert [d.direction(v) for v in (0, "no", "B", None, float("nan"), "")] == ["both"] * 6
    assert d.direction(7) is None
    custom = OnewayValues.parse({2: "forward", 3: "backward", 1: "both", 0: "closed"})
    assert [custom.direction(v) for v in (2, 3, 1, 0)] == ["forward", "backward", "both", "closed"]


def _frame(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    lines = [
        LineString([(117.2000, 39.12), (117.2012, 39.12)]),
        LineString([(117.2012, 39.12), (117.2012, 39.1209)]),
        LineString([(117.2012, 39.1209), (117.2000, 39.12)]),
    ]
    return gpd.GeoDataFrame(
        {"道路名称": ["神舟大道", "航天北路", "雁塔南路"], "fclass": ["主干路", "次干路", "支路"],
         "speed": [80.0, 0.0, 35.0], "closed": [0, 0, 9]},
        geometry=lines, crs=crs,
    )  # fmt: skip


def test_gbk_shapefile_speed_column_and_closed_lines(tmp_path: Path) -> None:
    shp = tmp_path / "roads.shp"
    _frame().to_file(shp, encoding="GBK")
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    digest = hashlib.sha256(shp.with_suffix(".dbf").read_bytes()).hexdigest()
    g = network.load_graph(shp, speed_column="SPEED", keep_largest_component=False)
    assert hashlib.sha256(shp.with_suffix(".dbf").read_bytes()).hexdigest() == digest
    names = {d["name"] for *_, d in g.edges(data=True)}
    assert names == {"神舟大道", "航天北路", "雁塔南路"}
    speeds = {d["name"]: d["speed_kph"] for *_, d in g.edges(data=True)}
    assert speeds["神舟大道"] == 60.0  # 80 from the column, capped by the profile
    assert speeds["航天北路"] == 40.0  # 0 is invalid → class speed (次干路)
    assert speeds["雁塔南路"] == 35.0
    closed = network.load_graph(
        shp, oneway_column="closed", oneway_values="0=both,9=closed", keep_largest_component=False
    )
    assert "雁塔南路" not in {d["name"] for *_, d in closed.edges(data=True)}


def test_shapefile_without_cpg_needs_encoding(tmp_path: Path) -> None:
    shp = tmp_path / "nocpg.shp"
    _frame().to_file(shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    g = network.load_graph(shp, encoding="GBK")
    assert "神舟大道" in {d["name"] for *_, d in g.edges(data=True)}


def test_projected_input_keeps_its_crs(tmp_path: Path) -> None:
    gpkg = tmp_path / "gk.gpkg"
    _frame().to_crs(4548).to_file(gpkg)  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
    g = network.load_graph(gpkg)
    assert g.graph["crs"] == "EPSG:4548"
    utm = network.load_graph(gpkg, crs=32650)
    assert utm.graph["crs"] == "EPSG:32650"
    total = sum(d["length"] for *_, d in g.edges(data=True))
    assert total == pytest.approx(sum(d["length"] for *_, d in utm.edges(data=True)), rel=2e-3)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_bad_centerline_files(tmp_path: Path) -> None:
    no_crs = tmp_path / "nocrs.shp"
    _frame(crs=None)[["fclass", "geometry"]].to_file(no_crs, encoding="GBK")
    with pytest.raises(UnsupportedCRSError, match="no coordinate reference system"):
        network.load_graph(no_crs)
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[Point(1, 1)], crs=4326).to_file(points)
    with pytest.raises(DataFormatError, match="no road lines"):
        network.load_graph(points)
    empty = tmp_path / "empty.geojson"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataFormatError, match="empty"):
        network.load_graph(empty)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFormatError, match="cannot read"):
        network.load_graph(broken)


def test_snap_tolerance_option(cn: nx.MultiDiGraph) -> None:
    loose = network.load_graph(CN, snap_tolerance_m=3.0)
    assert loose.number_of_nodes() == cn.number_of_nodes() - 1  # the 2 m gap is now joined
    strict = network.load_graph(CN, snap_tolerance_m=0.0, keep_largest_component=False)
    assert strict.number_of_nodes() == cn.number_of_nodes() + 1  # the 0.3 m gap stays open
    with pytest.raises(DataFormatError, match="snap tolerance"):
        network.load_graph(CN, snap_tolerance_m=-1.0)


def test_snap_endpoints_single_linkage() -> None:
    geoms = gpd.GeoSeries(
        [LineString([(0, 0), (100, 0)]), LineString([(100.3, 0), (100.3, 50)]),
         LineString([(100.6, 0.1), (200, 0)]), LineString([(0, 2), (0, 50)])]
    )  # fmt: skip
    nodes, ends = snap_endpoints(geoms, 0.5)
    assert ends[0, 1] == ends[1, 0] == ends[2, 0]  # chained within 0.5 m
    assert ends[3, 0] != ends[0, 0]  # 2 m apart
    assert len(nodes) == 6
    assert nodes[ends[0, 1]] == pytest.approx(np.array([100.3, 1 / 30]), abs=1e-6)


def test_warns_when_nothing_identifies_classes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bare.geojson"
    _frame()[["geometry"]].to_file(path)
    with caplog.at_level(logging.WARNING):
        g = network.load_graph(path)
    assert "no road-class column" in caplog.text and "no one-way column" in caplog.text
    assert {d["speed_kph"] for *_, d in g.edges(data=True)} == {25.0}


@pytest.mark.skipif(not XIAN.exists(), reason="shared Xi'an centre-line data not present")
def test_xian_shapefile() -> None:
    """Real data: 9,842 links, GBK names, `dir` 1 = one-way along the drawing, 0 = two-way."""
    digest = hashlib.sha256(XIAN.with_suffix(".dbf").read_bytes()).hexdigest()
    raw = network.load_graph(XIAN, default_class="主干路", keep_largest_component=False)
    assert hashlib.sha256(XIAN.with_suffix(".dbf").read_bytes()).hexdigest() == digest
    assert raw.number_of_nodes() == 8469  # = the companion node table
    assert raw.number_of_edges() == 9392 + 2 * 450  # dir=1 one edge, dir=0 two
    info = network.graph_info(raw)
    assert info.road_km == pytest.approx(1320.6, abs=1.0)  # sum of the links' lengths
    assert 200 < info.hull_area_km2 < 300
    assert info.oneway_share > 0.9
    names = {d.get("name") for *_, d in raw.edges(data=True)}
    assert {"神舟大道", "雁塔南路", "锦业路"} <= names
    assert {d["road_class"] for *_, d in raw.edges(data=True)} == {"primary"}
    kept = network.prepare_graph(raw)
    assert nx.is_strongly_connected(kept)
    assert kept.number_of_nodes() > 0.8 * raw.number_of_nodes()
    assert kept.graph["dropped_km"] > 0
