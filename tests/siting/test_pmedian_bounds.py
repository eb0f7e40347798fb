"""Tests for firecover.siting.pmedian_bounds: every bound and reduction checked by enumeration."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firecover.siting.pmedian_bounds import (
    MedianData,
    close_sites,
    greedy_median,
    improving_threshold,
    interchange,
    lagrangian,
    median_data,
)
from firecover.siting.reduce import as_costs

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: Any) -> dict[str, Any]:
    """A dense cost matrix (inf = unreachable), weights, fixed sites and ``p >= 1``."""
    n_rows = draw(st.integers(2, 14))
    n_cols = draw(st.integers(3, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    integer = draw(st.booleans())
    dense = rng.integers(0, 25, (n_rows, n_cols)).astype(float)
    if not integer:
        dense = dense + rng.random((n_rows, n_cols))
    dense[rng.random((n_rows, n_cols)) < draw(st.sampled_from([0.0, 0.25]))] = np.inf
    n_fixed = draw(st.integers(0, 1))
    fixed = np.sort(rng.choice(n_cols, n_fixed, replace=False)).astype(np.int64)
    p = draw(st.integers(1, n_cols - n_fixed - 1))
    weights = rng.integers(1, 5, n_rows).astype(float)
    return {"dense": dense, "weights": weights, "fixed": fixed, "p": p}


def data_of(inst: dict[str, Any]) -> MedianData:
    return median_data(as_costs(inst["dense"]), inst["weights"], inst["p"], inst["fixed"])


def true_value(inst: dict[str, Any], model_sites: tuple[int, ...], d: MedianData) -> float:
    """Objective of model columns ``model_sites`` (plus the fixed sites) on the raw matrix."""
    sites = np.union1d(inst["fixed"], d.cols[list(model_sites)]).astype(int)
    return float(inst["weights"] @ inst["dense"][:, sites].min(axis=1))


def all_values(inst: dict[str, Any], d: MedianData) -> dict[tuple[int, ...], float]:
    m = d.cols.size
    return {s: true_value(inst, s, d) for s in itertools.combinations(range(m), inst["p"])}


@FAST
@given(instances())
def test_value_matches_raw_matrix(inst: dict[str, Any]) -> None:
    d = data_of(inst)
    if d.cols.size <= inst["p"]:
        return
    for s, value in all_values(inst, d).items():
        assert d.value(np.array(s, dtype=np.int64)) == value


@FAST
@given(instances())
def test_interchange_is_a_local_optimum_no_worse_than_greedy(inst: dict[str, Any]) -> None:
    d, p = data_of(inst), inst["p"]
    if d.cols.size <= p:
        return
    start = greedy_median(d, p)
    best = interchange(d, start, p)
    assert best.size == p and np.unique(best).size == p
    value = d.value(best)
    assert value <= d.value(start)
    if not np.isfinite(value):
        return
    values = all_values(inst, d)
    current = set(best.tolist())
    for add, drop in itertools.product(set(range(d.cols.size)) - current, current):
        swapped = tuple(sorted((current - {drop}) | {add}))
        assert values[swapped] >= value - 1e-9 * max(1.0, value)


@FAST
@given(instances())
def test_lagrangian_bound_and_site_fixing_are_exact(inst: dict[str, Any]) -> None:
    d, p = data_of(inst), inst["p"]
    if d.cols.size <= p:
        return
    best = interchange(d, greedy_median(d, p), p)
    upper = d.value(best)
    if not np.isfinite(upper):
        return
    lag = lagrangian(d, p, upper, d.w * d.dist(best), np.inf, None)
    values = all_values(inst, d)
    optimum = min(values.values())
    assert lag.bound <= optimum + 1e-9 * max(1.0, optimum)
    threshold = improving_threshold(d, upper)
    closed, forced = close_sites(lag, p, threshold)
    for s, value in values.items():
        if value < threshold - 1e-9:  # a solution better than the incumbent
            assert not closed[list(s)].any()
            assert set(np.flatnonzero(forced).tolist()) <= set(s)


@FAST
@given(instances(), st.data())
def test_restrict_keeps_values_on_kept_sites(inst: dict[str, Any], data: Any) -> None:
    d, p = data_of(inst), inst["p"]
    m = d.cols.size
    if m <= p:
        return
    keep = np.sort(np.asarray(sorted(data.draw(st.sets(st.integers(0, m - 1), min_size=p))), int))
    sub = d.restrict(keep, p)
    assert np.array_equal(sub.cols, d.cols[keep])
    for s in itertools.combinations(range(keep.size), p):
        local = np.array(s, dtype=np.int64)
        assert sub.value(local) == d.value(keep[local])


def test_improving_threshold_uses_integrality() -> None:
    ints = {
        "dense": np.array([[1.0, 4.0], [3.0, 2.0]]),
        "weights": np.array([2.0, 1.0]),
        "fixed": np.zeros(0, np.int64),
        "p": 1,
    }
    d = data_of(ints)
    assert improving_threshold(d, 7.0) == 6.0 + 1e-6
    frac = dict(ints, dense=ints["dense"] + 0.5)
    assert improving_threshold(data_of(frac), 7.0) == 7.0


@FAST
@given(instances(), st.integers(0, 2**31 - 1))
def test_prefix_relaxation_equals_the_sum_over_every_entry(inst: dict[str, Any], seed: int) -> None:
    # oracle: L(λ) and ρ written over all entries, as the formula reads, at random λ
    # (negative, between costs, on a cost exactly, above every cost)
    from firecover.siting.pmedian_bounds import _Prefixes, _relaxation

    d = data_of(inst)
    p = min(inst["p"], d.cols.size)
    if d.r.size == 0 or p < 1:
        return
    rng = np.random.default_rng(seed)
    cw = d.w[d.r] * d.v
    fc = d.w * d.fixed_cap
    pick = rng.integers(0, cw.size, d.w.size)
    lam = np.where(
        rng.random(d.w.size) < 0.3, cw[pick], rng.uniform(-5, 1.2 * cw.max() + 5, d.w.size)
    )
    bound, rho, _, _ = _relaxation(d, p, lam, cw, fc, _Prefixes(d, cw).entries(lam))
    rho_all = np.bincount(d.c, weights=np.minimum(0.0, cw - lam[d.r]), minlength=d.cols.size)
    fixed = float(np.minimum(0.0, fc - lam)[np.isfinite(fc)].sum())
    expect = float(lam.sum()) + fixed + float(np.sort(rho_all)[:p].sum())
    assert np.allclose(rho, rho_all, atol=1e-9)
    assert bound == pytest.approx(expect, abs=1e-9)
