"""Sequencing a five-year plan and multi-period siting on a scenario (``firecover sequence``).

The order of the plan's projects is compared with the order that maximises the coverage summed
over the plan years (:func:`firecover.siting.multiperiod.solve_multiperiod`, exact MILP): cells ×
sites reached within the driving budget, weighted by the run's demand weight (area, or population
/ risk when the scenario has those layers), one period per year from the first project year to
``last_year``. By default each year may open as many projects as the plan opens that year (the
same yearly effort, reordered); ``per_year`` overrides it. Existing stations are fixed; a 异地重建
(relocation) closes its old site in the year the new one opens, in the plan and in the optimum.

With ``candidates`` (multi-period siting) the plan's projects become free choices alongside the
candidate sites: no site must be built, at most ``per_year`` open each year. ``new_area`` and
``opening_year`` add demand that appears in a given year (cells inside the area weigh 0 before).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely

from firecover._errors import DataFormatError
from firecover.analysis.area import read_boundary
from firecover.analysis.run import place_stations
from firecover.plan.scenario import Scenario
from firecover.site.candidates import generate_candidates
from firecover.siting.multiperiod import (
    NEVER,
    Schedule,
    check_schedule,
    evaluate_schedule,
    schedule_from_years,
    solve_multiperiod,
)
from firecover.traveltime.search import bounded_matrix, covered

__all__ = ["SequenceResult", "sequence_scenario"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SequenceResult:
    """The plan's schedule and the best one, on the same sites, weights and capacity."""

    names: list[str]
    kinds: list[str]  # "existing", "project", "old site", "candidate"
    years: list[int]
    capacity: list[float]
    plan: Schedule | None
    best: Schedule
    unit: str
    coverage: sp.csr_array
    weights: np.ndarray
    cells: Any
    sites_xy: tuple[np.ndarray, np.ndarray]
    crs: str
    synthetic: bool
    free: bool

    def moves(self) -> list[tuple[str, int | None, int | None]]:
        """Projects whose year differs: (name, plan year or None, best year or None)."""
        if self.plan is None:
            return []
        out = []
        ps, bs = self.plan.start(), self.best.start()
        for j, k in enumerate(self.kinds):
            if k not in ("project", "candidate") or ps[j] == bs[j]:
                continue
            py = None if ps[j] == NEVER else self.years[ps[j]]
            by = None if bs[j] == NEVER else self.years[bs[j]]
            out.append((self.names[j], py, by))
        return out

    def by_year(self, schedule: Schedule) -> list[float]:
        """Weighted coverage in each year."""
        cov = (self.coverage.astype(np.int64) @ schedule.x.astype(np.int64)) > 0
        return [float((self.weights[:, t] * cov[:, t]).sum()) for t in range(len(self.years))]

    def headline(self) -> str:
        """ "the plan's order reaches A km²·years; the best order B (+x %), by building …"."""
        b = self.best.objective
        if self.plan is None:
            return f"the best schedule reaches {b:.2f} {self.unit}·years"
        a = self.plan.objective
        gain = (b - a) / a * 100 if a > 0 else math.inf
        moves = self.moves()[:3]
        how = "; ".join(
            f"building {n} in {by} instead of {py}"
            if by is not None and py is not None
            else (f"building {n} in {by}" if by is not None else f"not building {n}")
            for n, py, by in moves
        )
        return (
            f"the plan's order reaches {a:.2f} {self.unit}·years; the best "
            f"{'schedule' if self.free else 'order'} {b:.2f} ({gain:+.1f} %)"
            + (f", by {how}" if how else " — the plan's order is already optimal")
        )


