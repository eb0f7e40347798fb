"""Tests for firecover.siting: brute force on small instances, checkers, errors, OR-Library."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import firecover.siting.cost as _siting_cost
import firecover.siting.models as _siting_models
from firecover import siting
from firecover._errors import DataFormatError, InfeasibleModelError, SolverError
from firecover.siting.orlib import read_optima, read_pmed, read_scp
from firecover.siting.pmedian_bounds import median_data
from firecover.siting.reduce import as_costs

ORLIB = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "orlib"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ instance strategies ---


@st.composite
def cover_instances(draw: Any, min_rows: int = 1) -> dict[str, Any]:
    n_rows = draw(st.integers(min_rows, 12))
    n_cols = draw(st.integers(1, 8))
    density = draw(st.sampled_from([0.15, 0.3, 0.5]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cover = rng.random((n_rows, n_cols)) < density
    weights = rng.integers(0, 10, n_rows).astype(float)
    cost = rng.integers(0, 6, n_cols).astype(float)
    n_fixed = draw(st.integers(0, min(2, n_cols)))
    fixed = np.sort(rng.choice(n_cols, n_fixed, replace=False))
    p = draw(st.integers(0, n_cols - n_fixed))
    as_sparse = draw(st.booleans())
    return {
        "cover": sp.csr_array(cover) if as_sparse else cover,
        "dense": cover,
        "weights": weights,
        "cost": cost,
        "fixed": fixed,
        "p": p,
    }


@st.composite
def cost_instances(draw: Any) -> dict[str, Any]:
    n_rows = draw(st.integers(1, 12))
    n_cols = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**31 - 1))
    missing = draw(st.sampled_from([0.0, 0.2, 0.5]))
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 20, (n_rows, n_cols)).astype(float)
    dense[rng.random((n_rows, n_cols)) < missing] = np.inf
    n_fixed = draw(st.integers(0, min(2, n_cols)))
    fixed = np.sort(rng.choice(n_cols, n_fixed, replace=False))
    p = draw(st.integers(0, n_cols - n_fixed))
    weights = rng.integers(0, 5, n_rows).astype(float)
    if draw(st.booleans()):  # sparse: missing = unreachable, stored zeros are real zeros
        r, c = np.nonzero(np.isfinite(dense))
        matrix: Any = sp.csr_array((dense[r, c], (r, c)), shape=dense.shape)
    else:
        matrix = dense
    return {"cost": matrix, "dense": dense, "weights": weights, "fixed": fixed, "p": p}


def subsets(n_cols: int, fixed: np.ndarray, size: int | None = None) -> list[np.ndarray]:
    free = [j for j in range(n_cols) if j not in set(fixed.tolist())]
    sizes = range(len(free) + 1) if size is None else [size]
    return [
        np.union1d(fixed, np.array(s, dtype=int)).astype(int)
        for k in sizes
        for s in itertools.combinations(free, k)
    ]


def nearest(dense: np.ndarray, sites: np.ndarray) -> np.ndarray:
    if sites.size == 0:
        return np.full(dense.shape[0], np.inf)
    return dense[:, sites].min(axis=1)


# ------------------------------------------------------------------------- brute force ---


@FAST
@given(cover_instances())
def test_lscp_matches_brute_force(inst: dict[str, Any]) -> None:
    dense, cost, fixed = inst["dense"], inst["cost"], inst["fixed"]
    if not dense.any(axis=1).all():
        with pytest.raises(InfeasibleModelError):
            siting.lscp(inst["cover"], cost, fixed)
        return
    best = min(
        float(cost[np.setdiff1d(s, fixed)].sum())
        for s in subsets(dense.shape[1], fixed)
        if dense[:, s].any(axis=1).all()
    )
    res = siting.lscp(inst["cover"], cost, fixed)
    assert res.status == "optimal"
    assert res.objective == best
    assert siting.check_cover(dense, res.sites).size == 0
    assert set(fixed.tolist()) <= set(res.sites.tolist())
    assert siting.evaluate_lscp(dense, res.sites, cost, fixed) == res.objective


@FAST
@given(cover_instances())
def test_mclp_matches_brute_force(inst: dict[str, Any]) -> None:
    dense, w, fixed, p = inst["dense"], inst["weights"], inst["fixed"], inst["p"]
    best = max(float(w[dense[:, s].any(axis=1)].sum()) for s in subsets(dense.shape[1], fixed, p))
    res = siting.mclp(inst["cover"], w, p, fixed)
    assert res.status == "optimal"
    assert res.objective == best
    assert res.new_sites.size == p and res.sites.size == p + fixed.size
    assert res.covered is not None
    assert np.array_equal(res.covered, dense[:, res.sites].any(axis=1))


@FAST
@given(cover_instances())
def test_backup_matches_brute_force(inst: dict[str, Any]) -> None:
    dense, w, fixed, p = inst["dense"], inst["weights"], inst["fixed"], inst["p"]
    scores = []
    for s in subsets(dense.shape[1], fixed, p):
        count = dense[:, s].sum(axis=1)
        scores.append((float(w[count >= 1].sum()), float(w[count >= 2].sum())))
    best = max(scores)  # lexicographic: single first, then backup
    res = siting.backup_coverage(inst["cover"], w, p, fixed)
    assert res.status == "optimal"
    assert (res.stats["single_weight"], res.objective) == best
    assert res.objective == siting.evaluate_backup(dense, w, res.sites)


@FAST
@given(cost_instances())
def test_pmedian_matches_brute_force(inst: dict[str, Any]) -> None:
    dense, w, fixed, p = inst["dense"], inst["weights"], inst["fixed"], inst["p"]
    pos = w > 0
    if (~np.isfinite(dense[pos]).any(axis=1)).any() or (
        p == 0 and not np.isfinite(nearest(dense, fixed)[pos]).all()
    ):
        with pytest.raises(InfeasibleModelError):
            siting.pmedian(inst["cost"], p, w, fixed)
        return
    values = [
        float((w[pos] * nearest(dense, s)[pos]).sum()) for s in subsets(dense.shape[1], fixed, p)
    ]
    best = min(values)
    res = siting.pmedian(inst["cost"], p, w, fixed)
    if math.isinf(best):
        assert res.status == "infeasible"
        return
    assert res.status == "optimal"
    assert res.objective == best
    assert res.new_sites.size == p
    assert siting.evaluate_pmedian(inst["cost"], res.sites, w) == best


@FAST
@given(cost_instances(), st.data())
def test_pmedian_milp_alone_matches_brute_force(inst: dict[str, Any], data: Any) -> None:
    # most small instances are settled by the Lagrangian bound, so check the MILP by itself
    # (on all sites, one of them forced open) against enumeration
    dense, w, fixed, p = inst["dense"], inst["weights"], inst["fixed"], inst["p"]
    pos = w > 0
    if p == 0 or not pos.any() or (~np.isfinite(dense[pos]).any(axis=1)).any():
        return
    d = median_data(as_costs(inst["cost"]), w, p, fixed)
    if d.cols.size <= p:
        return
    force = data.draw(st.integers(0, d.cols.size - 1))
    forced = np.zeros(d.cols.size, dtype=bool)
    forced[force] = True
    exact = _siting_cost._solve_exact(d, p, forced, None, None, {})
    values = [
        float((w[pos] * nearest(dense, s)[pos]).sum())
        for s in subsets(dense.shape[1], fixed, p)
        if d.cols[force] in s
    ]
    best = min(values)
    if math.isinf(best):
        assert exact.status == "infeasible"
        return
    assert exact.status == "optimal" and exact.chosen is not None
    assert exact.claim == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert forced[exact.chosen].any()
    assert d.value(exact.chosen) == pytest.approx(best, rel=1e-9, abs=1e-9)


@FAST
@given(cost_instances())
def test_pcenter_matches_brute_force(inst: dict[str, Any]) -> None:
    dense, fixed, p = inst["dense"], inst["fixed"], inst["p"]
    if (~np.isfinite(dense).any(axis=1)).any() or (
        p == 0 and not np.isfinite(nearest(dense, fixed)).all()
    ):
        with pytest.raises(InfeasibleModelError):
            siting.pcenter(inst["cost"], p, fixed)
        return
    best = min(float(nearest(dense, s).max()) for s in subsets(dense.shape[1], fixed, p))
    res = siting.pcenter(inst["cost"], p, fixed)
    if math.isinf(best):
        assert res.status == "infeasible"
        return
    assert res.status == "optimal"
    assert res.objective == best
    assert res.assignment is not None
    assert siting.evaluate_pcenter(inst["cost"], res.sites) == best


# --------------------------------------------------------------------------- properties ---


@FAST
@given(cover_instances(), st.data())
def test_fixed_site_never_lowers_mclp(inst: dict[str, Any], data: Any) -> None:
    n_cols = inst["dense"].shape[1]
    free = np.setdiff1d(np.arange(n_cols), inst["fixed"])
    if free.size <= inst["p"]:
        return
    extra = data.draw(st.sampled_from(free.tolist()))
    base = siting.mclp(inst["cover"], inst["weights"], inst["p"], inst["fixed"])
    more = siting.mclp(inst["cover"], inst["weights"], inst["p"], np.append(inst["fixed"], extra))
    assert more.objective >= base.objective


@FAST
@given(cover_instances())
def test_duplicated_rows_and_dominated_columns_keep_optimum(inst: dict[str, Any]) -> None:
    dense, cost, fixed = inst["dense"], inst["cost"], inst["fixed"]
    if not dense.any(axis=1).all():
        return
    # duplicate every row, add a dominated copy of each column (same cover, higher cost) and
    # an empty column: the optimum must not move and the new columns must not be chosen
    n_cols = dense.shape[1]
    big = np.hstack(
        [
            np.vstack([dense, dense]),
            np.vstack([dense, dense]),
            np.zeros((2 * dense.shape[0], 1), bool),
        ]
    )
    big_cost = np.concatenate([cost, cost + 1, [0.0]])
    base = siting.lscp(dense, cost, fixed)
    res = siting.lscp(sp.csr_array(big), big_cost, fixed)
    assert res.objective == base.objective
    assert (res.new_sites < n_cols).all()
    w2 = np.concatenate([inst["weights"], inst["weights"]])
    p = inst["p"]
    m_base = siting.mclp(dense, inst["weights"], p, fixed)
    m_big = siting.mclp(big, w2, p, fixed)
    assert m_big.objective == 2 * m_base.objective


# ------------------------------------------------------------------- checkers and errors ---


def test_checkers_on_hand_example() -> None:
    cover = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    assert siting.check_cover(cover, [0]).tolist() == [2, 3]
    assert siting.check_cover(cover, [0, 2]).size == 0
    assert siting.evaluate_mclp(cover, w, [1]) == 5.0
    assert siting.evaluate_backup(cover, w, [0, 1, 2]) == 5.0
    assert siting.evaluate_lscp(cover, [0, 2], [2.0, 1.0, 5.0], fixed=[2]) == 2.0
    assert math.isinf(siting.evaluate_lscp(cover, [0], None))
    cost = np.array([[0.0, 4.0], [3.0, np.inf]])
    assert siting.evaluate_pmedian(cost, [1]) == math.inf
    assert siting.evaluate_pmedian(cost, [0, 1], [2.0, 1.0]) == 3.0
    assert siting.evaluate_pcenter(cost, [0]) == 3.0


def test_infeasible_rows_are_named() -> None:
    cover = np.ones((8, 3), dtype=bool)
    cover[[3, 5], :] = False
    with pytest.raises(InfeasibleModelError, match=r"rows 3, 5 \(2 in total\)"):
        siting.lscp(cover)
    cover[:, :] = False
    with pytest.raises(InfeasibleModelError, match=r"rows 0, 1, 2, 3, 4, \.\.\. \(8 in total\)"):
        siting.lscp(cover)


def test_bad_p_and_fixed() -> None:
    cover = np.eye(4, dtype=bool)
    with pytest.raises(InfeasibleModelError, match="p=4"):
        siting.mclp(cover, np.ones(4), 4, fixed=[0])
    with pytest.raises(InfeasibleModelError, match="out of range"):
        siting.mclp(cover, np.ones(4), 1, fixed=[7])
    with pytest.raises(DataFormatError):
        siting.mclp(cover, np.ones(3), 1)
    with pytest.raises(DataFormatError):
        siting.pmedian(-np.ones((2, 2)), 1)
    with pytest.raises(DataFormatError):
        siting.mclp(cover, np.ones(4), 1.5)
    with pytest.raises(InfeasibleModelError, match="cannot reach any site"):
        siting.pmedian(sp.csr_array((np.array([1.0]), ([0], [0])), shape=(2, 2)), 1)


def test_sparse_missing_is_unreachable_and_zero_is_zero() -> None:
    # row 0 reaches only site 1 (cost 9); row 1 reaches site 0 at cost 0 (stored explicitly)
    cost = sp.csr_array((np.array([9.0, 0.0, 1.0]), ([0, 1, 1], [1, 0, 1])), shape=(2, 2))
    res = siting.pmedian(cost, 1)
    assert res.sites.tolist() == [1] and res.objective == 10.0  # site 0 would leave row 0 unserved
    assert res.assignment is not None and res.assignment.tolist() == [1, 1]
    two = siting.pmedian(cost, 2)
    assert two.objective == 9.0  # the stored zero counts as a zero cost
    assert siting.pcenter(cost, 1).objective == 9.0


def test_p_counts_new_sites() -> None:
    cost = np.array([[0.0, 5, 9], [5, 0, 4], [9, 4, 0]])
    res = siting.pmedian(cost, 1, fixed=[0])
    assert res.sites.tolist() == [0, 1] and res.new_sites.tolist() == [1]
    assert res.objective == 4.0
    res0 = siting.pcenter(cost, 0, fixed=[1])
    assert res0.sites.tolist() == [1] and res0.objective == 5.0


def test_time_limit_reports_status_and_gap() -> None:
    # HiGHS leaves an 11 % gap on this MCLP after 60 s, so 0.05 s stops it on any machine and
    # under any load; whatever it has then must be reported honestly
    rng = np.random.default_rng(3)
    cover = sp.csr_array(rng.random((600, 300)) < 0.03)
    w = rng.integers(1, 100, 600).astype(float)
    res = siting.mclp(cover, w, 25, time_limit=0.05)
    assert res.status == "time_limit"
    assert res.objective == siting.evaluate_mclp(cover, w, res.sites)
    assert res.new_sites.size == 25 and res.sites.size == 25
    assert res.mip_gap > 0  # inf when HiGHS had no bound yet; never NaN


def test_lscp_time_limit_still_covers_everything() -> None:
    rng = np.random.default_rng(5)
    cover = sp.csr_array(rng.random((800, 600)) < 0.02)
    cover = sp.csr_array(sp.hstack([cover, sp.eye_array(800, 800, dtype=bool)]))
    cost = rng.integers(1, 50, cover.shape[1]).astype(float)
    res = siting.lscp(cover, cost, time_limit=0.01)
    assert res.status in {"optimal", "time_limit"}
    assert siting.check_cover(cover, res.sites).size == 0
    assert res.objective == siting.evaluate_lscp(cover, res.sites, cost)
    assert res.mip_gap >= 0
    if res.status == "optimal":  # fast enough after all: then it must be the optimum
        assert res.objective == siting.lscp(cover, cost).objective


def test_pmedian_time_limit_keeps_the_incumbent() -> None:
    rng = np.random.default_rng(11)
    a, b = rng.random((300, 2)), rng.random((80, 2))
    cost = np.sqrt(((a[:, None] - b[None]) ** 2).sum(axis=2))
    best = siting.pmedian(cost, 6)
    assert best.status == "optimal"
    res = siting.pmedian(cost, 6, time_limit=0.005)
    assert res.status in {"optimal", "time_limit"}
    assert res.new_sites.size == 6
    assert res.objective == siting.evaluate_pmedian(cost, res.sites)
    assert res.objective >= best.objective - 1e-9
    if res.status == "optimal":
        assert res.objective == pytest.approx(best.objective, rel=1e-12)
    else:  # the Lagrangian bound is known, so the gap is finite and covers the optimum
        assert 0 <= res.mip_gap < math.inf
        assert res.objective * (1 - res.mip_gap) <= best.objective + 1e-9


def test_objective_mismatch_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _siting_models.solve_mclp

    def wrong(*args: Any, **kwargs: Any) -> _siting_models.ModelOutcome:
        out = real(*args, **kwargs)
        return _siting_models.ModelOutcome(out.new_sites, "optimal", 1e9)

    monkeypatch.setattr(_siting_models, "solve_mclp", wrong)
    with pytest.raises(SolverError):
        siting.mclp(np.eye(3, dtype=bool), np.ones(3), 1)


# ----------------------------------------------------------------------- OR-Library ---

needs_orlib = pytest.mark.skipif(not ORLIB.is_dir(), reason="shared OR-Library data absent")


@needs_orlib
def test_pmed1_pmedian_and_pcenter() -> None:
    dist, p = read_pmed(ORLIB / "pmed" / "pmed1.txt")
    assert read_optima(ORLIB / "pmed" / "pmedopt.txt")["pmed1"] == 5819
    assert siting.pmedian(dist, p).objective == 5819
    assert siting.pcenter(dist, p).objective == 127


@needs_orlib
def test_scp41() -> None:
    cover, cost = read_scp(ORLIB / "scp" / "scp41.txt")
    res = siting.lscp(cover, cost)
    assert res.objective == 429 == read_optima(ORLIB / "scp" / "scpopt.txt")["scp41"]
    assert siting.check_cover(cover, res.sites).size == 0
