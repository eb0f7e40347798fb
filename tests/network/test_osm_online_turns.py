"""Turn restrictions on the online path: one Overpass relation query after the osmnx download.

Oracle: the offline pyosmium reader (:func:`read_turn_data`) on a hand-written OSM XML snippet
holding the same relations as the hand-written Overpass JSON below. The HTTP layer is faked at
``requests.Session.send`` (nothing is downloaded); osmnx's request function, cache and our
parsing, attaching, simplification and preparation all run for real.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import pytest
import requests
from shapely.geometry import box

from firecover import network
from firecover.network.osm_online_turns import (
    ONLINE_NOTE_KEY,
    parse_overpass_restrictions,
    restriction_queries,
)
from firecover.network.osm_turns import read_turn_data
from firecover.network.turn_info import turn_summary, turn_text
from firecover.network.turns import graph_restrictions

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny_drive.osm"
OVERPASS = json.loads((DATA / "overpass_tiny_drive.json").read_text(encoding="utf-8"))
BBOX = (117.1990, 39.1190, 117.2070, 39.1230)


def _rel(rid: int, tags: dict[str, str], *members: tuple[str, int, str]) -> dict[str, Any]:
    return {
        "type": "relation",
        "id": rid,
        "members": [{"type": t, "ref": r, "role": role} for t, r, role in members],
        "tags": tags,
    }


# An Overpass [out:json] answer in the real format, on the ways / nodes of tiny_drive.osm.
RELATIONS = {
    "version": 0.6,
    "generator": "Overpass API (recorded by hand for the tests)",
    "elements": [
        _rel(
            901,
            {"type": "restriction", "restriction": "no_left_turn"},
            ("way", 101, "from"),
            ("node", 2, "via"),
            ("way", 104, "to"),
        ),
        _rel(  # the motorcar tag wins over the general one
            902,
            {
                "type": "restriction",
                "restriction": "no_right_turn",
                "restriction:motorcar": "only_straight_on",
            },
            ("way", 104, "from"),
            ("node", 5, "via"),
            ("way", 102, "to"),
        ),
        _rel(  # fire engines are exempt: not kept
            903,
            {"type": "restriction", "restriction": "no_right_turn", "except": "psv;fire"},
            ("way", 105, "from"),
            ("node", 4, "via"),
            ("way", 102, "to"),
        ),
        _rel(  # via a way: counted and skipped
            904,
            {"type": "restriction", "restriction": "no_u_turn"},
            ("way", 101, "from"),
            ("way", 104, "via"),
            ("way", 102, "to"),
        ),
        _rel(  # two from ways: one record each
            905,
            {"type": "restriction", "restriction": "no_u_turn"},
            ("way", 101, "from"),
            ("way", 110, "from"),
            ("node", 3, "via"),
            ("way", 103, "to"),
        ),
    ],
}

XML_RELATIONS = """
  <relation id="901" version="1">
    <member type="way" ref="101" role="from"/><member type="node" ref="2" role="via"/>
    <member type="way" ref="104" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_left_turn"/>
  </relation>
  <relation id="902" version="1">
    <member type="way" ref="104" role="from"/><member type="node" ref="5" role="via"/>
    <member type="way" ref="102" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_right_turn"/>
    <tag k="restriction:motorcar" v="only_straight_on"/>
  </relation>
  <relation id="903" version="1">
    <member type="way" ref="105" role="from"/><member type="node" ref="4" role="via"/>
    <member type="way" ref="102" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_right_turn"/>
    <tag k="except" v="psv;fire"/>
  </relation>
  <relation id="904" version="1">
    <member type="way" ref="101" role="from"/><member type="way" ref="104" role="via"/>
    <member type="way" ref="102" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_u_turn"/>
  </relation>
  <relation id="905" version="1">
    <member type="way" ref="101" role="from"/><member type="way" ref="110" role="from"/>
    <member type="node" ref="3" role="via"/><member type="way" ref="103" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_u_turn"/>
  </relation>
