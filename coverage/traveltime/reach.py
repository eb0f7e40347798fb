"""Reached portions of roads within a driving-time budget (private).

The public names are in :mod:`firecover.analysis.service_area`. Here the travel-time result of
:func:`firecover.traveltime.bounded_matrix` (sources × nodes, stored entries = reachable nodes,
zeros kept) is turned into **pieces**: intervals ``[start, end]`` of fractions along an edge
geometry, measured from the edge's u node.

A two-way road is stored as two twin edges on one geometry. Both directions cover the same
ground, so every piece is reported on the road's *canonical* edge (the lower index of the twin
pair, as in :mod:`~firecover.network.snapping`); a one-way road is its own canonical edge. Per
source and road the pieces are

* from u along the canonical edge e: ``[0, r]`` with ``r = (limit − T[u]) / t(e)``;
* from v along the twin (two-way roads only): ``[1 − r', 1]`` with
  ``r' = (limit − T[v]) / t(twin)``;
* the source's own road, from its snapped fraction f with remaining budget
  ``b = limit − access``: forward ``[f, f + b / t(e)]``, and backward ``[f − b / t(twin), f]``
  only on a two-way road;

each clipped to [0, 1] (a zero-time edge is covered whole), then merged where they meet or
overlap, so a road reached from both ends is fully covered when its two pieces meet. Travel along
an edge is assumed uniform in time, so a time fraction is a fraction of the geometry's length.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from shapely.ops import substring

from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped, canonical_position
from firecover.traveltime.search import _bounded_states, bounded_matrix

__all__ = ["FRACTION_TOL", "ReachedEdges", "merge_intervals", "reached_edges", "reached_multi"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

FRACTION_TOL = 1e-9
"""Pieces closer than this (as a fraction of the edge) are merged; ends this close to 0 / 1 snap."""
CHUNK_ENTRIES = 1_000_000
"""Reached (source, node) pairs turned into pieces at a time."""


@dataclass(frozen=True, eq=False)
class ReachedEdges:
    """Road pieces reached from each source within ``limit_s`` seconds of driving.

    One row per maximal reached interval of a road (a road can hold several disjoint pieces per
    source, e.g. reached from both ends without the pieces meeting). Rows are sorted by
    ``source``, then ``edge``, then ``start``.

    Attributes
    ----------
    net : CSRNetwork
        The network the pieces refer to.
    limit_s : float
        The driving budget, seconds (access legs included, turnout excluded).
    n_sources : int
        Number of sources searched.
    source : ndarray of int
        Index of the source (into the ``Snapped`` given).
    edge : ndarray of int
        Canonical directed edge of the road (lower index of a twin pair).
    start, end : ndarray of float
        Fractions of the edge geometry from its u node, ``0 <= start < end <= 1``; exactly
        0 and 1 for fully reached edges.
    node_source, node, node_time : ndarray
        The reached nodes: source index, node position and driving seconds (≤ ``limit_s``), the
        stored entries of :func:`~firecover.traveltime.bounded_matrix`.
    """

    net: CSRNetwork
    limit_s: float
    n_sources: int
    source: IntArray
    edge: IntArray
    start: FloatArray
    end: FloatArray
    node_source: IntArray
    node: IntArray
    node_time: FloatArray

    def __len__(self) -> int:
        return int(self.edge.size)

    @property
    def full(self) -> BoolArray:
        """True for pieces that cover their whole edge."""
        return (self.start <= 0.0) & (self.end >= 1.0)

    @property
    def length_m(self) -> FloatArray:
        """Length of each piece, metres: ``(end − start) · length`` of its edge."""
        return (self.end - self.start) * self.net.edge_length[self.edge]

    def source_length_m(self) -> FloatArray:
        """Reached road length per source, metres (each two-way road counted once)."""
        out: FloatArray = np.bincount(
            self.source, weights=self.length_m, minlength=self.n_sources
        ).astype(np.float64)
        return out

    def select(self, mask: npt.ArrayLike) -> ReachedEdges:
        """The pieces where ``mask`` is True (the reached-node arrays are kept whole)."""
        m = np.asarray(mask, dtype=bool)
        return ReachedEdges(
            self.net,
            self.limit_s,
            self.n_sources,
            self.source[m],
            self.edge[m],
            self.start[m],
            self.end[m],
            self.node_source,
            self.node,
            self.node_time,
        )

    def of_source(self, index: int) -> ReachedEdges:
        """The pieces of one source."""
        return self.select(self.source == index)

    def geometries(self) -> ObjArray:
        """LineString of each piece in the network CRS (see :func:`piece_geometries`)."""
        return piece_geometries(self.net, self.edge, self.start, self.end)


def piece_geometries(
    net: CSRNetwork, edge: IntArray, start: FloatArray, end: FloatArray
) -> ObjArray:
    """Geometries of pieces: whole edge geometries as they are, ``substring`` for partial ones.

    The cut points are interpolated along the geometry (distance along the curve, not the
    chord), with the fractions normalised to the geometry's own length.
    """
    geoms: ObjArray = net.edge_geom[edge].copy()
    partial = np.flatnonzero((start > 0.0) | (end < 1.0))
    if partial.size:
        lengths = shapely.length(geoms[partial])
        for i, length in zip(partial.tolist(), lengths.tolist(), strict=True):
            if length > 0.0:
                geoms[i] = substring(geoms[i], float(start[i]), float(end[i]), normalized=True)
    return geoms


def _canonical_edges(net: CSRNetwork) -> IntArray:
    idx = np.arange(net.n_edges, dtype=np.int64)
    rev = net.edge_reverse
    return np.where((rev >= 0) & (rev < idx), rev, idx)


@dataclass(frozen=True)
class _OutEdges:
    """Out-edges of every node: ``order[indptr[n]:indptr[n + 1]]`` leave node n."""

    order: IntArray
    indptr: IntArray
    canonical: IntArray

    @classmethod
    def build(cls, net: CSRNetwork) -> _OutEdges:
        order = np.argsort(net.edge_u, kind="stable").astype(np.int64)
        indptr = np.zeros(net.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(net.edge_u, minlength=net.n_nodes), out=indptr[1:])
        return cls(order, indptr, _canonical_edges(net))


def _fraction(budget: FloatArray, seconds: FloatArray) -> FloatArray:
    """Share of an edge driven with ``budget`` seconds left, in [0, 1]; zero-time edges → 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(seconds > 0.0, budget / np.where(seconds > 0.0, seconds, 1.0), 1.0)
    return np.clip(r, 0.0, 1.0)


