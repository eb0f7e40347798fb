"""The embedded synthetic demo district (data/demo): reproducible, connected, and as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, shape

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
GRAPH = DEMO / "demo_district.graphml"
GENERATED = ("demo_district.graphml", "boundary.geojson", "barriers.geojson", "demo.toml")
CLASSES = {"motorway", "motorway_link", "primary", "secondary", "tertiary", "residential"}
BRIDGES = {"澜河大道", "兴业路", "海昌路", "滨海快速路"}


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return ox.load_graphml(GRAPH, graph_dtypes={"synthetic": ox.io._convert_bool_string})


def _layer(name: str, kind: str | None = None) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(DEMO / name)
    if kind is not None:
        gdf = gdf[gdf["type"] == kind]
    return gdf.to_crs("EPSG:32650")


def test_regenerating_gives_identical_bytes(tmp_path: Path) -> None:
    out, scen = tmp_path / "data" / "demo", tmp_path / "scenarios" / "demo.toml"
    cmd = [
        sys.executable,
        "-m",
        "firecover.demo.build",
        "--out",
        str(out),
        "--scenario",
        str(scen),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    for name in GENERATED:
        assert (out / name).read_bytes() == (DEMO / name).read_bytes(), name
    assert scen.read_bytes() == (ROOT / "scenarios" / "demo.toml").read_bytes()


def test_graph_attributes(graph: nx.MultiDiGraph) -> None:
    assert graph.graph["synthetic"] is True
    assert graph.graph["crs"] == "EPSG:32650"
    assert "synthetic" in graph.graph["name"] and "虚构" in graph.graph["name"]
    assert graph.graph["source"].startswith("firecover synthetic demo generator v")
    assert GRAPH.stat().st_size < 2_000_000
    assert 1000 < graph.number_of_edges() < 5000


def test_node_and_edge_attributes(graph: nx.MultiDiGraph) -> None:
    for n, d in graph.nodes(data=True):
        assert isinstance(n, int)
        assert isinstance(d["x"], float) and isinstance(d["y"], float)
    for u, v, d in graph.edges(data=True):
        geom = d["geometry"]
        assert isinstance(geom, LineString)
        assert geom.coords[0] == (graph.nodes[u]["x"], graph.nodes[u]["y"])
        assert geom.coords[-1] == (graph.nodes[v]["x"], graph.nodes[v]["y"])
        assert d["length"] > 0 and abs(d["length"] - geom.length) < 1e-3
        assert d["road_class"] in CLASSES and d["highway"] == d["road_class"]
        assert isinstance(d["oneway"], bool)
        assert isinstance(d["name"], str) and d["name"]


def test_strongly_connected(graph: nx.MultiDiGraph) -> None:
    assert nx.is_strongly_connected(graph)


def test_area_about_ten_square_km() -> None:
    boundary = _layer("boundary.geojson")
    area_km2 = float(boundary.area.sum()) / 1e6
    assert abs(area_km2 - 10.0) <= 1.5
    assert abs(float(boundary["area_km2"].iloc[0]) - area_km2) < 0.01
    lon, lat = gpd.read_file(DEMO / "boundary.geojson").geometry.iloc[0].centroid.coords[0]
    assert 118.3 < lon < 118.45 and 38.7 < lat < 38.8  # open water of the Bohai Sea


def test_twoway_twins_and_oneway_edges(graph: nx.MultiDiGraph) -> None:
    lonely = 0
    for u, v, d in graph.edges(data=True):
        back = [
            e
            for e in graph.get_edge_data(v, u, default={}).values()
            if e["geometry"].equals(d["geometry"].reverse())
        ]
        if d["oneway"]:
            lonely += not back
        else:
            assert len(back) == 1, (u, v, d["name"])
    assert lonely >= 10


def test_one_way_couplet(graph: nx.MultiDiGraph) -> None:
    for name, east in (("胜利路", True), ("解放路", False)):
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d["name"] == name]
        assert edges and all(graph.edges[u, v, 0]["oneway"] for u, v in edges)
        assert all((graph.nodes[v]["x"] > graph.nodes[u]["x"]) == east for u, v in edges)


def test_irregular_street_pattern(graph: nx.MultiDiGraph) -> None:
    curved = [d for _, _, d in graph.edges(data=True) if len(d["geometry"].coords) > 2]
    assert {"南滨河路", "北滨河路"} <= {d["name"] for d in curved}
    dead_ends = [
        n for n in graph if len(set(graph.successors(n)) | set(graph.predecessors(n))) == 1
    ]
    assert len(dead_ends) >= 5


def test_river_crossed_only_at_bridges(graph: nx.MultiDiGraph) -> None:
    river = _layer("barriers.geojson", "river").geometry.iloc[0]
    crossing = set()
    for _, _, d in graph.edges(data=True):
        wet = d["geometry"].intersection(river).length
        if wet > 1.0:
            assert d.get("bridge") == "yes", d["name"]
            crossing.add(d["name"])
    assert crossing == BRIDGES
    centre = shapely.centroid(river).y
    ys = [d["y"] for _, d in graph.nodes(data=True)]
    assert min(ys) < centre < max(ys)


def test_expressway_has_link_access_only(graph: nx.MultiDiGraph) -> None:
    fast = {"motorway", "motorway_link"}
    on_motorway = {
        n for u, v, d in graph.edges(data=True) if d["road_class"] == "motorway" for n in (u, v)
    }
    ramps = 0
    for n in on_motorway:
        classes = {d["road_class"] for *_, d in graph.in_edges(n, data=True)}
        classes |= {d["road_class"] for *_, d in graph.out_edges(n, data=True)}
        assert classes <= fast, (n, classes)
        ramps += "motorway_link" in classes
    assert 2 <= ramps <= 4
    line = _layer("barriers.geojson", "expressway").geometry.iloc[0]
    motorway = [d["geometry"] for *_, d in graph.edges(data=True) if d["road_class"] == "motorway"]
    assert motorway and all(line.buffer(0.5).covers(g) for g in motorway)


def test_ramps_are_one_way(graph: nx.MultiDiGraph) -> None:
    ramps = [d for *_, d in graph.edges(data=True) if d["road_class"] == "motorway_link"]
    assert ramps and all(d["oneway"] for d in ramps)


def test_barrier_and_boundary_files_state_crs() -> None:
    for name in ("boundary.geojson", "barriers.geojson"):
        data = json.loads((DEMO / name).read_text(encoding="utf-8"))
        assert data["crs"]["properties"]["name"].endswith("CRS84")
        assert all(f["properties"]["synthetic"] is True for f in data["features"])
    kinds = {
        f["properties"]["type"]
        for f in json.loads((DEMO / "barriers.geojson").read_text(encoding="utf-8"))["features"]
    }
    assert kinds == {"river", "expressway"}
    assert shape(json.loads((DEMO / "boundary.geojson").read_text())["features"][0]["geometry"])


def test_demo_stations_sit_on_graph_nodes(graph: nx.MultiDiGraph) -> None:
    from firecover.plan.scenario import load_scenario

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
    nodes = [Point(d["x"], d["y"]) for _, d in graph.nodes(data=True)]
    tree = shapely.STRtree(nodes)
    for s in load_scenario(DEMO / "demo.toml").stations:
        p = Point(*to_utm.transform(s.lon, s.lat))
        assert p.distance(nodes[int(tree.nearest(p))]) < 0.05, s.name
        assert "synthetic" in s.source
