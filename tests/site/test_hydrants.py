"""Hydrant radius, spacing and covering (firecover.site.hydrants) against hand computations,
networkx distances and brute-force minimum sets."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from graphs import X0, Y0, add_road, empty_graph
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.site.hydrants import (
    RoadPoints,
    analyse_hydrants,
    check_siting,
    distance_to_hydrants,
    roads_of,
    site_hydrants,
)
from firecover.traveltime import CSRNetwork


def _line(length: float = 1000.0) -> CSRNetwork:
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + length, y=Y0)
    add_road(g, 0, 1, 30.0)
    return CSRNetwork.from_graph(g)


def _cross() -> CSRNetwork:
    """A cross: centre node 0 and four arms of 200, 300, 400 and 500 m (one arm one-way)."""
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    for n, (dx, dy) in enumerate([(200, 0), (0, 300), (-400, 0), (0, -500)], start=1):
        g.add_node(n, x=X0 + dx, y=Y0 + dy)
        add_road(g, 0, n, 30.0, oneway=(n == 2))
    return CSRNetwork.from_graph(g)


def _pts(road: list[int], s: list[float]) -> RoadPoints:
    return RoadPoints(np.asarray(road, dtype=np.int64), np.asarray(s, dtype=np.float64))


def test_line_by_hand() -> None:
    # Hydrants at 0 and 300 m of a 1 km road: radius 150 covers [0, 450]; the 300 m between them
    # is a spacing gap; [300, 1000] leads to no further hydrant (a tail, left to the radius rule).
    an = analyse_hydrants(_line(), _pts([0, 0], [0.0, 300.0]))
    assert an.uncovered == [(0, pytest.approx(450.0), pytest.approx(1000.0))]
    assert [(k, a, b) for k, a, b, _ in an.spacing_gaps] == [(0, 0.0, 300.0)]
    assert an.spacing_gaps[0][3] == pytest.approx(300.0)
    assert an.uncovered_m == {"residential": pytest.approx(550.0)}


def test_line_fewest_new_by_hand() -> None:
    # No hydrant: every point within 60 m needs ceil(1000 / 120) = 9 hydrants.
    none = _pts([], [])
    sit = site_hydrants(_line(), none)
    assert sit.new.road.size == 9 and sit.status == "optimal"
    assert check_siting(_line(), none, sit) <= 60.0 + 1e-6


def _oracle(net: CSRNetwork, hyd: RoadPoints, pts: RoadPoints) -> np.ndarray:
    """networkx: insert every hydrant and point as a node on its road, undirected, by length."""
    roads = roads_of(net)
    g = nx.Graph()
    marks: dict[int, list[tuple[float, str]]] = {}
    for i, (k, s) in enumerate(zip(hyd.road, hyd.s, strict=True)):
        marks.setdefault(int(k), []).append((float(s), f"h{i}"))
    for i, (k, s) in enumerate(zip(pts.road, pts.s, strict=True)):
        marks.setdefault(int(k), []).append((float(s), f"p{i}"))
    for k, e in enumerate(roads):
        u, v, ln = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length[e])
        seq = [(0.0, u), *sorted(marks.get(k, [])), (ln, v)]
        for (a, na), (b, nb) in itertools.pairwise(seq):
            w = b - a
            if g.has_edge(na, nb):
                w = min(w, g[na][nb]["weight"])
            g.add_edge(na, nb, weight=w)
    d = nx.multi_source_dijkstra_path_length(g, {f"h{i}" for i in range(hyd.road.size)})
    return np.array([d.get(f"p{i}", np.inf) for i in range(pts.road.size)])


@settings(max_examples=40, deadline=None)
@given(
    hyd=st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1)), min_size=1, max_size=4),
    pts=st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1)), min_size=1, max_size=8),
)
def test_distances_match_networkx(
    hyd: list[tuple[int, float]], pts: list[tuple[int, float]]
) -> None:
    net = _cross()
    ln = net.edge_length[roads_of(net)]
    h = _pts([k for k, _ in hyd], [f * ln[k] for k, f in hyd])
    p = _pts([k for k, _ in pts], [f * ln[k] for k, f in pts])
    np.testing.assert_allclose(distance_to_hydrants(net, h, p), _oracle(net, h, p), atol=1e-6)


def test_cross_uncovered_matches_sampled_oracle() -> None:
    net = _cross()
    h = _pts([0], [100.0])  # on the 200 m arm
    an = analyse_hydrants(net, h)
    ln = net.edge_length[roads_of(net)]
    grid = [(k, s) for k in range(4) for s in np.arange(0.5, ln[k], 1.0)]
    p = _pts([k for k, _ in grid], [s for _, s in grid])
    far = _oracle(net, h, p) > 150.0
    inside = np.zeros(len(grid), dtype=bool)
    for k, a, b in an.uncovered:
        inside |= (p.road == k) & (p.s > a) & (p.s < b)
    assert (far == inside).all()


def test_fewest_new_matches_brute_force() -> None:
    # 300 m road, covering radius 60 m, candidates every 20 m: brute force over subsets.
    net = _line(300.0)
    sit = site_hydrants(net, _pts([], []), cover_radius_m=60.0)
    cands = np.arange(0.0, 301.0, 20.0)
    demand = sit.demand.s
    best = next(
        n
        for n in range(1, 6)
        if any(
            (np.abs(demand[:, None] - np.array(c)[None, :]).min(axis=1) <= 60.0).all()
            for c in itertools.combinations(cands, n)
        )
    )
    assert sit.new.road.size == best == 3


def test_existing_hydrants_reduce_the_need() -> None:
    net = _line(1000.0)
    sit = site_hydrants(net, _pts([0] * 5, [60.0, 180.0, 300.0, 420.0, 540.0]))
    # [0, 600] is within 60 m already; [600, 1000] needs ceil(400 / 120) = 4.
    assert sit.new.road.size == 4
    assert check_siting(net, _pts([0] * 5, [60.0, 180.0, 300.0, 420.0, 540.0]), sit) <= 60 + 1e-6
