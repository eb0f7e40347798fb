"""Blocks of sources for the searches of :mod:`firecover.traveltime.search` (private).

A bounded search is sized by what its sources can reach, not by the whole graph. Sources are
taken in spatial (Morton) order in **tiles** of a few dozen; for each tile

1. a *reach pass*: one multi-source Dijkstra (``min_only=True``) from the tile's virtual
   sources, bounded by the limit, finds every node some source of the tile reaches in time;
2. the subgraph induced on those nodes (with the tile's virtual sources) is searched from each
   source of the tile — a dense block of (tile × reached nodes) instead of (tile × all nodes);
3. only the targets on edges touching a reached node (or on a source's own road) are priced.

This is exact: every node on a shortest path of length ≤ limit from a source is itself within
the limit of that source, so it is in the reach set; edge weights are non-negative. Unbounded
searches (``limit=None``) use the whole graph in chunks sized from :data:`MEMORY_BUDGET_BYTES`.
The conventions (virtual source nodes, partial edges, access legs, same-road shortcuts) are the
ones described in :mod:`firecover.traveltime.search`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped, canonical_position
from firecover.traveltime.space import (
    n_states,
    node_state,
    search_adj,
    turn_point_costs,
    turn_source_legs,
)
from firecover.traveltime.sparse import _augmented, _ranges, _subgraph

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MEMORY_BUDGET_BYTES = 256 * 2**20
"""Approximate working memory per Dijkstra call (dense distance blocks)."""
TILE_SOURCES = 32
"""Sources per tile of a bounded search (one reach pass and one subgraph per tile)."""
_MAX_CHUNK = 2048
_LOCAL_SHARE = 0.6  # search a tile's subgraph when it holds less than this share of the nodes


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
        if net.turns is not None:  # u / v are states of the turn graph (traveltime.space)
            su, cu, sv, cv_t = turn_point_costs(net, e, f)
            return cls(e, f, pts.access_s.astype(np.float64), su, cu, sv, cv_t)
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


@dataclass(frozen=True)
class _Targets:
    """Target points with two look-ups built once per search.

    ``order`` / ``sorted_e``: targets sorted by canonical edge (same-road pairs);
    ``ptr`` / ``ids``: for each node, the targets whose edge starts there, or ends there when
    the target may be reached from that end (``cv`` finite).
    """

    pts: _Pts
    order: IntArray
    sorted_e: IntArray
    ptr: IntArray
    ids: IntArray

    @classmethod
    def build(cls, net: CSRNetwork, pts: _Pts) -> _Targets:
        order = np.argsort(pts.e, kind="stable")
        k = np.arange(len(pts))
        via_v = np.isfinite(pts.cv)
        node = np.concatenate([pts.u, pts.v[via_v]])
        ids = np.concatenate([k, k[via_v]])
        by_node = np.argsort(node, kind="stable")
        size = n_states(net)
        ptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(node, minlength=size), out=ptr[1:])
        return cls(pts, order, pts.e[order], ptr, ids[by_node])

    def near(self, nodes: IntArray) -> IntArray:
        """Sorted indices of the targets on edges that touch ``nodes``."""
        mark = np.zeros(len(self.pts), dtype=bool)
        mark[self.ids[_ranges(self.ptr[nodes], self.ptr[nodes + 1])]] = True
        return np.flatnonzero(mark)

    def same_edge(self, es: IntArray) -> tuple[IntArray, IntArray]:
        """All (i, j) with ``es[i] == pts.e[j]``."""
        lo = np.searchsorted(self.sorted_e, es, "left")
        hi = np.searchsorted(self.sorted_e, es, "right")
        si = np.repeat(np.arange(es.size), hi - lo)
        return si, self.order[_ranges(lo, hi)]


def _source_legs(net: CSRNetwork, src: _Pts) -> tuple[IntArray, IntArray, FloatArray]:
    """Edges (virtual row, node, seconds) leaving each source's virtual node."""
    if net.turns is not None:
        return turn_source_legs(net, src.e, src.f, src.a)
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
    return np.repeat(np.arange(es.size), hi - lo), order[_ranges(lo, hi)]


