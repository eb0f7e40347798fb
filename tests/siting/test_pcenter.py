"""Tests for firecover.siting.pcenter: the radius search and its row-generation checks
against enumeration, and the certificate (radius attained, next smaller cost infeasible)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firecover.siting.orlib import read_optima, read_pmed
from firecover.siting.pcenter import _Checker, solve_pcenter_search
from firecover.siting.reduce import as_costs

ORLIB = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "orlib"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: Any) -> dict[str, Any]:
    n_rows = draw(st.integers(1, 14))
    n_cols = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    cost = rng.integers(0, draw(st.sampled_from([5, 50])), (n_rows, n_cols)).astype(float)
    cost[rng.random(cost.shape) < draw(st.sampled_from([0.0, 0.3]))] = np.inf
    cost[np.arange(n_rows), rng.integers(0, n_cols, n_rows)] = rng.integers(0, 50, n_rows)
    n_fixed = draw(st.integers(0, min(1, n_cols - 1)))
    fixed = np.sort(rng.choice(n_cols, n_fixed, replace=False)).astype(np.int64)
    p = draw(st.integers(1, n_cols - n_fixed)) if n_cols > n_fixed else 0
    return {"cost": cost, "fixed": fixed, "p": p}


def radius_of(cost: np.ndarray, sites: list[int]) -> float:
    return float(cost[:, sites].min(axis=1).max()) if sites else math.inf


def brute_force(cost: np.ndarray, fixed: np.ndarray, p: int) -> float:
    free = [j for j in range(cost.shape[1]) if j not in set(fixed.tolist())]
    return min(
        radius_of(cost, list(new) + fixed.tolist()) for new in itertools.combinations(free, p)
    )


@FAST
@given(instances())
def test_pcenter_search_matches_brute_force(inst: dict[str, Any]) -> None:
    cost, fixed, p = inst["cost"], inst["fixed"], inst["p"]
    best = brute_force(cost, fixed, p)
    out = solve_pcenter_search(as_costs(cost), p, fixed, None)
    if math.isinf(best):
        assert out.status == "infeasible"
        return
    assert out.status == "optimal"
    assert out.objective == best
    assert out.new_sites.size <= p
    assert radius_of(cost, out.new_sites.tolist() + fixed.tolist()) == best
    below = out.stats["infeasible_below"]  # certified: no p sites reach all within it
    assert math.isnan(below) or below < best
    if not math.isnan(below):
        assert below == np.unique(cost[np.isfinite(cost) & (cost < best)]).max()


@FAST
@given(instances(), st.data())
def test_row_generation_check_matches_brute_force(inst: dict[str, Any], data: Any) -> None:
    cost, fixed, p = inst["cost"], inst["fixed"], inst["p"]
    values = np.unique(cost[np.isfinite(cost)])
    radius = float(data.draw(st.sampled_from(values.tolist())))
    check = _Checker(as_costs(cost), p, fixed)
    answer, sites = check.exact(radius, None)
    feasible = brute_force(cost, fixed, p) <= radius
    assert (answer == "feasible") == feasible
    if sites is not None:
        assert sites.size <= p
        assert radius_of(cost, sites.tolist() + fixed.tolist()) <= radius
    # the LP test never rejects a feasible radius
    assert check.lp_feasible(radius) or not feasible


needs_orlib = pytest.mark.skipif(not ORLIB.is_dir(), reason="shared OR-Library data absent")


@needs_orlib
@pytest.mark.parametrize("name", ["pmed1", "pmed5"])
def test_orlib_pcenter_optimum_is_certified(name: str) -> None:
    dist, p = read_pmed(ORLIB / "pmed" / f"{name}.txt")
    opt = read_optima(ORLIB / "pmed" / "pcenteropt.txt")[name]
    out = solve_pcenter_search(as_costs(dist), p, np.zeros(0, np.int64), None)
    assert out.status == "optimal" and out.objective == opt
    assert radius_of(dist, out.new_sites.tolist()) == opt
    below = out.stats["infeasible_below"]
    assert below == np.unique(dist[dist < opt]).max()
    # and that radius is indeed infeasible for p sites (independent check by the MILP)
    assert _Checker(as_costs(dist), p, np.zeros(0, np.int64)).exact(below, None)[0] == "infeasible"
