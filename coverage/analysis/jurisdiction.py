"""Station jurisdictions (辖区): the network Voronoi partition of the demand cells.

:func:`assign_jurisdictions` runs the travel-time core from every station that holds a district
and gives each demand cell to its fastest station (ties go to the station listed first).
Logistics stations (战勤保障, GB 51080-2015 §4.1.3-3) have no district: they are left out of the
assignment and get an empty row. Cells no station can reach belong to no jurisdiction
(``station`` is ``None``) and are reported.

Times in the layers are minutes from the dispatch order: turnout + driving (settings 1 + 4 min).
A cell is ``covered`` when its fastest arrival is within that budget.

**Adjacency.** ``adjoins_full_station`` (the 小型站 rule of 建标152-2017) is True when the
district shares more than :data:`ADJACENCY_MIN_M` (5 m) of boundary with the district of a
station whose class counts as full (一级, 二级, 特勤 in the default profile); touching at a
corner is not adjoining. It is ``None`` when ``class_keys`` are not given.

**Discretisation.** A district's ``max_arrival_min`` — the "reach the edge of the district within
5 minutes" test of GB 51080-2015 §4.1.3-1 — is the latest arrival over the demand points of its
cells (cell centroids, snapped to the roads, access legs included). The true edge lies up to
half a cell farther, so the figure is a slight under-estimate; a finer cell (``cell_size_m``)
gives a closer one. ``reached_share`` is the share of the district's area whose cells are
reached within the budget.

**Barriers.** With ``barriers`` (GB 51080-2015 §4.1.3-4) the planning area is cut into barrier
zones (:func:`~firecover.analysis.barriers.barrier_zones`) and ``straddled_barrier_km2`` is
measured on the cells, consistently with the assignment: the area of the district's cells whose
demand point lies in another zone than the station (cells whose point lies in a barrier polygon
count for no side). Cells crossing a barrier are not split, so the polygon measure
(:func:`~firecover.analysis.barriers.straddles` on ``districts``) differs by slivers of up to one
cell along the barrier. ``barrier_kinds`` names the barriers crossed by straight lines from the
station to those cells.

With ``within_barrier_zones=True`` a cell goes to the fastest station *in its own barrier zone*
(the zone holding the cell's demand point). Cells in a zone without a station, cells no station
of their zone reaches and cells inside barrier polygons fall back to the overall fastest
station; zones without a station are named in a warning. In that mode ``best_min`` and
``second_min`` stay the overall fastest and second-fastest (coverage), while ``station`` is the
assigned jurisdiction and :attr:`Jurisdictions.assigned_min` the time from it.

The second-due search is bounded at :data:`SECOND_DUE_FACTOR` × the driving budget (12 minutes
by default): ``second_min`` is ``inf`` beyond it. The fastest station is always exact (one
unbounded multi-source search covers the cells no station reaches within the bound).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

import firecover.analysis.grid as _grid
from firecover._errors import DataFormatError
from firecover.analysis.barriers import BarrierSet, Crossing, station_zones
from firecover.analysis.demand import DemandSurface
from firecover.analysis.districts import Jurisdictions, gap_polygons
from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped
from firecover.settings import resolve
from firecover.standards.check import (
    Standards,
    StationClass,
    station_class,
)
from firecover.traveltime.search import k_nearest_times, node_times, point_times

__all__ = ["ADJACENCY_MIN_M", "Jurisdictions", "assign_jurisdictions", "gap_polygons"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

#: Two districts adjoin when they share more than this length of boundary (metres).
ADJACENCY_MIN_M = 5.0
_ADJ_BUFFER_M = 0.5  # buffer used to find a shared boundary despite float noise
_TOL_MIN = 1e-9
#: The second-due station is searched up to this multiple of the driving budget (12 min for
#: the default 4); beyond it ``second_min`` is ``inf``. The fastest station is always exact.
SECOND_DUE_FACTOR = 3.0


# --------------------------------------------------------------------------- inputs


def _names(names: Sequence[str], n: int) -> list[str]:
    out = [str(x) for x in names]
    if len(out) != n:
        raise DataFormatError(f"{len(out)} names for {n} stations; give one name per station")
    if len(set(out)) != n:
        dup = sorted({x for x in out if out.count(x) > 1})
        raise DataFormatError(f"station names repeat ({', '.join(dup)}); make them unique")
    return out


def _classes(
    class_keys: Sequence[str | StationClass] | None, n: int, standards: Standards | None
) -> list[StationClass | None]:
    if class_keys is None:
        return [None] * n
    keys = list(class_keys)
    if len(keys) != n:
        raise DataFormatError(f"{len(keys)} class keys for {n} stations; give one per station")
    return [station_class(k, standards) for k in keys]


def _check_demand(net: CSRNetwork, demand: DemandSurface) -> None:
    if demand.n_edges not in (-1, net.n_edges) or demand.crs != net.crs:
        raise DataFormatError(
            "the demand surface was built on another road network; rebuild "
            "it with build_demand on this network"
        )


# --------------------------------------------------------------------------- assignment


def _fastest(
    net: CSRNetwork,
    stations: Snapped,
    members: IntArray,
    points: Snapped,
    k: int,
    cutoff_s: float | None = None,
) -> tuple[FloatArray, IntArray]:
    """Seconds and station index (into the full list) of the k fastest ``members``.

    With ``cutoff_s``, the ranks are searched only up to that time (bounded searches, fast on
    large graphs); points no member reaches by then still get their fastest member from one
    unbounded multi-source search, with the lower ranks ``inf`` / −1.
    """
    if members.size == 0 or len(points) == 0:
        return np.full((len(points), k), np.inf), np.full((len(points), k), -1, np.int64)
    sub = stations[members]
    times, index = k_nearest_times(net, sub, points, k=k, limit=cutoff_s)
    far = ~np.isfinite(times[:, 0])
    if cutoff_s is not None and far.any():
        t, ix = point_times(net, node_times(net, sub), points[np.flatnonzero(far)])
        times[far, 0], index[far, 0] = t, ix
    return times, np.where(index >= 0, members[np.maximum(index, 0)], -1)


def _zone_assignment(
    net: CSRNetwork,
    stations: Snapped,
    members: IntArray,
    demand: DemandSurface,
    bset: BarrierSet,
    fastest: tuple[IntArray, FloatArray],
) -> tuple[IntArray, FloatArray, list[str]]:
    """Fastest station within each cell's barrier zone; fall back to the overall fastest."""
    assigned, seconds = fastest[0].copy(), fastest[1].copy()
    cell_zone = bset.zone_of(shapely.points(demand.points.x, demand.points.y))
    st_zone = station_zones(bset.zones, shapely.points(stations.x[members], stations.y[members]))
    lonely: list[int] = []
    for z in np.unique(cell_zone[cell_zone >= 0]).tolist():
        in_zone = np.flatnonzero(cell_zone == z)
        mine = members[st_zone == z]
        if mine.size == 0:
            lonely.append(z)
            continue
        t, ix = _fastest(net, stations, mine, demand.points[in_zone], 1)
        ok = np.isfinite(t[:, 0])
        assigned[in_zone[ok]], seconds[in_zone[ok]] = ix[ok, 0], t[ok, 0]
    warnings = []
    if lonely:
        km2 = float(demand.cells["area_km2"].to_numpy()[np.isin(cell_zone, lonely)].sum())
        warnings.append(
            f"{len(lonely)} barrier zone(s) ({km2:.3f} km²) have no station; their cells go to "
            "the overall fastest station"
        )
    return assigned, seconds, warnings


