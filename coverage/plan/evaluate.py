"""Plan evaluation: does a station plan meet the standard, year by year, and how close to the best?

For each year of a scenario in which the stations in service change (:attr:`Scenario.years`),
the stations are analysed like any coverage run (jurisdictions, gaps, the GB 51080-2015 /
建标152-2017 check). On top of that:

Marginal gain
    For a station entering service after the first year: the area (and weight) it reaches within
    the response budget that no station reached the year before, and how much each neighbour's
    jurisdiction shrank. For a station already on duty in the first year: the area only it
    reaches that year (what would be lost without it).
Optimum
    With the same number of new sites on candidate sites generated along the roads, the best
    coverage achievable (maximal covering, MCLP, weights = cell area) with the first-year
    stations that stay in service fixed, against the plan's final coverage; and the fewest new
    一级 stations for full compliance (the area-limited model: every reachable cell assigned to a
    station within budget and each district within its km² limit) and for full coverage (LSCP).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from firecover._errors import ScenarioError
from firecover.analysis.demand import DemandSurface
from firecover.analysis.run import CoverageRun, analyse, roads_layer
from firecover.analysis.service_area import ServiceAreaCache
from firecover.network.snapping import Snapped
from firecover.plan.built_up import built_up_entry, built_up_geometry
from firecover.plan.optimum import plan_optimum
from firecover.plan.results import PlanEvaluation, StationGain, YearResult
from firecover.plan.scenario import Scenario
from firecover.traveltime.search import CSRNetwork, bounded_matrix, covered

__all__ = [
    "PlanEvaluation",
    "StationGain",
    "YearResult",
    "evaluate_plan",
    "plan_optimum",
    "run_options",
    "scenario_standards",
]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def _reach(net: CSRNetwork, snapped: Snapped, demand: DemandSurface, driving_min: float
           ) -> sp.csr_array:  # fmt: skip
    """Stations × cells: reached within the driving budget."""
    return covered(bounded_matrix(net, snapped, 60.0 * driving_min, targets=demand.points))


def _district_km2(run: CoverageRun) -> dict[str, float]:
    return {c.name: float(c.jurisdiction_km2) for c in run.checks}


def _gains(
    net: CSRNetwork, demand: DemandSurface, years: list[YearResult]
) -> dict[str, StationGain]:
    area = demand.cells["area_km2"].to_numpy(dtype=np.float64)
    weight = demand.cells["weight"].to_numpy(dtype=np.float64)
    out: dict[str, StationGain] = {}
    prev: YearResult | None = None
    for yr in years:
        run = yr.run
        reach = _reach(net, run.snapped, demand, run.jurisdictions.driving_min).tocsr()
        counts = np.asarray(reach.sum(axis=0)).ravel()
        before = None if prev is None else prev.run.layers.cells["covered"].to_numpy(bool)
        old_d = {} if prev is None else _district_km2(prev.run)
        new_d = _district_km2(run)
        for k, spec in enumerate(yr.stations):
            if spec.name in out:
                continue
            cells = reach.indices[reach.indptr[k] : reach.indptr[k + 1]]
            gain = cells[counts[cells] == 1] if before is None else cells[~before[cells]]
            shrink = {n: old_d[n] - new_d[n] for n in old_d
                      if n in new_d and old_d[n] - new_d[n] > 1e-9}  # fmt: skip
            out[spec.name] = StationGain(spec.name, yr.year, float(area[gain].sum()),
                                         float(weight[gain].sum()), shrink)  # fmt: skip
        prev = yr
    return out


def scenario_standards(scenario: Scenario) -> Any:
    """The scenario's standards profile (``None`` = the bundled default)."""
    if scenario.standards.profile is None:
        return None
    from firecover.standards.check import load_standards

    return load_standards(scenario.standards.profile)