def _shortcut(net: CSRNetwork, src: _Pts, tgt: _Pts, si: IntArray, ti: IntArray) -> FloatArray:
    """Direct along-road times for pairs on the same canonical edge."""
    fs, ft, e = src.f[si], tgt.f[ti], tgt.e[ti]
    twin = net.edge_reverse[e]
    fwd = np.where(ft >= fs, (ft - fs) * net.edge_time[e], np.inf)
    t_twin = net.edge_time[np.maximum(twin, 0)]
    bwd = np.where((ft <= fs) & (twin >= 0), (fs - ft) * t_twin, np.inf)
    return np.minimum(fwd, bwd) + src.a[si] + tgt.a[ti]


def _csgraph_limit(limit: float | None) -> float:
    """The limit handed to csgraph: a hair above ``limit`` so that rounding keeps ties."""
    return np.inf if limit is None else limit * (1.0 + 1e-12) + 1e-9


def _target_block(
    net: CSRNetwork,
    src: _Pts,
    tgt: _Targets,
    dist: FloatArray,
    gmap: IntArray | None,
    cand: IntArray,
) -> tuple[FloatArray, IntArray]:
    """Times from sources to the candidate targets ``cand`` (sorted) and same-road targets.

    ``dist`` holds node times in the columns of ``gmap`` (global node → column, −1 = absent;
    None = every node in its own column) and, in its **last column, inf** (an isolated node of
    the augmented graph) which absent nodes pick.
    """
    si, ti = tgt.same_edge(src.e)
    out_cols = np.union1d(cand, ti) if ti.size else cand
    t = tgt.pts
    lu, lv = t.u[out_cols], t.v[out_cols]
    if gmap is not None:
        lu, lv = gmap[lu], gmap[lv]  # −1 picks the inf column
    block = np.minimum(dist[:, lu] + t.cu[out_cols], dist[:, lv] + t.cv[out_cols])
    block += t.a[out_cols]
    if si.size:
        pos = np.searchsorted(out_cols, ti)
        np.minimum.at(block, (si, pos), _shortcut(net, src, t, si, ti))
    return block, out_cols


