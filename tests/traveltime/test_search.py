"""Travel-time engine against networkx as the independent oracle."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from graphs import (
    X0,
    Y0,
    add_road,
    empty_graph,
    grid,
    random_graph,
    split_oracle,
    straight_road,
    xian_graph,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from firecover._errors import GraphError, UnsupportedCRSError
from firecover.network.snapping import Snapped, snap_points
from firecover.traveltime import (
    CSRNetwork,
    bounded_matrix,
    covered,
    k_nearest_times,
    node_times,
    point_times,
    time_matrix,
    travel_time_between,
)

TOL = 1e-6


def _graphs() -> dict[str, nx.MultiDiGraph]:
    out = {
        "grid_oneway": grid(7, 6, seed=1),
        "grid_nogeom": grid(5, 5, seed=2, with_geometry=False, oneway_share=0.5),
        "random_parallel": random_graph(70, seed=3),
        "random_zero": random_graph(50, seed=4, zero_length=True),
    }
    xian = xian_graph()
    if xian is not None:
        out["xian"] = xian
    return out


GRAPHS = _graphs()
NETS = {name: CSRNetwork.from_graph(g) for name, g in GRAPHS.items()}


def _random_points(net: CSRNetwork, n: int, seed: int, *, access: bool = True) -> Snapped:
    rng = np.random.default_rng(seed)
    edge = rng.integers(0, net.n_edges, n)
    frac = rng.random(n)
    ends = max(1, n // 4)
    frac[:ends] = rng.choice([0.0, 1.0], ends)  # some exactly at nodes
    acc = rng.uniform(0.0, 20.0, n) if access else 0.0
    return Snapped.on_edges(net, edge, frac, access_s=acc)


def _oracle_points(net: CSRNetwork, src: Snapped, tgt: Snapped) -> np.ndarray:
    """Dense source × target times from the split-graph oracle."""
    both = Snapped.concat([src, tgt])
    oracle = split_oracle(net, both)
    out = np.full((len(src), len(tgt)), np.inf)
    for i in range(len(src)):
        dist = nx.single_source_dijkstra_path_length(oracle, ("p", i), weight="w")
        for j in range(len(tgt)):
            out[i, j] = dist.get(("p", len(src) + j), np.inf)
    return out


# --- building the arrays --------------------------------------------------------------------


def test_from_graph_arrays_straight_road() -> None:
    net = CSRNetwork.from_graph(straight_road(1000.0, 36.0))
    assert net.n_nodes == 2 and net.n_edges == 2
    assert net.adj.shape == (2, 2) and net.adj[0, 1] == pytest.approx(100.0)
    assert list(net.edge_reverse) == [1, 0]
    assert net.crs == "EPSG:32650"
    assert net.v_max == pytest.approx(10.0)
    one = CSRNetwork.from_graph(straight_road(oneway=True))
    assert list(one.edge_reverse) == [-1]


def test_adjacency_takes_min_over_parallel_edges() -> None:
    g = straight_road(1000.0, 36.0)
    add_road(g, 0, 1, 72.0, geometry=LineString([(X0, Y0), (X0 + 500, Y0 + 1), (X0 + 1000, Y0)]))
    net = CSRNetwork.from_graph(g)
    assert net.adj[0, 1] == pytest.approx(min(100.0, net.edge_time.min()))
    assert net.adj.nnz == 2


def test_twins_pair_same_geometry_not_parallel_roads() -> None:
    """Two roads round a block have equal length; only true reverses are twins."""
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 100, y=Y0 + 100)
    north_east = LineString([(X0, Y0), (X0, Y0 + 100), (X0 + 100, Y0 + 100)])
    east_north = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100)])
    add_road(g, 0, 1, 30.0, geometry=north_east)
    add_road(g, 0, 1, 30.0, geometry=east_north)
    net = CSRNetwork.from_graph(g)
    for e in range(net.n_edges):
        t = net.edge_reverse[e]
        assert t >= 0 and net.edge_reverse[t] == e
        assert net.edge_geom[e].equals(net.edge_geom[t].reverse())
        assert net.edge_geom[e].reverse().equals_exact(net.edge_geom[t], 1e-9)


def test_missing_geometry_gets_straight_line_and_reversed_geometry_is_fixed() -> None:
    g = straight_road()
    g.add_node(2, x=X0 + 1000, y=Y0 + 500)
    g.add_edge(1, 2, length=500.0, travel_time=50.0, speed_kph=36.0, oneway=True)
    g.add_edge(
        2,
        0,
        length=1118.0,
        travel_time=100.0,
        speed_kph=40.0,
        oneway=True,
        geometry=LineString([(X0, Y0), (X0 + 1000, Y0 + 500)]),
    )  # stored v → u
    net = CSRNetwork.from_graph(g)
    e12 = int(np.flatnonzero((net.edge_u == 1) & (net.edge_v == 2))[0])
    assert net.edge_geom[e12].equals(LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 500)]))
    e20 = int(np.flatnonzero((net.edge_u == 2) & (net.edge_v == 0))[0])
    assert net.edge_geom[e20].coords[0] == (X0 + 1000, Y0 + 500)


@pytest.mark.parametrize(
    ("mutate", "error", "words"),
    [
        (lambda g: g.graph.pop("crs"), UnsupportedCRSError, "no 'crs'"),
        (lambda g: g.graph.update(crs="EPSG:4326"), UnsupportedCRSError, "geographic"),
        (lambda g: g.graph.update(crs="not a crs"), UnsupportedCRSError, "not a known"),
        (lambda g: g.graph.update(crs="EPSG:2263"), UnsupportedCRSError, "metres"),  # US feet
        (lambda g: g.edges[0, 1, 0].pop("travel_time"), GraphError, "no 'travel_time'"),
        (lambda g: g.edges[0, 1, 0].pop("length"), GraphError, "no 'length'"),
        (lambda g: g.edges[0, 1, 0].update(travel_time=-1.0), GraphError, "negative"),
        (lambda g: g.edges[0, 1, 0].update(travel_time=math.nan), GraphError, "NaN"),
        (lambda g: g.remove_edges_from(list(g.edges)), GraphError, "empty"),
        (lambda g: g.remove_nodes_from(list(g.nodes)), GraphError, "empty"),
    ],
)
def test_bad_graphs_raise_one_line(mutate: object, error: type[Exception], words: str) -> None:
    g = straight_road()
    mutate(g)  # type: ignore[operator]
    with pytest.raises(error, match=words) as info:
        CSRNetwork.from_graph(g)
    assert "\n" not in str(info.value)


# --- zero-time edges ------------------------------------------------------------------------


def test_csgraph_treats_stored_zeros_as_edges() -> None:
    """The engine relies on this: a stored 0 in CSR input is an edge of weight 0."""
    adj = sp.csr_array(
        (np.array([0.0, 5.0]), np.array([1, 2]), np.array([0, 1, 2, 2])), shape=(3, 3)
    )
    assert adj.nnz == 2
    dist = dijkstra(adj, directed=True, indices=[0])
    assert list(dist[0]) == [0.0, 0.0, 5.0]


def test_zero_time_edges_are_kept_and_used() -> None:
    g = GRAPHS["random_zero"]
    net = NETS["random_zero"]
    zero = np.flatnonzero(net.edge_time == 0.0)
    assert zero.size >= 2
    assert np.any(net.adj.data == 0.0)  # stored zeros
    new = max(g.nodes)
    ref = nx.single_source_dijkstra_path_length(g, new, weight="travel_time")
    nt = node_times(net, Snapped.at_nodes(net, net.node_index([new])))
    for node, t in ref.items():
        assert nt.time[net.node_index([node])[0]] == pytest.approx(t, abs=TOL)


# --- node times -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GRAPHS))
def test_node_times_match_networkx_multi_source(name: str) -> None:
    g, net = GRAPHS[name], NETS[name]
    rng = np.random.default_rng(7)
    src_nodes = rng.choice(net.n_nodes, 4, replace=False)
    nt = node_times(net, Snapped.at_nodes(net, src_nodes))
    ref = nx.multi_source_dijkstra_path_length(
        g, {net.node_ids[i] for i in src_nodes}, weight="travel_time"
    )
    times = np.array([ref.get(k, np.inf) for k in net.node_ids.tolist()])
    np.testing.assert_allclose(nt.time, times, atol=TOL)
    # the reported source is (one of) the nearest
    single = [
        nx.single_source_dijkstra_path_length(g, net.node_ids[i], weight="travel_time")
        for i in src_nodes
    ]
    for pos, key in enumerate(net.node_ids.tolist()):
        if np.isfinite(nt.time[pos]):
            assert single[nt.source[pos]][key] == pytest.approx(nt.time[pos], abs=TOL)
        else:
            assert nt.source[pos] == -1


@pytest.mark.parametrize("name", ["grid_oneway", "random_parallel", "random_zero"])
def test_node_times_from_mid_edge_sources_match_split_oracle(name: str) -> None:
    net = NETS[name]
    src = _random_points(net, 5, seed=11)
    nt = node_times(net, src, limit=400.0)
    oracle = split_oracle(net, src)
    ref = nx.multi_source_dijkstra_path_length(
        oracle, {("p", i) for i in range(len(src))}, weight="w"
    )
    expect = np.array([ref.get(("n", i), np.inf) for i in range(net.n_nodes)])
    expect[expect > 400.0] = np.inf
    np.testing.assert_allclose(nt.time, expect, atol=TOL)


def test_node_times_limit_and_no_sources() -> None:
    net = NETS["grid_oneway"]
    full = node_times(net, Snapped.at_nodes(net, [0]))
    lim = node_times(net, Snapped.at_nodes(net, [0]), limit=60.0)
    inside = full.time <= 60.0
    np.testing.assert_array_equal(lim.time[inside], full.time[inside])
    assert np.all(np.isinf(lim.time[~inside])) and np.all(lim.source[~inside] == -1)
    none = node_times(net, Snapped.empty())
    assert np.all(np.isinf(none.time)) and np.all(none.source == -1)


def test_edge_end_positions_are_the_nodes() -> None:
    """A point at fraction 0 / 1 of any edge, one-way or not, behaves exactly as that node."""
    net = NETS["grid_nogeom"]
    edges = np.arange(net.n_edges)
    for frac, ends in ((0.0, net.edge_u), (1.0, net.edge_v)):
        for e in edges[(net.edge_reverse < 0)][:15]:
            on_edge = node_times(net, Snapped.on_edges(net, [e], [frac]))
            at_node = node_times(net, Snapped.at_nodes(net, [ends[e]]))
            np.testing.assert_allclose(on_edge.time, at_node.time, atol=TOL)
            as_target, _ = point_times(
                net, node_times(net, Snapped.at_nodes(net, [0])), Snapped.on_edges(net, [e], [frac])
            )
            assert as_target[0] == pytest.approx(
                node_times(net, Snapped.at_nodes(net, [0])).time[ends[e]], abs=TOL
            )


# --- point times ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in GRAPHS if n != "grid_nogeom"])
def test_point_times_match_split_oracle(name: str) -> None:
    net = NETS[name]
    src = _random_points(net, 4, seed=21)
    tgt = _random_points(net, 30, seed=22)
    # put a few targets on the sources' roads, on both twins
    twin = np.where(net.edge_reverse[src.edge] >= 0, net.edge_reverse[src.edge], src.edge)
    extra = Snapped.on_edges(net, np.r_[src.edge, twin], np.r_[src.fraction * 0.5, [0.9] * 4])
    tgt = Snapped.concat([tgt, extra])
    ref = _oracle_points(net, src, tgt)
    times, which = point_times(net, node_times(net, src), tgt)
    np.testing.assert_allclose(times, ref.min(axis=0), atol=TOL)
    reach = np.isfinite(times)
    np.testing.assert_allclose(ref[which[reach], np.flatnonzero(reach)], times[reach], atol=TOL)
    assert np.all(which[~reach] == -1)


def test_straight_road_analytic() -> None:
    """1000 m at 36 km/h: from 25 % to 75 % is 50 s, both ways; one-way forbids the reverse."""
    net = CSRNetwork.from_graph(straight_road(1000.0, 36.0))
    a, b = Snapped.on_edges(net, [0], [0.25]), Snapped.on_edges(net, [0], [0.75])
    assert travel_time_between(net, a, b) == pytest.approx(50.0)
    assert travel_time_between(net, b, a) == pytest.approx(50.0)
    b_twin = Snapped.on_edges(net, [1], [0.25])  # same spot, given on the twin edge
    assert travel_time_between(net, a, b_twin) == pytest.approx(50.0)
    one = CSRNetwork.from_graph(straight_road(1000.0, 36.0, oneway=True))
    a, b = Snapped.on_edges(one, [0], [0.25]), Snapped.on_edges(one, [0], [0.75])
    assert travel_time_between(one, a, b) == pytest.approx(50.0)
    assert travel_time_between(one, b, a) == math.inf
    assert travel_time_between(one, a, a) == 0.0


def test_access_legs_are_added_at_both_ends() -> None:
    net = CSRNetwork.from_graph(straight_road(1000.0, 36.0))
    pts = snap_points(net, [X0 + 250, X0 + 750], [Y0 + 30, Y0 - 60], access_speed_kph=18.0)
    np.testing.assert_allclose(pts.access_s, [6.0, 12.0])
    assert travel_time_between(net, pts[0], pts[1]) == pytest.approx(6.0 + 50.0 + 12.0)


def test_travel_time_between_takes_single_points() -> None:
    net = NETS["grid_oneway"]
    with pytest.raises(ValueError, match="one point each"):
        travel_time_between(net, Snapped.at_nodes(net, [0, 1]), Snapped.at_nodes(net, [2]))


# --- bounded matrices -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.parametrize("chunk", [None, 3])
def test_bounded_matrix_nodes_match_networkx_cutoff(name: str, chunk: int | None) -> None:
    g, net = GRAPHS[name], NETS[name]
    limit = 97.3
    src_nodes = np.random.default_rng(5).choice(net.n_nodes, 8, replace=False)
    mat = bounded_matrix(net, Snapped.at_nodes(net, src_nodes), limit, chunk_size=chunk)
    assert isinstance(mat, sp.csr_array) and mat.shape == (8, net.n_nodes)
    for row, s in enumerate(src_nodes):
        ref = nx.single_source_dijkstra_path_length(
            g, net.node_ids[s], cutoff=limit, weight="travel_time"
        )
        lo, hi = mat.indptr[row], mat.indptr[row + 1]
        got = dict(zip(mat.indices[lo:hi].tolist(), mat.data[lo:hi].tolist(), strict=True))
        want = {int(net.node_index([k])[0]): v for k, v in ref.items()}
        assert got.keys() == want.keys()
        for k, v in want.items():
            assert got[k] == pytest.approx(v, abs=TOL)


@pytest.mark.parametrize("name", [n for n in GRAPHS if n != "grid_nogeom"])
def test_bounded_matrix_points_match_split_oracle(name: str) -> None:
    net = NETS[name]
    src = _random_points(net, 6, seed=31)
    tgt = Snapped.concat([_random_points(net, 25, seed=32), src[[0, 1]]])
    ref = _oracle_points(net, src, tgt)
    for limit in (45.0, 150.0):
        mat = bounded_matrix(net, src, limit, targets=tgt, chunk_size=2)
        dense = np.full(mat.shape, np.inf)
        rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
        dense[rows, mat.indices] = mat.data
        expect = np.where(ref <= limit, ref, np.inf)
        np.testing.assert_allclose(dense, expect, atol=TOL)
    np.testing.assert_allclose(time_matrix(net, src, tgt), ref, atol=TOL)


def test_local_tiles_match_whole_graph() -> None:
    """A big sparse grid where tiles search local subgraphs only; same answer as one search."""
    g = grid(30, 30, spacing=150.0, seed=9, oneway_share=0.2)
    net = CSRNetwork.from_graph(g)
    src = _random_points(net, 40, seed=3)
    mat = bounded_matrix(net, src, 60.0, chunk_size=5)
    full = time_matrix(net, src, chunk_size=40)  # no limit: whole graph
    expect = np.where(full <= 60.0, full, np.inf)
    dense = np.full(mat.shape, np.inf)
    rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
    dense[rows, mat.indices] = mat.data
    np.testing.assert_allclose(dense, expect, atol=TOL)


def test_zero_time_pairs_are_stored_and_covered() -> None:
    net = CSRNetwork.from_graph(straight_road())
    src = Snapped.on_edges(net, [0], [0.25])
    tgt = Snapped.on_edges(net, [1, 0], [0.75, 0.9])  # the first is the source's own spot
    mat = bounded_matrix(net, src, 100.0, targets=tgt)
    assert mat.nnz == 2 and 0.0 in mat.data
    cov = covered(mat)
    assert cov.dtype == bool and cov.nnz == 2 and cov[0, 0]
    assert covered(mat, within_s=10.0).nnz == 1
    node_mat = bounded_matrix(net, Snapped.at_nodes(net, [0]), 100.0)
    assert node_mat.nnz == 2 and node_mat.indices.tolist() == [0, 1] and node_mat.data[0] == 0.0


def test_bounded_matrix_rejects_bad_limit() -> None:
    net = NETS["grid_oneway"]
    with pytest.raises(ValueError, match="limit_s"):
        bounded_matrix(net, Snapped.at_nodes(net, [0]), float("nan"))


def test_empty_sources_and_targets() -> None:
    net = NETS["grid_oneway"]
    assert bounded_matrix(net, Snapped.empty(), 100.0).shape == (0, net.n_nodes)
    mat = bounded_matrix(net, Snapped.at_nodes(net, [0]), 100.0, targets=Snapped.empty())
    assert mat.shape == (1, 0)


# --- k nearest ------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [None, 120.0])
def test_k_nearest_matches_sorted_matrix(limit: float | None) -> None:
    net = NETS["random_parallel"]
    src = _random_points(net, 7, seed=41)
    tgt = _random_points(net, 40, seed=42)
    full = time_matrix(net, src, tgt)
    if limit is not None:
        full[full > limit] = np.inf
    times, index = k_nearest_times(net, src, tgt, k=3, limit=limit)
    np.testing.assert_allclose(times, np.sort(full, axis=0)[:3].T, atol=TOL)
    ok = np.isfinite(times)
    cols = np.broadcast_to(np.arange(len(tgt))[:, None], times.shape)
    np.testing.assert_allclose(full[index[ok], cols[ok]], times[ok], atol=TOL)
    assert np.all(index[~ok] == -1)
    assert np.all(times[:, 1:] >= times[:, :-1])


def test_k_nearest_nodes_and_small_k() -> None:
    net = NETS["grid_oneway"]
    src = Snapped.at_nodes(net, [0, 10, 20])
    times, index = k_nearest_times(net, src, k=5)
    assert times.shape == (net.n_nodes, 5) and np.all(np.isinf(times[:, 3:]))
    assert np.all(index[:, 3:] == -1)
    nt = node_times(net, src)
    np.testing.assert_allclose(times[:, 0], nt.time, atol=TOL)
    with pytest.raises(ValueError, match="k must"):
        k_nearest_times(net, src, k=0)


# --- properties -----------------------------------------------------------------------------

PROP_NET = NETS["random_parallel"]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    lim=st.floats(1.0, 200.0),
    extra=st.floats(0.0, 200.0),
)
def test_larger_limit_never_removes_entries(seed: int, lim: float, extra: float) -> None:
    src = _random_points(PROP_NET, 3, seed=seed)
    small = bounded_matrix(PROP_NET, src, lim)
    big = bounded_matrix(PROP_NET, src, lim + extra)
    small_pairs = set(
        zip(
            np.repeat(np.arange(3), np.diff(small.indptr)).tolist(),
            small.indices.tolist(),
            strict=True,
        )
    )
    big_pairs = set(
        zip(
            np.repeat(np.arange(3), np.diff(big.indptr)).tolist(), big.indices.tolist(), strict=True
        )
    )
    assert small_pairs <= big_pairs
    for r, c in small_pairs:
        assert small[r, c] == big[r, c]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4))
def test_adding_a_source_never_increases_times(seed: int, n: int) -> None:
    pts = _random_points(PROP_NET, n + 1, seed=seed)
    fewer = node_times(PROP_NET, pts[np.arange(n)])
    more = node_times(PROP_NET, pts)
    assert np.all(more.time <= fewer.time + 1e-9)
    tgt = _random_points(PROP_NET, 20, seed=seed + 1)
    t_fewer, _ = point_times(PROP_NET, fewer, tgt)
    t_more, _ = point_times(PROP_NET, more, tgt)
    assert np.all(t_more <= t_fewer + 1e-9)


def test_loops_in_the_same_direction_are_not_twins() -> None:
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    loop = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0)])
    add_road(g, 0, 0, 30.0, geometry=loop, oneway=True)
    add_road(g, 0, 0, 30.0, geometry=loop, oneway=True)  # a duplicate, same direction
    add_road(g, 0, 0, 30.0, geometry=loop)  # a two-way loop: a pair of twins
    net = CSRNetwork.from_graph(g)
    rev = net.edge_reverse
    assert (rev >= 0).sum() == 2  # one pair only: same-direction loops never pair
    e = int(np.flatnonzero(rev >= 0)[0])
    assert net.edge_geom[e].reverse().equals_exact(net.edge_geom[rev[e]], 1e-9)