def run_options(scenario: Scenario, barrier_rule: str | None = None) -> dict[str, Any]:
    """The standards, budget and barrier-rule keywords of :func:`analyse` for ``scenario``:
    every run of an evaluation (and the optimum it is compared with) uses exactly these."""
    std = scenario.standards
    return {
        "turnout_min": scenario.budget.turnout_min,
        "driving_min": scenario.budget.driving_min,
        "limits": std.limits or None,
        "standards": scenario_standards(scenario),
        "barrier_rule": barrier_rule or std.barrier_rule,
        "barrier_min_km2": std.barrier_min_km2,
        "barrier_min_share": std.barrier_min_share,
    }


def _run_years(net: CSRNetwork, demand: DemandSurface, scenario: Scenario, *, barriers: Any,
               synthetic: bool, progress: Progress | None,
               options: dict[str, Any], datum_check: bool = True) -> list[YearResult]:  # fmt: skip
    years = scenario.years or [scenario.last_year or 0]
    built = built_up_geometry(scenario.built_up, net.crs)
    out = []
    cache = ServiceAreaCache()  # a station's service area is built once, not once per year
    roads = roads_layer(net)
    for year in years:
        specs = scenario.stations_in_service(year if scenario.years else None)
        if not specs:
            log.warning("%s: no station in service in %s; skipped", scenario.name, year)
            continue
        if progress is not None:
            progress(f"{year}: {len(specs)} stations")
        run = analyse(
            net, specs, demand, barriers=barriers, **options,
            meta={"title": scenario.name, "title_zh": scenario.name_zh or scenario.name,
                  "synthetic": synthetic, "year": year}, datum_check=datum_check,
            area_cache=cache, roads=roads,
        )  # fmt: skip
        entry = built_up_entry(scenario.built_up, built, run, options["standards"])
        out.append(YearResult(int(year), list(specs), run, entry))
    if not out:
        raise ScenarioError(f"{scenario.name}: no station is in service in any year; give each "
                            "[[station]] a status and year that put it in service")  # fmt: skip
    return out


# --------------------------------------------------------------------------- entry


def evaluate_plan(
    scenario: Scenario,
    net: CSRNetwork,
    demand: DemandSurface,
    *,
    barriers: Any = None,
    synthetic: bool = False,
    optimum: bool = True,
    spacing_m: float | None = None,
    time_limit: float | None = None,
    boundary_note: str = "",
    progress: Progress | None = None,
    barrier_rule: str | None = None,
    datum_check: bool = True,
    optimum_time: float | None = None,
) -> PlanEvaluation:
    """Evaluate ``scenario`` on a road network and demand surface, year by year.

    Parameters
    ----------
    scenario : Scenario
    net, demand : CSRNetwork, DemandSurface
        The road network and the planning area's demand cells.
    barriers : optional
        Barrier lines/polygons for the GB 51080 §4.1.3-4 check.
    synthetic : bool
        The data are invented (labels every output).
    optimum : bool
        Also solve the comparison models (:func:`plan_optimum`).
    spacing_m, time_limit : float, optional
        Candidate spacing and a cap on the solver time per model (seconds).
    barrier_rule : {"fail", "warn"}, optional
        Overrides the scenario's ``barrier_rule`` (the CLI's ``--barrier-rule``).
    datum_check : bool
        Refuse station coordinates that look like GCJ-02 declared as WGS-84.
    progress : callable, optional
        ``progress(message)`` at the start of each phase (each year, each optimum model).
    optimum_time : float, optional
        Total seconds for the comparison with the optimum (default: the scenario's
        ``optimum_time``, else the setting), shared out by :func:`plan_optimum`.
    """
    synthetic = synthetic or scenario.synthetic
    options = run_options(scenario, barrier_rule)
    years = _run_years(net, demand, scenario, barriers=barriers, synthetic=synthetic,
                       progress=progress, options=options, datum_check=datum_check)  # fmt: skip
    gains = _gains(net, demand, years)
    best = None
    if optimum:
        best = plan_optimum(net, demand, scenario, years, spacing_m=spacing_m,
                            time_limit=time_limit, barriers=barriers, options=options,
                            optimum_time=optimum_time, progress=progress)  # fmt: skip
    return PlanEvaluation(scenario, years, gains, best, synthetic, boundary_note)
