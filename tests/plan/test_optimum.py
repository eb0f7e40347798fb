"""The optimum comparison (``firecover.plan.optimum``) uses exactly the run's standards,
budget and barriers (issue 12): one test per model.

Oracles: the travel-time engine directly (what any site reaches within the budget), the area
model's capacity bound (no assignment can put more km² in a district than its limit) and the
barrier zones of :class:`firecover.analysis.barriers.BarrierSet`.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest

from firecover.analysis.files import load_inputs
from firecover.plan import evaluate_plan
from firecover.plan.scenario import BudgetSpec, Scenario, load_scenario
from firecover.site.candidates import generate_candidates
from firecover.site.problem import build_problem

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"
GRAPH = ROOT / "data" / "demo" / "demo_district.graphml"
BOUNDARY = ROOT / "data" / "demo" / "boundary.geojson"
BARRIERS = ROOT / "data" / "demo" / "barriers.geojson"
SPACING = 300.0


@pytest.fixture(scope="module")
def inputs() -> Any:
    return load_inputs(GRAPH, boundary=BOUNDARY, barriers=BARRIERS, cell_size_m=200.0)


def _optimum(inputs: Any, sc: Scenario, barriers: Any = None) -> dict[str, Any]:
    ev = evaluate_plan(sc, inputs.net, inputs.demand, synthetic=True, spacing_m=SPACING,
                       time_limit=60, barriers=barriers)  # fmt: skip
    assert ev.optimum is not None
    return ev.optimum


def _with_limits(sc: Scenario, km2: float) -> Scenario:
    lim = MappingProxyType({k: km2 for k in ("一级", "二级", "小型站")})
    return dataclasses.replace(sc, standards=dataclasses.replace(sc.standards, limits=lim))


def test_area_model_takes_the_scenario_limits(inputs: Any) -> None:
    """0.01 km² for every class: every station fails, and no number of new 一级 stations
    on 164 candidates can hold 10 km² in 0.01 km² districts (the capacity bound: sites ×
    0.01 km² < the area), so the optimum must not say "1 (optimal)"."""
    sc = _with_limits(load_scenario(DEMO), 0.01)
    opt = _optimum(inputs, sc)
    total = float(inputs.demand.cells["area_km2"].sum())
    sites = opt["candidates"] + len(opt["fixed_stations"])
    assert sites * 0.01 < total  # the oracle: infeasible by capacity
    assert opt["min_new_for_compliance"] is None
    assert opt["area_model"]["status"] != "optimal"
    assert opt["limits_km2"]["new_sites"] == 0.01
    assert set(opt["limits_km2"]["fixed"].values()) == {0.01}
    default = _optimum(inputs, load_scenario(DEMO))
    assert default["limits_km2"]["new_sites"] == 7.0  # 一级 without overrides


def test_nothing_reachable_answers_zero_new_and_all_unreachable(inputs: Any) -> None:
    """driving_min = 0.001: no site reaches any cell, so no choice of sites helps; every
    model answers 0 new (proven) and the whole area is reported unreachable."""
    sc = dataclasses.replace(load_scenario(DEMO), budget=BudgetSpec(1.0, 0.001))
    opt = _optimum(inputs, sc)
    total = float(inputs.demand.cells["area_km2"].sum())
    assert opt["uncoverable_km2"] == pytest.approx(total, rel=1e-6)
    assert opt["min_new_for_coverage"] == 0 and opt["lscp"]["status"] == "optimal"
    assert opt["min_new_for_compliance"] == 0 and opt["area_model"]["status"] == "optimal"
    assert opt["lscp"]["unreachable_km2"] == opt["uncoverable_km2"]
    assert opt["covered_share"] == 0.0
    assert opt["budget_minutes"] == {"turnout": 1.0, "driving": 0.001}


def test_unreachable_area_is_left_out_and_reported(inputs: Any) -> None:
    """30 s of driving leaves part of the district beyond every candidate: the LSCP and the
    area model still answer with a count for the rest, and the area left out is the area of
    the cells no site reaches in a matrix built here from the engine (the oracle), equal to
    the unreachable layer's; the LSCP count equals the optimum on that matrix's reachable
    rows, and report.md says both."""
    from firecover import siting
    from firecover.outputs.glossary import glossary
    from firecover.plan.optimum import _fixed_and_new
    from firecover.plan.report import optimum_rows
    from firecover.settings import resolve

    sc = dataclasses.replace(load_scenario(DEMO), budget=BudgetSpec(1.0, 0.5))
    ev = evaluate_plan(sc, inputs.net, inputs.demand, synthetic=True, spacing_m=SPACING,
                       time_limit=60)  # fmt: skip
    opt = ev.optimum
    assert opt is not None
    fixed, _ = _fixed_and_new(sc, ev.years)
    most = int(resolve(None, "candidate_max"))
    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=SPACING,
                                context=True, max_count=most)  # fmt: skip
    problem = build_problem(inputs.net, inputs.demand, fixed, cands, turnout_min=1.0,
                            driving_min=0.5)  # fmt: skip
    area = inputs.demand.cells["area_km2"].to_numpy()
    reach = np.asarray(problem.coverage.sum(axis=1)).ravel() > 0
    lost = float(area[~reach].sum())
    assert 0 < lost < float(area.sum())
    assert opt["uncoverable_km2"] == pytest.approx(lost, rel=1e-6)
    for model in ("lscp", "area_model"):
        assert opt[model]["status"] == "optimal"
        assert opt[model]["unreachable_km2"] == pytest.approx(lost, rel=1e-6)
    best = siting.lscp(problem.coverage[np.flatnonzero(reach)], fixed=problem.fixed)
    assert opt["min_new_for_coverage"] == round(best.objective) > 0
    assert opt["min_new_for_compliance"] >= opt["min_new_for_coverage"]
    layer = opt["_unreachable_layer"]
    assert layer is not None and float(layer["area_km2"].iloc[0]) == pytest.approx(lost, rel=1e-6)
    assert layer.geometry.iloc[0].area / 1e6 == pytest.approx(lost, rel=1e-3)
    text = dict(optimum_rows(opt, glossary("en")))
    line = next(v for k, v in text.items() if k.startswith("Fewest new stations for full"))
    assert line.startswith(f"{opt['min_new_for_coverage']} (proven optimal)")
    assert f"{lost:.2f} km² cannot be reached from any candidate site" in line


def test_mclp_takes_the_scenario_budget(inputs: Any) -> None:
    """With 1 min of driving the MCLP optimum cannot cover more than what some site reaches
    in 1 min (the engine's own matrix, built here independently of plan_optimum)."""
    sc = dataclasses.replace(load_scenario(DEMO), budget=BudgetSpec(1.0, 1.0))
    opt = _optimum(inputs, sc)
    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=SPACING)
    problem = build_problem(inputs.net, inputs.demand, [], cands, driving_min=1.0)
    area = inputs.demand.cells["area_km2"].to_numpy()
    reachable = float(area[problem.coverable].sum()) / float(area.sum())
    assert opt["covered_share"] <= reachable + 1e-9
    assert opt["covered_share"] < 0.9  # the 4-minute optimum covers 100 %
    assert opt["budget_minutes"]["driving"] == 1.0