def sequence_scenario(
    scenario: Scenario,
    inputs: Any,
    *,
    per_year: int | None = None,
    candidates: Any = None,
    generate: bool = False,
    spacing_m: float | None = None,
    new_area: Any = None,
    opening_year: int | None = None,
    time_limit: float | None = 120.0,
) -> SequenceResult:
    """Compare the plan's order with the best order (or schedule, with candidates).

    Raises
    ------
    DataFormatError
        No proposed station to sequence, or ``new_area`` without ``opening_year``.
    """
    net, demand = inputs.net, inputs.demand
    stations = list(scenario.stations)
    projects = [i for i, s in enumerate(stations) if s.status == "proposed"]
    if not projects and candidates is None and not generate:
        raise DataFormatError(
            f"{scenario.path}: no proposed stations to sequence; add "
            '[[station]] tables with status = "proposed" and a year'
        )
    planned = [int(stations[i].year or 0) for i in projects]
    last = int(scenario.last_year or max(planned, default=0))
    first = min(planned, default=last)
    years = list(range(first, last + 1))
    n_t = len(years)
    kinds, start = [], []
    relocations: list[tuple[int, int]] = []
    key = {s.name: i for i, s in enumerate(stations)}
    for s in stations:
        if s.status == "proposed":
            kinds.append("project")
            start.append(years.index(int(s.year)) if s.year is not None else 0)
        elif math.isfinite(scenario.end_year(s)):
            kinds.append("old site")
            start.append(NEVER)
        else:
            kinds.append("existing")
            start.append(0)
    for i, s in enumerate(stations):
        if s.replaces is not None and s.replaces in key:
            relocations.append((key[s.replaces], i))
    snapped = place_stations(net, stations)
    budget_s = 60.0 * scenario.budget.driving_min
    cov = covered(bounded_matrix(net, snapped, budget_s, targets=demand.points)).T
    xs, ys = snapped.road_xy(net)
    names = [s.name for s in stations]
    free = candidates is not None or generate
    if free:
        cands = generate_candidates(
            net,
            boundary=demand.boundary,
            spacing_m=spacing_m,
            user_sites=candidates,
            user_only=not generate,
        )
        ccov = covered(bounded_matrix(net, cands.snapped, budget_s, targets=demand.points)).T
        cov = sp.hstack([cov, ccov], format="csr")
        names += [str(n) for n in cands.name]
        kinds += ["candidate"] * len(cands.name)
        start += [NEVER] * len(cands.name)
        xs, ys = np.concatenate([xs, cands.x]), np.concatenate([ys, cands.y])
    w = np.repeat(demand.cells["weight"].to_numpy(dtype=float)[:, None], n_t, axis=1)
    if new_area is not None:
        if opening_year is None:
            raise DataFormatError("--new-area needs --opening-year (the year the area opens)")
        area = read_boundary(new_area, net.crs)
        inside = shapely.contains_xy(area, demand.points.x, demand.points.y)
        w[inside, :] = np.where(np.array(years) >= opening_year, 1.0, 0.0)[None, :] * w[inside, :]
    n = len(names)
    fixed = [j for j in range(n) if kinds[j] == "existing"]
    plan_x = schedule_from_years(n, n_t, start, relocations)
    if per_year is not None:
        capacity = [float(per_year)] * n_t
    else:
        opened = [sum(1 for j in projects if start[j] == t) for t in range(n_t)]
        capacity = [float(c) for c in opened]
    must = [] if free else projects
    best = solve_multiperiod(
        cov,
        w,
        capacity,
        fixed=fixed,
        must_build=must,
        relocations=relocations,
        time_limit=time_limit,
    )
    problems = check_schedule(
        best.x, capacity=capacity, fixed=fixed, must_build=must, relocations=relocations
    )
    if problems:
        raise DataFormatError(
            f"the sequencing schedule fails its checker: {problems[0]}; this is a bug"
        )
    plan_ok = not check_schedule(plan_x, capacity=capacity, fixed=fixed, relocations=relocations)
    plan = Schedule(plan_x, evaluate_schedule(cov, w, plan_x)) if plan_ok else None
    unit = (
        "km²" if scenario.layers.population is None and scenario.layers.risk is None else "weight"
    )
    return SequenceResult(
        names,
        kinds,
        years,
        capacity,
        plan,
        best,
        unit,
        cov,
        w,
        demand.cells,
        (xs, ys),
        net.crs,
        inputs.synthetic,
        free,
    )
