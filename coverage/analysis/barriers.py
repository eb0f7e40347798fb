"""Barriers a district should not cross (GB 51080-2015 §4.1.3-4): expressways, urban
expressways, trunk railways and large rivers.

Barriers are lines (an expressway, a railway, a river centre-line) or polygons (a river's water
area), each with a ``kind`` (``expressway``, ``railway``, ``river`` or the file's own word).

**Zones.** :func:`barrier_zones` cuts the planning area apart: barrier polygons are removed
and the rest is split along the barrier lines exactly (the lines are noded with the area's
outline and polygonised, so no area is lost to a buffer). A line that does not cut the area
apart (it ends inside it) separates nothing. Line ends within ``snap_ends_m`` of the area's
outline or of another barrier are joined to it first, because roads taken from a graph
(:func:`barriers_from_graph`) stop short of a boundary drawn around the network.

**Straddling.** :func:`straddles` reports, per station, the area of its district that lies in
a zone other than the station's own zone (the zone holding the station point, or the nearest
one) — the part it can reach only across a barrier. Water inside barrier polygons is in no zone
and is not counted, so a district reaching the middle of a river does not straddle it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

import firecover.analysis.grid as _grid
from firecover._errors import DataFormatError
from firecover.analysis.barrier_layers import (
    _POLY_TYPES,
    BARRIER_KINDS,
    _barrier_arrays,
    barriers_from_graph,
    load_barriers,
)

__all__ = [
    "BARRIER_KINDS",
    "SNAP_ENDS_M",
    "BarrierSet",
    "Crossing",
    "barrier_zones",
    "barriers_from_graph",
    "load_barriers",
    "station_zones",
    "straddles",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
BarrierInput: TypeAlias = "gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"

#: Default reach for joining a barrier line's loose end to the outline or another barrier, m.
SNAP_ENDS_M = 200.0
_TOUCH_M = 0.5  # a barrier "touches" a far part within this distance (fallback kinds)
_STRADDLE_MIN_M2 = 1e-2  # smaller far-side areas are float noise on a shared edge


# --------------------------------------------------------------------------- zones


@dataclass(frozen=True)
class Crossing:
    """One barrier a district crosses: its canonical ``kind``, its ``name`` (``""`` when the
    data has none) and the district's ``km2`` beyond it."""

    kind: str
    name: str
    km2: float


