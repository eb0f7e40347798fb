"""Tests for firecover.siting.radius: the radius p-median against enumeration, against the
compact model and against OR-Library; the refinement's bound is valid at every step."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import firecover.siting.cost as cost_models
from firecover.siting.orlib import read_optima, read_pmed
from firecover.siting.pmedian_bounds import MedianData, greedy_median, median_data
from firecover.siting.pmedian_radius import solve_pmedian_radius
from firecover.siting.radius import Breakpoints, radius_bounds, solve_radius
from firecover.siting.reduce import as_costs

ORLIB = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "orlib"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: Any) -> dict[str, Any]:
    """Small random p-median instances: some costs missing, ties, weights, fixed sites."""
    n_rows = draw(st.integers(2, 12))
    n_cols = draw(st.integers(2, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    high = draw(st.sampled_from([4, 20, 1000]))  # few values (many ties) or many
    cost = rng.integers(0, high, (n_rows, n_cols)).astype(float)
    cost[rng.random(cost.shape) < draw(st.sampled_from([0.0, 0.2]))] = np.inf
    cost[np.arange(n_rows), rng.integers(0, n_cols, n_rows)] = rng.integers(0, high, n_rows)
    weights = rng.integers(0, 5, n_rows).astype(float)
    if draw(st.booleans()):
        weights = weights + rng.random(n_rows)  # non-integer objective
    n_fixed = draw(st.integers(0, min(1, n_cols - 1)))
    fixed = np.sort(rng.choice(n_cols, n_fixed, replace=False)).astype(np.int64)
    p = draw(st.integers(1, n_cols - n_fixed))
    return {"cost": cost, "w": weights, "fixed": fixed, "p": p}


def brute_force(cost: np.ndarray, w: np.ndarray, fixed: np.ndarray, p: int) -> float:
    """Optimum by enumeration of every set of ``p`` free sites (``inf`` if none serves all)."""
    free = [j for j in range(cost.shape[1]) if j not in set(fixed.tolist())]
    best = math.inf
    pos = w > 0
    for new in itertools.combinations(free, p):
        dist = cost[:, list(new) + fixed.tolist()].min(axis=1)
        if np.isfinite(dist[pos]).all():
            best = min(best, float(w[pos] @ dist[pos]))
    return best


def _data(inst: dict[str, Any]) -> MedianData:
    return median_data(as_costs(inst["cost"]), inst["w"], inst["p"], inst["fixed"])


@FAST
@given(instances())
def test_radius_refinement_matches_brute_force(inst: dict[str, Any]) -> None:
    # the refinement by itself (no Lagrangian fixing), from the greedy start
    best = brute_force(inst["cost"], inst["w"], inst["fixed"], inst["p"])
    d = _data(inst)
    if d.cols.size <= inst["p"] or d.w.size == 0:
        return
    start = greedy_median(d, inst["p"])
    if not math.isfinite(d.value(start)):
        return
    out = solve_radius(d, inst["p"], start)
    assert out.status == "optimal"
    assert out.sites is not None
    assert d.value(out.sites) == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert out.value == pytest.approx(best, rel=1e-9, abs=1e-9)
    # every round's bound is a valid lower bound
    assert all(b <= best + 1e-7 * max(1.0, best) for b in out.bounds)


@FAST
@given(instances(), st.data())
def test_any_breakpoint_subset_gives_a_lower_bound(inst: dict[str, Any], data: Any) -> None:
    best = brute_force(inst["cost"], inst["w"], inst["fixed"], inst["p"])
    d = _data(inst)
    if d.cols.size <= inst["p"] or d.w.size == 0 or not math.isfinite(best):
        return
    bp = Breakpoints.build(d)
    pick = np.asarray(data.draw(st.lists(st.booleans(), min_size=bp.row.size,
                                          max_size=bp.row.size)), dtype=bool)  # fmt: skip
    bp.add(np.flatnonzero(pick))
    bound = radius_bounds(d, inst["p"], bp)
    assert bound <= best + 1e-7 * max(1.0, best)
    bp.add(np.arange(bp.row.size))  # every level: the exact model
    assert radius_bounds(d, inst["p"], bp) == pytest.approx(best, rel=1e-9, abs=1e-9)


@FAST
@given(instances())
def test_radius_matches_the_compact_model(inst: dict[str, Any]) -> None:
    costs = as_costs(inst["cost"])
    if (np.bincount(costs.row, minlength=costs.n_rows) == 0).any():
        return
    args = (costs, inst["w"], inst["p"], inst["fixed"], None)
    ours, compact = solve_pmedian_radius(*args), cost_models.solve_pmedian(*args)
    assert ours.status == compact.status
    if ours.status == "optimal" and ours.objective is not None:
        assert compact.objective == pytest.approx(ours.objective, rel=1e-9, abs=1e-9)


def test_bounds_stay_valid_after_reduced_cost_fixing() -> None:
    # found by hypothesis: once the LP fixes variables against an optimal incumbent, the
    # fixed model's LP value may exceed the optimum; the recorded bound must not
    cost = np.array([[3.0, 1.0, 0.0], [0.0, 1.0, 3.0]])
    inst = {"cost": cost, "w": np.array([2.10050391, 4.59326074]),
            "fixed": np.zeros(0, np.int64), "p": 1}  # fmt: skip
    best = brute_force(cost, inst["w"], inst["fixed"], 1)
    d = _data(inst)
    out = solve_radius(d, 1, greedy_median(d, 1))
    assert out.status == "optimal" and out.value == pytest.approx(best)
    assert all(b <= best + 1e-9 for b in out.bounds)


def test_refinement_adds_the_levels_a_solution_needs() -> None:
    # one client, sites at 1, 5, 9: from the start {9} the first bound is the base level
    cost = np.array([[1.0, 5.0, 9.0], [9.0, 5.0, 1.0], [5.0, 1.0, 9.0]])
    inst = {"cost": cost, "w": np.ones(3), "fixed": np.zeros(0, np.int64), "p": 1}
    d = _data(inst)
    out = solve_radius(d, 1, np.array([0]))
    assert out.status == "optimal" and out.value == 11.0  # site 1: 5 + 5 + 1
    assert out.sites is not None and out.sites.tolist() == [1]


needs_orlib = pytest.mark.skipif(not ORLIB.is_dir(), reason="shared OR-Library data absent")


@needs_orlib
def test_pmed1_by_the_refinement_alone() -> None:
    dist, p = read_pmed(ORLIB / "pmed" / "pmed1.txt")
    opt = read_optima(ORLIB / "pmed" / "pmedopt.txt")["pmed1"]
    d = median_data(as_costs(dist), np.ones(dist.shape[0]), p, np.zeros(0, np.int64))
    out = solve_radius(d, p, greedy_median(d, p))
    assert out.status == "optimal" and out.value == opt
    assert all(b <= opt for b in out.bounds)
    full = solve_pmedian_radius(as_costs(dist), np.ones(dist.shape[0]), p,
                                np.zeros(0, np.int64), None)  # fmt: skip
    assert full.status == "optimal" and full.objective == opt
