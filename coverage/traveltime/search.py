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
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped, canonical_position
from firecover.traveltime.sparse import _augmented, _csr_from_parts, _subgraph

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

MEMORY_BUDGET_BYTES = 256 * 2**20
"""Approximate working memory per chunk of sources (dense distance blocks)."""
_MAX_CHUNK = 2048
_LOCAL_SHARE = 0.6  # use a local subgraph when it holds less than this share of the nodes


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
    """

    time: FloatArray
    source: IntArray
    sources: Snapped
    limit: float | None


@dataclass(frozen=True)
class _Pts:
    """Canonical positions and the per-end costs of a set of snapped points."""

    e: IntArray
    f: FloatArray
    a: FloatArray
    u: IntArray
    cu: FloatArray  # cost from u to the point: f · t(e)
    v: IntArray
    cv: FloatArray  # cost from v to the point: (1 − f) · t(twin), inf if not allowed

    @classmethod
    def build(cls, net: CSRNetwork, pts: Snapped) -> _Pts:
        e, f = canonical_position(net, pts.edge, pts.fraction)
        twin = net.edge_reverse[e]
        t_twin = net.edge_time[np.maximum(twin, 0)]
        cv = np.where(twin >= 0, (1.0 - f) * t_twin, np.where(f >= 1.0, 0.0, np.inf))
        return cls(
            e,
            f,
            pts.access_s.astype(np.float64),
            net.edge_u[e],
            f * net.edge_time[e],
            net.edge_v[e],
            cv,
        )

    def take(self, idx: IntArray) -> _Pts:
        return _Pts(*(getattr(self, k)[idx] for k in ("e", "f", "a", "u", "cu", "v", "cv")))

    def __len__(self) -> int:
        return int(self.e.size)


def _source_legs(net: CSRNetwork, src: _Pts) -> tuple[IntArray, IntArray, FloatArray]:
    """Edges (virtual row, node, seconds) leaving each source's virtual node."""
    rows = np.arange(len(src))
    t_e = net.edge_time[src.e]
    to_v = src.a + (1.0 - src.f) * t_e
    # reaching u means driving back along the twin: allowed when two-way (or when f = 0)
    twin = net.edge_reverse[src.e]
    back = (twin >= 0) | (src.f <= 0.0)
    to_u = src.a + src.f * np.where(twin >= 0, net.edge_time[np.maximum(twin, 0)], 0.0)
    return (
        np.concatenate([rows, rows[back]]),
        np.concatenate([src.v, src.u[back]]),
        np.concatenate([to_v, to_u[back]]),
    )


def _same_edge_pairs(es: IntArray, et: IntArray) -> tuple[IntArray, IntArray]:
    """All (i, j) with es[i] == et[j]."""
    order = np.argsort(et, kind="stable")
    sorted_et = et[order]
    lo = np.searchsorted(sorted_et, es, "left")
    hi = np.searchsorted(sorted_et, es, "right")
    counts = hi - lo
    si = np.repeat(np.arange(es.size), counts)
    ti = order[np.arange(si.size) + np.repeat(lo - (np.cumsum(counts) - counts), counts)]
    return si, ti


def _shortcut(net: CSRNetwork, src: _Pts, tgt: _Pts, si: IntArray, ti: IntArray) -> FloatArray:
    """Direct along-road times for pairs on the same canonical edge."""
    fs, ft, e = src.f[si], tgt.f[ti], tgt.e[ti]
    twin = net.edge_reverse[e]
    fwd = np.where(ft >= fs, (ft - fs) * net.edge_time[e], np.inf)
    t_twin = net.edge_time[np.maximum(twin, 0)]
    bwd = np.where((ft <= fs) & (twin >= 0), (fs - ft) * t_twin, np.inf)
    return np.minimum(fwd, bwd) + src.a[si] + tgt.a[ti]