@dataclass(frozen=True, eq=False)
class BarrierSet:
    """Barrier geometries with their kinds and the zones they cut a planning area into.

    Attributes
    ----------
    geoms, kinds : ndarray of object
        Barrier lines/polygons and their canonical kinds.
    zones : ndarray of object
        Zone polygons, largest first (see :func:`barrier_zones`).
    names : ndarray of object, optional
        Each barrier's name (``""`` when the data has none).
    """

    geoms: ObjArray
    kinds: ObjArray
    zones: ObjArray
    names: ObjArray | None = None

    def label_names(self) -> ObjArray:
        """Names per barrier, ``""`` where unknown."""
        if self.names is None:
            return np.full(self.geoms.size, "", dtype=object)
        return self.names

    @classmethod
    def build(
        cls,
        boundary: BaseGeometry,
        barriers: Any,
        crs: str | None = None,
        snap_ends_m: float | None = None,
    ) -> BarrierSet:
        """Read ``barriers`` (into ``crs``) and cut ``boundary`` into zones."""
        geoms, kinds, names = _barrier_arrays(barriers, crs)
        snap = SNAP_ENDS_M if snap_ends_m is None else float(snap_ends_m)
        return cls(geoms, kinds, _zone_array(boundary, geoms, snap), names)

    def zone_of(self, points: ObjArray) -> IntArray:
        """Zone holding each point; −1 inside a barrier polygon or outside every zone."""
        out = np.full(len(points), -1, dtype=np.int64)
        ipt, izone = _grid.points_in_polygons(self.zones, points)
        out[ipt] = izone
        return out

    def straddles(
        self, districts: ObjArray, points: ObjArray
    ) -> tuple[FloatArray, list[tuple[str, ...]]]:
        """:func:`straddles` (polygon measure) with these zones."""
        n = len(districts)
        km2 = np.zeros(n)
        which: list[tuple[str, ...]] = [() for _ in range(n)]
        st_zone = station_zones(self.zones, points, districts)
        for i in np.flatnonzero(st_zone >= 0).tolist():
            poly = districts[i]
            if poly is None or poly.is_empty:
                continue
            others = np.delete(self.zones, st_zone[i])
            far = shapely.intersection(others, poly)
            far = far[shapely.area(far) > 0]
            area = float(shapely.area(far).sum())
            if area > _STRADDLE_MIN_M2:
                km2[i] = area / 1e6
                reps = shapely.point_on_surface(far)
                which[i] = _crossed_kinds(points[i], reps, self.geoms, self.kinds)
        return km2, which

    def straddles_cells(
        self,
        assigned: IntArray,
        cell_points: ObjArray,
        cell_km2: FloatArray,
        points: ObjArray,
        districts: ObjArray,
    ) -> tuple[FloatArray, list[tuple[str, ...]]]:
        """Cell measure: km² of each station's cells whose demand point lies in another zone.

        Cells whose point lies inside a barrier polygon count for neither side.
        """
        n = len(points)
        st_zone = station_zones(self.zones, points, districts)
        cell_zone = self.zone_of(cell_points)
        mine = assigned >= 0
        st_of_cell = st_zone[np.where(mine, assigned, 0)]
        far = mine & (cell_zone >= 0) & (st_of_cell >= 0) & (cell_zone != st_of_cell)
        km2 = np.bincount(assigned[far], weights=cell_km2[far], minlength=n).astype(np.float64)
        which: list[tuple[str, ...]] = [() for _ in range(n)]
        for i in np.flatnonzero(km2 > 0).tolist():
            targets = cell_points[far & (assigned == i)]
            which[i] = _crossed_kinds(points[i], targets, self.geoms, self.kinds)
        return km2, which

    def crossings_cells(
        self,
        assigned: IntArray,
        cell_points: ObjArray,
        cell_km2: FloatArray,
        points: ObjArray,
        districts: ObjArray,
    ) -> list[tuple[Crossing, ...]]:
        """Per station, each barrier its district crosses and the district's km² beyond it.

        The far cells of a station (in another zone, as :meth:`straddles_cells`) count for
        every barrier the straight line from the station to the cell crosses, so each figure
        is "the part beyond this barrier"; a far cell no straight line separates goes to the
        nearest barrier. Barriers of the same kind and name are one entry; largest first.
        """
        n = len(points)
        st_zone = station_zones(self.zones, points, districts)
        cell_zone = self.zone_of(cell_points)
        mine = assigned >= 0
        st_of_cell = st_zone[np.where(mine, assigned, 0)]
        far = mine & (cell_zone >= 0) & (st_of_cell >= 0) & (cell_zone != st_of_cell)
        out: list[tuple[Crossing, ...]] = [() for _ in range(n)]
        if self.geoms.size == 0:
            return out
        names = self.label_names()
        for i in np.unique(assigned[far]).tolist():
            sel = np.flatnonzero(far & (assigned == i))
            cell_i, hit = _crossed_barriers(points[i], cell_points[sel], self.geoms)
            alone = np.setdiff1d(np.arange(sel.size), cell_i)
            if alone.size:  # no straight line crosses a barrier: the nearest one
                near = shapely.distance(self.geoms, shapely.union_all(cell_points[sel[alone]]))
                cell_i = np.r_[cell_i, alone]
                hit = np.r_[hit, np.full(alone.size, int(np.argmin(near)))]
            km2: dict[tuple[str, str], float] = {}
            labels = [(str(self.kinds[b]), str(names[b])) for b in hit.tolist()]
            seen: set[tuple[int, tuple[str, str]]] = set()
            for c, key in zip(cell_i.tolist(), labels, strict=True):
                if (c, key) in seen:  # two parts of one named barrier: count the cell once
                    continue
                seen.add((c, key))
                km2[key] = km2.get(key, 0.0) + float(cell_km2[sel[c]])
            out[i] = tuple(
                Crossing(k, nm, v) for (k, nm), v in sorted(km2.items(), key=lambda t: -t[1])
            )
        return out


def _crossed_barriers(
    origin: BaseGeometry, targets: ObjArray, geoms: ObjArray
) -> tuple[IntArray, IntArray]:
    """(target, barrier) pairs: the straight line from ``origin`` to the target crosses it."""
    if targets.size == 0 or geoms.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    o = shapely.get_coordinates(origin)[0]
    t = shapely.get_coordinates(targets)
    segs = shapely.linestrings(np.stack([np.broadcast_to(o, t.shape), t], axis=1))
    seg_i, hit = shapely.STRtree(geoms).query(segs, predicate="intersects")
    return seg_i.astype(np.int64), hit.astype(np.int64)


