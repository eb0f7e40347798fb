"""One coverage run: stations on a road graph → service areas, jurisdictions, gaps, checks.

This module only orchestrates; each step lives in its own module:

1. :func:`place_stations` — project the stations' coordinates (WGS-84 / GCJ-02 / BD-09) into the
   graph's metric CRS, reject swapped or out-of-extent coordinates, snap to the nearest road.
2. :func:`firecover.analysis.demand.build_demand` — the demand cells of the planning area.
3. :func:`~firecover.analysis.jurisdiction.assign_jurisdictions` — network Voronoi (辖区), arrival
   times, gaps.
4. :func:`firecover.analysis.service_area.service_areas` — what each station reaches per time break.
5. :func:`firecover.standards.check_stations` / :func:`~firecover.standards.district_summary`
   — GB 51080-2015 §4.1.3 and 建标152-2017.

The result's :class:`~firecover.outputs.CoverageLayers` feed the GeoPackage, the maps and the
reports (:mod:`firecover.analysis.report`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from firecover._errors import DataFormatError
from firecover._schema import check_value
from firecover.analysis.datum_check import check_station_datum
from firecover.analysis.demand import DemandSurface
from firecover.analysis.jurisdiction import Jurisdictions, assign_jurisdictions, gap_polygons
from firecover.analysis.service_area import ServiceAreaCache, service_areas
from firecover.analysis.station_spec import StationSpec
from firecover.network.coords import project_points
from firecover.network.snapping import Snapped, snap_stations
from firecover.outputs.layers import CoverageLayers, CoverageMeta
from firecover.settings import resolve
from firecover.standards.check import (
    DistrictSummary,
    StationCheck,
    check_stations,
    district_summary,
)
from firecover.traveltime.search import CSRNetwork

__all__ = ["CoverageRun", "analyse", "barrier_failure", "place_stations", "roads_layer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoverageRun:
    """Everything one coverage run computed.

    Attributes
    ----------
    layers : CoverageLayers
        The map/GeoPackage layers (DESIGN.md schema).
    checks : list of StationCheck
        Standards check per station, in input order.
    summary : DistrictSummary
        District totals and the area-based station count.
    jurisdictions : Jurisdictions
        Raw jurisdiction result (cells, per-station table, warnings).
    stations : list of StationSpec
        The stations analysed.
    snapped : Snapped
        Their road positions.
    """

    layers: CoverageLayers
    checks: list[StationCheck]
    summary: DistrictSummary
    jurisdictions: Jurisdictions
    stations: list[StationSpec]
    snapped: Snapped

    @property
    def budget_min(self) -> float:
        """Response budget in minutes (turnout + driving)."""
        return self.jurisdictions.budget_min

    @property
    def compliant(self) -> bool:
        """True when every station passes the standards check."""
        return all(c.compliant for c in self.checks)


def place_stations(
    net: CSRNetwork,
    stations: Sequence[StationSpec],
    *,
    snap_max_m: float | None = None,
    datum_check: bool = True,
) -> Snapped:
    """Project station coordinates into ``net.crs`` and snap them to the nearest road.

    With ``datum_check``, a station file in GCJ-02 given as WGS-84 is refused first
    (:func:`firecover.analysis.datum_check.check_station_datum`).

    Raises
    ------
    CoordinateError
        Swapped lat/lon, a station outside the road graph's extent, or GCJ-02 coordinates
        declared WGS-84.
    SnapError
        A station farther than ``snap_max_m`` from any road.
    """
    xs = np.empty(len(stations))
    ys = np.empty(len(stations))
    for datum in sorted({s.datum for s in stations}):
        idx = np.array([i for i, s in enumerate(stations) if s.datum == datum])
        x, y = project_points(
            [stations[i].lon for i in idx], [stations[i].lat for i in idx], net.crs,
            datum=datum, extent=net.bounds,
        )  # fmt: skip
        xs[idx], ys[idx] = x, y
    if datum_check:
        check_station_datum(net, stations)
    return snap_stations(net, xs, ys, [s.name for s in stations], max_m=snap_max_m)


def roads_layer(net: CSRNetwork, *, merge: bool = True) -> gpd.GeoDataFrame:
    """The ``roads`` layer: the roads with their class, direction and name (the graph's
    ``name``, "" when it has none); a two-way pair is drawn once.

    With ``merge`` (the default) consecutive edges of the same class, direction and name are
    one line (:func:`shapely.line_merge`, directed for one-way roads, so an arrow style still
    points the way): the layer is for drawing, and a row per graph edge only made it large —
    on the Binhai-sized bench district 288,240 edges become 47,330 lines, the ``roads`` table
    of ``layers.gpkg`` 12 MB instead of 50 MB with its spatial index, and every map draws
    fewer paths. ``merge=False`` keeps one row per edge.
    """
    keep = (net.edge_reverse < 0) | (np.arange(net.n_edges) < net.edge_reverse)
    names = net.edge_name if net.edge_name is not None else np.full(net.n_edges, "", object)
    frame = gpd.GeoDataFrame(
        {
            "road_class": net.edge_class[keep],
            "oneway": net.edge_reverse[keep] < 0,
            "name": [str(n) for n in names[keep]],
        },
        geometry=np.asarray(net.edge_geom)[keep],
        crs=net.crs,
    )
    return _merged_roads(frame) if merge and len(frame) else frame


def _merged_roads(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame``'s lines merged per (class, direction, name), in first-seen order."""
    cols = ["road_class", "oneway", "name"]
    group = frame.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(group, return_index=True)  # groups are numbered in first-seen order
    keys = frame.iloc[first][cols].reset_index(drop=True)  # row k = group k
    order = np.argsort(group, kind="stable")
    multi = shapely.multilinestrings(frame.geometry.to_numpy()[order], indices=group[order])
    merged = np.empty(len(multi), dtype=object)
    oneway = keys["oneway"].to_numpy(dtype=bool)
    merged[oneway] = shapely.line_merge(multi[oneway], directed=True)
    merged[~oneway] = shapely.line_merge(multi[~oneway])
    parts, index = shapely.get_parts(merged, return_index=True)
    out = keys.iloc[index].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=parts, crs=frame.crs)


