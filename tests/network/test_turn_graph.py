"""The turn graph: turn classes by angle, delays, roundabouts, stats; kept by GraphML and cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from firecover.network import load_graph, save_graph
from firecover.network.cache import cached_network
from firecover.network.csr import CSRNetwork
from firecover.network.turn_graph import build_turn_graph, turn_angles
from firecover.network.turns import TurnProfile, TurnRestriction, add_restrictions
from tests.graphs import X0, Y0, add_road, empty_graph

ZERO = {"traffic_signals": 0.0, "stop": 0.0, "give_way": 0.0, "roundabout": 0.0}


def _cross() -> nx.MultiDiGraph:
    """A junction 0 at the origin with arms 1 (E), 2 (N), 3 (W), 4 (S), all two-way."""
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    for k, (dx, dy) in {1: (100, 0), 2: (0, 100), 3: (-100, 0), 4: (0, -100)}.items():
        g.add_node(k, x=X0 + dx, y=Y0 + dy)
        add_road(g, 0, k, 36.0)
    return g


def _arc_cost(net: CSRNetwork, frm: tuple[int, int], to: tuple[int, int]) -> float | None:
    tg = net.turns
    assert tg is not None
    pos = net.node_index(list(frm) + list(to))
    e1 = int(np.flatnonzero((net.edge_u == pos[0]) & (net.edge_v == pos[1]))[0])
    e2 = int(np.flatnonzero((net.edge_u == pos[2]) & (net.edge_v == pos[3]))[0])
    lo, hi = tg.arc_ptr[e1], tg.arc_ptr[e1 + 1]
    hit = np.flatnonzero(tg.arc_to[lo:hi] == e2)
    return float(tg.arc_cost[lo + hit[0]]) if hit.size else None


def test_turn_angles_sign_left_positive() -> None:
    east, north, west = 0.0, np.pi / 2, np.pi
    assert turn_angles(np.array([east]), np.array([north]))[0] == pytest.approx(90.0)
    assert turn_angles(np.array([north]), np.array([east]))[0] == pytest.approx(-90.0)
    assert turn_angles(np.array([east]), np.array([west]))[0] == pytest.approx(180.0)


def test_turn_classes_and_delays_at_a_cross() -> None:
    g = _cross()
    g.nodes[0]["junction_control"] = "traffic_signals"
    prof = TurnProfile(junction_delay_s=dict(ZERO, traffic_signals=5.0), left_s=6.0, right_s=3.0)
    net = CSRNetwork.from_graph(g, turns=True)
    tg = build_turn_graph(g, net, prof)
    net = replace(net, turns=tg)
    # from the south arm (heading north): east is a right turn, west a left, north straight
    assert _arc_cost(net, (4, 0), (0, 1)) == pytest.approx(5.0 + 3.0)
    assert _arc_cost(net, (4, 0), (0, 3)) == pytest.approx(5.0 + 6.0)
    assert _arc_cost(net, (4, 0), (0, 2)) == pytest.approx(5.0)
    assert _arc_cost(net, (4, 0), (0, 4)) is None  # no U-turn at an ordinary junction
    assert _arc_cost(net, (0, 1), (1, 0)) == pytest.approx(prof.dead_end_u_turn_s)  # dead end
    assert tg.stats["controls"]["traffic_signals"] == 1
    assert tg.adj.shape == (net.n_edges + net.n_nodes,) * 2


def test_roundabout_entry_costs_its_delay() -> None:
    g = _cross()
    for u, v, k in list(g.edges(keys=True)):
        if {u, v} == {0, 1}:
            g.edges[u, v, k]["junction"] = "roundabout"
    net = CSRNetwork.from_graph(g, turns=True)
    prof = TurnProfile(junction_delay_s=dict(ZERO, roundabout=4.0), left_s=0.0, right_s=0.0)
    tg = build_turn_graph(g, net, prof)
    net = replace(net, turns=tg)
    assert _arc_cost(net, (4, 0), (0, 1)) == pytest.approx(4.0)  # entering it
    assert _arc_cost(net, (1, 0), (0, 3)) == pytest.approx(0.0)  # leaving it


def test_restriction_stats_and_only_turns() -> None:
    g = _cross()
    add_restrictions(
        g,
        [
            TurnRestriction("only", 0, 4, 2, "node", "only_straight_on"),
            TurnRestriction("no", 0, 99, 2, "node", "no_left_turn"),  # node 99 is not in the graph
        ],
    )
    net = CSRNetwork.from_graph(g)
    assert net.turns is not None
    s = net.turns.stats
    assert (s["restrictions"], s["restrictions_applied"], s["restrictions_off_network"]) == (
        2,
        1,
        1,
    )
    assert _arc_cost(net, (4, 0), (0, 1)) is None and _arc_cost(net, (4, 0), (0, 3)) is None
    assert _arc_cost(net, (4, 0), (0, 2)) is not None
    assert "restrictions 2 (1 on the network)" in net.turn_model


def test_graphml_and_cache_keep_the_turn_data(tmp_path: Path) -> None:
    g = _cross()
    g.nodes[0]["junction_control"] = "stop"
    add_restrictions(g, [TurnRestriction("no", 0, 4, 3, "node", "no_left_turn")])
    path = save_graph(g, tmp_path / "g.graphml")
    back = load_graph(path)
    assert back.nodes[0]["junction_control"] == "stop"
    net = CSRNetwork.from_graph(back)
    assert net.turns is not None and net.turns.stats["restrictions_applied"] == 1
    assert net.turns.stats["controls"]["stop"] == 1
    parts = {"profile": "china_urban"}
    cached_network(path, lambda: load_graph(path), key_parts=parts, cache_dir=tmp_path / "c")
    _, hit = cached_network(
        path, lambda: load_graph(path), key_parts=parts, cache_dir=tmp_path / "c"
    )
    assert hit.turns is not None
    np.testing.assert_array_equal(hit.turns.adj.toarray(), net.turns.adj.toarray())
