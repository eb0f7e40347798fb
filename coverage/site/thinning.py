"""Sample points along roads and thin them to a minimum spacing (for candidate sites).

Private helpers of :mod:`firecover.site.candidates`.

Thinning is a deterministic, vectorised maximal "Poisson-disk" selection on a grid:

* the plane is cut into square cells of side ``c = spacing / √2`` (absolute grid, origin 0,
  so the result does not depend on the extent), so two points in one cell are at most
  ``spacing`` apart and at most one point per cell can be kept;
* cells are visited in 9 phases by ``(ix mod 3, iy mod 3)``. Two different cells of one phase
  are at least ``2c = √2 · spacing`` apart, so their picks never conflict with each other;
* in each phase every cell keeps its best sample (lowest ``priority``, then nearest the cell
  centre, then lowest index) among those at least ``spacing`` from every point kept so far
  (and from the ``seeds``), found with one :class:`scipy.spatial.cKDTree` query per phase.

Guarantees: kept points are pairwise ≥ ``spacing`` apart and ≥ ``spacing`` from every seed;
every sample is within ``spacing`` of a kept point or a seed (the kept set is maximal).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree

from firecover.network.csr import CSRNetwork

__all__ = ["road_density", "road_edges", "sample_roads", "thin_by_context", "thin_points"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def road_edges(net: CSRNetwork, classes: frozenset[str]) -> IntArray:
    """Edges of the given classes, one per road: a two-way pair counts once (the lower index)."""
    idx = np.arange(net.n_edges)
    once = (net.edge_reverse < 0) | (idx < net.edge_reverse)
    eligible = np.isin(net.edge_class.astype(str), sorted(classes))
    return idx[once & eligible]


def sample_roads(net: CSRNetwork, edges: IntArray, step_m: float) -> tuple[IntArray, FloatArray]:
    """Points along each edge geometry at most ``step_m`` apart.

    An edge of geometry length ``L`` is cut into ``n = max(1, ceil(L / step_m))`` equal pieces
    and gets one point at the middle of each piece (fractions ``(k + ½) / n``), so no point sits
    on a junction and every spot of the road is within ``step_m / 2`` (along the road) of a
    point.

    Returns
    -------
    edge, fraction : ndarray
        Edge index and fraction along its geometry from u, in edge order then along the edge.
    """
    if step_m <= 0 or not math.isfinite(step_m):
        raise ValueError(f"step_m must be positive and finite, got {step_m}")
    length = shapely.length(net.edge_geom[edges])
    count = np.maximum(1, np.ceil(length / step_m)).astype(np.int64)
    edge = np.repeat(edges, count)
    start = np.repeat(np.cumsum(count) - count, count)
    k = np.arange(edge.size) - start
    return edge, (k + 0.5) / np.repeat(count, count)


def _near_kept(tree: cKDTree | None, pts: FloatArray, spacing: float) -> BoolArray:
    """True where a point is closer than ``spacing`` to a point in ``tree``."""
    if tree is None or pts.shape[0] == 0:
        return np.zeros(pts.shape[0], dtype=bool)
    dist, _ = tree.query(pts, k=1, distance_upper_bound=spacing)
    return np.asarray(dist < spacing)


def thin_points(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    spacing: float,
    *,
    priority: npt.ArrayLike | None = None,
    seeds: npt.ArrayLike | None = None,
) -> BoolArray:
    """Keep a maximal subset of points that are pairwise at least ``spacing`` apart.

    Parameters
    ----------
    x, y : array_like
        Point coordinates, metres.
    spacing : float
        Minimum distance between kept points (a pair exactly ``spacing`` apart is allowed).
    priority : array_like of int, optional
        Lower values are preferred within a grid cell (e.g. the road-class rank).
    seeds : array_like (k, 2), optional
        Fixed points (always "kept", not returned): no kept point is closer than ``spacing``.

    Returns
    -------
    ndarray of bool
        The keep mask, deterministic for the same input.
    """
    px = np.asarray(x, dtype=np.float64)
    py = np.asarray(y, dtype=np.float64)
    if not (spacing > 0 and math.isfinite(spacing)):
        raise ValueError(f"spacing must be positive and finite, got {spacing}")
    n = px.size
    rank = np.zeros(n, np.int64) if priority is None else np.asarray(priority, np.int64)
    kept_xy = np.empty((0, 2)) if seeds is None else np.asarray(seeds, np.float64).reshape(-1, 2)
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    cell = spacing / math.sqrt(2.0)
    ix = np.floor(px / cell).astype(np.int64)
    iy = np.floor(py / cell).astype(np.int64)
    off_centre = np.hypot(px - (ix + 0.5) * cell, py - (iy + 0.5) * cell)
    phase = (ix % 3) * 3 + (iy % 3)
    for ph in range(9):
        idx = np.flatnonzero(phase == ph)
        if idx.size == 0:
            continue
        tree = cKDTree(kept_xy) if kept_xy.shape[0] else None
        idx = idx[~_near_kept(tree, np.c_[px[idx], py[idx]], spacing)]
        order = np.lexsort((idx, off_centre[idx], rank[idx], iy[idx], ix[idx]))
        idx = idx[order]
        first = np.ones(idx.size, dtype=bool)
        first[1:] = (ix[idx][1:] != ix[idx][:-1]) | (iy[idx][1:] != iy[idx][:-1])
        chosen = idx[first]
        keep[chosen] = True
        kept_xy = np.concatenate([kept_xy, np.c_[px[chosen], py[chosen]]])
    return keep


def road_density(net: CSRNetwork, x: FloatArray, y: FloatArray, cell_m: float = 1000.0
                 ) -> FloatArray:  # fmt: skip
    """Road km per km² around each point: the road length (each road once, any class) whose
    edge midpoints fall in the point's ``cell_m`` grid square."""
    edges = np.flatnonzero((net.edge_reverse < 0) | (np.arange(net.n_edges) < net.edge_reverse))
    mx = 0.5 * (net.x[net.edge_u[edges]] + net.x[net.edge_v[edges]])
    my = 0.5 * (net.y[net.edge_u[edges]] + net.y[net.edge_v[edges]])
    ex, ey = np.floor(mx / cell_m).astype(np.int64), np.floor(my / cell_m).astype(np.int64)
    px, py = np.floor(x / cell_m).astype(np.int64), np.floor(y / cell_m).astype(np.int64)
    x0 = min(int(ex.min(initial=0)), int(px.min(initial=0)))
    y0 = min(int(ey.min(initial=0)), int(py.min(initial=0)))
    width = max(int(ex.max(initial=0)), int(px.max(initial=0))) - x0 + 1
    height = max(int(ey.max(initial=0)), int(py.max(initial=0))) - y0 + 1
    key_e = (ex - x0) * height + (ey - y0)
    km = np.bincount(key_e, weights=net.edge_length[edges] / 1000.0, minlength=width * height)
    key_p = (px - x0) * height + (py - y0)
    return np.asarray(km[key_p] / (cell_m / 1000.0) ** 2, dtype=np.float64)


def thin_by_context(
    x: FloatArray,
    y: FloatArray,
    spacing: float,
    builtup: BoolArray,
    rural_factor: float,
    *,
    priority: npt.ArrayLike | None = None,
    seeds: npt.ArrayLike | None = None,
) -> BoolArray:
    """:func:`thin_points` at ``spacing`` in built-up areas and ``rural_factor × spacing``
    elsewhere (the rural points also keep that distance from the built-up ones kept)."""
    rank = np.zeros(x.size, np.int64) if priority is None else np.asarray(priority, np.int64)
    base = np.empty((0, 2)) if seeds is None else np.asarray(seeds, np.float64).reshape(-1, 2)
    keep = np.zeros(x.size, dtype=bool)
    dense = np.flatnonzero(builtup)
    keep[dense] = thin_points(x[dense], y[dense], spacing, priority=rank[dense], seeds=base)
    rural = np.flatnonzero(~builtup)
    kept = np.concatenate([base, np.c_[x[keep], y[keep]]])
    keep[rural] = thin_points(x[rural], y[rural], spacing * max(1.0, rural_factor),
                              priority=rank[rural], seeds=kept)  # fmt: skip
    return keep
