"""Travel-time engine: shortest driving times on a :class:`CSRNetwork` with scipy's csgraph.

Model
-----
Every search runs in :func:`scipy.sparse.csgraph.dijkstra` (C code) on the node adjacency
``net.adj`` extended by one **virtual node** per source point. A source snapped to edge
e = (u, v) at fraction f with access time a gets the out-edges::

    virtual → v : a + (1 − f) · t(e)
    virtual → u : a + f · t(twin)        if e has a reverse twin (or f = 0: the point is u)

A target point on e' = (u', v') at fraction f' with access a' is reached at::

    min( T[u'] + f' · t(e'),  T[v'] + (1 − f') · t(twin') ) + a'

(the second term only with a twin, or when f' = 1), and when source and target lie on the same
road (edge or its twin) also directly along it: (f' − f) · t(e) if f' ≥ f, or
(f − f') · t(twin) if f' ≤ f and the road is two-way, plus both access times.

Virtual nodes have no in-edges, so no path passes through another source. Points flagged
``too_far`` are searched like any other; drop them first if they must not count. Zero-time edges are
stored zeros in the CSR, which csgraph treats as edges of weight 0 (tested).
Times are seconds of driving including access legs, excluding turnout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped
from firecover.traveltime.blocks import (
    _csgraph_limit,
    _Pts,
    _same_edge_pairs,
    _shortcut,
    _source_legs,
    iter_blocks,
)
from firecover.traveltime.space import n_states, node_state, search_adj
from firecover.traveltime.sparse import _augmented, _csr_from_parts

__all__ = [
    "CSRNetwork",
    "NodeTimes",
    "bounded_matrix",
    "covered",
    "k_nearest_times",
    "node_times",
    "point_times",
    "time_matrix",
    "travel_time_between",
]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class NodeTimes:
    """Multi-source result: the nearest source of every node (network Voronoi).

    Attributes
    ----------
    time : ndarray (n,)
        Seconds from the nearest source; ``inf`` when unreachable (or beyond ``limit``).
    source : ndarray of int (n,)
        Index into ``sources`` of that source; −1 when unreachable.
    sources : Snapped
        The sources (needed for same-road shortcuts in :func:`point_times`).
    limit : float or None
        The search limit in seconds.
    state_time, state_source : ndarray or None
        With turns (``net.turns``): the same for every state of the turn graph (edge starts,
        then node arrivals), which :func:`point_times` needs; None without turns.
    """

    time: FloatArray
    source: IntArray
    sources: Snapped
    limit: float | None
    state_time: FloatArray | None = None
    state_source: IntArray | None = None


def node_times(net: CSRNetwork, sources: Snapped, *, limit: float | None = None) -> NodeTimes:
    """Time from the nearest source to every node, and which source that is.

    One multi-source Dijkstra (``min_only=True``) from all virtual sources.

    Parameters
    ----------
    net : CSRNetwork
    sources : Snapped
        Source points (e.g. stations).
    limit : float, optional
        Stop searching beyond this many seconds; farther nodes are ``inf`` / −1.
    """
    n = n_states(net)
    if len(sources) == 0:
        empty = np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        k, nn = node_state(net), net.n_nodes
        extra = empty if net.turns is not None else (None, None)
        return NodeTimes(empty[0][k : k + nn], empty[1][k : k + nn], sources, limit, *extra)
    src = _Pts.build(net, sources)
    graph = _augmented(search_adj(net), *_source_legs(net, src), n_virtual=len(src))
    lim = _csgraph_limit(limit)
    dist, _, origin = dijkstra(
        graph,
        directed=True,
        indices=np.arange(n, n + len(src)),
        limit=lim,
        min_only=True,
        return_predecessors=True,
    )
    time = np.asarray(dist[:n], dtype=np.float64)
    which = np.where(origin[:n] >= n, origin[:n].astype(np.int64) - n, -1)
    if limit is not None:
        far = time > limit
        time[far], which[far] = np.inf, -1
    which[~np.isfinite(time)] = -1
    if net.turns is None:
        return NodeTimes(time, which, sources, limit)
    k = node_state(net)
    return NodeTimes(time[k:].copy(), which[k:].copy(), sources, limit, time, which)


def point_times(
    net: CSRNetwork, node_times: NodeTimes, targets: Snapped
) -> tuple[FloatArray, IntArray]:
    """Arrival time at snapped points from the nearest source, and that source's index.

    Uses the node times at both ends of each target's edge (per allowed direction), plus the
    direct along-road time from any source on the same road. Beyond ``node_times.limit`` or
    unreachable: ``inf`` / −1.
    """
    tgt = _Pts.build(net, targets)
    st = node_times.time if node_times.state_time is None else node_times.state_time
    ss = node_times.source if node_times.state_source is None else node_times.state_source
    if st.size != n_states(net):
        raise ValueError("node_times was computed with a different turn model than net")
    via_u = st[tgt.u] + tgt.cu
    via_v = st[tgt.v] + tgt.cv
    time = np.minimum(via_u, via_v) + tgt.a
    which = np.where(via_u <= via_v, ss[tgt.u], ss[tgt.v])
    if len(node_times.sources):
        src = _Pts.build(net, node_times.sources)
        si, ti = _same_edge_pairs(src.e, tgt.e)
        if si.size:
            w = _shortcut(net, src, tgt, si, ti)
            order = np.lexsort((si, w, ti))
            first = np.ones(order.size, dtype=bool)
            first[1:] = ti[order][1:] != ti[order][:-1]
            best = order[first]
            better = w[best] < time[ti[best]]
            time[ti[best][better]] = w[best][better]
            which[ti[best][better]] = si[best][better]
    if node_times.limit is not None:
        time[time > node_times.limit] = np.inf
    which = np.where(np.isfinite(time), which, -1)
    return time, which.astype(np.int64)


def bounded_matrix(
    net: CSRNetwork,
    sources: Snapped,
    limit_s: float,
    *,
    targets: Snapped | None = None,
    chunk_size: int | None = None,
) -> sp.csr_array:
    """Sparse travel times ≤ ``limit_s`` from each source to each node (or target point).

    Convention: the sparsity **structure** is the set of pairs reachable within the limit and
    ``.data`` holds their times in seconds. A pair at time 0 (a target on top of its source)
    is a *stored zero*: never call ``eliminate_zeros()`` on the result and do not use
    ``M != 0`` / ``M > 0`` to find covered pairs; use :func:`covered` (or ``M.indptr`` /
    ``M.indices``) instead.

    Sources are processed in spatial tiles (:data:`~firecover.traveltime.blocks.TILE_SOURCES`
    each, never a dense sources × nodes array); a reach pass finds the nodes a tile reaches
    within ``limit_s`` and the tile searches only that subgraph and prices only the targets on
    its edges, so the work follows what the sources reach, not the size of the graph.

    Parameters
    ----------
    net : CSRNetwork
    sources : Snapped
    limit_s : float
        Keep pairs with time ≤ this (seconds).
    targets : Snapped, optional
        Target points; default every node (columns = node positions).
    chunk_size : int, optional
        Sources per tile; default :data:`~firecover.traveltime.blocks.TILE_SOURCES`.

    Returns
    -------
    scipy.sparse.csr_array, shape (len(sources), n_nodes or len(targets)), float64
    """
    if not limit_s >= 0:
        raise ValueError(f"limit_s must be a non-negative number of seconds, got {limit_s}")
    n_cols = net.n_nodes if targets is None else len(targets)
    parts_r, parts_c, parts_d = [], [], []
    for sel, block, cols in iter_blocks(net, sources, targets, float(limit_s), chunk_size):
        r, c = np.nonzero(block <= limit_s)
        parts_r.append(sel[r])
        parts_c.append(cols[c])
        parts_d.append(block[r, c])
    return _csr_from_parts(parts_r, parts_c, parts_d, (len(sources), n_cols))


def _bounded_states(net: CSRNetwork, sources: Snapped, limit_s: float) -> sp.csr_array:
    """Like :func:`bounded_matrix` over every search state (turn graph: edge starts ``S[e]``,
    then node arrivals ``m + v``); the node graph's states are its nodes."""
    parts_r, parts_c, parts_d = [], [], []
    for sel, block, cols in iter_blocks(net, sources, None, float(limit_s), None, states=True):
        r, c = np.nonzero(block <= limit_s)
        parts_r.append(sel[r])
        parts_c.append(cols[c])
        parts_d.append(block[r, c])
    return _csr_from_parts(parts_r, parts_c, parts_d, (len(sources), n_states(net)))


