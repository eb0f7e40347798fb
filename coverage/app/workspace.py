"""What the planning page computes: one district loaded once, evaluated for any edited plan.

A :class:`Workspace` holds what does not change while a planner edits a plan: the road network,
the demand cells, the barriers, the standards and the scenario it was loaded from. It evaluates a
:class:`~firecover.app.session.Plan` (the stations in service in a year, and the budget) with the
same engine as ``firecover evaluate`` (:func:`firecover.analysis.run.analyse`) and turns the
result into the page's JSON: stations with their verdicts, jurisdictions, gaps and each station's
service area as GeoJSON in WGS-84.

Each station's service area is computed once per (road position, budget) and cached, so a drag
recomputes only the moved station's polygon; the jurisdictions (network Voronoi) are recomputed
for every change, which is what an edit changes.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from firecover._errors import CoordinateError
from firecover.analysis.files import RunInputs
from firecover.analysis.run import CoverageRun, analyse
from firecover.analysis.service_area import ServiceAreaCache, service_areas
from firecover.analysis.station_spec import StationSpec
from firecover.app.geojson import to_geojson
from firecover.network.travel_scope import TravelScope
from firecover.plan.scenario import Scenario
from firecover.settings import resolve

__all__ = ["Evaluation", "Workspace"]

log = logging.getLogger(__name__)

#: Evaluations kept per workspace (an undo returns a cached one at once).
EVALUATION_CACHE = 64
#: Service-area polygons kept per workspace (one per station position and budget).
SERVICE_AREA_CACHE = 2048
#: Geometries sent to the page are simplified to this tolerance (metres).
SIMPLIFY_M = 5.0


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """One plan evaluated: the page's state and what a change is measured against.

    Attributes
    ----------
    stations : list of dict
        Table rows (name, class, status, year, district km², limit, slowest arrival, reached
        share, verdict, reasons, lon/lat of the road position in WGS-84).
    summary : dict
        District figures (area, covered km² and share, stations, required by area).
    layers : dict
        GeoJSON FeatureCollections (WGS-84): ``jurisdictions``, ``gaps``, ``service_areas``,
        ``stations``.
    covered : ndarray of bool
        Per demand cell: reached within the budget.
    district_km2 : dict
        District area per station.
    seconds : float
        Time the evaluation took.
    """

    stations: list[dict[str, Any]]
    summary: dict[str, Any]
    layers: dict[str, Any]
    covered: np.ndarray
    district_km2: dict[str, float]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The JSON-safe part sent to the page."""
        return {
            "stations": self.stations,
            "summary": self.summary,
            "layers": self.layers,
            "seconds": round(self.seconds, 3),
        }


def _finite(x: Any, digits: int = 3) -> float | None:
    v = float(x)
    return round(v, digits) if math.isfinite(v) else None