def test_area_model_keeps_cells_on_their_side_of_the_barriers(inputs: Any) -> None:
    """With the barrier rule failing stations, the area model solves with barrier zones:
    never fewer new stations than without them, and the zoned problem allows no pair
    across a barrier (checked against BarrierSet's zones)."""
    sc = load_scenario(DEMO)
    zoned = _optimum(inputs, sc, barriers=inputs.barriers)
    free = _optimum(inputs, sc)
    assert zoned["barrier_zones"] is True and free["barrier_zones"] is False
    a, b = zoned["min_new_for_compliance"], free["min_new_for_compliance"]
    assert a is not None and b is not None and a >= b
    warn = dataclasses.replace(sc, standards=dataclasses.replace(sc.standards, barrier_rule="warn"))
    assert _optimum(inputs, warn, barriers=inputs.barriers)["barrier_zones"] is False

    from firecover.analysis.barriers import BarrierSet

    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=SPACING)
    problem = build_problem(inputs.net, inputs.demand, [], cands, barriers=inputs.barriers,
                            within_barrier_zones=True)  # fmt: skip
    assert problem.zones is not None
    cz, sz = problem.zones
    bset = BarrierSet.build(inputs.demand.boundary, inputs.barriers, inputs.net.crs)
    assert bset.zones.size >= 2 and set(np.unique(sz)) <= set(range(bset.zones.size))
    assert (cz >= 0).mean() > 0.9 and math.isfinite(float(cz.max()))
