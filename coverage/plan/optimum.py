"""The plan against the optimum with the same number of new stations.

With the same number of new sites on candidate sites generated along the roads, the best
coverage achievable (maximal covering, MCLP, weights = cell area) with the first-year stations
that stay in service fixed, against the plan's final coverage; and the fewest new 一级 stations
for full compliance (the area-limited model: every reachable cell assigned to a station within
budget and each district within its km² limit) and for full coverage (LSCP).

Every model uses exactly the run it is compared with (issue 12): the same budget (turnout +
driving), the same area limits (the profile, urban-edge flags of the fixed stations and
``[scenario.standards.limits]`` overrides; new sites take the class overrides) and, when the
barrier rule fails stations, the same barriers: the area model then assigns a cell only to a
station on its side of them. Area that no candidate site (nor station) reaches in time
cannot be helped by any choice of sites: the area model and the LSCP then answer for every
cell that some site reaches, and each answer carries ``unreachable_km2``, the area left out
(:mod:`firecover.plan.unreachable`; the cells go to ``optimum_unreachable.geojson``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from firecover._errors import FirecoverError
from firecover.analysis.demand import DemandSurface
from firecover.analysis.station_spec import StationSpec
from firecover.network.csr import CSRNetwork
from firecover.plan.results import YearResult
from firecover.plan.scenario import Scenario
from firecover.plan.unreachable import UNREACHABLE_EPS_KM2, unreachable_layer
from firecover.settings import resolve
from firecover.site.candidates import generate_candidates
from firecover.site.problem import SiteProblem, build_problem, solve_problem
from firecover.standards.check import station_class

__all__ = ["plan_optimum"]

log = logging.getLogger(__name__)


def _fixed_and_new(scenario: Scenario, years: list[YearResult]) -> tuple[list[StationSpec], int]:
    final = {s.name for s in years[-1].stations}
    fixed = [s for s in years[0].stations if s.name in final]
    return fixed, len(final) - len(fixed)


#: Shares of the time left after the candidate matrix: the MCLP, then the area model (which
#: solves the LSCP first and hands it on); the LSCP alone only when the area model failed.
MCLP_SHARE = 0.4
Progress = Callable[[str], None]


def _bound(res: Any) -> float | None:
    b = res.stats.get("bound")
    return _round(float(b)) if b is not None else None


def _solve(problem: SiteProblem, model: str, p: int | None, time_limit: float | None,
           tie_break: str | None = None) -> dict[str, Any]:  # fmt: skip
    t0 = time.perf_counter()
    try:
        res, rows = solve_problem(problem, model, p, time_limit=time_limit, tie_break=tie_break)
    except FirecoverError as exc:
        log.warning("optimum (%s) not available: %s", model, exc)
        return {"status": "error", "error": str(exc), "seconds": _round(time.perf_counter() - t0),
                "time_limit": _round(time_limit or math.inf)}  # fmt: skip
    out: dict[str, Any] = {}
    if "lscp_new" in res.stats:  # the area model solved the LSCP on the same sites already
        done = res.stats.get("lscp_optimal") == 1.0
        lb = res.stats.get("lscp_bound", math.nan)
        out["lscp"] = {"status": "optimal" if done else "time_limit",
                       "new": round(res.stats["lscp_new"]), "objective": res.stats["lscp_new"],
                       "bound": _round(lb), "gap": _round(res.stats.get("lscp_gap", math.nan)),
                       "seconds": _round(res.stats.get("lscp_seconds", math.nan)),
                       "time_limit": None}  # fmt: skip
    return out | {
        "status": res.status,
        "objective": _round(res.objective),
        "bound": _bound(res),
        "new": len(res.new_sites),
        "sites": [problem.site_name(int(j)) for j in res.new_sites],
        "lonlat": _lonlat(problem, res.new_sites),
        "gap": _round(res.mip_gap),
        "seconds": _round(time.perf_counter() - t0),
        "time_limit": _round(time_limit or math.inf),
        **_ties_and_zones(problem, model, res, rows, tie_break),
    }


def _ties_and_zones(problem: SiteProblem, model: str, res: Any, rows: Any,
                    tie_break: str | None) -> dict[str, Any]:  # fmt: skip
    """The tie-break statement and the search zones (选址范围) of an MCLP optimum."""
    if model != "mclp":
        return {}
    from firecover.site.zones import site_zones, tie_break_summary, zone_layer, zones_summary

    zones = None
    if res.new_sites.size:
        zones = zone_layer(problem, site_zones(problem, model, res.sites, res.new_sites, rows))
    # "_zones_layer" (the polygons, metric CRS) is for the files, left out of report.json
    return {"tie_break": tie_break_summary(res.stats, tie_break),
            "search_zones": zones_summary(zones), "_zones_layer": zones}  # fmt: skip


def _lonlat(problem: SiteProblem, sites: Any) -> list[list[float]]:
    if np.asarray(sites).size == 0:
        return []
    lon, lat = problem.candidate_lonlat(sites)
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def _cap(share: float, per_model: float | None) -> float:
    return max(0.0, share if per_model is None else min(share, per_model))


def _nothing_reachable() -> dict[str, Any]:
    """A model's answer when no site reaches any cell: no site helps, 0 new is optimal."""
    return {"status": "optimal", "objective": 0.0, "bound": 0.0, "new": 0, "sites": [],
            "lonlat": [], "gap": 0.0, "seconds": 0.0, "time_limit": None}  # fmt: skip