def _station_stats(
    assigned: IntArray, minutes: FloatArray, area: FloatArray, n: int, budget: float
) -> dict[str, FloatArray]:
    ok = assigned >= 0
    a, m, w = assigned[ok], minutes[ok], area[ok]
    km2 = np.bincount(a, weights=w, minlength=n)
    count = np.bincount(a, minlength=n)
    latest = np.full(n, -np.inf)
    np.maximum.at(latest, a, m)
    reached = np.bincount(a, weights=w * (m <= budget + _TOL_MIN), minlength=n)
    has = count > 0
    share = np.divide(reached, km2, out=np.full(n, np.nan), where=has & (km2 > 0))
    share[has & (km2 <= 0)] = 1.0
    return {
        "area_km2": km2,
        "cells": count.astype(np.int64),
        "max_arrival_min": np.where(has, latest, np.nan),
        "reached_share": share,
    }


def _adjoins_full(districts: ObjArray, classes: list[StationClass | None]) -> list[bool | None]:
    """Whether each district shares > ADJACENCY_MIN_M of boundary with a full station's."""
    if any(c is None for c in classes):
        return [None] * len(classes)
    full = [
        j
        for j, c in enumerate(classes)
        if c is not None and c.counts_as_full and districts[j] is not None
    ]
    grown = {j: shapely.buffer(districts[j], _ADJ_BUFFER_M) for j in full}
    out: list[bool | None] = []
    for i, poly in enumerate(districts.tolist()):
        if poly is None:
            out.append(False)
            continue
        edge = shapely.boundary(poly)
        out.append(
            any(
                shapely.length(shapely.intersection(edge, grown[j])) > ADJACENCY_MIN_M
                for j in full
                if j != i and shapely.intersects(edge, grown[j])
            )
        )
    return out


