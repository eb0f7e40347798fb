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
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._errors import FirecoverError
from .analysis import CoverageRun, analyse
from .candidates import generate_candidates
from .demand import DemandSurface
from .scenario import Scenario, StationSpec
from .settings import resolve
from .site import SiteProblem, build_problem, solve_problem
from .snapping import Snapped
from .standards import station_class
from .traveltime import CSRNetwork, bounded_matrix, covered

__all__ = ["PlanEvaluation", "StationGain", "YearResult", "evaluate_plan", "plan_optimum"]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class YearResult:
    """The stations in service in one year and their coverage run."""

    year: int
    stations: list[StationSpec]
    run: CoverageRun

    @property
    def names(self) -> list[str]:
        """Station names in service."""
        return [s.name for s in self.stations]


@dataclass(frozen=True)
class StationGain:
    """What one station adds when it enters service.

    Attributes
    ----------
    name : str
    year : int
        The evaluated year it first appears in.
    covered_km2, covered_weight : float
        Area / weight it reaches within budget that the previous year's stations did not (for a
        first-year station: that only it reaches).
    neighbours_km2 : dict of str to float
        Jurisdiction km² each other station lost that year (positive = shrank).
    """

    name: str
    year: int
    covered_km2: float
    covered_weight: float
    neighbours_km2: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PlanEvaluation:
    """A scenario evaluated year by year (see the module notes).

    Attributes
    ----------
    scenario : Scenario
    years : list of YearResult
    gains : dict of str to StationGain
    optimum : dict or None
        ``new_stations``, ``covered_share`` (MCLP optimum), ``plan_covered_share``,
        ``min_new_for_compliance``, ``min_new_for_coverage``, solver statuses, the optimum
        sites; ``None`` when not computed.
    synthetic : bool
    boundary_note : str
        Where the planning boundary came from.
    """

    scenario: Scenario
    years: list[YearResult]
    gains: dict[str, StationGain]
    optimum: dict[str, Any] | None
    synthetic: bool
    boundary_note: str = ""

    @property
    def final(self) -> YearResult:
        """The last evaluated year."""
        return self.years[-1]

    @property
    def compliant(self) -> bool:
        """Whether every station in service in the final year passes the check."""
        return self.final.run.compliant


# --------------------------------------------------------------------------- years


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


def _run_years(net: CSRNetwork, demand: DemandSurface, scenario: Scenario, *, barriers: Any,
               synthetic: bool, progress: Progress | None) -> list[YearResult]:  # fmt: skip
    years = scenario.years or [scenario.last_year or 0]
    out = []
    for year in years:
        specs = scenario.stations_in_service(year if scenario.years else None)
        if not specs:
            log.warning("%s: no station in service in %s; skipped", scenario.name, year)
            continue
        if progress is not None:
            progress(f"{year}: {len(specs)} stations")
        run = analyse(
            net, specs, demand, turnout_min=scenario.budget.turnout_min,
            driving_min=scenario.budget.driving_min, barriers=barriers,
            limits=scenario.standards.limits or None,
            meta={"title": scenario.name, "title_zh": scenario.name_zh or scenario.name,
                  "synthetic": synthetic, "year": year},
        )  # fmt: skip
        out.append(YearResult(int(year), list(specs), run))
    if not out:
        raise FirecoverError(f"{scenario.name}: no station is in service in any year")
    return out


# --------------------------------------------------------------------------- optimum


def _fixed_and_new(scenario: Scenario, years: list[YearResult]) -> tuple[list[StationSpec], int]:
    final = {s.name for s in years[-1].stations}
    fixed = [s for s in years[0].stations if s.name in final]
    return fixed, len(final) - len(fixed)


