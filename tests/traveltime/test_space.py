"""Searches with turns (firecover.traveltime.space on the turn graph of network.turn_graph).

Hand-built graphs with times computed by hand, and networkx on an explicit line graph (built here
with its own per-turn loops) as the oracle on random graphs with random restrictions.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped, snap_points
from firecover.network.turns import (
    TurnProfile,
    TurnRestriction,
    add_restrictions,
    turn_profile_json,
)
from firecover.traveltime import (
    bounded_matrix,
    k_nearest_times,
    node_times,
    point_times,
    reached_edges,
    time_matrix,
)
from tests.graphs import X0, Y0, add_road, empty_graph, random_graph

ZERO = {"traffic_signals": 0.0, "stop": 0.0, "give_way": 0.0, "roundabout": 0.0}
PROF = TurnProfile(
    junction_delay_s=ZERO, right_s=3.0, left_s=6.0, u_turn_s=20.0, dead_end_u_turn_s=30.0
)


def _graph(nodes: dict[int, tuple[float, float]]) -> nx.MultiDiGraph:
    g = empty_graph()
    for k, (x, y) in nodes.items():
        g.add_node(k, x=X0 + x, y=Y0 + y)
    return g


def _net(g: nx.MultiDiGraph, prof: TurnProfile = PROF) -> CSRNetwork:
    g.graph["turn_profile"] = turn_profile_json(prof)
    return CSRNetwork.from_graph(g, turns="on")


def _at(net: CSRNetwork, x: float, y: float) -> Snapped:
    return snap_points(net, [X0 + x], [Y0 + y])


def _node_time(net: CSRNetwork, src: Snapped, node: int) -> float:
    return float(node_times(net, src).time[net.node_index([node])[0]])


def _plus() -> nx.MultiDiGraph:
    """A cross at 4 with arms 1 (S), 3 (W), 5 (E), 7 (N) and the ring 1-2-5-8-7-6-3 (no 0)."""
    pos = {
        1: (100, 0),
        2: (200, 0),
        3: (0, 100),
        4: (100, 100),
        5: (200, 100),
        6: (0, 200),
        7: (100, 200),
        8: (200, 200),
    }
    g = _graph(pos)
    for u, v in [(1, 4), (3, 4), (4, 5), (4, 7), (1, 2), (2, 5), (5, 8), (8, 7), (7, 6), (6, 3)]:
        add_road(g, u, v, 36.0)  # 10 s per 100 m
    return g


def test_banned_left_turn_forces_a_detour_of_known_length() -> None:
    g = _plus()
    free = TurnProfile(junction_delay_s=ZERO, right_s=0.0, left_s=0.0)
    src = _at(CSRNetwork.from_graph(g), 100, 0)  # at node 1
    assert _node_time(CSRNetwork.from_graph(g, turns="off"), src, 3) == pytest.approx(20.0)
    assert _node_time(_net(g, free), src, 3) == pytest.approx(20.0)
    add_restrictions(g, [TurnRestriction("no", 4, 1, 3, "node", "no_left_turn")])
    net = _net(g, free)
    # 1→4 then left is banned: 1→4→7→6→3 or 1→2→5→4→3, four blocks
    assert _node_time(net, src, 3) == pytest.approx(40.0)
    assert net.turns is not None and net.turns.stats["restrictions_applied"] == 1
    # with penalties: one left turn at a junction either way (at 5 on 1→2→5→4→3, or at 7 on
    # 1→4→7→6→3); bends at the degree-2 nodes 2 and 6 cost nothing
    pen = _net(g)
    assert _node_time(pen, src, 3) == pytest.approx(40.0 + 6.0)
    # the banned turn is also absent from the matrix of point targets
    tgt = _at(net, 40, 100)  # on road 3-4, 40 m from 3
    # reached from 4 (1→2→5→4, straight on, 60 m): 36 s; from 3 it would be 44 s
    assert time_matrix(net, src, tgt)[0, 0] == pytest.approx(36.0)


def test_signal_adds_its_delay_once_per_passage() -> None:
    g = _graph({0: (0, 0), 1: (100, 0), 2: (200, 0), 3: (300, 0)})
    for u, v in [(0, 1), (1, 2), (2, 3)]:
        add_road(g, u, v, 36.0)
    g.nodes[1]["junction_control"] = "traffic_signals"
    g.nodes[2]["junction_control"] = "traffic_signals"
    prof = TurnProfile(junction_delay_s=dict(ZERO, traffic_signals=7.0))
    net = _net(g, prof)
    src = _at(net, 0, 0)
    nt = node_times(net, src)
    got = dict(zip(net.node_ids.tolist(), nt.time.tolist(), strict=True))
    assert got[1] == pytest.approx(10.0)  # arriving at the signal: not passed yet
    assert got[2] == pytest.approx(27.0)  # one signal passed
    assert got[3] == pytest.approx(44.0)  # two signals, each once
    tgt = _at(net, 150, 0)
    t, _ = point_times(net, nt, tgt)
    assert t[0] == pytest.approx(10.0 + 7.0 + 5.0)
    assert bounded_matrix(net, src, 100.0, targets=tgt).toarray()[0, 0] == pytest.approx(22.0)


def _dead_end_graph(extend: bool) -> nx.MultiDiGraph:
    """One-way 5→1 into a junction 1 with a dead-end road east (1-2, and 2-6 if ``extend``) and
    a road north 1-3; only straight on from 5→1 at 1."""
    pos = {5: (-100, 0), 1: (0, 0), 2: (100, 0), 3: (0, 100), 6: (200, 0)}
    g = _graph(pos if extend else {k: p for k, p in pos.items() if k != 6})
    add_road(g, 5, 1, 36.0, oneway=True)
    add_road(g, 1, 2, 36.0)
    add_road(g, 1, 3, 36.0)
    if extend:
        add_road(g, 2, 6, 36.0)
    add_restrictions(g, [TurnRestriction("only", 1, 5, 2, "node", "only_straight_on")])
    return g


def test_u_turn_at_a_dead_end_costs_its_penalty() -> None:
    net = _net(_dead_end_graph(extend=False))
    src = _at(net, -50, 0)  # half-way along the one-way 5→1
    # 5 s to 1, straight to 2 (10), turn round at the dead end (30), back (10), right turn (3), 10
    assert _node_time(net, src, 3) == pytest.approx(68.0)
    assert _node_time(CSRNetwork.from_graph(_dead_end_graph(False), turns="off"), src, 3) == (
        pytest.approx(15.0)
    )


def test_u_turn_only_where_the_profile_allows_it() -> None:
    g = _dead_end_graph(extend=True)
    src = _at(CSRNetwork.from_graph(g), -50, 0)
    # node 2 is not a dead end: drive on to 6, turn there (30), back to 1 (20), right (3), 10
    assert _node_time(_net(g), src, 3) == pytest.approx(5 + 20 + 30 + 20 + 3 + 10)
    anywhere = TurnProfile(junction_delay_s=ZERO, right_s=3.0, u_turn_s=20.0, u_turns="anywhere")
    # U-turn at 2 (20 s) is now allowed; at 1 the only-straight-on restriction still binds
    assert _node_time(_net(g, anywhere), src, 3) == pytest.approx(5 + 10 + 20 + 10 + 3 + 10)


# --------------------------------------------------------------------------- the oracle


def _heading(coords: list[tuple[float, float]], last: bool) -> float:
    (x0, y0), (x1, y1) = (coords[-2], coords[-1]) if last else (coords[0], coords[1])
    return math.atan2(y1 - y0, x1 - x0)


def _oracle_turns(net: CSRNetwork, prof: TurnProfile, banned: set[tuple[int, int]]):
    """Allowed turns (e, e2) → cost, computed turn by turn (independent of turn_graph)."""
    m = net.n_edges
    nbrs: dict[int, set[int]] = {}
    for e in range(m):
        u, v = int(net.edge_u[e]), int(net.edge_v[e])
        if u != v:
            nbrs.setdefault(u, set()).add(v)
            nbrs.setdefault(v, set()).add(u)
    coords = [list(g.coords) for g in net.edge_geom]
    cand: dict[int, list[tuple[int, float, bool]]] = {e: [] for e in range(m)}
    for e in range(m):
        v = int(net.edge_v[e])
        for e2 in range(m):
            if int(net.edge_u[e2]) != v:
                continue
            d = math.degrees(_heading(coords[e2], False) - _heading(coords[e], True))
            while d <= -180:
                d += 360
            while d > 180:
                d -= 360
            uturn = e2 == net.edge_reverse[e] or (
                int(net.edge_v[e2]) == int(net.edge_u[e]) and abs(d) >= 150
            )
            junction = len(nbrs.get(v, ())) >= 3
            if abs(d) <= prof.straight_deg:
                c = prof.straight_s
            else:
                c = prof.left_s if d > 0 else prof.right_s
            cand[e].append((e2, c if junction else 0.0, uturn))
    out = {}
    entered = {
        e2 for e, lst in cand.items() for e2, _, ut in lst if not ut and (e, e2) not in banned
    }
    for e, lst in cand.items():
        dead = not any(not ut and (e, e2) not in banned for e2, _, ut in lst)
        for e2, c, ut in lst:
            if (e, e2) in banned:
                continue
            if ut:
                if dead or e2 not in entered:
                    out[(e, e2)] = prof.dead_end_u_turn_s
                elif prof.u_turns == "anywhere":
                    out[(e, e2)] = prof.u_turn_s
            else:
                out[(e, e2)] = c
    return out


def _oracle(net: CSRNetwork, prof: TurnProfile, banned, src: Snapped, tgt: Snapped) -> np.ndarray:
    turns = _oracle_turns(net, prof, banned)
    lg = nx.DiGraph()
    t = net.edge_time
    for (e, e2), c in turns.items():
        lg.add_edge(("S", e), ("S", e2), w=float(t[e]) + c)
    res = np.full((len(src), len(tgt)), np.inf)
    for i in range(len(src)):
        e, f, a = int(src.edge[i]), float(src.fraction[i]), float(src.access_s[i])
        g = lg.copy()
        starts = [(e, (1 - f) * float(t[e]))]
        if net.edge_reverse[e] >= 0:
            r = int(net.edge_reverse[e])
            starts.append((r, f * float(t[r])))
        for se, base in starts:
            for (x, y), c in turns.items():
                if x == se:
                    g.add_edge("src", ("S", y), w=base + c)
        dist = nx.single_source_dijkstra_path_length(g, "src", weight="w") if "src" in g else {}
        for j in range(len(tgt)):
            e2, f2, a2 = int(tgt.edge[j]), float(tgt.fraction[j]), float(tgt.access_s[j])
            best = dist.get(("S", e2), np.inf) + f2 * float(t[e2])
            r2 = int(net.edge_reverse[e2])
            if r2 >= 0:
                best = min(best, dist.get(("S", r2), np.inf) + (1 - f2) * float(t[r2]))
            if e2 == e and f2 >= f:
                best = min(best, (f2 - f) * float(t[e]))
            if r2 >= 0 and r2 == e and 1 - f2 >= f:
                best = min(best, (1 - f2 - f) * float(t[e]))
            if e2 == e and f2 <= f and r2 >= 0:
                best = min(best, (f - f2) * float(t[r2]))
            if r2 >= 0 and r2 == e and 1 - f2 <= f and net.edge_reverse[e] >= 0:
                best = min(best, (f - (1 - f2)) * float(t[r2]))
            res[i, j] = best + a + a2
    return res


def _random_case(seed: int, u_turns: str):
    g = random_graph(35, seed=seed, extent=2000.0)
    base = CSRNetwork.from_graph(g, turns="off")
    rng = np.random.default_rng(seed)
    items, banned = [], set()
    for _ in range(25):
        e = int(rng.integers(base.n_edges))
        v = int(base.edge_v[e])
        outs = np.flatnonzero(base.edge_u == v)
        if outs.size == 0:
            continue
        e2 = int(rng.choice(outs))
        a, b, c = (base.node_ids[k] for k in (base.edge_u[e], v, base.edge_v[e2]))
        # a node-keyed restriction bans every parallel edge pair between the nodes
        items.append(TurnRestriction("no", int(b), int(a), int(c), "node", "no_turn"))
        pe = np.flatnonzero((base.edge_u == base.edge_u[e]) & (base.edge_v == v))
        pe2 = np.flatnonzero((base.edge_u == v) & (base.edge_v == base.edge_v[e2]))
        banned |= {(int(x), int(y)) for x in pe for y in pe2}
    add_restrictions(g, items)
    g.nodes[0]["junction_control"] = "traffic_signals"
    prof = TurnProfile(u_turns=u_turns)
    net = _net(g, prof)
    x0, y0, x1, y1 = net.bounds
    pts = rng.uniform([x0, y0], [x1, y1], size=(12, 2))
    snapped = snap_points(net, pts[:, 0], pts[:, 1], max_m=1e6)
    return net, prof, banned, snapped


@pytest.mark.parametrize(("seed", "u_turns"), [(1, "dead_end"), (2, "anywhere"), (3, "dead_end")])
def test_searches_match_networkx_line_graph(seed: int, u_turns: str) -> None:
    net, prof, banned, pts = _random_case(seed, u_turns)
    # signal delay at node 0, added to every turn through it (oracle: fold into the costs)
    delay = prof.junction_delay_s["traffic_signals"]
    n0 = int(net.node_index([0])[0])
    src, tgt = pts[np.arange(5)], pts[np.arange(5, 12)]
    expect = _oracle_signal(net, prof, banned, src, tgt, n0, delay)
    got = time_matrix(net, src, tgt)
    np.testing.assert_allclose(got, expect, rtol=1e-9, atol=1e-6)
    lim = float(np.nanmedian(np.where(np.isfinite(expect), expect, np.nan)))
    b = bounded_matrix(net, src, lim, targets=tgt, chunk_size=2).toarray()
    want = np.where(expect <= lim, expect, 0.0)
    np.testing.assert_allclose(b, want, rtol=1e-9, atol=1e-6)
    kt, _ = k_nearest_times(net, src, tgt, k=2)
    np.testing.assert_allclose(kt, np.sort(expect, axis=0)[:2].T, rtol=1e-9, atol=1e-6)
    pt, _ = point_times(net, node_times(net, src), tgt)
    np.testing.assert_allclose(pt, expect.min(axis=0), rtol=1e-9, atol=1e-6)


def _oracle_signal(net, prof, banned, src, tgt, node: int, delay: float) -> np.ndarray:
    orig = _oracle_turns

    def with_delay(n, p, b):
        out = orig(n, p, b)
        return {k: c + (delay if int(n.edge_v[k[0]]) == node else 0.0) for k, c in out.items()}

    globals()["_oracle_turns"] = with_delay
    try:
        return _oracle(net, prof, banned, src, tgt)
    finally:
        globals()["_oracle_turns"] = orig


def test_reached_pieces_match_point_times() -> None:
    """A service area with turns: a road point is inside a reached piece iff its time ≤ budget."""
    net, _, _, pts = _random_case(4, "dead_end")
    src = pts[np.arange(2)]
    limit = 150.0
    re = reached_edges(net, src, limit)
    canon = np.unique(
        np.where(
            (net.edge_reverse >= 0) & (net.edge_reverse < np.arange(net.n_edges)),
            net.edge_reverse,
            np.arange(net.n_edges),
        )
    )
    fr = np.linspace(0.03, 0.97, 11)
    e = np.repeat(canon, fr.size)
    f = np.tile(fr, canon.size)
    z = np.zeros(e.size)
    probe = Snapped(e, f, z, z, z, z, np.zeros(e.size, dtype=bool))
    t = time_matrix(net, src, probe)
    for s_ in range(2):
        mine = re.of_source(s_)
        inside = np.zeros(e.size, dtype=bool)
        for edge, lo, hi in zip(mine.edge, mine.start, mine.end, strict=True):
            inside |= (e == edge) & (f >= lo - 1e-9) & (f <= hi + 1e-9)
        clear = np.abs(t[s_] - limit) > 1e-6
        np.testing.assert_array_equal(inside[clear], (t[s_] <= limit)[clear])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0.0, 0.5))
def test_free_turns_equal_the_node_search_and_costs_only_add(seed: int, share: float) -> None:
    """Invariants: with every turn free and allowed the line graph gives the node-graph times;
    penalties, delays and restrictions never make a trip faster."""
    g = random_graph(25, seed=seed, extent=1500.0, oneway_share=share)
    off = CSRNetwork.from_graph(g, turns="off")
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = off.bounds
    pts = rng.uniform([x0, y0], [x1, y1], size=(9, 2))
    snapped = snap_points(off, pts[:, 0], pts[:, 1], max_m=1e6)
    src, tgt = snapped[np.arange(4)], snapped[np.arange(4, 9)]
    free = TurnProfile(
        junction_delay_s=ZERO,
        right_s=0.0,
        left_s=0.0,
        u_turn_s=0.0,
        dead_end_u_turn_s=0.0,
        u_turns="anywhere",
    )
    base = time_matrix(off, src, tgt)
    np.testing.assert_allclose(time_matrix(_net(g, free), src, tgt), base, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        node_times(_net(g, free), src).time, node_times(off, src).time, rtol=1e-9, atol=1e-6
    )
    g.nodes[0]["junction_control"] = "stop"
    costly = time_matrix(_net(g), src, tgt)
    assert (costly >= base - 1e-6).all()