def _stations_layer(net: CSRNetwork, stations: Sequence[StationSpec], snapped: Snapped,
                    class_zh: Sequence[str]) -> gpd.GeoDataFrame:  # fmt: skip
    rx, ry = snapped.road_xy(net)
    return gpd.GeoDataFrame(
        {
            "name": [s.name for s in stations],
            "class_key": [s.class_key for s in stations],
            "class_zh": list(class_zh),
            "status": [s.status for s in stations],
            "year": pd.array([s.year for s in stations], dtype="Int64"),
            "snap_m": np.round(snapped.distance_m, 1),
            "approximate": [bool(s.approximate) for s in stations],
            "precision_m": [
                np.nan if s.precision_m is None else float(s.precision_m) for s in stations
            ],
        },
        geometry=shapely.points(rx, ry),
        crs=net.crs,
    )


def _jurisdiction_layer(jur: Jurisdictions, checks: Sequence[StationCheck]) -> gpd.GeoDataFrame:
    table = jur.stations
    rows = [i for i in range(len(table)) if jur.districts[i] is not None]
    return gpd.GeoDataFrame(
        {
            "station": table["station"].to_numpy()[rows],
            "class_key": table["class_key"].to_numpy()[rows],
            "area_km2": table["area_km2"].to_numpy(dtype=float)[rows],
            "limit_km2": [checks[i].limit_km2 for i in rows],
            "max_arrival_min": table["max_arrival_min"].to_numpy(dtype=float)[rows],
            "reached_share": table["reached_share"].to_numpy(dtype=float)[rows],
            "compliant": [checks[i].compliant for i in rows],
            "reasons": ["; ".join(checks[i].reasons) for i in rows],
        },
        geometry=[jur.districts[i] for i in rows],
        crs=jur.crs,
    )


