"""The greedy + swap MEXCLP incumbent and its submodular bound against brute force.

Oracles: the optimum by enumerating every site set (``evaluate_mexclp``), and
``evaluate_mexclp`` of the incumbent's own sites for its value.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firecover import siting
from firecover.siting.mexclp_bound import mexclp_greedy_bound, submodular_bound

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: Any) -> dict[str, Any]:
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n_rows, n_cols = draw(st.integers(1, 12)), draw(st.integers(4, 8))
    cover = rng.random((n_rows, n_cols)) < draw(st.sampled_from([0.2, 0.4, 0.7]))
    n_fixed = draw(st.integers(0, 2))
    p = draw(st.integers(1, n_cols - n_fixed - 1))
    return {
        "cover": cover,
        "w": rng.integers(0, 10, n_rows).astype(float),
        "fixed": list(range(n_fixed)),
        "p": p,
        "q": draw(st.sampled_from([0.0, 0.1, 0.35, 0.7])),
        "variant": draw(st.sampled_from(["independent", "hypercube"])),
    }


def _brute(inst: dict[str, Any]) -> float:
    cover, w, fixed, p = inst["cover"], inst["w"], inst["fixed"], inst["p"]
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    return max(
        siting.evaluate_mexclp(cover, w, [*fixed, *c], inst["q"], inst["variant"])
        for c in itertools.combinations(free, p)
    )


@FAST
@given(instances())
def test_bound_above_and_incumbent_below_the_brute_force_optimum(inst: dict[str, Any]) -> None:
    cover, w, fixed, p, q = inst["cover"], inst["w"], inst["fixed"], inst["p"], inst["q"]
    n_open = len(fixed) + p
    a = siting.level_values(q, n_open, inst["variant"], n_open)
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    sub = sp.csr_array(cover[:, free].astype(np.int8))
    f = cover[:, fixed].sum(axis=1).astype(float)
    h = mexclp_greedy_bound(sub, w, f, p, a)
    sites = [*fixed, *(free[i] for i in h.columns)]
    assert h.columns.size == p and np.unique(h.columns).size == p
    assert h.value == pytest.approx(
        siting.evaluate_mexclp(cover, w, sites, q, inst["variant"]), rel=1e-9, abs=1e-9
    )
    best = _brute(inst)
    assert h.value <= best + 1e-9
    assert h.bound >= best - 1e-9


@FAST
@given(instances())
def test_mexclp_without_milp_is_certified(inst: dict[str, Any]) -> None:
    cover, w, fixed, p, q = inst["cover"], inst["w"], inst["fixed"], inst["p"], inst["q"]
    res = siting.mexclp(cover, w, p, q, fixed=fixed, variant=inst["variant"], milp_max_levels=0)
    best = _brute(inst)
    assert res.objective == pytest.approx(
        siting.evaluate_mexclp(cover, w, res.sites, q, inst["variant"]), rel=1e-9, abs=1e-9
    )
    assert res.objective <= best + 1e-9
    if res.status == "optimal":
        assert res.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    else:
        assert res.status == "time_limit"
        assert res.stats["bound"] >= best - 1e-9
        assert res.mip_gap == pytest.approx((res.stats["bound"] - res.objective) / res.objective)


def test_bound_by_hand() -> None:
    # F(S) = 5, gains 4, 3, 2 outside S and 9 inside: p = 2 -> 5 + 4 + 3
    gains = np.array([4.0, 9.0, 2.0, 3.0])
    assert submodular_bound(gains, np.array([False, True, False, False]), 5.0, 2) == 12.0


def test_large_model_skips_milp_and_ends_in_time() -> None:
    rng = np.random.default_rng(11)
    cover = rng.random((3000, 400)) < 0.02
    w = rng.random(3000)
    res = siting.mexclp(cover, w, 10, 0.2, fixed=[0, 1], time_limit=5.0, milp_max_levels=100)
    assert res.stats["milp_skipped"] == 1.0
    assert res.status in {"optimal", "time_limit"}
    assert res.objective == pytest.approx(siting.evaluate_mexclp(cover, w, res.sites, 0.2))
    assert res.stats.get("bound", res.objective) >= res.objective - 1e-9
    assert 0.0 <= res.mip_gap < 0.5


@FAST
@given(instances(), st.integers(0, 2**31 - 1))
def test_lagrangian_bound_is_valid_for_any_multipliers(inst: dict[str, Any], seed: int) -> None:
    from firecover.siting.mexclp_bound import lagrangian_bound

    cover, w, fixed, p, q = inst["cover"], inst["w"], inst["fixed"], inst["p"], inst["q"]
    n_open = len(fixed) + p
    a = siting.level_values(q, n_open, inst["variant"], n_open)
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    sub = sp.csr_array(cover[:, free].astype(np.int8))
    f = cover[:, fixed].sum(axis=1).astype(float)
    lam = np.random.default_rng(seed).random(len(w)) * 10
    # one step: L at the given multipliers; more steps: the best of them
    assert lagrangian_bound(sub, w, f, p, a, lam, 0.0, iterations=1) >= _brute(inst) - 1e-9
    assert lagrangian_bound(sub, w, f, p, a, lam, 0.0) >= _brute(inst) - 1e-9