def _chunk_for(n_nodes: int, n_cols: int) -> int:
    """Sources per Dijkstra call so that the dense blocks stay within the memory budget."""
    per_source = 8 * (3 * n_nodes + 4 * n_cols) + 1
    return int(max(1, min(_MAX_CHUNK, MEMORY_BUDGET_BYTES // per_source)))


def _spatial_order(rx: FloatArray, ry: FloatArray) -> IntArray:
    """Sources in Morton (z-) order on a 1024 × 1024 grid over their extent (compact tiles)."""
    if rx.size == 0:
        return np.arange(0, dtype=np.int64)
    span = max(float(np.ptp(rx)), float(np.ptp(ry)), 1e-9)
    ix = np.minimum((rx - rx.min()) / span * 1024, 1023).astype(np.int64)
    iy = np.minimum((ry - ry.min()) / span * 1024, 1023).astype(np.int64)
    code = np.zeros(rx.size, dtype=np.int64)
    for bit in range(10):
        code |= ((ix >> bit) & 1) << (2 * bit) | ((iy >> bit) & 1) << (2 * bit + 1)
    return np.argsort(code, kind="stable")


class _Search:
    """One search of many sources: the augmented graph is built once, tiles reuse it."""

    def __init__(
        self,
        net: CSRNetwork,
        sources: Snapped,
        targets: Snapped | None,
        limit: float | None,
        states: bool = False,
    ) -> None:
        self.net = net
        self.adj = search_adj(net)
        self.n = n_states(net)  # states searched (nodes, or edges + nodes with turns)
        self.offset = node_state(net)  # node v is state offset + v
        self.states = states  # node columns as every state (turn graph: edges, then nodes)
        self.src = _Pts.build(net, sources)
        self.tgt = None if targets is None else _Targets.build(net, _Pts.build(net, targets))
        self.limit = limit
        self.lim = _csgraph_limit(limit)
        self.legs = _source_legs(net, self.src)
        # one more virtual node than sources: isolated, so its column is inf for every source
        self.full = _augmented(self.adj, *self.legs, n_virtual=len(self.src) + 1)
        # per source, its legs (rows of self.legs are grouped by source after a stable sort)
        by_src = np.argsort(self.legs[0], kind="stable")
        self.leg_order = by_src
        self.leg_ptr = np.zeros(len(self.src) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.legs[0], minlength=len(self.src)), out=self.leg_ptr[1:])

    @property
    def n_cols(self) -> int:
        if self.tgt is None:
            return self.n if self.states else self.net.n_nodes
        return len(self.tgt.pts)

    def reach(self, sel: IntArray) -> IntArray:
        """Sorted nodes that some source of ``sel`` reaches within the limit (reach pass)."""
        n = self.n
        d = dijkstra(self.full, directed=True, indices=n + sel, limit=self.lim, min_only=True)
        return np.flatnonzero(np.isfinite(np.asarray(d)[:n]))

    def whole(self, sel: IntArray, size: int) -> Iterator[tuple[IntArray, FloatArray, IntArray]]:
        """Search ``sel`` on the whole graph in chunks of ``size`` sources."""
        n = self.n
        cand = None if self.tgt is None else np.arange(self.n_cols)
        for start in range(0, sel.size, size):
            part = sel[start : start + size]
            dist = dijkstra(self.full, directed=True, indices=n + part, limit=self.lim)
            yield (part, *self._finish(part, np.asarray(dist), n, None, None, cand))

    def tile(self, sel: IntArray) -> Iterator[tuple[IntArray, FloatArray, IntArray]]:
        """Search the sources ``sel`` on the subgraph they reach."""
        nodes = self.reach(sel)
        cand = None if self.tgt is None else self.tgt.near(nodes)
        n_out = nodes.size if cand is None else cand.size
        size = _chunk_for(nodes.size, n_out)
        if nodes.size >= _LOCAL_SHARE * self.n:
            yield from self.whole(sel, _chunk_for(self.n, n_out))
            return
        sub, gmap = _subgraph(self.adj, nodes)
        pos = self.leg_order[_ranges(self.leg_ptr[sel], self.leg_ptr[sel + 1])]
        rows = np.repeat(np.arange(sel.size), np.diff(self.leg_ptr)[sel])
        cols, w = gmap[self.legs[1][pos]], self.legs[2][pos]
        ok = cols >= 0  # legs to nodes out of reach exceed the limit anyway
        graph = _augmented(sub, rows[ok], cols[ok], w[ok], n_virtual=sel.size + 1)
        m = nodes.size
        for start in range(0, sel.size, size):
            local = np.arange(start, min(start + size, sel.size))
            dist = dijkstra(graph, directed=True, indices=m + local, limit=self.lim)
            part = sel[local]
            yield (part, *self._finish(part, np.asarray(dist), m, gmap, nodes, cand))

    def _finish(
        self,
        part: IntArray,
        dist: FloatArray,
        m: int,
        gmap: IntArray | None,
        nodes: IntArray | None,
        cand: IntArray | None,
    ) -> tuple[FloatArray, IntArray]:
        if self.tgt is None or cand is None:
            cols = np.arange(m) if nodes is None else nodes
            k = 0 if self.states else int(np.searchsorted(cols, self.offset))
            block, cols = dist[:, k:m], cols[k:] - (0 if self.states else self.offset)
        else:
            block, cols = _target_block(self.net, self.src.take(part), self.tgt, dist, gmap, cand)
        if self.limit is not None:
            block[block > self.limit] = np.inf
        return block, cols


def iter_blocks(
    net: CSRNetwork,
    sources: Snapped,
    targets: Snapped | None,
    limit: float | None,
    chunk_size: int | None,
    states: bool = False,
) -> Iterator[tuple[IntArray, FloatArray, IntArray]]:
    """Yield (source indices, dense block, global columns) block by block.

    Columns left out of a block are unreachable within ``limit``; entries beyond it are inf.
    ``chunk_size`` is the number of sources per tile (bounded) or per chunk (unbounded);
    default :data:`TILE_SOURCES`, or from the memory budget when unbounded.
    """
    if len(sources) == 0:
        return
    search = _Search(net, sources, targets, limit, states)
    every = np.arange(len(sources))
    if limit is None:
        size = chunk_size or _chunk_for(search.n, search.n_cols)
        yield from search.whole(every, size)
        return
    rx, ry = sources.road_xy(net)
    order = _spatial_order(np.asarray(rx, np.float64), np.asarray(ry, np.float64))
    size = chunk_size or TILE_SOURCES
    for start in range(0, order.size, size):
        yield from search.tile(order[start : start + size])
