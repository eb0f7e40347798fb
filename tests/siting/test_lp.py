"""LP-first MCLP (``firecover.siting.lp``): exact when integral, honest gap otherwise.

The threshold is lowered so small random instances take the LP-first path; the oracle is brute
force over all site subsets.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

import firecover.siting.models as _siting_models
from firecover import siting
from firecover.siting.lp import mclp_lp_round
from firecover.siting.milp import MilpSolution


def _brute(cover: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> float:
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    best = 0.0
    for extra in itertools.combinations(free, p):
        hit = cover[:, [*fixed, *extra]].any(axis=1)
        best = max(best, float(w[hit].sum()))
    return best


def _instance(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cover = rng.random((60, 9)) < 0.2
    return cover, rng.uniform(0.5, 2.0, 60)


@pytest.mark.parametrize("seed", range(8))
def test_lp_first_mclp_is_exact(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_siting_models, "MCLP_LP_FIRST_NNZ", 0)
    cover, w = _instance(seed)
    res = siting.mclp(cover, w, 3, fixed=[0])
    assert res.status == "optimal"
    assert res.objective == pytest.approx(_brute(cover, w, 3, [0]), rel=1e-9)
    assert "lp_bound" in res.stats and res.stats["lp_bound"] >= res.objective - 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_lp_round_bounds_the_optimum(seed: int) -> None:
    cover, w = _instance(seed)
    r = mclp_lp_round(sp.csr_array(cover), w, 3, None)
    assert r is not None
    best = _brute(cover, w, 3, [])
    assert r.value <= best + 1e-9 <= r.bound + 2e-9
    assert r.sites.size == 3 and r.gap == pytest.approx((r.bound - r.value) / r.value)
    hit = cover[:, r.sites].any(axis=1)
    assert r.value == pytest.approx(float(w[hit].sum()))
    if r.integral:
        assert r.value == pytest.approx(best)


def test_time_limit_returns_the_rounded_solution_with_its_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_siting_models, "MCLP_LP_FIRST_NNZ", 0)
    monkeypatch.setattr(_siting_models, "solve_milp", lambda *a, **k: MilpSolution(
        "time_limit", None, float("nan"), float("inf"), float("nan"), 1.0))  # fmt: skip
    for seed in range(20):
        cover, w = _instance(seed)
        r = mclp_lp_round(sp.csr_array(cover), w, 3, None)
        assert r is not None
        if r.integral:
            continue
        res = siting.mclp(cover, w, 3, time_limit=5)
        assert res.status == "time_limit"
        assert res.objective == pytest.approx(r.value)
        assert res.mip_gap == pytest.approx(r.gap)
        return
    pytest.fail("no fractional LP among the instances; change the seeds")