def _solve(problem: SiteProblem, model: str, p: int | None, time_limit: float | None
           ) -> dict[str, Any]:  # fmt: skip
    try:
        res, _ = solve_problem(problem, model, p, time_limit=time_limit)
    except FirecoverError as exc:
        log.warning("optimum (%s) not available: %s", model, exc)
        return {"status": "error", "error": str(exc)}
    out: dict[str, Any] = {}
    if "lscp_new" in res.stats:  # the area model solved the LSCP on the same sites already
        done = res.stats.get("lscp_optimal") == 1.0
        out["lscp"] = {"status": "optimal" if done else "time_limit",
                       "new": round(res.stats["lscp_new"])}  # fmt: skip
    return out | {
        "status": res.status,
        "objective": _round(res.objective),
        "new": len(res.new_sites),
        "sites": [problem.site_name(int(j)) for j in res.new_sites],
        "lonlat": _lonlat(problem, res.new_sites),
        "gap": _round(res.mip_gap),
    }


def _lonlat(problem: SiteProblem, sites: Any) -> list[list[float]]:
    if np.asarray(sites).size == 0:
        return []
    lon, lat = problem.candidate_lonlat(sites)
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def plan_optimum(
    net: CSRNetwork,
    demand: DemandSurface,
    scenario: Scenario,
    years: list[YearResult],
    *,
    spacing_m: float | None = None,
    new_class: str = "一级",
    time_limit: float | None = 120.0,
) -> dict[str, Any]:
    """Compare the plan with the optimum on generated candidate sites (see the module notes)."""
    fixed, n_new = _fixed_and_new(scenario, years)
    cands = generate_candidates(net, boundary=demand.boundary, spacing_m=spacing_m)
    problem = build_problem(net, demand, fixed, cands, turnout_min=scenario.budget.turnout_min,
                            driving_min=scenario.budget.driving_min,
                            new_class=new_class)  # fmt: skip
    area = problem.area
    total = float(area.sum())
    # MCLP with area weights: solve on coverable rows; the objective is covered km².
    area_problem = _with_area_weights(problem)
    mclp = _solve(area_problem, "mclp", n_new, time_limit)
    comply = _solve(problem, "area", None, time_limit)
    cover = comply.pop("lscp", None) or _solve(problem, "lscp", None, time_limit)
    share = mclp.get("objective", math.nan) / total if total > 0 else math.nan
    return {
        "new_stations": n_new,
        "covered_share": _round(share),
        "plan_covered_share": _round(years[-1].run.summary.covered_share),
        "min_new_for_compliance": comply.get("new"),
        "min_new_for_coverage": cover.get("new"),
        "fixed_stations": [s.name for s in fixed],
        "candidates": len(cands),
        "candidate_spacing_m": float(resolve(spacing_m, "candidate_spacing_m")),
        "new_class": station_class(new_class).zh_short,
        "uncoverable_km2": _round(float(area[~problem.coverable].sum())),
        "mclp": mclp,
        "area_model": comply,
        "lscp": cover,
    }


def _with_area_weights(problem: SiteProblem) -> SiteProblem:
    import dataclasses

    cells = problem.demand.cells.copy()
    cells["weight"] = cells["area_km2"]
    demand = dataclasses.replace(problem.demand, cells=cells)
    return dataclasses.replace(problem, demand=demand)


def _round(x: float) -> float | None:
    return round(float(x), 6) if math.isfinite(x) else None


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
    time_limit: float | None = 120.0,
    boundary_note: str = "",
    progress: Progress | None = None,
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
        Candidate spacing and the solver time limit per model (seconds).
    """
    synthetic = synthetic or scenario.synthetic
    years = _run_years(net, demand, scenario, barriers=barriers, synthetic=synthetic,
                       progress=progress)  # fmt: skip
    gains = _gains(net, demand, years)
    best = None
    if optimum:
        if progress is not None:
            progress("optimum: siting models")
        best = plan_optimum(net, demand, scenario, years, spacing_m=spacing_m,
                            time_limit=time_limit)  # fmt: skip
    return PlanEvaluation(scenario, years, gains, best, synthetic, boundary_note)
