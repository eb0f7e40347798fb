"""Incumbents and certified bounds (firecover.siting.bounds) and the time-limited covering
models built on them, against brute force and against the unreduced MILP."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from firecover import siting
from firecover.siting.bounds import (
    greedy_lscp,
    lagrangian_cover,
    lscp_lagrangian,
    mclp_lagrangian,
    prune_cover,
)

QUICK = settings(max_examples=40, deadline=None)


@st.composite
def covers(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    """A small coverage matrix where every row is coverable, and integer site costs."""
    n_rows, n_cols = draw(st.integers(1, 14)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    mat = rng.random((n_rows, n_cols)) < draw(st.sampled_from([0.2, 0.4]))
    mat[np.arange(n_rows), rng.integers(0, n_cols, n_rows)] = True
    cost = rng.integers(1, 4, n_cols).astype(np.float64)
    return mat, cost


def brute_lscp(mat: np.ndarray, cost: np.ndarray) -> float:
    best = math.inf
    for k in range(mat.shape[1] + 1):
        for cols in itertools.combinations(range(mat.shape[1]), k):
            if mat[:, list(cols)].any(axis=1).all():
                best = min(best, float(cost[list(cols)].sum()))
    return best


def brute_mclp(mat: np.ndarray, w: np.ndarray, p: int, fixed: tuple[int, ...] = ()) -> float:
    free = [j for j in range(mat.shape[1]) if j not in fixed]
    best = 0.0
    for cols in itertools.combinations(free, min(p, len(free))):
        best = max(best, float(w[mat[:, list(cols) + list(fixed)].any(axis=1)].sum()))
    return best


def unreduced_lscp(mat: np.ndarray, cost: np.ndarray) -> float:
    """The textbook LSCP handed to HiGHS as is (no reduction, no bounds)."""
    n = mat.shape[1]
    res = milp(cost, integrality=np.ones(n), bounds=Bounds(0, 1),
               constraints=[LinearConstraint(mat.astype(float), 1, np.inf)])  # fmt: skip
    return float(res.fun)


def unreduced_mclp(mat: np.ndarray, w: np.ndarray, p: int) -> float:
    n_rows, n_cols = mat.shape
    a = np.block([[-mat.astype(float), np.eye(n_rows)], [np.ones((1, n_cols)),
                                                          np.zeros((1, n_rows))]])  # fmt: skip
    ub = np.append(np.zeros(n_rows), p)
    res = milp(np.concatenate([np.zeros(n_cols), -w]),
               integrality=np.concatenate([np.ones(n_cols), np.zeros(n_rows)]),
               bounds=Bounds(0, 1), constraints=[LinearConstraint(a, -np.inf, ub)])  # fmt: skip
    return float(-res.fun)


@QUICK
@given(covers())
def test_greedy_and_lagrangian_bracket_the_brute_force_optimum(case: Any) -> None:
    mat, cost = case
    a = sp.csr_array(mat)
    opt = brute_lscp(mat, cost)
    inc = greedy_lscp(a, cost)
    assert mat[:, inc].any(axis=1).all()
    value = float(cost[inc].sum())
    bound = lscp_lagrangian(a, cost, value, None)
    assert bound.value <= opt + 1e-9 <= value + 1e-9
    alt = lagrangian_cover(a, cost, bound.multipliers)
    assert mat[:, alt].any(axis=1).all() and float(cost[alt].sum()) >= opt - 1e-9


@QUICK
@given(covers())
def test_pruned_cover_has_no_redundant_column(case: Any) -> None:
    mat, cost = case
    kept = prune_cover(sp.csr_array(mat), cost, np.arange(mat.shape[1]))
    assert mat[:, kept].any(axis=1).all()
    for j in kept:
        others = [k for k in kept if k != j]
        assert not mat[:, others].any(axis=1).all() if others else True


@QUICK
@given(covers(), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_mclp_lagrangian_is_an_upper_bound(case: Any, p: int, seed: int) -> None:
    mat, _ = case
    w = np.random.default_rng(seed).random(mat.shape[0])
    p = min(p, mat.shape[1])
    opt = brute_mclp(mat, w, p)
    assert mclp_lagrangian(sp.csr_array(mat), w, p, 0.0, None).value >= opt - 1e-9


@QUICK
@given(covers(), st.integers(0, 2**31 - 1))
def test_reduced_models_keep_the_optimum_of_the_unreduced_ones(case: Any, seed: int) -> None:
    """Identical rows merged, dominated columns and rows covered by fixed sites dropped,
    greedy/Lagrangian shortcuts: same optimum as the textbook model and as brute force."""
    mat, cost = case
    ones = np.ones(mat.shape[1])
    res = siting.lscp(mat)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(unreduced_lscp(mat, ones))
    assert res.objective == pytest.approx(brute_lscp(mat, ones))
    weighted = siting.lscp(mat, cost=cost)
    assert weighted.objective == pytest.approx(brute_lscp(mat, cost))
    w = np.random.default_rng(seed).random(mat.shape[0])
    p = min(2, mat.shape[1])
    got = siting.mclp(mat, w, p, time_limit=30)
    assert got.status == "optimal"
    assert got.objective == pytest.approx(unreduced_mclp(mat, w, p), abs=1e-7)
    assert got.objective == pytest.approx(brute_mclp(mat, w, p), abs=1e-7)
    if mat.shape[1] > 2:  # with a fixed site: rows it covers leave the model
        fixed = siting.mclp(mat, w, 1, fixed=[0], time_limit=30)
        assert fixed.objective == pytest.approx(brute_mclp(mat, w, 1, (0,)), abs=1e-7)


def _grid_cover(n_side: int, radius: float, seed: int) -> sp.csr_array:
    """Cells on a grid covered by sites at random points within ``radius`` (a city-like
    covering matrix that HiGHS does not solve in a few milliseconds)."""
    rng = np.random.default_rng(seed)
    g = np.arange(n_side, dtype=float)
    cells = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    sites = rng.random((n_side * n_side // 3, 2)) * (n_side - 1)
    d = np.hypot(cells[:, None, 0] - sites[None, :, 0], cells[:, None, 1] - sites[None, :, 1])
    mat = d <= radius
    mat[np.arange(cells.shape[0]), d.argmin(axis=1)] = True
    return sp.csr_array(mat)


@pytest.mark.parametrize("limit", [0.05, 0.5])
def test_time_limited_lscp_and_mclp_are_certified(limit: float) -> None:
    """Under a time limit the answer is feasible and its bound holds against the optimum."""
    cover = _grid_cover(24, 2.2, 3)
    exact = siting.lscp(cover)
    res = siting.lscp(cover, time_limit=limit)
    assert res.covered is not None and res.covered.all()
    assert res.stats["bound"] <= exact.objective + 1e-9 <= res.objective + 1e-9
    if res.status == "time_limit":
        assert res.mip_gap == pytest.approx((res.objective - res.stats["bound"]) / res.objective)
    w = np.random.default_rng(0).random(cover.shape[0])
    best = siting.mclp(cover, w, 8)
    got = siting.mclp(cover, w, 8, time_limit=limit)
    assert got.objective <= best.objective + 1e-9 <= got.stats["bound"] + 1e-9