def _split_types(geoms: ObjArray) -> tuple[ObjArray, ObjArray]:
    is_poly = np.isin(shapely.get_type_id(geoms), _POLY_TYPES)
    return geoms[is_poly], geoms[~is_poly]


def _overshoot(end: BaseGeometry, targets: BaseGeometry) -> BaseGeometry:
    """Segment from ``end`` to the nearest point of ``targets`` and 1 m beyond, so that it
    properly crosses the target (a segment ending *on* a line may miss it by float noise)."""
    (x0, y0), (x1, y1) = shapely.get_coordinates(shapely.shortest_line(end, targets))
    length = float(np.hypot(x1 - x0, y1 - y0))
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    return shapely.LineString([(x0, y0), (x1 + ux, y1 + uy)])


def _join_ends(lines: ObjArray, polys: ObjArray, boundary: BaseGeometry, snap: float) -> ObjArray:
    """Segments joining loose line ends inside the area to the outline or another barrier."""
    if lines.size == 0 or snap <= 0:
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(shapely.line_merge(shapely.union_all(lines)))
    parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING]
    others = np.concatenate([parts, shapely.boundary(polys), [shapely.boundary(boundary)]])
    extra = []
    for k, line in enumerate(parts.tolist()):
        ends = shapely.get_parts(line.boundary)
        ends = ends[shapely.intersects(boundary, ends)]
        if ends.size == 0:
            continue
        targets = shapely.union_all(np.delete(others, k))
        for end in ends.tolist():
            gap = shapely.distance(end, targets)
            if 1e-9 < gap <= snap:
                extra.append(_overshoot(end, targets))
    return np.asarray(extra, dtype=object)


def _polygonize(region: BaseGeometry, lines: BaseGeometry) -> ObjArray:
    """Faces of ``region`` cut along ``lines`` (exact; dangles and cut edges separate nothing).

    The lines are *not* clipped to the region first: clipping would end them on its outline
    only up to float noise, and unnoded ends would leave the region uncut.
    """
    noded = shapely.union_all(np.array([shapely.boundary(region), lines], dtype=object))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.area(faces) > 0]
    inside = shapely.within(shapely.point_on_surface(faces), region)
    return faces[inside]


def _zone_array(boundary: BaseGeometry, geoms: ObjArray, snap: float) -> ObjArray:
    """The planning area cut by barrier polygons and lines, largest zone first."""
    polys, lines = _split_types(geoms)
    region = boundary
    if polys.size:
        region = shapely.difference(region, shapely.union_all(polys))
    region = _grid.areal(np.array([region], dtype=object))[0]
    if region.is_empty:
        return np.empty(0, dtype=object)
    if lines.size == 0:
        faces = shapely.get_parts(region)
    else:
        extra = _join_ends(lines, polys, boundary, snap)
        x0, y0, x1, y1 = region.bounds
        frame = shapely.box(x0 - 10.0, y0 - 10.0, x1 + 10.0, y1 + 10.0)
        cut = shapely.intersection(shapely.union_all(np.concatenate([lines, extra])), frame)
        try:
            faces = _polygonize(region, cut)
            ok = abs(shapely.area(faces).sum() - region.area) <= 1e-7 * max(region.area, 1.0)
        except GEOSException:
            ok = False
        if not ok:
            logger.warning("exact barrier split failed; cutting with 5 cm wide barrier lines")
            faces = shapely.get_parts(shapely.difference(region, shapely.buffer(cut, 0.025)))
            faces = faces[np.isin(shapely.get_type_id(faces), _POLY_TYPES)]
    faces = faces[np.argsort(-shapely.area(faces), kind="stable")]
    return np.asarray(faces, dtype=object)


