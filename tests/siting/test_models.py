"""Tests for firecover.siting.models: the exact LSCP reduction against brute force."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.siting.models import reduce_cover, solve_lscp

QUICK = settings(max_examples=60, deadline=None)


def cheapest_cover(mat: np.ndarray, cost: np.ndarray) -> float:
    """Brute-force LSCP optimum (inf when no subset covers every row)."""
    n = mat.shape[1]
    best = np.inf
    for k in range(n + 1):
        for s in itertools.combinations(range(n), k):
            cols = list(s)
            if mat.shape[0] == 0 or mat[:, cols].any(axis=1).all():
                best = min(best, float(cost[cols].sum()))
    return best


@st.composite
def covers(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_rows, n_cols = draw(st.integers(1, 14)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    mat = rng.random((n_rows, n_cols)) < draw(st.sampled_from([0.25, 0.45, 0.7]))
    mat[np.arange(n_rows), rng.integers(0, n_cols, n_rows)] = True  # every row coverable
    cost = rng.integers(0, 4, n_cols).astype(float) if draw(st.booleans()) else np.ones(n_cols)
    fixed = np.sort(rng.choice(n_cols, draw(st.integers(0, min(2, n_cols))), replace=False))
    return mat, cost, fixed.astype(np.int64)


@QUICK
@given(covers())
def test_reduced_optimum_equals_unreduced(inst: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    mat, cost, fixed = inst
    free = np.setdiff1d(np.arange(mat.shape[1]), fixed)
    by_fixed = mat[:, fixed].any(axis=1) if fixed.size else np.zeros(mat.shape[0], bool)
    unreduced = cheapest_cover(mat[~by_fixed][:, free], cost[free])
    red, cols, stats = reduce_cover(sp.csr_array(mat), cost, fixed)
    assert cheapest_cover(red.toarray(), cost[cols]) == unreduced
    assert red.shape == (stats["rows_reduced"], stats["cols_reduced"])
    assert not np.isin(cols, fixed).any()
    # an optimum of the reduced model covers every row of the original
    out = solve_lscp(sp.csr_array(mat), cost, fixed, None)
    sites = np.union1d(out.new_sites, fixed).astype(int)
    assert mat[:, sites].any(axis=1).all()
    assert float(cost[out.new_sites].sum()) == unreduced


def test_nested_rows_are_dropped() -> None:
    # row 0 ⊂ row 1 ⊂ row 2: only row 0 matters; column 2 then covers nothing kept
    mat = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=bool)
    red, cols, _ = reduce_cover(sp.csr_array(mat), np.ones(3), np.zeros(0, np.int64))
    assert red.shape == (1, 1) and cols.tolist() == [0]
