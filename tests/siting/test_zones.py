"""Search zones against brute force: every swap evaluated one by one, and every optimum listed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import DataFormatError
from firecover.siting.api import evaluate_backup, evaluate_mclp, evaluate_pmedian, mclp
from firecover.siting.zones import search_zones


def _brute_zone(evaluate, sites, j, n_cols, loss, maximise=True):
    base = evaluate(sites)
    out = {j}
    for k in range(n_cols):
        if k in sites:
            continue
        swapped = [s for s in sites if s != j] + [k]
        value = evaluate(swapped)
        rel = (base - value) / abs(base) if maximise else (value - base) / abs(base)
        if rel <= loss + 1e-12:
            out.add(k)
    return out


def test_alternative_optima_known_by_brute_force() -> None:
    # Two rows blocks: sites 0,1,2 each cover block A (rows 0-1), sites 3,4 cover block B
    # (rows 2-3); site 5 covers only row 0. With p = 2 the optima are {a, b}, a ∈ {0,1,2},
    # b ∈ {3,4}: six equally good pairs.
    a = np.zeros((4, 6), bool)
    a[0:2, 0:3] = True
    a[2:4, 3:5] = True
    a[0, 5] = True
    w = np.ones(4)
    res = mclp(a, w, 2)
    optima = [
        set(s)
        for s in itertools.combinations(range(6), 2)
        if evaluate_mclp(a, w, list(s)) == res.objective
    ]
    assert len(optima) == 6
    zones = search_zones("mclp", a, res.sites, res.new_sites, w, loss=0.0)
    for z in zones:
        other = set(res.sites.tolist()) - {z.site}
        # the zone is exactly the set of sites that complete `other` to an optimum
        expected = {k for opt in optima if other <= opt for k in opt - other}
        assert set(z.candidates.tolist()) == expected
        assert z.candidates[0] == z.site and z.loss[0] == 0.0


def test_loss_threshold_admits_near_optima() -> None:
    a = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1]], bool)
    w = np.array([10.0, 1.0, 5.0])
    # sites {0, 2}: 16. swap 0 -> 1 loses row 1: 15, loss 1/16 = 6.25 %
    zones = search_zones("mclp", a, [0, 2], [0], w, loss=0.05)
    assert zones[0].candidates.tolist() == [0]
    zones = search_zones("mclp", a, [0, 2], [0], w, loss=0.07)
    assert zones[0].candidates.tolist() == [0, 1]
    assert zones[0].loss[1] == pytest.approx(1 / 16)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 7),
    st.integers(3, 7),
    st.integers(0, 10_000),
    st.sampled_from([0.0, 0.01, 0.2]),
)
def test_cover_zones_match_one_by_one_swaps(n_rows: int, n_cols: int, seed: int, loss: float):
    rng = np.random.default_rng(seed)
    a = rng.random((n_rows, n_cols)) < 0.4
    w = rng.integers(1, 5, n_rows).astype(float)
    sites = sorted(rng.choice(n_cols, size=min(2, n_cols - 1), replace=False).tolist())
    fixed = sites[:1]
    new = sites[1:]
    if evaluate_mclp(a, w, sites) == 0:
        return
    for model, evaluate in (("mclp", lambda s: evaluate_mclp(a, w, s)),):
        zones = search_zones(model, a, sites, new, w, loss=loss)
        for z in zones:
            assert set(z.candidates.tolist()) == _brute_zone(evaluate, sites, z.site, n_cols, loss)
    if evaluate_backup(a, w, sites) > 0:
        zones = search_zones("backup", a, sites, new, w, loss=loss)
        for z in zones:
            b1 = _brute_zone(lambda s: evaluate_mclp(a, w, s), sites, z.site, n_cols, loss)
            b2 = _brute_zone(lambda s: evaluate_backup(a, w, s), sites, z.site, n_cols, loss)
            assert set(z.candidates.tolist()) == b1 & b2
    assert fixed[0] not in {k for z in zones for k in z.candidates.tolist()}


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 7), st.integers(3, 6), st.integers(0, 10_000))
def test_pmedian_zones_match_one_by_one_swaps(n_rows: int, n_cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 20, (n_rows, n_cols)).astype(float)
    w = rng.integers(1, 4, n_rows).astype(float)
    sites = [0, 1]
    if evaluate_pmedian(cost, sites, w) == 0:
        return
    zones = search_zones("pmedian", cost, sites, [1], w, loss=0.1)
    brute = _brute_zone(lambda s: evaluate_pmedian(cost, s, w), sites, 1, n_cols, 0.1, False)
    assert set(zones[0].candidates.tolist()) == brute


def test_fixed_and_ineligible_sites_never_in_a_zone() -> None:
    a = np.ones((3, 5), bool)
    zones = search_zones("mclp", a, [0, 1], [1], loss=0.0, eligible=[1, 1, 0, 1, 1])
    assert zones[0].candidates.tolist() == [1, 3, 4]


def test_bad_arguments() -> None:
    a = np.ones((2, 2), bool)
    with pytest.raises(DataFormatError, match="pcenter"):
        search_zones("pcenter", a, [0], [0])
    with pytest.raises(DataFormatError, match="loss"):
        search_zones("mclp", a, [0], [0], loss=1.5)
