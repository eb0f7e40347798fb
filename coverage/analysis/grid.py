"""Private geometry helpers for demand grids, overlays and dissolves (vectorised shapely 2).

Cells are built on a lattice anchored at the CRS origin, so the same boundary and cell size
always give the same cells, and neighbouring cells share *bit-identical* vertices (every
coordinate is an integer multiple of one step), which keeps dissolves free of slivers.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.errors
from shapely.geometry.base import BaseGeometry

from firecover._errors import DataFormatError

__all__ = [
    "MAX_CELLS",
    "MIN_CELL_M2",
    "areal",
    "cell_points",
    "check_cell_size",
    "clip_cells",
    "dissolve",
    "hex_cells",
    "nearest_index",
    "points_in_polygons",
    "polygon_overlaps",
    "square_cells",
    "union_cells",
]

logger = logging.getLogger(__name__)

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Refuse grids with more candidate cells than this (choose a larger cell size instead).
MAX_CELLS = 3_000_000
#: Clipped cell parts smaller than this (m²) are float noise along the boundary and dropped.
MIN_CELL_M2 = 1e-6
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def check_cell_size(size: Any) -> float:
    """Return ``size`` as a positive finite float (metres), else raise DataFormatError."""
    try:
        value = float(size)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise DataFormatError(f"cell size must be a positive number of metres, not {size!r}")
    return value


def _check_count(n: int, size: float) -> None:
    if n > MAX_CELLS:
        raise DataFormatError(
            f"the grid would have {n:,} cells of {size:g} m; use a larger cell size "
            f"(at most {MAX_CELLS:,} cells)"
        )


def square_cells(bounds: tuple[float, float, float, float], size: float) -> ObjArray:
    """Squares of side ``size`` covering ``bounds``, row by row from the south-west.

    Corners are ``k · size`` for integers k, so shared edges are identical in both cells.
    """
    minx, miny, maxx, maxy = bounds
    i = np.arange(math.floor(minx / size), math.ceil(maxx / size) + (maxx == minx))
    j = np.arange(math.floor(miny / size), math.ceil(maxy / size) + (maxy == miny))
    _check_count(i.size * j.size, size)
    gi, gj = np.meshgrid(i, j)
    ii, jj = gi.ravel().astype(np.float64), gj.ravel().astype(np.float64)
    out: ObjArray = shapely.box(ii * size, jj * size, (ii + 1) * size, (jj + 1) * size)
    return out


def hex_cells(bounds: tuple[float, float, float, float], size: float) -> ObjArray:
    """Flat-topped hexagons with the area of a ``size`` × ``size`` square, covering ``bounds``.

    Circumradius R = sqrt(2 size² / (3 √3)); column i has centre x = 1.5 R i, rows are
    offset by half a hexagon in odd columns. Vertices are integer multiples of R/2 (x) and of
    the half-height √3 R / 2 (y), so neighbours share identical vertices.
    """
    minx, miny, maxx, maxy = bounds
    radius = math.sqrt(2.0 * size * size / (3.0 * math.sqrt(3.0)))
    half_w, half_h = radius / 2.0, math.sqrt(3.0) * radius / 2.0
    i = np.arange(math.floor(minx / (1.5 * radius)) - 1, math.ceil(maxx / (1.5 * radius)) + 2)
    j = np.arange(math.floor(miny / (2 * half_h)) - 1, math.ceil(maxy / (2 * half_h)) + 2)
    _check_count(i.size * j.size, size)
    gi, gj = np.meshgrid(i, j)
    ii, jj = gi.ravel(), gj.ravel()
    kx = 3 * ii
    ky = 2 * jj + (ii % 2)
    dx = np.array([2, 1, -1, -2, -1, 1])
    dy = np.array([0, 1, 1, 0, -1, -1])
    coords = np.stack([(kx[:, None] + dx) * half_w, (ky[:, None] + dy) * half_h], axis=-1)
    out: ObjArray = shapely.polygons(coords.astype(np.float64))
    return out


def areal(geoms: ObjArray) -> ObjArray:
    """Keep only the polygonal parts of each geometry (empty Polygon when there are none)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    types = shapely.get_type_id(geoms)
    odd = np.flatnonzero(~np.isin(types, _POLYGONAL))
    for k in odd.tolist():  # only boundary cells with degenerate intersections get here
        parts = shapely.get_parts(geoms[k])
        polys = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
        geoms[k] = shapely.union_all(polys) if polys.size else shapely.Polygon()
    return geoms