Answer = dict[str, Any]


def _three_models(problem: SiteProblem, n_new: int, left: float, time_limit: float | None,
                  tie: str | None, zoned: bool, time_left: Callable[[], float],
                  say: Progress) -> tuple[Answer, Answer, Answer]:  # fmt: skip
    """MCLP, area model and LSCP, in that order, sharing the time as :func:`plan_optimum` says.

    The area model and the LSCP are solved on the cells some site reaches (``solve_problem``
    leaves the others out); the unreachable km² is reported beside each answer.
    """
    # MCLP with area weights: solve on coverable rows; the objective is covered km².
    say(f"optimum: MCLP, {n_new} new sites (≤ {_cap(MCLP_SHARE * left, time_limit):.0f} s)")
    mclp = _solve(_with_area_weights(problem), "mclp", n_new,
                  _cap(MCLP_SHARE * left, time_limit), tie)  # fmt: skip
    left = time_left()
    share_area = left / 2 if zoned else left  # zoned: the LSCP is solved apart
    say(f"optimum: area model and LSCP (≤ {_cap(share_area, time_limit):.0f} s)")
    comply = _solve(problem, "area", None, _cap(share_area, time_limit))
    # the area model's own LSCP bound is on zone-restricted pairs when zoned: full
    # coverage ignores barriers (any station may reach any cell), so solve it apart then
    inner = comply.pop("lscp", None)
    if inner is not None and not zoned:
        cover = inner
    else:
        left = time_left()
        say(f"optimum: LSCP (≤ {_cap(left, time_limit):.0f} s)")
        cover = _solve(problem, "lscp", None, _cap(left, time_limit))
    return mclp, comply, cover


