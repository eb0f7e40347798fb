"""Multi-period covering (firecover.siting.multiperiod): MILP = brute force on tiny instances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import InfeasibleModelError
from firecover.siting.multiperiod import (
    brute_force_schedule,
    check_schedule,
    evaluate_schedule,
    schedule_from_years,
    solve_multiperiod,
)


def test_by_hand_build_the_big_one_first() -> None:
    # Site 0 covers rows 0-2 (3 km²), site 1 covers row 3 (1 km²); one per year over 2 years.
    cov = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=bool)
    s = solve_multiperiod(cov, np.ones(4), [1, 1], must_build=[0, 1])
    assert s.start().tolist() == [0, 1]
    assert s.objective == pytest.approx(3 + 4)  # year 1: 3, year 2: 4
    plan = schedule_from_years(2, 2, [1, 0])
    assert evaluate_schedule(cov, np.ones(4), plan) == pytest.approx(1 + 4)


def test_demand_appearing_later_and_relocation() -> None:
    # Row 1 is a new area opening in period 2; site 2 relocates site 1 (old closes when new opens).
    cov = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 1]], dtype=bool)
    w = np.array([[1, 1, 1], [0, 0, 5], [1, 1, 1]], dtype=float)
    args = {"capacity": [1, 1, 1], "must_build": [0, 2], "relocations": [(1, 2)]}
    s = solve_multiperiod(cov, w, **args)
    b = brute_force_schedule(cov, w, **args)
    assert s.objective == pytest.approx(b.objective)
    assert not check_schedule(s.x, capacity=[1, 1, 1], must_build=[0, 2], relocations=[(1, 2)])


def test_infeasible_capacity() -> None:
    cov = np.eye(3, dtype=bool)
    with pytest.raises(InfeasibleModelError):
        solve_multiperiod(cov, np.ones(3), [1, 1], must_build=[0, 1, 2])


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_sites=st.integers(2, 4),
    periods=st.integers(1, 3),
    must=st.booleans(),
    fixed=st.booleans(),
)
def test_milp_equals_brute_force(
    seed: int, n_sites: int, periods: int, must: bool, fixed: bool
) -> None:
    rng = np.random.default_rng(seed)
    cov = rng.random((7, n_sites)) < 0.4
    w = rng.integers(0, 4, size=(7, periods)).astype(float)
    cap = rng.integers(1, 3, size=periods).tolist()
    fix = [0] if fixed else []
    must_build = [j for j in range(n_sites) if j not in fix][: sum(cap)] if must else []
    kw = {"fixed": fix, "must_build": must_build}
    try:
        b = brute_force_schedule(cov, w, cap, **kw)
    except InfeasibleModelError:
        with pytest.raises(InfeasibleModelError):
            solve_multiperiod(cov, w, cap, **kw)
        return
    s = solve_multiperiod(cov, w, cap, **kw)
    assert s.objective == pytest.approx(b.objective)
    assert check_schedule(s.x, capacity=cap, **kw) == []
    assert evaluate_schedule(cov, w, s.x) == pytest.approx(s.objective)