def barrier_failure(rule: str | None) -> bool | None:
    """``barrier_rule`` ("fail" / "warn", ``None`` = the profile's) as ``barrier_is_failure``."""
    if rule is None:
        return None
    key = str(rule).strip().lower()
    if key not in ("fail", "warn"):
        raise DataFormatError(f'barrier_rule must be "fail" or "warn", not {rule!r}')
    return key == "fail"


def _checks(jur: Jurisdictions, stations: Sequence[StationSpec], limits: Mapping[str, float],
            standards: Any, barrier: Mapping[str, Any]) -> list[StationCheck]:  # fmt: skip
    t = jur.stations
    crossings = list(t["barrier_crossings"]) if "barrier_crossings" in t else None
    km2 = t["straddled_barrier_km2"].to_numpy(dtype=float)
    return check_stations(
        [s.name for s in stations],
        [s.class_key for s in stations],
        t["area_km2"].to_numpy(dtype=float),
        t["max_arrival_min"].to_numpy(dtype=float),
        t["reached_share"].to_numpy(dtype=float),
        budget_min=jur.budget_min,
        urban_edge=[s.urban_edge for s in stations],
        overrides=dict(limits) or None,
        adjoins_full_station=list(t["adjoins_full_station"]),
        straddled_barrier_km2=None if np.isnan(km2).all() else km2,
        standards=standards,
        barrier_crossings=crossings,
        barrier_is_failure=barrier_failure(barrier.get("rule")),
        barrier_min_km2=barrier.get("min_km2"),
        barrier_min_share=barrier.get("min_share"),
    )