def plan_optimum(
    net: CSRNetwork,
    demand: DemandSurface,
    scenario: Scenario,
    years: list[YearResult],
    *,
    spacing_m: float | None = None,
    new_class: str = "一级",
    time_limit: float | None = None,
    barriers: Any = None,
    options: dict[str, Any] | None = None,
    optimum_time: float | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Compare the plan with the optimum on generated candidate sites (see the module notes).

    Parameters
    ----------
    net, demand, scenario, years
        The evaluated plan.
    spacing_m : float, optional
        Candidate spacing in built-up areas (setting ``candidate_spacing_m``); wider elsewhere
        and at most ``candidate_max`` candidates (see
        :func:`firecover.site.candidates.generate_candidates` with ``context=True``).
    new_class : str
        Class of the stations the models add.
    time_limit : float, optional
        Cap per model, seconds (``None``: only the total budget).
    barriers : optional
        The runs' barriers (used when the barrier rule fails stations).
    options : dict, optional
        The :func:`firecover.analysis.analyse` keywords of the plan's runs
        (:func:`firecover.plan.evaluate.run_options`); default the scenario's own.
    optimum_time : float, optional
        Total seconds for the whole comparison (candidates, matrix, the three models): the
        argument, else the scenario's ``optimum_time``, else the setting. What is left after
        the matrix goes :data:`MCLP_SHARE` to the MCLP and the rest to the area model, whose
        LSCP is the LSCP answer.
    progress : callable, optional
        ``progress(message)`` at the start of each phase.
    """
    started = time.perf_counter()
    if options is None:
        from firecover.plan.evaluate import run_options

        options = run_options(scenario)
    total = float(resolve(optimum_time if optimum_time is not None else scenario.optimum_time,
                          "optimum_time"))  # fmt: skip
    say = progress or (lambda _msg: None)
    phases: dict[str, float] = {}
    fixed, n_new = _fixed_and_new(scenario, years)
    say("optimum: candidate sites")
    cands = generate_candidates(net, boundary=demand.boundary, spacing_m=spacing_m, context=True,
                                max_count=int(resolve(None, "candidate_max")))  # fmt: skip
    phases["candidates"] = time.perf_counter() - started
    say(f"optimum: travel-time matrix ({len(cands)} candidates × {len(demand)} cells)")
    t = time.perf_counter()
    zoned = barriers is not None and _barrier_fails(options)
    tie = resolve(None, "tie_break")
    problem = build_problem(net, demand, fixed, cands, turnout_min=options["turnout_min"],
                            driving_min=options["driving_min"], new_class=new_class,
                            standards=options.get("standards"), limits=options.get("limits"),
                            barriers=barriers if zoned else None,
                            within_barrier_zones=zoned, keep_times=tie is not None)  # fmt: skip
    phases["matrix"] = time.perf_counter() - t
    area = problem.area
    total_km2 = float(area.sum())
    uncoverable = float(area[~problem.coverable].sum())
    left = total - (time.perf_counter() - started)
    if not problem.coverable.any():  # no site reaches any cell: nothing to choose, 0 is exact
        mclp, comply, cover = _nothing_reachable(), _nothing_reachable(), _nothing_reachable()
    else:
        mclp, comply, cover = _three_models(problem, n_new, left, time_limit, tie, zoned,
                                            lambda: total - (time.perf_counter() - started),
                                            say)  # fmt: skip
    lost = uncoverable if uncoverable > UNREACHABLE_EPS_KM2 else 0.0
    for part in (comply, cover):
        part["unreachable_km2"] = _round(lost)
    best = mclp.get("objective")
    share = float(best) / total_km2 if best is not None and total_km2 > 0 else math.nan
    elapsed = time.perf_counter() - started
    log.info("optimum: %.1f s of %.0f s (candidates %.1f s, matrix %.1f s)", elapsed, total,
             phases["candidates"], phases["matrix"])  # fmt: skip
    return {
        "new_stations": n_new,
        "covered_share": _round(share),
        "plan_covered_share": _round(years[-1].run.summary.covered_share),
        "min_new_for_compliance": comply.get("new"),
        "min_new_for_coverage": cover.get("new"),
        "fixed_stations": [s.name for s in fixed],
        "candidates": len(cands),
        "candidate_spacing_m": _round(cands.spacing_m),
        "candidate_rural_spacing_m": _round(cands.rural_spacing_m),
        "new_class": station_class(new_class).zh_short,
        "uncoverable_km2": _round(uncoverable),
        "_unreachable_layer": unreachable_layer(problem.demand.cells, problem.coverable),
        "budget_minutes": {"turnout": problem.turnout_min, "driving": problem.driving_min},
        "limits_km2": {
            "new_sites": _round(float(problem.limits[-1])) if len(cands) else None,
            "fixed": {
                s.name: _round(float(v))
                for s, v in zip(fixed, problem.limits[: len(fixed)], strict=True)
            },
        },
        "barrier_zones": zoned,
        "mclp": mclp,
        "area_model": comply,
        "lscp": cover,
        "time_budget_s": _round(total),
        "seconds": _round(elapsed),
        "phase_seconds": {k: _round(v) for k, v in phases.items()},
    }


def _barrier_fails(options: dict[str, Any]) -> bool:
    """Whether the runs fail a station whose district crosses a barrier."""
    rule = options.get("barrier_rule")
    if rule is not None:
        return str(rule).lower() == "fail"
    std = options.get("standards")
    if std is None:
        from firecover.standards.check import load_standards

        std = load_standards()
    return bool(std.barriers.failure)


def _with_area_weights(problem: SiteProblem) -> SiteProblem:
    import dataclasses

    cells = problem.demand.cells.copy()
    cells["weight"] = cells["area_km2"]
    demand = dataclasses.replace(problem.demand, cells=cells)
    return dataclasses.replace(problem, demand=demand)


def _round(x: float) -> float | None:
    return round(float(x), 6) if math.isfinite(x) else None