def _node_pieces(
    net: CSRNetwork,
    out: _OutEdges,
    rows: IntArray,
    nodes: IntArray,
    times: FloatArray,
    limit: float,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Pieces on every out-edge of every reached node, as (source, canonical edge, lo, hi)."""
    counts = out.indptr[nodes + 1] - out.indptr[nodes]
    total = int(counts.sum())
    first = np.repeat(out.indptr[nodes] - (np.cumsum(counts) - counts), counts)
    e = out.order[first + np.arange(total)]
    r = _fraction(limit - np.repeat(times, counts), net.edge_time[e])
    canon = out.canonical[e]
    forward = canon == e  # on the canonical edge from u; otherwise on its twin from v
    lo = np.where(forward, 0.0, 1.0 - r)
    hi = np.where(forward, r, 1.0)
    return np.repeat(rows, counts), canon, lo, hi


def _edge_pieces(
    net: CSRNetwork,
    out: _OutEdges,
    rows: IntArray,
    edges: IntArray,
    times: FloatArray,
    limit: float,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """With turns: the piece of each edge entered at its start at ``times`` (S[e])."""
    r = _fraction(limit - times, net.edge_time[edges])
    canon = out.canonical[edges]
    forward = canon == edges
    return rows, canon, np.where(forward, 0.0, 1.0 - r), np.where(forward, r, 1.0)


def _source_pieces(
    net: CSRNetwork, sources: Snapped, limit: float
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Each source's own road, from its snapped fraction in both allowed directions."""
    e, f = canonical_position(net, sources.edge, sources.fraction)
    budget = limit - sources.access_s
    twin = net.edge_reverse[e]
    hi = np.minimum(1.0, f + _fraction(budget, net.edge_time[e]))
    back = _fraction(budget, net.edge_time[np.maximum(twin, 0)])
    lo = np.where(twin >= 0, np.maximum(0.0, f - back), f)
    ok = budget >= 0.0
    return np.flatnonzero(ok).astype(np.int64), e[ok], lo[ok], hi[ok]


def _group_running_max(group: IntArray, values: FloatArray) -> FloatArray:
    """Inclusive running maximum of ``values`` restarting at each new ``group`` (sorted)."""
    run = values.copy()
    step = 1
    while step < run.size:
        same = group[step:] == group[:-step]
        if not same.any():
            break
        run[step:] = np.where(same, np.maximum(run[step:], run[:-step]), run[step:])
        step *= 2
    return run


def merge_intervals(
    group: IntArray, lo: FloatArray, hi: FloatArray, tol: float = FRACTION_TOL
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Union of intervals per group: maximal disjoint ``[lo, hi]`` sorted by (group, lo).

    Intervals that overlap or whose gap is at most ``tol`` are merged. Degenerate results
    (``hi − lo ≤ tol``) are dropped; ends within ``tol`` of 0 / 1 snap to 0 / 1.
    """
    if group.size == 0:
        return group.astype(np.int64), lo.astype(np.float64), hi.astype(np.float64)
    order = np.lexsort((lo, group))
    g, lo, hi = group[order], lo[order], hi[order]
    run = _group_running_max(g, hi)
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (lo[1:] > run[:-1] + tol)
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], g.size] - 1
    out_g, out_lo, out_hi = g[starts], lo[starts], run[ends]
    out_lo = np.where(out_lo <= tol, 0.0, out_lo)
    out_hi = np.where(out_hi >= 1.0 - tol, 1.0, out_hi)
    keep = out_hi - out_lo > tol
    return out_g[keep].astype(np.int64), out_lo[keep], out_hi[keep]


def _source_chunks(indptr: IntArray, max_entries: int) -> list[tuple[int, int]]:
    """Consecutive source ranges holding at most ``max_entries`` reached nodes (≥ 1 source)."""
    n = indptr.size - 1
    out, a = [], 0
    while a < n:
        b = int(np.searchsorted(indptr, indptr[a] + max_entries, side="right")) - 1
        b = min(max(b, a + 1), n)
        out.append((a, b))
        a = b
    return out


def _chunk_pieces(
    net: CSRNetwork,
    out: _OutEdges,
    sources: Snapped,
    matrix: sp.csr_array,
    limit: float,
    rows_range: tuple[int, int],
) -> tuple[np.ndarray, ...]:
    """Merged pieces (group, start, end) and reached nodes of sources ``a:b``."""
    a, b = rows_range
    lo_i, hi_i = int(matrix.indptr[a]), int(matrix.indptr[b])
    rows = np.repeat(np.arange(a, b, dtype=np.int64), np.diff(matrix.indptr[a : b + 1]))
    data = matrix.data[lo_i:hi_i]
    ok = data <= limit
    rows, nodes = rows[ok], matrix.indices[lo_i:hi_i][ok].astype(np.int64)
    times = data[ok].astype(np.float64)
    own = _source_pieces(net, sources[np.arange(a, b)], limit)
    if net.turns is None:
        reached = _node_pieces(net, out, rows, nodes, times, limit)
    else:  # columns are turn-graph states: edge starts S[e], then node arrivals m + v
        is_edge = nodes < net.n_edges
        reached = _edge_pieces(net, out, rows[is_edge], nodes[is_edge], times[is_edge], limit)
        rows, nodes, times = rows[~is_edge], nodes[~is_edge] - net.n_edges, times[~is_edge]
    parts = [reached, (own[0] + a, *own[1:])]
    src, edge, lo, hi = (np.concatenate([p[k] for p in parts]) for k in range(4))
    n_e = max(net.n_edges, 1)
    group, start, end = merge_intervals(src * n_e + edge, lo, hi)
    return group, start, end, rows, nodes, times


def _pieces_at(
    net: CSRNetwork, out: _OutEdges, sources: Snapped, matrix: sp.csr_array, limit: float
) -> ReachedEdges:
    """Reached pieces for ``limit`` from a bounded matrix computed with a limit ≥ ``limit``.

    Sources are processed in chunks of at most :data:`CHUNK_ENTRIES` reached nodes, so the
    per-out-edge arrays stay small on large graphs.
    """
    chunks = [
        _chunk_pieces(net, out, sources, matrix, limit, r)
        for r in _source_chunks(matrix.indptr.astype(np.int64), CHUNK_ENTRIES)
    ]
    if not chunks:
        ints, floats = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        chunks = [(ints, floats, floats, ints, ints, floats)]
    group, start, end, rows, nodes, times = (
        np.concatenate([c[k] for c in chunks]) for k in range(6)
    )
    n_e = max(net.n_edges, 1)
    return ReachedEdges(
        net, float(limit), len(sources), group // n_e, group % n_e, start, end, rows, nodes, times
    )


def _check_limit(limit_s: float) -> float:
    value = float(limit_s)
    if not (np.isfinite(value) and value >= 0.0):
        raise ValueError(f"limit_s must be a finite number of seconds ≥ 0, got {limit_s!r}")
    return value


def reached_multi(
    net: CSRNetwork, sources: Snapped, limits_s: Sequence[float]
) -> Iterator[ReachedEdges]:
    """:func:`reached_edges` for several budgets from one search at the largest budget."""
    limits = [_check_limit(x) for x in limits_s]
    if not limits:
        return
    if net.turns is None:
        matrix = bounded_matrix(net, sources, max(limits))
    else:
        matrix = _bounded_states(net, sources, max(limits))
    out = _OutEdges.build(net)
    for limit in limits:
        yield _pieces_at(net, out, sources, matrix, limit)


def reached_edges(net: CSRNetwork, sources: Snapped, limit_s: float) -> ReachedEdges:
    """The road pieces each source reaches within ``limit_s`` seconds of driving.

    Builds on :func:`firecover.traveltime.bounded_matrix` (sources × nodes): every out-edge of a
    reached node is reached for the share of its travel time left in the budget, the reverse
    twin likewise from the other end, and each source's own road from its snapped position in
    both allowed directions (one-way roads only forward). Pieces of one road are merged where
    they meet or overlap. See the module notes for the formulas.

    Parameters
    ----------
    net : CSRNetwork
        The road network.
    sources : Snapped
        Source points (e.g. stations); their access legs count against the budget.
    limit_s : float
        Driving budget in seconds (turnout excluded).

    Returns
    -------
    ReachedEdges
        Pieces on canonical edges, fractions along the edge geometry from u.
    """
    return next(reached_multi(net, sources, [limit_s]))
