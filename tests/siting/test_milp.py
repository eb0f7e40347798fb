"""The HiGHS wrapper (firecover.siting.milp): outcomes and the solver log in the debug log."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp

from firecover.siting.milp import MilpProblem, solve_milp


def _knapsack() -> MilpProblem:
    """max 5a + 4b + 3c, 2a + 3b + c <= 4, binary: optimum a = c = 1 → 8 (by hand)."""
    return MilpProblem(c=np.array([5.0, 4.0, 3.0]), A=sp.csr_array(np.array([[2.0, 3.0, 1.0]])),
                       row_lb=np.array([-np.inf]), row_ub=np.array([4.0]), lb=np.zeros(3),
                       ub=np.ones(3), integral=np.ones(3, dtype=bool), maximize=True)  # fmt: skip


def test_hand_solved_knapsack() -> None:
    sol = solve_milp(_knapsack())
    assert sol.status == "optimal" and sol.objective == pytest.approx(8.0)
    assert np.allclose(sol.x, [1.0, 0.0, 1.0])


def test_highs_log_goes_to_the_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="firecover"):
        sol = solve_milp(_knapsack())
    assert sol.objective == pytest.approx(8.0)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("HiGHS milp:")]
    assert any("Running HiGHS" in m or "HiGHS" in m[12:] for m in lines), lines[:5]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="firecover"):
        solve_milp(_knapsack())
    assert not [r for r in caplog.records if r.getMessage().startswith("HiGHS milp:")]