def clip_cells(cells: ObjArray, boundary: BaseGeometry) -> tuple[ObjArray, IntArray]:
    """Clip candidate cells to ``boundary``; return the clipped cells and their candidate index.

    Cells inside the boundary are kept as they are; cells crossing it are intersected; parts
    smaller than :data:`MIN_CELL_M2` are dropped.
    """
    shapely.prepare(boundary)
    hit = shapely.intersects(boundary, cells)
    inside = hit & shapely.contains_properly(boundary, cells)
    edge = np.flatnonzero(hit & ~inside)
    out = np.asarray(cells, dtype=object).copy()
    if edge.size:
        out[edge] = areal(shapely.intersection(cells[edge], boundary))
    keep = np.flatnonzero(hit)
    keep = keep[shapely.area(out[keep]) >= MIN_CELL_M2]
    return out[keep], keep.astype(np.int64)


def cell_points(cells: ObjArray) -> tuple[FloatArray, FloatArray]:
    """Centroid of each cell, or a point on its surface when the centroid falls outside it."""
    pts = shapely.centroid(cells)
    outside = ~shapely.intersects(cells, pts)
    if outside.any():
        pts[outside] = shapely.point_on_surface(cells[outside])
    return shapely.get_x(pts), shapely.get_y(pts)


def points_in_polygons(polys: ObjArray, points: ObjArray) -> tuple[IntArray, IntArray]:
    """Pairs (point, polygon) with each point counted once (the lowest polygon index wins).

    A point on an edge shared by two cells belongs to one of them only.
    """
    if len(polys) == 0 or len(points) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    tree = shapely.STRtree(polys)
    ipt, ipoly = tree.query(points, predicate="intersects")
    order = np.lexsort((ipoly, ipt))
    ipt, ipoly = ipt[order], ipoly[order]
    first = np.ones(ipt.size, dtype=bool)
    first[1:] = ipt[1:] != ipt[:-1]
    return ipt[first].astype(np.int64), ipoly[first].astype(np.int64)


def polygon_overlaps(cells: ObjArray, polys: ObjArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs (cell, polygon) whose intersection has positive area, with that area (m²)."""
    if len(cells) == 0 or len(polys) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    tree = shapely.STRtree(cells)
    ipoly, icell = tree.query(polys, predicate="intersects")
    area = shapely.area(shapely.intersection(cells[icell], polys[ipoly]))
    ok = area > 0
    return icell[ok].astype(np.int64), ipoly[ok].astype(np.int64), area[ok]


def union_cells(cells: ObjArray) -> BaseGeometry:
    """Union of non-overlapping cells sharing exact edges (a polygonal coverage).

    Uses the fast coverage union; falls back to the general union when the result is invalid
    or loses area (cells that are not a clean coverage).
    """
    want = float(shapely.area(cells).sum())
    try:
        out = shapely.coverage_union_all(cells)
        if shapely.is_valid(out) and abs(out.area - want) <= 1e-9 * want + 1e-6:
            return out
    except shapely.errors.GEOSException:
        pass
    logger.debug("coverage union failed for %d cells; using the general union", len(cells))
    return shapely.union_all(cells)


def dissolve(geoms: ObjArray, labels: IntArray, n: int) -> ObjArray:
    """Union of the cells with each label 0..n−1 (``None`` for a label with none)."""
    out = np.full(n, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    bounds = np.searchsorted(sorted_labels, np.arange(n + 1))
    for k in range(n):
        members = order[bounds[k] : bounds[k + 1]]
        if members.size:
            out[k] = union_cells(geoms[members])
    return out


def nearest_index(polys: ObjArray, points: ObjArray) -> IntArray:
    """Index of the polygon containing each point, else of the nearest one (−1: no polygons).

    Ties (a point on the edge between polygons) go to the larger polygon.
    """
    n = len(points)
    out = np.full(n, -1, dtype=np.int64)
    if len(polys) == 0 or n == 0:
        return out
    tree = shapely.STRtree(polys)
    ipt, ipoly = tree.query_nearest(points, all_matches=True)
    area = shapely.area(polys[ipoly])
    order = np.lexsort((-area, ipt))
    ipt, ipoly = ipt[order], ipoly[order]
    first = np.ones(ipt.size, dtype=bool)
    first[1:] = ipt[1:] != ipt[:-1]
    out[ipt[first]] = ipoly[first]
    return out
