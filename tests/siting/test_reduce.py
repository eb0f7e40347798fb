"""Tests for the exact reductions in firecover.siting.reduce (against brute force)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import DataFormatError, InfeasibleModelError
from firecover.siting.reduce import (
    as_costs,
    as_coverage,
    as_fixed,
    describe_rows,
    dominated_columns,
    dominated_rows,
    group_identical_rows,
)

QUICK = settings(max_examples=60, deadline=None)


@st.composite
def bool_matrices(draw: Any) -> np.ndarray:
    n_rows, n_cols = draw(st.integers(0, 15)), draw(st.integers(1, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    base = rng.random((max(1, n_rows // 2), n_cols)) < draw(st.sampled_from([0.2, 0.5]))
    return base[rng.integers(0, base.shape[0], n_rows)]  # repeated rows on purpose


@QUICK
@given(bool_matrices())
def test_group_identical_rows_is_exact(mat: np.ndarray) -> None:
    first, inverse = group_identical_rows([sp.csr_array(mat)])
    assert np.array_equal(mat, mat[first][inverse])
    assert np.unique(mat, axis=0).shape[0] == first.size if mat.size else first.size == 0
    assert (first == np.sort(first)).all()


@QUICK
@given(bool_matrices(), st.integers(0, 2**31 - 1))
def test_dominated_columns_brute_force(mat: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(mat.shape[1])
    cost = rng.integers(0, 3, n).astype(float)
    counts = mat.sum(axis=0)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), -counts, cost))] = np.arange(n)
    got = dominated_columns(sp.csr_array(mat), rank)
    expect = np.zeros(n, dtype=bool)
    for j in range(n):
        for k in range(n):
            subset = not (mat[:, j] & ~mat[:, k]).any()
            if j != k and subset and rank[k] < rank[j] and counts[j] > 0:
                expect[j] = True
    assert np.array_equal(got, expect)
    # every dominated column has an undominated dominator with cost <= its cost
    for jj in np.flatnonzero(got):
        j = int(jj)
        assert any(
            not got[k] and cost[k] <= cost[j] and not (mat[:, j] & ~mat[:, k]).any()
            for k in range(n)
            if k != j
        )


@QUICK
@given(bool_matrices())
def test_dominated_rows_brute_force(mat: np.ndarray) -> None:
    got = dominated_rows(sp.csr_array(mat))
    n = int(mat.shape[0])
    expect = np.zeros(n, dtype=bool)
    for i in range(n):
        for k in range(n):
            inside = not (mat[k] & ~mat[i]).any()
            strict = bool((mat[i] & ~mat[k]).any())
            if i != k and inside and (strict or k < i) and mat[k].any():
                expect[i] = True
    assert np.array_equal(got, expect)
    # the kept rows imply every dropped row: covering them covers all
    kept = mat[~got]
    for i in np.flatnonzero(got):
        assert any(r.any() and not (r & ~mat[i]).any() for r in kept)


def test_dominated_rows_skips_large_products(monkeypatch: pytest.MonkeyPatch) -> None:
    import firecover.siting.reduce as reduce

    mat = sp.csr_array(np.array([[1, 1], [1, 0]], dtype=bool))
    assert dominated_rows(mat).tolist() == [True, False]
    monkeypatch.setattr(reduce, "ROW_DOMINANCE_WORK", 1)
    assert dominated_rows(mat).tolist() == [False, False]


def test_as_coverage_accepts_bool_likes() -> None:
    dense = np.array([[1, 0], [0, 2]])
    for value in (dense, dense.tolist(), sp.coo_matrix(dense), sp.csc_array(dense)):
        out = as_coverage(value)
        assert out.dtype == bool and out.toarray().tolist() == [[True, False], [False, True]]
    with pytest.raises(DataFormatError):
        as_coverage(np.ones(3))
    with pytest.raises(DataFormatError):
        as_coverage(np.array([[np.nan, 1.0]]))


def test_as_costs_keeps_stored_zeros_and_drops_missing() -> None:
    mat = sp.csr_array((np.array([0.0, 2.0, np.inf]), ([0, 1, 1], [1, 0, 1])), shape=(2, 3))
    c = as_costs(mat)
    assert list(zip(c.row.tolist(), c.col.tolist(), c.val.tolist(), strict=True)) == [
        (0, 1, 0.0),
        (1, 0, 2.0),
    ]
    dense = as_costs(np.array([[np.inf, 0.0], [np.nan, 3.0]]))
    assert dense.row.tolist() == [0, 1] and dense.val.tolist() == [0.0, 3.0]
    dup = sp.coo_array((np.array([1.0, 2.0]), ([0, 0], [0, 0])), shape=(1, 1))
    with pytest.raises(DataFormatError, match="duplicate"):
        as_costs(dup)


def test_as_fixed_and_describe_rows() -> None:
    assert as_fixed([3, 1, 3], 5).tolist() == [1, 3]
    assert as_fixed(np.array([True, False, True]), 3).tolist() == [0, 2]
    with pytest.raises(InfeasibleModelError, match=r"indices 9"):
        as_fixed([9], 5)
    with pytest.raises(DataFormatError):
        as_fixed([0.5], 5)
    assert describe_rows(np.arange(7)) == "rows 0, 1, 2, 3, 4, ... (7 in total)"