def _cells_layer(
    demand: DemandSurface,
    names: list[str],
    assigned: IntArray,
    first_s: FloatArray,
    second_s: FloatArray,
    turnout: float,
    budget: float,
) -> gpd.GeoDataFrame:
    cells = demand.cells
    best = turnout + first_s / 60.0
    label = np.array([None, *names], dtype=object)[assigned + 1]
    frame = pd.DataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy(),
            "area_km2": cells["area_km2"].to_numpy(),
            "weight": cells["weight"].to_numpy(),
            "risk": cells["risk"].to_numpy(),
            "best_min": best,
            "station": label,
            "second_min": turnout + second_s / 60.0,
            "covered": best <= budget + _TOL_MIN,
            "far_from_road": cells["far_from_road"].to_numpy(bool),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=cells.geometry.to_numpy(), crs=demand.crs)


def assign_jurisdictions(
    net: CSRNetwork | nx.MultiDiGraph,
    stations: Snapped,
    names: Sequence[str],
    demand: DemandSurface,
    *,
    class_keys: Sequence[str | StationClass] | None = None,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    barriers: Any = None,
    within_barrier_zones: bool = False,
    snap_ends_m: float | None = None,
    standards: Standards | None = None,
) -> Jurisdictions:
    """Give every demand cell to its fastest district-holding station and dissolve districts.

    Parameters
    ----------
    net : CSRNetwork or networkx.MultiDiGraph
        The road network ``demand`` was built on.
    stations : Snapped
        Stations on the network (:func:`firecover.network.snapping.snap_stations`).
    names : sequence of str
        Unique station names.
    demand : DemandSurface
        From :func:`firecover.analysis.demand.build_demand`.
    class_keys : sequence of str, optional
        Station class of each station (any alias). Logistics stations get no district. Without
        classes every station holds a district and adjacency is not evaluated.
    turnout_min, driving_min : float, optional
        Budget parts; defaults from settings (1 + 4 min).
    barriers : GeoDataFrame, GeoSeries, path or sequence of geometries, optional
        Barriers (:func:`~firecover.analysis.barriers.load_barriers`); enables
        ``straddled_barrier_km2``.
    within_barrier_zones : bool
        Assign each cell only to a station in its barrier zone (needs ``barriers``).
    snap_ends_m : float, optional
        See :func:`~firecover.analysis.barriers.barrier_zones`.
    standards : Standards, optional
        Profile used to resolve classes; default the bundled one.

    Returns
    -------
    Jurisdictions
    """
    net = net if isinstance(net, CSRNetwork) else CSRNetwork.from_graph(net)
    _check_demand(net, demand)
    label = _names(names, len(stations))
    classes = _classes(class_keys, len(stations), standards)
    turnout = float(resolve(turnout_min, "turnout_min"))
    budget = turnout + float(resolve(driving_min, "driving_min"))
    if within_barrier_zones and barriers is None:
        raise DataFormatError("within_barrier_zones needs barriers; pass barriers=")
    members = np.array([i for i, c in enumerate(classes) if c is None or c.district], np.int64)
    cutoff = SECOND_DUE_FACTOR * 60.0 * (budget - turnout)
    times, index = _fastest(net, stations, members, demand.points, 2, cutoff)
    assigned, seconds = index[:, 0], times[:, 0]
    warns: list[str] = []
    bset = (
        None
        if barriers is None
        else BarrierSet.build(demand.boundary, barriers, net.crs, snap_ends_m)
    )
    if within_barrier_zones and bset is not None:
        assigned, seconds, warns = _zone_assignment(
            net, stations, members, demand, bset, (assigned, seconds)
        )
    for w in warns:
        logger.warning(w)
    cells = _cells_layer(demand, label, assigned, times[:, 0], times[:, 1], turnout, budget)
    assigned_min = turnout + seconds / 60.0
    area = cells["area_km2"].to_numpy()
    stats = _station_stats(assigned, assigned_min, area, len(label), budget)
    ok = assigned >= 0
    districts = _grid.dissolve(cells.geometry.to_numpy()[ok], assigned[ok], len(label))
    straddle = _straddles(bset, assigned, demand, area, stations, districts)
    table = _station_table(label, classes, stats, districts, straddle)
    unassigned = float(area[~ok].sum())
    if (~ok).any():
        warns.append(
            f"{int((~ok).sum())} cell(s) ({unassigned:.3f} km²) are reached by no "
            "station and belong to no jurisdiction"
        )
        logger.warning(warns[-1])
    zones = (
        None
        if bset is None
        else gpd.GeoDataFrame(
            {"zone": np.arange(bset.zones.size), "area_km2": shapely.area(bset.zones) / 1e6},
            geometry=bset.zones,
            crs=net.crs,
        )
    )
    return Jurisdictions(
        cells,
        table,
        districts,
        assigned_min,
        net.crs,
        turnout,
        budget - turnout,
        budget,
        float(area.sum()),
        unassigned,
        zones,
        tuple(warns),
    )


