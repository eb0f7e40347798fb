"""firecover.network: dispatch, prepare_graph, GraphML round trip, save_graph, graph_info."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from shapely.geometry import LineString

from firecover import network
from firecover._errors import (
    DataFormatError,
    GraphError,
    InputFileError,
    OutputError,
    UnsupportedCRSError,
)

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny_drive.osm"


@pytest.fixture(scope="module")
def raw() -> nx.MultiDiGraph:
    """The tiny OSM graph, loaded but not prepared (EPSG:4326)."""
    return network.load_graph(TINY, prepare=False)


@pytest.fixture(scope="module")
def tiny(raw: nx.MultiDiGraph) -> nx.MultiDiGraph:
    return network.prepare_graph(raw)


def _lonlat_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:4326", name="hand")
    g.add_node("a", x=117.2000, y=39.12)
    g.add_node("b", x=117.2012, y=39.12)
    g.add_edge("a", "b", highway="primary", oneway=False, length=1.0)
    g.add_edge("b", "a", highway="primary", oneway=False, length=1.0)
    return g


# --------------------------------------------------------------------------- load_graph


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        network.load_graph(tmp_path / "nope.graphml")
    other = tmp_path / "roads.csv"
    other.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        network.load_graph(other)
    message = str(info.value)
    for suffix in (".graphml", ".osm.pbf", ".osm", ".gpkg", ".shp", ".geojson"):
        assert suffix in message
    with pytest.raises(DataFormatError, match="clip applies"):
        network.load_graph(DATA / "centerline_cn.geojson", clip=(0, 0, 1, 1))


def test_bad_graphml(tmp_path: Path) -> None:
    empty = tmp_path / "empty.graphml"
    empty.write_bytes(b"")
    with pytest.raises(DataFormatError, match="empty"):
        network.load_graph(empty)
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph", encoding="utf-8")
    with pytest.raises(DataFormatError, match="cannot read GraphML"):
        network.load_graph(broken)


# --------------------------------------------------------------------------- prepare_graph


def test_prepare_does_not_touch_its_input(raw: nx.MultiDiGraph, tiny: nx.MultiDiGraph) -> None:
    assert raw.graph["crs"] == "epsg:4326"
    assert all("speed_kph" not in d for *_, d in raw.edges(data=True))
    assert raw.number_of_nodes() == 10 and tiny.number_of_nodes() == 7


@pytest.mark.parametrize(
    ("crs", "expected"),
    [(None, "EPSG:32650"), (32650, "EPSG:32650"), ("EPSG:4548", "EPSG:4548"), (3857, "EPSG:3857")],
)
def test_prepare_projects_to_metric_crs(raw: nx.MultiDiGraph, crs: object, expected: str) -> None:
    g = network.prepare_graph(raw, crs=crs)
    assert g.graph["crs"] == expected
    for _, _, d in g.edges(data=True):
        if "geometry" in d:
            assert d["length"] == pytest.approx(d["geometry"].length)


@pytest.mark.parametrize("crs", [4326, "EPSG:4490", "+proj=longlat +datum=WGS84"])
def test_geographic_output_crs_is_refused(raw: nx.MultiDiGraph, crs: object) -> None:
    with pytest.raises(UnsupportedCRSError, match="not a projected CRS in metres"):
        network.prepare_graph(raw, crs=crs)


def test_prepare_errors() -> None:
    with pytest.raises(UnsupportedCRSError, match="unknown CRS"):
        network.prepare_graph(_lonlat_graph(), crs="EPSG:999999")
    no_crs = _lonlat_graph()
    del no_crs.graph["crs"]
    with pytest.raises(UnsupportedCRSError, match="no 'crs'"):
        network.prepare_graph(no_crs)
    with pytest.raises(GraphError, match="no roads"):
        network.prepare_graph(nx.MultiDiGraph(crs="EPSG:32650"))
    bare = nx.MultiDiGraph(crs="EPSG:32650")
    bare.add_edge(1, 2, length=5.0)
    with pytest.raises(GraphError, match="lack x/y"):
        network.prepare_graph(bare)


def test_prepare_relabels_nodes_and_computes_straight_lengths() -> None:
    g = network.prepare_graph(_lonlat_graph())
    assert sorted(g.nodes) == [0, 1]
    assert {d["orig_id"] for _, d in g.nodes(data=True)} == {"a", "b"}
    (length,) = {round(d["length"], 3) for *_, d in g.edges(data=True)}
    assert 103 < length < 104  # 0.0012 degrees of longitude at 39.12 N, in UTM metres
    assert g.graph["name"] == "hand" and g.graph["synthetic"] is False


def test_congestion_and_profile_recorded(raw: nx.MultiDiGraph, tiny: nx.MultiDiGraph) -> None:
    slow = network.prepare_graph(raw, congestion_factor=0.5)
    assert slow.graph["congestion_factor"] == 0.5
    for u, v, k, d in slow.edges(keys=True, data=True):
        base = tiny.edges[u, v, k]
        assert d["speed_kph"] == pytest.approx(base["speed_kph"] / 2)
        assert d["travel_time"] == pytest.approx(base["travel_time"] * 2)
    again = network.prepare_graph(tiny)  # idempotent on a prepared graph
    assert nx.utils.edges_equal(again.edges(data="speed_kph"), tiny.edges(data="speed_kph"))


# --------------------------------------------------------------------------- save / GraphML


def test_graphml_round_trip(tiny: nx.MultiDiGraph, tmp_path: Path) -> None:
    out = network.save_graph(tiny, tmp_path / "sub" / "tiny.graphml")
    assert out.exists() and [p.name for p in out.parent.iterdir()] == ["tiny.graphml"]
    back = network.load_graphml(out)
    assert set(back.nodes) == set(tiny.nodes)
    assert all(isinstance(n, int) for n in back.nodes)
    for key in ("crs", "speed_profile", "source", "name"):
        assert back.graph[key] == tiny.graph[key]
    assert back.graph["congestion_factor"] == 1.0 and back.graph["synthetic"] is False
    assert back.graph["dropped_nodes"] == 3 and isinstance(back.graph["dropped_km"], float)
    for u, v, k, d in tiny.edges(keys=True, data=True):
        b = back.edges[u, v, k]
        assert b["oneway"] is d["oneway"] and b["class_unknown"] is d["class_unknown"]
        assert b["speed_kph"] == pytest.approx(d["speed_kph"])
        assert b["travel_time"] == pytest.approx(d["travel_time"])
        assert b["road_class"] == d["road_class"]
        if "geometry" in d:
            assert isinstance(b["geometry"], LineString)
            assert b["geometry"].equals_exact(d["geometry"], 1e-6)
    # load_graph keeps a prepared GraphML as it is, and re-prepares on request
    same = network.load_graph(out)
    assert same.graph["source_path"] == str(out.resolve())
    assert nx.utils.edges_equal(same.edges(data="speed_kph"), tiny.edges(data="speed_kph"))
    slower = network.load_graph(out, congestion_factor=0.8)
    assert slower.edges[4, 5, 0]["speed_kph"] == pytest.approx(32.0)


def test_save_graph_refuses_inputs_and_other_formats(tiny: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = network.save_graph(tiny, tmp_path / "g.graphml")
    reloaded = network.load_graph(path)
    with pytest.raises(OutputError, match="also an input"):
        network.save_graph(reloaded, path)
    with pytest.raises(OutputError):
        network.save_graph(tiny, tmp_path / "x.graphml", inputs=[tmp_path / "x.graphml"])
    with pytest.raises(DataFormatError, match=r"\*\.graphml"):
        network.save_graph(tiny, tmp_path / "g.gpkg")
    before = path.read_bytes()
    with pytest.raises(OutputError):
        network.save_graph(reloaded, path)
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- graph_info


def test_graph_info_numbers(tiny: nx.MultiDiGraph) -> None:
    info = network.graph_info(tiny)
    lengths = {(u, v): d["length"] for u, v, d in tiny.edges(data=True)}
    oneway = lengths[(4, 5)] + lengths[(5, 6)] + lengths[(6, 3)]
    two_way = sum(lengths.values()) - oneway
    assert info.road_km == pytest.approx((oneway + two_way / 2) / 1000, abs=1e-3)
    assert info.directed_km == pytest.approx(sum(lengths.values()) / 1000, abs=1e-3)
    assert info.oneway_share == pytest.approx(oneway / (oneway + two_way / 2), abs=1e-3)
    assert (info.nodes, info.edges) == (7, 13)
    assert (info.strong_components, info.weak_components) == (1, 1)
    assert info.crs == "EPSG:32650" and info.speed_profile == "china_urban"
    # hull of the nodes: 200 m x 100 m block plus node 9 → 0.024 - 0.03 km²
    assert 0.02 < info.hull_area_km2 < 0.03
    assert info.classes["secondary"].mean_kph == pytest.approx(40.0)
    assert info.classes["secondary"].edges == 2
    assert info.classes["residential"].mean_kph is not None
    assert 24.1 < info.classes["residential"].mean_kph < 30
    assert info.dropped["dropped_nodes"] == 3
    assert json.loads(json.dumps(info.to_dict()))["classes"]["primary"]["edges"] == 4
    text = info.to_text()
    assert "EPSG:32650" in text and "secondary" in text and "two-way roads once" in text


def test_graph_info_on_a_raw_lonlat_graph(raw: nx.MultiDiGraph) -> None:
    info = network.graph_info(raw)
    assert info.mean_kph is None and info.speed_profile is None
    assert 0.07 < info.hull_area_km2 < 0.12  # 540 m x 320 m of nodes, in a local UTM zone
    assert info.strong_components > 1
