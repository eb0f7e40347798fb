"""Tests for firecover.siting.highs: highspy's HiGHS against scipy's and brute force."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.siting.highs import solve_highs
from firecover.siting.milp import MilpProblem, solve_milp


def knapsack_cover(a: np.ndarray, c: np.ndarray, maximize: bool, cap: float) -> MilpProblem:
    """``min/max c·x`` s.t. ``a x >= 1`` (rows) and ``Σ x <= cap``, binary ``x``."""
    n = a.shape[1]
    mat = sp.csr_array(np.vstack([a, np.ones((1, n))]).astype(float))
    return MilpProblem(
        c=c,
        A=mat,
        row_lb=np.append(np.ones(a.shape[0]), -np.inf),
        row_ub=np.append(np.full(a.shape[0], np.inf), cap),
        lb=np.zeros(n),
        ub=np.ones(n),
        integral=np.ones(n, dtype=bool),
        maximize=maximize,
    )


def brute(a: np.ndarray, c: np.ndarray, maximize: bool, cap: float) -> float:
    values = [
        float(c[list(s)].sum())
        for k in range(a.shape[1] + 1)
        for s in itertools.combinations(range(a.shape[1]), k)
        if k <= cap and (a.shape[0] == 0 or a[:, list(s)].any(axis=1).all())
    ]
    if not values:
        return np.nan
    return max(values) if maximize else min(values)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.booleans(), st.integers(1, 6))
def test_matches_brute_force_and_scipy(seed: int, maximize: bool, cap: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.random((int(rng.integers(1, 8)), int(rng.integers(1, 7)))) < 0.4
    c = rng.integers(1, 9, a.shape[1]).astype(float)
    problem = knapsack_cover(a, c, maximize, float(cap))
    expect = brute(a, c, maximize, float(cap))
    got = solve_highs(problem)
    ref = solve_milp(problem)
    if np.isnan(expect):
        assert got.status == ref.status == "infeasible" and got.x is None
        return
    assert got.status == "optimal"
    assert got.x is not None
    assert got.objective == pytest.approx(expect)
    assert float(c @ np.round(got.x)) == pytest.approx(expect)
    assert ref.objective == pytest.approx(expect)
    assert got.dual_bound == pytest.approx(expect)


def test_time_limit_keeps_the_incumbent_and_bound() -> None:
    rng = np.random.default_rng(3)
    a = rng.random((400, 120)) < 0.05
    a[np.arange(400), rng.integers(0, 120, 400)] = True
    problem = knapsack_cover(a, np.ones(120), False, 120.0)
    got: Any = solve_highs(problem, time_limit=1e-3)
    assert got.status in {"time_limit", "optimal"}
    if got.status == "time_limit":
        assert got.x is None or got.objective >= got.dual_bound


def test_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    code = (
        "import numpy as np, scipy.sparse as sp\n"
        "from firecover.siting.highs import solve_highs\n"
        "from firecover.siting.milp import MilpProblem\n"
        "p = MilpProblem(np.ones(2), sp.csr_array(np.ones((1, 2))), np.ones(1),"
        " np.full(1, np.inf), np.zeros(2), np.ones(2), np.ones(2, bool))\n"
        "assert solve_highs(p).objective == 1.0\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""  # not even HiGHS's banner: a library never prints
