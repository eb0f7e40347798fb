"""Polygon helpers of the service areas: buffered reached roads, filled holes, the boundary clip."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

__all__ = ["QUAD_SEGS", "buffer_lines", "fill_holes"]

ObjArray = npt.NDArray[np.object_]
QUAD_SEGS = 4
"""Segments per quarter circle of the round buffer caps (≤ 2 % radial error)."""


def _polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon:
    """The polygonal part of ``geom`` as a Polygon (possibly empty) or MultiPolygon."""
    if geom is None or geom.is_empty:
        return Polygon()
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def buffer_lines(lines: ObjArray, buffer_m: float) -> Polygon | MultiPolygon:
    """Ground within ``buffer_m`` of any of ``lines``: vectorised buffer, then ``union_all``.

    Round caps and joins (:data:`QUAD_SEGS`), so junctions and piece ends are covered like
    everything else within the distance. ``buffer_m = 0`` gives an empty polygon.
    """
    if buffer_m <= 0.0 or len(lines) == 0:
        return Polygon()
    shapes = shapely.buffer(np.asarray(lines, dtype=object), buffer_m, quad_segs=QUAD_SEGS)
    return _polygonal(shapely.union_all(shapes))


def fill_holes(geom: BaseGeometry, max_area_m2: float) -> Polygon | MultiPolygon:
    """Fill the interior rings enclosing less than ``max_area_m2`` (m²); 0 keeps every hole.

    A hole's size is the area inside its ring. Parts that end up inside a filled hole merge.
    """
    geom = _polygonal(geom)
    if max_area_m2 <= 0.0 or geom.is_empty:
        return geom
    parts = list(shapely.get_parts(geom))
    changed = False
    for i, part in enumerate(parts):
        rings = np.asarray(shapely.get_parts(shapely.get_rings(part))[1:], dtype=object)
        if rings.size == 0:
            continue
        keep = shapely.area(shapely.polygons(rings)) >= max_area_m2
        if not keep.all():
            parts[i] = Polygon(part.exterior, list(rings[keep]))
            changed = True
    if not changed:
        return geom
    return _polygonal(shapely.union_all(parts)) if len(parts) > 1 else parts[0]


def _boundary_geometry(boundary: Any, crs: str) -> BaseGeometry | None:
    """One valid polygon geometry in ``crs`` from a shapely geometry, GeoSeries or GeoDataFrame."""
    if boundary is None:
        return None
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is not None:
            boundary = boundary.to_crs(crs)
        geom = shapely.union_all(np.asarray(boundary.geometry.values, dtype=object))
    elif isinstance(boundary, BaseGeometry):
        geom = boundary
    else:
        raise TypeError("boundary must be a shapely geometry, GeoSeries or GeoDataFrame")
    geom = _polygonal(shapely.make_valid(geom))
    if geom.is_empty:
        raise ValueError("the planning boundary has no area; pass the district polygon")
    return geom


def _finish(
    raw: BaseGeometry, fill_m2: float, boundary: BaseGeometry | None
) -> Polygon | MultiPolygon:
    out = fill_holes(raw, fill_m2)
    if boundary is not None and not out.is_empty:
        out = _polygonal(shapely.intersection(out, boundary))
    return out