def barrier_zones(
    boundary: BaseGeometry,
    barriers: Any,
    *,
    crs: str | None = None,
    snap_ends_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Split the planning area into zones that barriers separate.

    Parameters
    ----------
    boundary : shapely (Multi)Polygon
        Planning area (in ``crs``, or in the barriers' CRS).
    barriers : GeoDataFrame, GeoSeries, path or sequence of geometries
        Barrier lines and polygons (see :func:`load_barriers`).
    crs : str, optional
        CRS of ``boundary``; barriers in another CRS are reprojected.
    snap_ends_m : float, optional
        Join loose line ends this close to the outline or another barrier; default
        :data:`SNAP_ENDS_M` (200 m); 0 disables.

    Returns
    -------
    GeoDataFrame
        ``zone`` (0 = largest), ``area_km2``, geometry; barrier polygons are in no zone.
    """
    zones = BarrierSet.build(boundary, barriers, crs, snap_ends_m).zones
    if crs is None and isinstance(barriers, gpd.GeoDataFrame | gpd.GeoSeries):
        crs = None if barriers.crs is None else barriers.crs.to_string()
    return gpd.GeoDataFrame(
        {"zone": np.arange(zones.size, dtype=np.int64), "area_km2": shapely.area(zones) / 1e6},
        geometry=zones,
        crs=crs,
    )


# --------------------------------------------------------------------------- straddling


def station_zones(zones: ObjArray, points: ObjArray, districts: ObjArray | None = None) -> IntArray:
    """Zone of each station point: the zone holding it, else the nearest one.

    A point on the edge between zones goes to the zone sharing most area with its district
    (when ``districts`` are given), else to the largest zone.
    """
    out = _grid.nearest_index(zones, points)
    if districts is None or zones.size == 0:
        return out
    for i, (pt, district) in enumerate(zip(points.tolist(), districts.tolist(), strict=True)):
        if district is None or district.is_empty:
            continue
        dist = shapely.distance(zones, pt)
        near = np.flatnonzero(dist <= dist.min() + 1e-6)
        if near.size > 1:
            overlap = shapely.area(shapely.intersection(zones[near], district))
            out[i] = near[int(np.argmax(overlap))]
    return out


def _crossed_kinds(
    origin: BaseGeometry, targets: ObjArray, geoms: ObjArray, kinds: ObjArray
) -> tuple[str, ...]:
    """Kinds of the barriers crossed by straight lines from the station to the far parts.

    A heuristic for *which* barrier separates them; when no straight line crosses one (a
    barrier looping around), every barrier touching the far parts is named.
    """
    if targets.size == 0 or geoms.size == 0:
        return ()
    o = shapely.get_coordinates(origin)[0]
    t = shapely.get_coordinates(targets)
    segs = shapely.linestrings(np.stack([np.broadcast_to(o, t.shape), t], axis=1))
    _, hit = shapely.STRtree(geoms).query(segs, predicate="intersects")
    if hit.size == 0:
        near = shapely.distance(geoms, shapely.union_all(targets)) <= _TOUCH_M
        hit = np.flatnonzero(near)
    return tuple(sorted(set(kinds[hit].tolist())))


def straddles(
    jurisdiction_polygons: Sequence[BaseGeometry | None] | ObjArray,
    station_points: Sequence[BaseGeometry] | ObjArray | npt.ArrayLike,
    barriers: Any,
    *,
    boundary: BaseGeometry | None = None,
    crs: str | None = None,
    snap_ends_m: float | None = None,
) -> tuple[FloatArray, list[tuple[str, ...]]]:
    """Area of each district lying across a barrier from its station, and which kinds.

    Parameters
    ----------
    jurisdiction_polygons : sequence of (Multi)Polygon or None
        One district per station (``None`` or empty: no district, 0 km²).
    station_points : sequence of Point, or array (n, 2) of x, y
        The stations, in the same CRS.
    barriers : GeoDataFrame, GeoSeries, path or sequence of geometries
        Barrier lines and polygons.
    boundary : shapely geometry, optional
        Planning area the zones are cut from; default the union of the districts.
    crs : str, optional
        CRS of the districts (barriers in another CRS are reprojected).
    snap_ends_m : float, optional
        See :func:`barrier_zones`.

    Returns
    -------
    km2 : ndarray
        Per station, km² of its district outside the station's barrier zone.
    kinds : list of tuple of str
        Per station, the kinds of barrier crossed on the way from the station to the far
        parts (empty when not straddling).
    """
    districts = np.empty(len(jurisdiction_polygons), dtype=object)
    districts[:] = list(jurisdiction_polygons)
    pts = np.asarray(station_points, dtype=object)
    if pts.ndim == 2:
        pts = shapely.points(np.asarray(station_points, dtype=np.float64))
    if len(pts) != len(districts):
        raise DataFormatError("give one station point per jurisdiction polygon")
    present = [d for d in districts.tolist() if d is not None and not d.is_empty]
    if not present:
        return np.zeros(len(districts)), [() for _ in range(len(districts))]
    extent = shapely.union_all(present) if boundary is None else boundary
    return BarrierSet.build(extent, barriers, crs, snap_ends_m).straddles(districts, pts)