def _straddles(
    bset: BarrierSet | None,
    assigned: IntArray,
    demand: DemandSurface,
    area: FloatArray,
    stations: Snapped,
    districts: ObjArray,
) -> tuple[FloatArray, list[tuple[str, ...]], list[tuple[Crossing, ...]]]:
    n = len(stations)
    if bset is None:
        return np.full(n, np.nan), [() for _ in range(n)], [() for _ in range(n)]
    cell_pts = shapely.points(demand.points.x, demand.points.y)
    pts = shapely.points(stations.x, stations.y)
    km2, kinds = bset.straddles_cells(assigned, cell_pts, area, pts, districts)
    return km2, kinds, bset.crossings_cells(assigned, cell_pts, area, pts, districts)


def _station_table(
    label: list[str],
    classes: list[StationClass | None],
    stats: dict[str, FloatArray],
    districts: ObjArray,
    straddle: tuple[FloatArray, list[tuple[str, ...]], list[tuple[Crossing, ...]]],
) -> pd.DataFrame:
    parts = np.array([0 if d is None else shapely.get_num_geometries(d) for d in districts])
    return pd.DataFrame(
        {
            "station": label,
            "class_key": [None if c is None else c.key for c in classes],
            "has_district": [c is None or c.district for c in classes],
            **stats,
            "parts": parts.astype(np.int64),
            "adjoins_full_station": _adjoins_full(districts, classes),
            "straddled_barrier_km2": straddle[0],
            "barrier_kinds": ["; ".join(k) for k in straddle[1]],
            "barrier_crossings": list(straddle[2]),
        }
    )
