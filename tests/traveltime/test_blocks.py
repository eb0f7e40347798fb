"""The tiled bounded search (firecover.traveltime.blocks) against networkx on random graphs."""

from __future__ import annotations

from unittest import mock

import networkx as nx
import numpy as np
import scipy.sparse as sp
from graphs import random_graph, split_oracle
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.network.snapping import Snapped
from firecover.traveltime import CSRNetwork, blocks, bounded_matrix
from firecover.traveltime.sparse import _csr_from_parts, _ranges

TOL = 1e-6


def _points(net: CSRNetwork, n: int, rng: np.random.Generator) -> Snapped:
    """Points anywhere along random edges (partial edges), some at edge ends, with access legs."""
    edge = rng.integers(0, net.n_edges, n)
    frac = rng.random(n)
    ends = rng.random(n) < 0.25
    frac[ends] = rng.choice([0.0, 1.0], int(ends.sum()))
    return Snapped.on_edges(net, edge, frac, access_s=rng.uniform(0.0, 15.0, n))


def _oracle(net: CSRNetwork, src: Snapped, tgt: Snapped | None) -> np.ndarray:
    """Dense source × target (or × node) times on the split graph, by networkx."""
    pts = src if tgt is None else Snapped.concat([src, tgt])
    dg = split_oracle(net, pts)
    cols = net.n_nodes if tgt is None else len(tgt)
    out = np.full((len(src), cols), np.inf)
    for i in range(len(src)):
        dist = nx.single_source_dijkstra_path_length(dg, ("p", i), weight="w")
        for j in range(cols):
            key = ("n", j) if tgt is None else ("p", len(src) + j)
            out[i, j] = dist.get(key, np.inf)
    return out


def _dense(m: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    dense = np.full(m.shape, np.inf)
    stored = np.zeros(m.shape, dtype=bool)
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    dense[rows, m.indices] = m.data
    stored[rows, m.indices] = True
    return dense, stored


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_nodes=st.integers(12, 45),
    oneway=st.floats(0.0, 0.8),
    limit=st.floats(5.0, 400.0),
    tile=st.integers(1, 6),
    local_share=st.sampled_from([0.0, 1.1]),  # 0: always the whole graph; 1.1: always a subgraph
    to_nodes=st.booleans(),
)
def test_tiles_match_networkx_on_random_graphs(
    seed: int,
    n_nodes: int,
    oneway: float,
    limit: float,
    tile: int,
    local_share: float,
    to_nodes: bool,
) -> None:
    """Same reachable pairs and times as networkx, with partial edges and one-way streets."""
    g = random_graph(n_nodes, seed=seed, oneway_share=oneway)
    net = CSRNetwork.from_graph(g)
    rng = np.random.default_rng(seed)
    src = _points(net, int(rng.integers(1, 9)), rng)
    tgt = None if to_nodes else Snapped.concat([_points(net, 20, rng), src[[0]]])
    ref = _oracle(net, src, tgt)
    with mock.patch.object(blocks, "_LOCAL_SHARE", local_share):
        mat = bounded_matrix(net, src, limit, targets=tgt, chunk_size=tile)
    dense, stored = _dense(mat)
    clear = np.abs(ref - limit) > TOL  # pairs at the limit itself may round either way
    np.testing.assert_array_equal(stored[clear], (ref <= limit)[clear])
    within = stored & (ref <= limit)
    np.testing.assert_allclose(dense[within], ref[within], atol=TOL)
    assert np.all(mat.data <= limit)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), limit=st.floats(5.0, 300.0), k=st.integers(1, 6))
def test_reach_pass_is_the_union_of_what_each_source_reaches(
    seed: int, limit: float, k: int
) -> None:
    """The tile's node set = every node some source of the tile reaches within the limit."""
    net = CSRNetwork.from_graph(random_graph(35, seed=seed, oneway_share=0.4))
    rng = np.random.default_rng(seed)
    src = _points(net, k, rng)
    search = blocks._Search(net, src, None, limit)
    nodes = search.reach(np.arange(k))
    ref = _oracle(net, src, None)
    clear = np.abs(ref - limit) > TOL
    want = (ref <= limit).any(axis=0)
    got = np.zeros(net.n_nodes, dtype=bool)
    got[nodes] = True
    sure = clear.all(axis=0)
    np.testing.assert_array_equal(got[sure], want[sure])


def test_spatial_order_keeps_neighbours_together() -> None:
    """Morton order: each quadrant of a regular 8 × 8 set of points is one run of 16."""
    ix, iy = np.meshgrid(np.arange(8.0), np.arange(8.0))
    order = blocks._spatial_order(ix.ravel() * 100.0, iy.ravel() * 100.0)
    quad = (ix.ravel()[order] >= 4).astype(int) + 2 * (iy.ravel()[order] >= 4)
    assert [len(set(quad[s : s + 16])) for s in range(0, 64, 16)] == [1, 1, 1, 1]
    assert sorted(order.tolist()) == list(range(64))


def test_ranges_concatenates_aranges() -> None:
    starts, ends = np.array([3, 0, 7, 7]), np.array([5, 2, 7, 9])
    np.testing.assert_array_equal(_ranges(starts, ends), [3, 4, 0, 1, 7, 8])
    assert _ranges(np.empty(0, np.int64), np.empty(0, np.int64)).size == 0


def test_csr_from_parts_puts_rows_in_order_and_keeps_zeros() -> None:
    """Chunks with rows out of order (as tiles yield them); stored zeros survive."""
    rows = [np.array([4, 4, 1]), np.array([0, 3, 3])]
    cols = [np.array([0, 2, 1]), np.array([5, 1, 4])]
    data = [np.array([0.0, 2.0, 1.0]), np.array([3.0, 0.0, 4.0])]
    m = _csr_from_parts(rows, cols, data, (5, 6))
    want = np.full((5, 6), -1.0)
    for r, c, d in zip(rows, cols, data, strict=True):
        want[r, c] = d
    got = np.full((5, 6), -1.0)
    got[np.repeat(np.arange(5), np.diff(m.indptr)), m.indices] = m.data
    np.testing.assert_array_equal(got, want)
    assert m.nnz == 6 and np.count_nonzero(m.data == 0.0) == 2
    np.testing.assert_array_equal(np.diff(m.indptr), [1, 1, 0, 2, 2])
