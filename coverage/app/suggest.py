"""The "Suggest" button: the best next station with the current ones fixed, and its search zone.

For one new station the maximal covering problem (MCLP, weights = cell area, the stations in
service fixed) is solved exactly by enumeration: the gain of candidate ``j`` is the area of the
cells it reaches within the driving budget that no station in service reaches,
``gain_j = Σ_i a_i c_ij (1 − covered_i)``, and the best site is the largest gain (ties: the
candidate listed first). The search zone (选址范围) follows ``firecover site``'s convention
(:mod:`firecover.siting.zones`): every candidate that, put in place of the best one, loses at
most ``loss`` (setting ``zone_loss``, 1 %) of the **total objective**, the area covered with
the stations in service and the new site,

    loss_k = (gain_best − gain_k) / (covered_in_service + gain_best) <= loss,

drawn as the union of discs of radius ``zone_buffer_m`` (setting, 100 m) around them
(:func:`firecover.site.zones.zone_polygon`). The candidates and the cells × candidates
coverage matrix are built once per budget (:func:`firecover.site.problem.build_problem`) and reused.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import geopandas as gpd
import numpy as np

from firecover._errors import InfeasibleModelError
from firecover.app.geojson import to_geojson
from firecover.app.workspace import Evaluation, Workspace
from firecover.settings import resolve
from firecover.site.candidates import Candidates, generate_candidates
from firecover.site.problem import build_problem
from firecover.site.zones import zone_polygon

__all__ = ["Suggester", "zone_members"]

log = logging.getLogger(__name__)


def zone_members(gain: Any, base: float, loss: float) -> Any:
    """Candidates whose swap for the best one loses at most ``loss`` of the total objective.

    ``gain`` is each candidate's newly covered area, ``base`` the area already covered by the
    stations in service; the objective with candidate ``k`` is ``base + gain[k]`` (the
    convention of :func:`firecover.siting.zones.search_zones` for an MCLP with those stations
    fixed). Returns the candidate indices, best first, then by loss.
    """
    gain = np.asarray(gain, dtype=np.float64)
    best = int(np.argmax(gain))
    total = base + float(gain[best])
    rel = (float(gain[best]) - gain) / (total if total > 0 else 1.0)
    members = np.flatnonzero(rel <= loss + 1e-12)
    order = np.lexsort((members, rel[members], members != best))
    return members[order]


class Suggester:
    """Candidate sites and their coverage, built once per budget, for a workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self._lock = threading.Lock()
        self._candidates: Candidates | None = None
        self._matrices: dict[float, Any] = {}

    def _coverage(self, turnout: float, driving: float) -> tuple[Candidates, Any]:
        with self._lock:
            if self._candidates is None:
                self._candidates = generate_candidates(
                    self.ws.net, boundary=self.ws.demand.boundary
                )
            cands = self._candidates
            mat = self._matrices.get(driving)
            if mat is None:
                t0 = time.perf_counter()
                problem = build_problem(
                    self.ws.net,
                    self.ws.demand,
                    [],
                    cands,
                    turnout_min=turnout,
                    driving_min=driving,
                )
                mat = problem.coverage.tocsc()
                self._matrices[driving] = mat
                log.info(
                    "serve: %d candidates' coverage built in %.1f s",
                    len(cands),
                    time.perf_counter() - t0,
                )
        return cands, mat

    def suggest(
        self,
        ev: Evaluation,
        turnout: float,
        driving: float,
        loss: float | None = None,
        buffer_m: float | None = None,
    ) -> dict[str, Any]:
        """The best next site for the plan evaluated in ``ev`` (see the module notes); ``loss``
        and ``buffer_m`` default to the settings ``zone_loss`` and ``zone_buffer_m``."""
        loss = float(resolve(loss, "zone_loss"))
        t0 = time.perf_counter()
        cands, mat = self._coverage(turnout, driving)
        if len(cands) == 0:
            raise InfeasibleModelError("no candidate sites on the roads of this district")
        area = self.ws.demand.cells["area_km2"].to_numpy(dtype=float)
        open_area = area * ~ev.covered
        gain = np.asarray(mat.T @ open_area).ravel()
        best = int(np.argmax(gain))
        top = float(gain[best])
        if top <= 0:
            raise InfeasibleModelError(
                "no candidate site reaches a cell left uncovered; every reachable cell is covered"
            )
        zone = zone_members(gain, float(area[ev.covered].sum()), loss)
        poly = zone_polygon(cands.x[zone], cands.y[zone], buffer_m)
        zone_gdf = gpd.GeoDataFrame(
            {"n_candidates": [int(zone.size)], "loss": [loss]}, geometry=[poly], crs=self.ws.net.crs
        )
        lon, lat = self.ws.to_wgs84([cands.x[best]], [cands.y[best]])
        return {
            "site": str(cands.name[best]),
            "lon": round(float(lon[0]), 6),
            "lat": round(float(lat[0]), 6),
            "road_class": str(cands.road_class[best]),
            "gain_km2": round(top, 4),
            "zone_candidates": int(zone.size),
            "zone_loss": loss,
            "zone": to_geojson(zone_gdf, ["n_candidates", "loss"], 5.0),
            "candidates": len(cands),
            "method": "exact enumeration of one new site (MCLP, area weights, stations fixed)",
            "seconds": round(time.perf_counter() - t0, 3),
        }