def _search(
    adj: sp.csr_array,
    legs: tuple[IntArray, IntArray, FloatArray],
    n_src: int,
    limit: float | None,
) -> FloatArray:
    """Dense (n_src × n) times from each virtual source to every node of ``adj``."""
    n = adj.shape[0]
    graph = _augmented(adj, *legs, n_virtual=n_src)
    lim = np.inf if limit is None else limit * (1.0 + 1e-12) + 1e-9
    dist = dijkstra(graph, directed=True, indices=np.arange(n, n + n_src), limit=lim)
    return np.asarray(dist[:, :n])


def _local_keep(
    net: CSRNetwork, rx: FloatArray, ry: FloatArray, radius: float
) -> npt.NDArray[np.bool_] | None:
    """Nodes within ``radius`` of the sources' bounding box, or None if that is most nodes."""
    keep = (
        (net.x >= rx.min() - radius)
        & (net.x <= rx.max() + radius)
        & (net.y >= ry.min() - radius)
        & (net.y <= ry.max() + radius)
    )
    return keep if keep.sum() < _LOCAL_SHARE * net.n_nodes else None


def _block(
    net: CSRNetwork,
    src: _Pts,
    tgt: _Pts | None,
    limit: float | None,
    keep: npt.NDArray[np.bool_] | None,
) -> tuple[FloatArray, IntArray]:
    """Times from a chunk of sources to the target columns they may reach.

    Returns the dense block and the global column (node or target index) of each block column;
    columns left out are unreachable within ``limit``. Entries beyond ``limit`` are inf.
    """
    rows, cols, w = _source_legs(net, src)
    if keep is None:
        adj, gmap = net.adj, np.arange(net.n_nodes)
    else:
        adj, gmap = _subgraph(net.adj, keep)
        ok = gmap[cols] >= 0  # legs to far nodes exceed the limit anyway
        rows, cols, w = rows[ok], gmap[cols[ok]], w[ok]
    dist = _search(adj, (rows, cols, w), len(src), limit)
    if tgt is None:
        out_cols = np.arange(net.n_nodes) if keep is None else np.flatnonzero(keep)
        block = dist
    else:
        block, out_cols = _target_block(net, src, tgt, dist, gmap)
    if limit is not None:
        block[block > limit] = np.inf
    return block, out_cols


def _target_block(
    net: CSRNetwork, src: _Pts, tgt: _Pts, dist: FloatArray, gmap: IntArray
) -> tuple[FloatArray, IntArray]:
    si, ti = _same_edge_pairs(src.e, tgt.e)
    lu, lv = gmap[tgt.u], gmap[tgt.v]
    sel = (lu >= 0) | (lv >= 0)
    sel[ti] = True
    out_cols = np.flatnonzero(sel)
    ext = np.concatenate([dist, np.full((dist.shape[0], 1), np.inf)], axis=1)
    lu, lv = lu[out_cols], lv[out_cols]  # −1 picks the inf column
    block = np.minimum(ext[:, lu] + tgt.cu[out_cols], ext[:, lv] + tgt.cv[out_cols])
    block += tgt.a[out_cols]
    if si.size:
        pos = np.full(len(tgt), -1, dtype=np.int64)
        pos[out_cols] = np.arange(out_cols.size)
        np.minimum.at(block, (si, pos[ti]), _shortcut(net, src, tgt, si, ti))
    return block, out_cols