"""


@pytest.fixture
def tiny_with_relations(tmp_path: Path) -> Path:
    text = TINY.read_text(encoding="utf-8").replace("</osm>", XML_RELATIONS + "</osm>")
    path = tmp_path / "tiny_relations.osm"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ox.settings, "cache_folder", tmp_path / "osmnx-cache")
    monkeypatch.setattr(ox.settings, "use_cache", True)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def _answer(url: str, payload: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.url = url
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(payload).encode("utf-8")
    return response


def _fake(monkeypatch: pytest.MonkeyPatch, relations: Any) -> list[str]:
    """Answer road queries with the recorded roads and relation queries with ``relations``."""
    bodies: list[str] = []

    def send(self: requests.Session, request: requests.PreparedRequest, **_: Any) -> Any:
        url, body = str(request.url), requests.utils.unquote(str(request.body))
        bodies.append(body)
        assert url == ox.settings.overpass_url.rstrip("/") + "/interpreter"
        assert request.headers["User-Agent"] == ox.settings.http_user_agent
        if 'relation["type"="restriction"]' in body:
            if isinstance(relations, Exception):
                raise relations
            return _answer(url, relations)
        assert "highway" in body
        return _answer(url, OVERPASS)

    monkeypatch.setattr(requests.Session, "send", send)
    return bodies


def _key(r: Any) -> tuple[str, str, str, str, str, str]:
    return (r.kind, str(r.via), str(r.from_id), str(r.to_id), r.by, r.tag)


def test_parser_equals_offline_reader(tiny_with_relations: Path) -> None:
    offline = read_turn_data(tiny_with_relations)
    # the same relations split over two sub-polygon answers, 901 in both: counted once
    half = {"elements": RELATIONS["elements"][:2]}
    online = parse_overpass_restrictions([RELATIONS, half])
    assert sorted(map(_key, online.restrictions)) == sorted(map(_key, offline.restrictions))
    assert (online.relations, online.via_way, online.exempt) == (5, 1, 1)
    assert (offline.relations, offline.via_way, offline.exempt) == (5, 1, 1)
    assert len(online.restrictions) == 4  # 901, 902, 905 twice
    assert {r.tag for r in online.restrictions} == {"no_left_turn", "only_straight_on", "no_u_turn"}


def test_query_uses_osmnx_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ox.settings, "requests_timeout", 77)
    (query,) = restriction_queries(box(*BBOX))
    assert query.startswith("[out:json][timeout:77]")
    assert 'relation["type"="restriction"](poly:' in query and query.endswith("out;")


def test_fetch_attaches_restrictions_like_offline(
    monkeypatch: pytest.MonkeyPatch, tiny_with_relations: Path
) -> None:
    bodies = _fake(monkeypatch, RELATIONS)
    online = network.graph_from_bbox(*BBOX)
    assert sum("restriction" in b for b in bodies) == 1  # one relation query
    offline = network.load_graph(tiny_with_relations)
    got = sorted(map(_key, graph_restrictions(online)))
    assert got == sorted(map(_key, graph_restrictions(offline)))
    assert len(got) == 4
    assert online.graph["turn_relations"] == offline.graph["turn_relations"] == 5
    assert ONLINE_NOTE_KEY not in online.graph
    # survives GraphML
    out = network.save_graph(online, Path(ox.settings.cache_folder).parent / "g.graphml")
    again = network.load_graph(out)
    assert sorted(map(_key, graph_restrictions(again))) == got
    s = turn_summary(again)
    assert s["restrictions"] == 4 and "failed" not in " ".join(turn_text(s))


def test_failed_query_warns_and_keeps_roads(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    _fake(monkeypatch, requests.ConnectionError("test: relation query refused"))
    with caplog.at_level(logging.WARNING):
        g = network.graph_from_bbox(*BBOX)
    warnings = [r for r in caplog.records if r.name.endswith("osm_online_turns")]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    assert "turn restrictions" in warnings[0].getMessage()
    assert isinstance(g, nx.MultiDiGraph) and g.number_of_edges() > 0
    assert graph_restrictions(g) == []
    out = network.save_graph(g, tmp_path / "g.graphml")
    again = network.load_graph(out)
    assert again.graph[ONLINE_NOTE_KEY] == "online restriction query failed"
    text = network.graph_info(again).to_text()
    assert "restriction query failed" in text


def test_malformed_answer_warns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tags = {"type": "restriction", "restriction": "no_left_turn"}
    no_ref = [{"type": "node", "role": "via"}]  # a member without its id
    bad = {"elements": [{"type": "relation", "id": 1, "tags": tags, "members": no_ref}]}
    _fake(monkeypatch, bad)
    with caplog.at_level(logging.WARNING):
        g = network.graph_from_bbox(*BBOX)
    assert g.graph[ONLINE_NOTE_KEY] == "online restriction query failed"
    assert any("turn restrictions" in r.getMessage() for r in caplog.records)
