"""The one-site swap tie break, checked against enumeration of every swap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import firecover.siting.ties as ties
from firecover.siting.api import (
    backup_coverage,
    evaluate_backup,
    evaluate_lscp,
    evaluate_mclp,
    lscp,
    mclp,
)
from firecover.siting.tie_swap import swap_search
from firecover.siting.ties import evaluate_time


def _instance(seed: int, n_rows: int, n_cols: int):
    rng = np.random.default_rng(seed)
    times = rng.integers(10, 600, (n_rows, n_cols)).astype(float)
    times[rng.random((n_rows, n_cols)) < 0.2] = np.inf  # some pairs unreachable
    cover = times <= 300
    w = rng.integers(1, 5, n_rows).astype(float)
    return times, cover, w


def _sparse(times):
    finite = np.isfinite(times)
    r, c = np.nonzero(finite)
    return sp.csr_array((times[r, c], (r, c)), shape=times.shape)


def _primary(model, cover, w, sites):
    if model == "mclp":
        return evaluate_mclp(cover, w, sites)
    if model == "backup":
        return (evaluate_mclp(cover, w, sites), evaluate_backup(cover, w, sites))
    return evaluate_lscp(cover, sites)


def _keeps(model, value, start):
    if model == "mclp":
        return value >= start - 1e-9
    if model == "backup":
        return value[0] >= start[0] - 1e-9 and value[1] >= start[1] - 1e-9
    return np.isfinite(value) and value <= start + 1e-9


def _improving_swaps(model, cover, times, w, sites, fixed, pen):
    """Every single swap (close a non-fixed open site, open a closed one) that keeps the
    primary objective and lowers the weighted time, found by enumeration."""
    start = _primary(model, cover, w, sites)
    t0 = evaluate_time(times, w, sites, pen)
    out = []
    for j in sites:
        if j in fixed:
            continue
        for k in range(cover.shape[1]):
            if k in sites:
                continue
            new = sorted(set(sites) - {j} | {k})
            if _keeps(model, _primary(model, cover, w, new), start) and (
                evaluate_time(times, w, new, pen) < t0 - 1e-9
            ):
                out.append((j, k))
    return out


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["mclp", "lscp", "backup"]), st.integers(0, 10_000),
       st.integers(3, 9), st.integers(3, 7), st.integers(1, 3))  # fmt: skip
def test_swaps_end_in_a_one_swap_local_optimum(model, seed, n_rows, n_cols, p) -> None:
    times, cover, w = _instance(seed, n_rows, n_cols)
    cover[:, -1] = True  # LSCP feasible
    rng = np.random.default_rng(seed + 1)
    p = min(p, n_cols - 1)
    fixed = [0] if model == "mclp" else []
    start = sorted({*fixed, *rng.choice(np.arange(1, n_cols), p, replace=False).tolist()})
    if model == "lscp":
        start = sorted({*start, n_cols - 1})
    fixed_mask = np.zeros(n_cols, bool)
    fixed_mask[fixed] = True
    pen = float(times[np.isfinite(times)].max())
    held = _primary(model, cover, w, start)
    primary = held[1] if model == "backup" else held
    single = held[0] if model == "backup" else 0.0
    res = swap_search(model, sp.csr_array(cover), _sparse(times), w, start, fixed_mask,
                      primary=float(primary), single=float(single), unreachable_s=pen)  # fmt: skip
    sites = res.sites.tolist()
    assert res.local_optimum
    assert len(sites) == len(start) and set(fixed) <= set(sites)
    assert _keeps(model, _primary(model, cover, w, sites), held)
    assert res.weighted_time_s == pytest.approx(evaluate_time(times, w, sites, pen))
    assert res.weighted_time_s <= evaluate_time(times, w, start, pen) + 1e-9
    assert _improving_swaps(model, cover, times, w, sites, fixed, pen) == []


def test_a_swap_needs_the_primary_kept() -> None:
    # site 1 is nearer to both rows but covers only row 0: the MCLP optimum (site 0 covers
    # both) must stay, however much time the swap would save
    cover = np.array([[1, 1], [1, 0]], bool)
    times = np.array([[290.0, 20.0], [290.0, 400.0]])
    res = swap_search("mclp", sp.csr_array(cover), _sparse(times), np.ones(2), [0],
                      np.zeros(2, bool), primary=2.0, unreachable_s=400.0)  # fmt: skip
    assert res.sites.tolist() == [0] and res.swaps == 0


def test_lscp_swap_respects_cost() -> None:
    # site 1 is nearer and covers the row too, but costs more: the LSCP cost would rise
    cover = np.ones((1, 2), bool)
    times = np.array([[250.0, 10.0]])
    cost = np.array([1.0, 2.0])
    res = swap_search("lscp", sp.csr_array(cover), _sparse(times), np.ones(1), [0],
                      np.zeros(2, bool), primary=1.0, cost=cost, unreachable_s=250.0)  # fmt: skip
    assert res.sites.tolist() == [0]
    cheap = swap_search("lscp", sp.csr_array(cover), _sparse(times), np.ones(1), [0],
                        np.zeros(2, bool), primary=1.0, unreachable_s=250.0)  # fmt: skip
    assert cheap.sites.tolist() == [1] and cheap.swaps == 1


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["mclp", "lscp", "backup"]), st.integers(0, 10_000))
def test_without_the_milp_the_tie_break_holds_the_optimum(model, seed) -> None:
    # above MAX_TIE_MILP_PAIRS only the swaps run: the primary optimum is kept, the time no
    # worse than the solver's first choice, and the result says the least is not proven
    times, cover, w = _instance(seed, 8, 6)
    cover[:, -1] = True
    old = ties.MAX_TIE_MILP_PAIRS
    ties.MAX_TIE_MILP_PAIRS = 0
    try:
        if model == "mclp":
            res, plain = (
                mclp(cover, w, 2, tie_break=t, times=_sparse(times)) for t in ("time", None)
            )
        elif model == "lscp":
            res, plain = (lscp(cover, tie_break=t, times=_sparse(times), weights=w)
                          for t in ("time", None))  # fmt: skip
        else:
            res, plain = (backup_coverage(cover, w, 2, tie_break=t, times=_sparse(times))
                          for t in ("time", None))  # fmt: skip
    finally:
        ties.MAX_TIE_MILP_PAIRS = old
    assert res.objective == pytest.approx(plain.objective)
    assert res.stats["tie_break_milp"] == 0.0 and res.stats["tie_break_optimal"] == 0.0
    assert res.stats["weighted_time_s"] <= res.stats["weighted_time_before_s"] + 1e-9
    assert res.stats["weighted_time_s"] == pytest.approx(
        evaluate_time(_sparse(times), w, res.sites)
    )


def test_swaps_reach_the_enumerated_least_on_a_line() -> None:
    # 12 cells on a line, 6 sites, coverage radius wide enough that any 2 sites cover all:
    # the least-time pair is found by swaps from the worst start (enumerated oracle)
    x = np.arange(12) * 100.0
    s = np.array([0, 200, 500, 700, 900, 1100.0])
    times = np.abs(x[:, None] - s[None, :])
    cover = times <= 1100
    w = np.ones(12)
    start = [0, 1]
    res = swap_search("mclp", sp.csr_array(cover), _sparse(times), w, start, np.zeros(6, bool),
                      primary=12.0, unreachable_s=1100.0)  # fmt: skip
    best = min(itertools.combinations(range(6), 2),
               key=lambda c: evaluate_time(times, w, list(c)))  # fmt: skip
    assert res.weighted_time_s == pytest.approx(evaluate_time(times, w, list(best)))