def analyse(
    net: CSRNetwork,
    stations: Sequence[StationSpec],
    demand: DemandSurface,
    *,
    minutes: Sequence[float] | None = None,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    barriers: Any = None,
    within_barrier_zones: bool = False,
    limits: Mapping[str, float] | None = None,
    population: float | None = None,
    standards: Any = None,
    snap_max_m: float | None = None,
    meta: Mapping[str, Any] | None = None,
    with_service_areas: bool = True,
    with_roads: bool = True,
    barrier_rule: str | None = None,
    barrier_min_km2: float | None = None,
    barrier_min_share: float | None = None,
    datum_check: bool = True,
    area_cache: ServiceAreaCache | None = None,
    roads: gpd.GeoDataFrame | None = None,
) -> CoverageRun:
    """Run the coverage analysis for one set of stations.

    Parameters
    ----------
    net : CSRNetwork
        The road network.
    stations : sequence of StationSpec
        Stations in service (any status).
    demand : DemandSurface
        Demand cells of the planning area (:func:`firecover.analysis.demand.build_demand`).
    minutes : sequence of float, optional
        Service-area breaks in minutes from the dispatch order; default the response budget.
    turnout_min, driving_min : float, optional
        Response budget (defaults 1 + 4 min, settings).
    barriers : optional
        Barrier lines/polygons for the GB 51080 §4.1.3-4 check (see
        :mod:`firecover.analysis.barriers`).
    within_barrier_zones : bool
        Assign cells only to stations in the same barrier-bounded zone.
    limits : mapping, optional
        Area-limit overrides (km²) by class key or station name.
    population : float, optional
        District population for the per-100,000 indicator.
    standards : Standards, optional
        Standards profile (default GB 51080-2015 / 建标152-2017).
    snap_max_m : float, optional
        Maximum station distance from a road (setting ``snap_max_m``).
    meta : mapping, optional
        Extra :class:`~firecover.outputs.CoverageMeta` fields (title, synthetic, year).
    with_service_areas, with_roads : bool
        Build the ``service_areas`` and ``roads`` layers (default). Callers that build or
        cache them themselves (the ``serve`` page) switch them off; the layers are then empty.
    barrier_rule : {"fail", "warn"}, optional
        A district crossing a barrier fails its station or only warns (default the profile's:
        fail).
    barrier_min_km2, barrier_min_share : float, optional
        Slivers the barrier rule ignores (settings ``barrier_min_km2``, ``barrier_min_share``).
    datum_check : bool
        Refuse station coordinates that look like GCJ-02 declared as WGS-84 (issue 15).
    area_cache : ServiceAreaCache, optional
        Service-area polygons of stations already built on ``net`` (a plan's years share one).
    roads : GeoDataFrame, optional
        The ``roads`` layer of ``net`` when already built (:func:`roads_layer`); shared, not
        copied.

    Returns
    -------
    CoverageRun
    """
    check_value(turnout_min, "non_negative_minutes", "turnout_min")
    check_value(driving_min, "positive_minutes", "driving_min")
    check_value(snap_max_m, "positive_metres", "snap_max_m")
    turnout = float(resolve(turnout_min, "turnout_min"))
    driving = float(resolve(driving_min, "driving_min"))
    for m in minutes or ():
        check_value(m, "positive_minutes", "minutes")
        if m <= turnout:
            raise DataFormatError(f"minutes {m:g} leaves no driving time after the {turnout:g}-min "
                                  "turnout; give minutes above the turnout")  # fmt: skip
    snapped = place_stations(net, stations, snap_max_m=snap_max_m, datum_check=datum_check)
    names = [s.name for s in stations]
    jur = assign_jurisdictions(
        net, snapped, names, demand, class_keys=[s.class_key for s in stations],
        turnout_min=turnout, driving_min=driving, barriers=barriers,
        within_barrier_zones=within_barrier_zones, standards=standards,
    )  # fmt: skip
    rule = {"rule": barrier_rule, "min_km2": barrier_min_km2, "min_share": barrier_min_share}
    checks = _checks(jur, stations, limits or {}, standards, rule)
    covered = float(jur.cells.loc[jur.cells["covered"], "area_km2"].sum())
    summary = district_summary(
        jur.total_area_km2, covered, [s.class_key for s in stations],
        population=population, standards=standards,
    )  # fmt: skip
    breaks = sorted(set(minutes or [turnout + driving]))
    areas = (
        service_areas(net, snapped, names, breaks, turnout_min=turnout,
                      boundary=demand.boundary, mode="both", cache=area_cache)
        if with_service_areas else None
    )  # fmt: skip
    boundary = gpd.GeoDataFrame(geometry=[demand.boundary], crs=net.crs)
    layers = CoverageLayers(
        stations=_stations_layer(net, stations, snapped, [c.class_zh for c in checks]),
        service_areas=areas if areas is not None else _empty_layer(net.crs),
        jurisdictions=_jurisdiction_layer(jur, checks),
        cells=jur.cells,
        gaps=gap_polygons(jur.cells),
        roads=(roads_layer(net) if roads is None else roads)
        if with_roads
        else _empty_layer(net.crs),
        boundary=boundary,
        barriers=_barrier_layer(barriers, net.crs),
        meta=CoverageMeta.from_mapping(
            {
                **(meta or {}),
                "turnout_min": turnout,
                "driving_min": driving,
                "crs": net.crs,
                "notes": tuple(dict.fromkeys((*(meta or {}).get("notes", ()), *net.notes))),
                "turn_model": net.turn_model,
                "travel_model": net.travel_model or None,
            }
        ),
    )
    return CoverageRun(layers, checks, summary, jur, list(stations), snapped)


def _empty_layer(crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[], crs=crs)


def _barrier_layer(barriers: Any, crs: str) -> gpd.GeoDataFrame | None:
    if barriers is None:
        return None
    from firecover.analysis.barriers import load_barriers

    return load_barriers(barriers, crs)
