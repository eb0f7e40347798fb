"""MEXCLP (Daskin 1983) and its hypercube-corrected variant against independent oracles.

Oracles: the expected cover by enumerating every busy/free state of the stations (independent
variant), the ``M/M/N`` state probabilities with a uniformly random busy subset (hypercube
variant), and brute force over every site set for the optimum.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firecover import siting
from firecover._errors import DataFormatError, InfeasibleModelError

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _enumerated_cover(cover: np.ndarray, w: np.ndarray, sites: tuple[int, ...], q: float) -> float:
    """Σ_i w_i P(some open station reaching i is free), stations busy independently with q."""
    total = 0.0
    for busy in itertools.product([False, True], repeat=len(sites)):
        prob = math.prod(q if b else 1.0 - q for b in busy)
        free = [s for s, b in zip(sites, busy, strict=True) if not b]
        reached = cover[:, free].any(axis=1) if free else np.zeros(len(w), bool)
        total += prob * float(w[reached].sum())
    return total


def _mmn_state(n: int, rho: float) -> np.ndarray:
    """P(n busy) for n = 0 … N of an M/M/N queue (n = N stands for 'N or more')."""
    a = n * rho
    terms = [a**k / math.factorial(k) for k in range(n)]
    tail = a**n / (math.factorial(n) * (1 - rho))
    p0 = 1.0 / (sum(terms) + tail)
    return np.array([t * p0 for t in terms] + [tail * p0])


def _hypercube_oracle(n: int, rho: float, k: int) -> float:
    """P(k−1 given stations busy and a k-th given one free), busy set uniform given its size."""
    pn = _mmn_state(n, rho)
    return sum(pn[m] * math.comb(n - k, m - (k - 1)) / math.comb(n, m) for m in range(k - 1, n))


def test_correction_factor_matches_the_queue_by_hand() -> None:
    # N = 2, ρ = 0.5: P0 = P1 = P(2+) = 1/3; P(first busy, second free) = P1 / 2 = 1/6
    assert siting.hypercube_correction(2, 0.5, 0) == pytest.approx(1.0)
    assert (1 - 0.5) * 0.5 * siting.hypercube_correction(2, 0.5, 1) == pytest.approx(1 / 6)
    for n in (1, 3, 6):
        for rho in (0.05, 0.3, 0.8):
            a = siting.level_values(rho, n, "hypercube", n)
            oracle = [_hypercube_oracle(n, rho, k) for k in range(1, n + 1)]
            np.testing.assert_allclose(a, oracle, rtol=1e-9)


def test_independent_terms_by_hand() -> None:
    np.testing.assert_allclose(siting.level_values(0.2, 3), [0.8, 0.16, 0.032])
    np.testing.assert_allclose(siting.expected_cover([0, 1, 2, 5], 0.2), [0, 0.8, 0.96, 0.99968])


def test_hand_instance() -> None:
    # rows: reached by {0}, {0,1}, {1,2}, {2}; q = 0.5, fixed site 0, one new site
    cover = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], bool)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    res = siting.mexclp(cover, w, 1, 0.5, fixed=[0])
    # site 1: 0.5 + 2·0.75 + 3·0.5 = 3.5 ; site 2: 0.5 + 2·0.5 + 3·0.5 + 4·0.5 = 5.0
    assert res.new_sites.tolist() == [2]
    assert res.objective == pytest.approx(5.0)
    assert res.status == "optimal"


@st.composite
def instances(draw: Any) -> dict[str, Any]:
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n_rows, n_cols = draw(st.integers(1, 10)), draw(st.integers(2, 7))
    cover = rng.random((n_rows, n_cols)) < draw(st.sampled_from([0.3, 0.5, 0.8]))
    n_fixed = draw(st.integers(0, min(2, n_cols - 1)))
    p = draw(st.integers(0, n_cols - n_fixed))
    return {
        "cover": cover,
        "w": rng.integers(0, 10, n_rows).astype(float),
        "fixed": list(range(n_fixed)),
        "p": p,
        "q": draw(st.sampled_from([0.0, 0.1, 0.35, 0.7])),
    }


@FAST
@given(instances(), st.sampled_from(["independent", "hypercube"]))
def test_mexclp_equals_brute_force(inst: dict[str, Any], variant: str) -> None:
    cover, w, fixed, p, q = inst["cover"], inst["w"], inst["fixed"], inst["p"], inst["q"]
    if len(fixed) + p == 0:
        with pytest.raises(InfeasibleModelError):
            siting.mexclp(cover, w, p, q, fixed=fixed, variant=variant)
        return
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    best = max(
        siting.evaluate_mexclp(cover, w, [*fixed, *combo], q, variant)
        for combo in itertools.combinations(free, p)
    )
    res = siting.mexclp(cover, w, p, q, fixed=fixed, variant=variant)
    assert res.status == "optimal"
    assert res.new_sites.size == p
    assert set(fixed) <= set(res.sites.tolist())
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-9)
    if variant == "independent":  # the checker itself against the state enumeration
        assert res.objective == pytest.approx(
            _enumerated_cover(cover, w, tuple(res.sites.tolist()), q), rel=1e-9, abs=1e-9
        )


def test_q_zero_is_mclp() -> None:
    rng = np.random.default_rng(3)
    cover = rng.random((30, 8)) < 0.3
    w = rng.integers(1, 9, 30).astype(float)
    assert siting.mexclp(cover, w, 3, 0.0).objective == pytest.approx(
        siting.mclp(cover, w, 3).objective
    )


def test_busy_stations_prefer_double_cover() -> None:
    # one heavy row reached by sites 0 and 1, a lighter row only by site 2: with busy stations
    # the second engine for the heavy row is worth more than the light row
    cover = np.array([[1, 1, 0], [0, 0, 1]], bool)
    w = np.array([10.0, 3.0])
    assert siting.mexclp(cover, w, 2, 0.0).objective == pytest.approx(13.0)
    res = siting.mexclp(cover, w, 2, 0.5)
    assert res.sites.tolist() == [0, 1]
    assert res.objective == pytest.approx(7.5)


@pytest.mark.parametrize("q", [-0.1, 1.0, math.nan])
def test_bad_busy_fraction(q: float) -> None:
    with pytest.raises(DataFormatError, match="busy fraction"):
        siting.mexclp(np.ones((2, 2), bool), [1, 1], 1, q)


def test_bad_variant() -> None:
    with pytest.raises(DataFormatError, match="variant"):
        siting.mexclp(np.ones((2, 2), bool), [1, 1], 1, 0.1, variant="erlang")


def test_time_limit_reports_certified_gap() -> None:
    rng = np.random.default_rng(7)
    cover = rng.random((400, 60)) < 0.08
    w = rng.random(400) * 10
    res = siting.mexclp(cover, w, 8, 0.3, time_limit=0.05)
    assert res.status in {"optimal", "time_limit"}
    assert res.objective == pytest.approx(siting.evaluate_mexclp(cover, w, res.sites, 0.3))
    assert res.mip_gap >= 0.0
    assert res.stats["bound"] >= res.objective - 1e-6


@FAST
@given(instances())
def test_greedy_fallback_is_feasible_and_below_the_optimum(inst: dict[str, Any]) -> None:
    import scipy.sparse as sp

    from firecover.siting.mexclp import greedy_expected

    cover, w, fixed, p, q = inst["cover"], inst["w"], inst["fixed"], inst["p"], inst["q"]
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    if not free or len(fixed) + p == 0:
        return
    n_open = len(fixed) + p
    a = siting.level_values(q, n_open)
    sub = sp.csr_array(cover[:, free])
    f = cover[:, fixed].sum(axis=1).astype(float)
    local = greedy_expected(sub, w, f, p, a)
    assert local.size == min(p, len(free)) and np.unique(local).size == local.size
    sites = [*fixed, *(free[i] for i in local)]
    value = siting.evaluate_mexclp(cover, w, sites, q)
    assert value <= siting.mexclp(cover, w, p, q, fixed=fixed).objective + 1e-9
