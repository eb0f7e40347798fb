"""The area model's repaired assignment and counting bound (firecover.siting.area_heuristic),
against brute force over site sets and whole-cell assignments."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover import siting
from firecover.siting.area import usable_pairs
from firecover.siting.area_heuristic import capacity_bound, repair_assignment

QUICK = settings(max_examples=40, deadline=None)


@st.composite
def instances(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_rows, n_cols = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    mat = rng.random((n_rows, n_cols)) < 0.5
    mat[np.arange(n_rows), rng.integers(0, n_cols, n_rows)] = True
    area = rng.integers(1, 4, n_rows).astype(np.float64)
    limits = rng.integers(2, 7, n_cols).astype(np.float64)
    return mat, area, limits


def feasible(mat: np.ndarray, area: np.ndarray, limits: np.ndarray, sites: tuple[int, ...]
             ) -> bool:  # fmt: skip
    """Some whole-cell assignment to ``sites`` covers every cell within the limits."""
    options = [[j for j in sites if mat[i, j] and area[i] <= limits[j]] for i in range(len(area))]
    for pick in itertools.product(*options):
        load = np.bincount(np.asarray(pick, dtype=int), weights=area, minlength=mat.shape[1])
        if np.all(load <= limits + 1e-9):
            return True
    return False


def brute_min(mat: np.ndarray, area: np.ndarray, limits: np.ndarray, fixed: tuple[int, ...]
              ) -> float:  # fmt: skip
    free = [j for j in range(mat.shape[1]) if j not in fixed]
    for k in range(len(free) + 1):
        for cols in itertools.combinations(free, k):
            if feasible(mat, area, limits, tuple(sorted((*cols, *fixed)))):
                return float(k)
    return math.inf


@QUICK
@given(instances(), st.booleans())
def test_repair_is_feasible_and_the_bound_holds(case: Any, with_fixed: bool) -> None:
    mat, area, limits = case
    fixed = (0,) if with_fixed else ()
    opt = brute_min(mat, area, limits, fixed)
    pairs = usable_pairs(sp.csr_array(mat), area, limits, split=False)
    if math.isfinite(opt):
        assert capacity_bound(pairs, area, limits, np.asarray(fixed, dtype=np.int64)) <= opt
    found = repair_assignment(pairs, area, limits, np.asarray(fixed, dtype=np.int64),
                              np.ones(mat.shape[1]))  # fmt: skip
    if found is None:
        return
    sites, site_of = found
    assert siting.check_area_assignment(mat, area, limits, sites, site_of) == []
    assert set(fixed) <= set(sites.tolist())
    assert len(set(sites.tolist()) - set(fixed)) >= opt


@QUICK
@given(instances())
def test_area_model_matches_brute_force_with_and_without_a_time_limit(case: Any) -> None:
    mat, area, limits = case
    opt = brute_min(mat, area, limits, ())
    if not math.isfinite(opt):
        return
    for limit in (None, 5.0):
        res = siting.area_limited(mat, area, limits, time_limit=limit)
        assert res.stats["bound"] <= opt + 1e-9 <= res.objective + 1e-9
        if res.status == "optimal":
            assert res.objective == pytest.approx(opt)