def covered(matrix: sp.csr_array, within_s: float | None = None) -> sp.csr_array:
    """Boolean incidence of a :func:`bounded_matrix`: True where time ≤ ``within_s``.

    Keeps zero-time pairs (unlike ``matrix > 0``). Default: every stored pair.
    """
    m = sp.csr_array(matrix)
    keep = np.ones(m.data.size, dtype=bool) if within_s is None else m.data <= within_s
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[keep]
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m.shape[0]), out=indptr[1:])
    return sp.csr_array(
        (np.ones(int(keep.sum()), dtype=bool), m.indices[keep], indptr), shape=m.shape
    )


def time_matrix(
    net: CSRNetwork,
    sources: Snapped,
    targets: Snapped | None = None,
    *,
    limit: float | None = None,
    chunk_size: int | None = None,
) -> FloatArray:
    """Dense times (sources × nodes, or × targets); inf beyond ``limit`` / unreachable.

    Allocates the full dense result: for small problems, tests and reports only.
    """
    n_cols = net.n_nodes if targets is None else len(targets)
    out = np.full((len(sources), n_cols), np.inf)
    for sel, block, cols in iter_blocks(net, sources, targets, limit, chunk_size):
        out[np.ix_(sel, cols)] = block
    return out


def k_nearest_times(
    net: CSRNetwork,
    sources: Snapped,
    targets: Snapped | None = None,
    k: int = 2,
    limit: float | None = None,
) -> tuple[FloatArray, IntArray]:
    """The ``k`` fastest sources per target (e.g. first and second-due station).

    Returns
    -------
    times : ndarray (n_targets, k)
        Seconds, ascending per row; inf when fewer than k sources reach the target.
    index : ndarray of int (n_targets, k)
        Source indices; −1 where the time is inf. Ties go to the lower source index.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    n_cols = net.n_nodes if targets is None else len(targets)
    if limit is not None:
        return _k_from_sparse(bounded_matrix(net, sources, limit, targets=targets), k)
    best_t = np.full((k, n_cols), np.inf)
    best_i = np.full((k, n_cols), -1, dtype=np.int64)
    for sel, block, cols in iter_blocks(net, sources, targets, None, None):
        full = np.full((sel.size, n_cols), np.inf)
        full[:, cols] = block
        all_t = np.concatenate([best_t, full])
        all_i = np.concatenate([best_i, np.broadcast_to(sel[:, None], full.shape)])
        order = np.argsort(all_t, axis=0, kind="stable")[:k]
        best_t = np.take_along_axis(all_t, order, axis=0)
        best_i = np.take_along_axis(all_i, order, axis=0)
    best_i[~np.isfinite(best_t)] = -1
    return best_t.T.copy(), best_i.T.copy()


def _k_from_sparse(m: sp.csr_array, k: int) -> tuple[FloatArray, IntArray]:
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    cols, data = m.indices.astype(np.int64), m.data
    order = np.lexsort((rows, data, cols))
    cols_o = cols[order]
    starts = np.searchsorted(cols_o, np.arange(m.shape[1]))
    rank = np.arange(order.size) - starts[cols_o]
    ok = rank < k
    times = np.full((m.shape[1], k), np.inf)
    index = np.full((m.shape[1], k), -1, dtype=np.int64)
    times[cols_o[ok], rank[ok]] = data[order][ok]
    index[cols_o[ok], rank[ok]] = rows[order][ok]
    return times, index


def travel_time_between(net: CSRNetwork, a: Snapped, b: Snapped) -> float:
    """Driving time in seconds from the single point ``a`` to the single point ``b``.

    ``inf`` when ``b`` cannot be reached from ``a``.
    """
    if len(a) != 1 or len(b) != 1:
        raise ValueError("travel_time_between takes one point each; use time_matrix for more")
    return float(time_matrix(net, a, b)[0, 0])