def _auto_chunk(n_nodes: int, n_cols: int) -> int:
    per_source = 8 * (3 * n_nodes + 4 * n_cols) + 1
    return int(max(1, min(_MAX_CHUNK, MEMORY_BUDGET_BYTES // per_source)))


def _spatial_order(rx: FloatArray, ry: FloatArray, cell: float) -> IntArray:
    """Sources in Morton (z-) order of square cells, so that chunks are compact tiles."""
    ix = ((rx - rx.min()) / cell).astype(np.int64)
    iy = ((ry - ry.min()) / cell).astype(np.int64)
    code = np.zeros(rx.size, dtype=np.int64)
    for bit in range(20):
        code |= ((ix >> bit) & 1) << (2 * bit) | ((iy >> bit) & 1) << (2 * bit + 1)
    return np.argsort(code, kind="stable")


def _iter_blocks(
    net: CSRNetwork,
    sources: Snapped,
    targets: Snapped | None,
    limit: float | None,
    chunk_size: int | None,
) -> Iterator[tuple[IntArray, FloatArray, IntArray]]:
    """Yield (source indices, dense block, global columns) chunk by chunk."""
    src = _Pts.build(net, sources)
    tgt = None if targets is None else _Pts.build(net, targets)
    n_cols = net.n_nodes if tgt is None else len(tgt)
    size = chunk_size or _auto_chunk(net.n_nodes, n_cols)
    radius = math.inf if limit is None else net.v_max * limit * (1 + 1e-9) + 1.0
    local = math.isfinite(radius) and len(src) > 0
    rx, ry = sources.road_xy(net) if local else (np.empty(0), np.empty(0))
    order = _spatial_order(rx, ry, max(radius / 2.0, 1.0)) if local else np.arange(len(src))
    for start in range(0, len(src), size):
        sel = order[start : start + size]
        keep = _local_keep(net, rx[sel], ry[sel], radius) if local else None
        block, cols = _block(net, src.take(sel), tgt, limit, keep)
        yield sel, block, cols


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
    n = net.n_nodes
    if len(sources) == 0:
        return NodeTimes(np.full(n, np.inf), np.full(n, -1, dtype=np.int64), sources, limit)
    src = _Pts.build(net, sources)
    graph = _augmented(net.adj, *_source_legs(net, src), n_virtual=len(src))
    lim = np.inf if limit is None else limit * (1.0 + 1e-12) + 1e-9
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
    return NodeTimes(time, which, sources, limit)


def point_times(
    net: CSRNetwork, node_times: NodeTimes, targets: Snapped
) -> tuple[FloatArray, IntArray]:
    """Arrival time at snapped points from the nearest source, and that source's index.

    Uses the node times at both ends of each target's edge (per allowed direction), plus the
    direct along-road time from any source on the same road. Beyond ``node_times.limit`` or
    unreachable: ``inf`` / −1.
    """
    tgt = _Pts.build(net, targets)
    via_u = node_times.time[tgt.u] + tgt.cu
    via_v = node_times.time[tgt.v] + tgt.cv
    time = np.minimum(via_u, via_v) + tgt.a
    which = np.where(via_u <= via_v, node_times.source[tgt.u], node_times.source[tgt.v])
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

    Sources are processed in chunks sized from :data:`MEMORY_BUDGET_BYTES` (never a dense
    sources × nodes array), in spatial tiles; each tile searches only the subgraph within
    ``v_max · limit_s`` of it when that is smaller than most of the graph.

    Parameters
    ----------
    net : CSRNetwork
    sources : Snapped
    limit_s : float
        Keep pairs with time ≤ this (seconds).
    targets : Snapped, optional
        Target points; default every node (columns = node positions).
    chunk_size : int, optional
        Sources per Dijkstra call; default from the memory budget.

    Returns
    -------
    scipy.sparse.csr_array, shape (len(sources), n_nodes or len(targets)), float64
    """
    if not limit_s >= 0:
        raise ValueError(f"limit_s must be a non-negative number of seconds, got {limit_s}")
    n_cols = net.n_nodes if targets is None else len(targets)
    parts_r, parts_c, parts_d = [], [], []
    for sel, block, cols in _iter_blocks(net, sources, targets, float(limit_s), chunk_size):
        r, c = np.nonzero(block <= limit_s)
        parts_r.append(sel[r])
        parts_c.append(cols[c])
        parts_d.append(block[r, c])
    return _csr_from_parts(parts_r, parts_c, parts_d, (len(sources), n_cols))


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
    for sel, block, cols in _iter_blocks(net, sources, targets, limit, chunk_size):
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
    for sel, block, cols in _iter_blocks(net, sources, targets, None, None):
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