class Workspace:
    """A district loaded for interactive planning (see the module notes).

    Parameters
    ----------
    scenario : Scenario
        The plan the page starts from.
    inputs : RunInputs
        Road graph, CSR network, demand cells and barriers (:func:`~firecover.analysis.files.
        load_inputs`).
    graph_file, boundary_file : Path, optional
        Files given on the command line instead of the scenario's sources (kept when the edited
        plan is saved).
    boundary_note : str
        Where the planning boundary came from.
    travel : TravelScope, optional
        Speed profile, period and turn mode the network was loaded under; re-entered in every
        evaluation (the server's threads do not inherit the CLI's context).
    """

    def __init__(
        self,
        scenario: Scenario,
        inputs: RunInputs,
        *,
        graph_file: Path | None = None,
        boundary_file: Path | None = None,
        boundary_note: str = "",
        travel: TravelScope | None = None,
    ) -> None:
        self.scenario = scenario
        self.inputs = inputs
        self.net = inputs.net
        self.demand = inputs.demand
        self.graph_file = graph_file
        self.boundary_file = boundary_file
        self.boundary_note = boundary_note
        self.travel = travel or TravelScope()
        #: The travel-time model line (profile, period, turns, calibration) of the network.
        self.travel_model = inputs.net.travel_model
        self._to_wgs = Transformer.from_crs(self.net.crs, "EPSG:4326", always_xy=True)
        self._lock = threading.Lock()
        self._evaluations: OrderedDict[Any, Evaluation] = OrderedDict()
        self._pending: dict[Any, threading.Event] = {}
        self._area_cache = ServiceAreaCache(max_entries=SERVICE_AREA_CACHE)
        self._boundary_prepared = shapely.prepared.prep(self.demand.boundary)
        self.area_km2 = float(self.demand.cells["area_km2"].sum())

    @classmethod
    def from_scenario(
        cls,
        path: str | Path,
        *,
        graph: str | Path | None = None,
        boundary: str | Path | None = None,
        cell_size_m: float | None = None,
        speeds: str | None = None,
        period: str | None = None,
        turns: str | None = None,
    ) -> Workspace:
        """Load a scenario's district like ``firecover evaluate`` does (graph through the cache;
        ``graph`` / ``boundary`` files override the scenario's sources for offline use;
        ``speeds`` / ``period`` / ``turns`` as ``--speeds`` / ``--period`` / ``--turns``,
        default the choice in force, else the scenario's ``[scenario.graph] period``)."""
        from firecover.plan.files import _prepare

        travel = TravelScope.current(speeds, period, turns)
        with travel.applied():
            scenario, inputs, note, _ = _prepare(path, graph, boundary, cell_size_m)
        return cls(
            scenario,
            inputs,
            graph_file=None if graph is None else Path(graph).resolve(),
            boundary_file=None if boundary is None else Path(boundary).resolve(),
            boundary_note=note,
            travel=travel,
        )

    # ----------------------------------------------------------------- geometry helpers

    def to_wgs84(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Metric coordinates of the network's CRS to WGS-84 lon/lat."""
        lon, lat = self._to_wgs.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon), np.asarray(lat)

    def inside(self, x: float, y: float) -> bool:
        """Whether a metric point lies in the planning area."""
        return bool(self._boundary_prepared.contains(shapely.Point(x, y)))

    def bounds_wgs84(self) -> list[float]:
        """``[west, south, east, north]`` of the planning area."""
        x0, y0, x1, y1 = self.demand.boundary.bounds
        lon, lat = self.to_wgs84([x0, x1, x0, x1], [y0, y0, y1, y1])
        return [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]

    # ----------------------------------------------------------------- evaluation

    def evaluate(
        self, stations: Sequence[StationSpec], turnout_min: float, driving_min: float
    ) -> Evaluation:
        """Evaluate the stations in service with the given budget (cached by plan; tabs asking
        for the same plan at once share one computation)."""
        key = (tuple(stations), float(turnout_min), float(driving_min))
        while True:
            with self._lock:
                hit = self._evaluations.get(key)
                if hit is not None:
                    self._evaluations.move_to_end(key)
                    return hit
                pending = self._pending.get(key)
                if pending is None:  # this thread computes it; others with the same plan wait
                    self._pending[key] = threading.Event()
                    break
            pending.wait()
        try:
            with self.travel.applied():
                ev = self._evaluate(list(stations), float(turnout_min), float(driving_min))
            with self._lock:
                self._evaluations[key] = ev
                while len(self._evaluations) > EVALUATION_CACHE:
                    self._evaluations.popitem(last=False)
        finally:
            with self._lock:
                self._pending.pop(key).set()
        return ev

    def _evaluate(self, stations: list[StationSpec], turnout: float, driving: float) -> Evaluation:
        t0 = time.perf_counter()
        sc = self.scenario
        if not stations:
            raise CoordinateError("the plan has no station in service; add one on the map")
        run = analyse(
            self.net,
            stations,
            self.demand,
            turnout_min=turnout,
            driving_min=driving,
            barriers=self.inputs.barriers,
            limits=sc.standards.limits or None,
            standards=None,
            with_service_areas=False,
            with_roads=False,
            meta={"title": sc.name, "synthetic": sc.synthetic or self.inputs.synthetic},
        )
        areas = self._service_areas(run, turnout, driving)
        rows = self._rows(run)
        cells = run.jurisdictions.cells
        covered = cells["covered"].to_numpy(dtype=bool)
        covered_km2 = float(cells.loc[covered, "area_km2"].sum())
        summ = run.summary
        summary = {
            "area_km2": _finite(self.area_km2),
            "covered_km2": _finite(covered_km2),
            "covered_share": _finite(covered_km2 / self.area_km2 if self.area_km2 else 0.0, 4),
            "stations": len(stations),
            "compliant": sum(1 for r in rows if r["compliant"] is True),
            "noncompliant": sum(1 for r in rows if r["compliant"] is False),
            "required_by_area": summ.stations_needed,
            "shortfall": summ.shortfall,
            "budget_min": turnout + driving,
            "turnout_min": turnout,
            "driving_min": driving,
        }
        layers = {
            "stations": self._stations_geojson(rows),
            "jurisdictions": to_geojson(
                run.layers.jurisdictions, ["station", "area_km2", "compliant"], SIMPLIFY_M
            ),
            "gaps": to_geojson(run.layers.gaps, ["area_km2"], SIMPLIFY_M),
            "service_areas": to_geojson(areas, ["station", "area_km2"], SIMPLIFY_M),
        }
        districts = {r["name"]: float(r["area_km2"] or 0.0) for r in rows}
        seconds = time.perf_counter() - t0
        log.info("serve: %d stations evaluated in %.2f s", len(stations), seconds)
        return Evaluation(rows, summary, layers, covered, districts, seconds)

    def _service_areas(self, run: CoverageRun, turnout: float, driving: float) -> Any:
        """Each station's area at the budget; polygons of positions seen before come from the
        workspace's bounded :class:`ServiceAreaCache`, so a drag builds only the moved one."""
        return service_areas(
            self.net,
            run.snapped,
            [s.name for s in run.stations],
            [turnout + driving],
            turnout_min=turnout,
            boundary=self.demand.boundary,
            mode="per_station",
            cache=self._area_cache,
        )

    def _rows(self, run: CoverageRun) -> list[dict[str, Any]]:
        table = run.jurisdictions.stations
        rx, ry = run.snapped.road_xy(self.net)
        lon, lat = self.to_wgs84(rx, ry)
        rows: list[dict[str, Any]] = []
        for i, (spec, check) in enumerate(zip(run.stations, run.checks, strict=True)):
            inside = self.inside(float(rx[i]), float(ry[i]))
            rows.append(
                {
                    "name": spec.name,
                    "class_key": spec.class_key,
                    "class_zh": check.class_zh,
                    "status": spec.status,
                    "year": spec.year,
                    "urban_edge": spec.urban_edge,
                    "approximate": spec.approximate,
                    "area_km2": _finite(table["area_km2"].iloc[i]),
                    "limit_km2": None if check.limit_km2 is None else _finite(check.limit_km2),
                    "max_arrival_min": _finite(table["max_arrival_min"].iloc[i], 2),
                    "reached_share": _finite(table["reached_share"].iloc[i], 4),
                    "compliant": check.compliant,
                    "reasons": list(check.reasons),
                    "inside": inside,
                    "snap_m": _finite(run.snapped.distance_m[i], 1),
                    "lon": round(float(lon[i]), 6),
                    "lat": round(float(lat[i]), 6),
                }
            )
        return rows

    @staticmethod
    def _stations_geojson(rows: list[dict[str, Any]]) -> dict[str, Any]:
        keys = ("name", "class_zh", "status", "compliant", "approximate")
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {k: r[k] for k in keys},
                    "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                }
                for r in rows
            ],
        }

    # ----------------------------------------------------------------- base layers

    def base_layers(self) -> dict[str, Any]:
        """Boundary, barriers and roads (arterials only on large networks) as GeoJSON."""
        from firecover.analysis.run import roads_layer

        roads = roads_layer(self.net)
        if len(roads) > 30_000:
            roads = roads[roads["road_class"].isin(_ARTERIALS)]
        boundary = gpd.GeoDataFrame(geometry=[self.demand.boundary], crs=self.net.crs)
        out = {
            "boundary": to_geojson(boundary, [], SIMPLIFY_M),
            "roads": to_geojson(roads, ["road_class"], SIMPLIFY_M),
        }
        barriers = self.inputs.barriers
        if barriers is not None:
            from firecover.analysis.barriers import load_barriers

            frame = load_barriers(barriers, self.net.crs)
            out["barriers"] = to_geojson(frame, ["kind", "name"], SIMPLIFY_M)
        return out

    def snap_check(self, lon: float, lat: float) -> tuple[float, float]:
        """Metric position of a clicked point, refusing points outside the planning area."""
        from firecover.network.coords import project_points

        x, y = project_points([lon], [lat], self.net.crs, datum="wgs84", extent=self.net.bounds)
        px, py = float(x[0]), float(y[0])
        if not self.inside(px, py):
            raise CoordinateError(
                f"({lon:.6f}, {lat:.6f}) is outside the planning area; click inside the boundary"
            )
        return px, py

    def default_snap_max(self) -> float:
        """The snapping limit for stations (setting ``snap_max_m``)."""
        return float(resolve(None, "snap_max_m"))


_ARTERIALS = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
    }
)
