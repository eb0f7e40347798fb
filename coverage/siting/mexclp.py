"""Expected coverage with busy stations: Daskin's MEXCLP (1983) and the hypercube-corrected
variant of Batta, Dolan & Krishnamurthy (1989), exact by MILP on plain arrays.

A station is busy (out on a call) with probability ``q``, the system busy fraction (calls ×
average job time ÷ hours in the period ÷ stations). A demand row ``i`` that ``n_i`` open stations
reach within the budget is *expected-covered* by the probability that at least one of them is
free.

``variant="independent"`` (MEXCLP, Daskin 1983)
    Stations are busy independently of each other, so the row counts by ``1 − q^{n_i}`` and
    the ``k``-th covering station adds ``a_k = (1 − q) q^{k−1}``.
``variant="hypercube"`` (AQ-MEXCLP, Batta, Dolan & Krishnamurthy 1989)
    Busy stations are not independent in an ``M/M/N`` queue (``N`` open stations, utilisation
    ``ρ = q``); Larson's (1975) hypercube approximation corrects the ``k``-th term to
    ``a_k = (1 − ρ) ρ^{k−1} Q(N, ρ, k−1)`` with::

        Q(N, ρ, j) = Σ_{k=j}^{N−1} (N−j−1)! (N−k) N^k ρ^{k−j} / ((k−j)! N!) · P_0 / (1 − ρ)
        P_0 = [Σ_{k=0}^{N−1} (Nρ)^k / k! + (Nρ)^N / (N! (1 − ρ))]^{−1}

    ``a_k`` is then the probability that, with the busy stations a uniformly random subset of
    the ``M/M/N`` state, ``k − 1`` given stations are busy and the ``k``-th is free. It is an
    approximation: it assumes every station is equally busy and that calls are served by a
    random free station; the report says so.

The MILP (``f_i`` fixed stations and ``m_i`` free sites reach row ``i``; ``K_i = min(f_i +
min(m_i, p), N)`` levels)::

    max   Σ_i Σ_{k=1}^{K_i} w_i a_k y_ik
    s.t.  Σ_k y_ik − Σ_{j ∈ N_i, j free} x_j <= f_i        for every row i
          Σ_{j free} x_j = p ;  x_j = 1 for fixed j
          x_j ∈ {0, 1},  0 <= y_ik <= 1

Because ``a_1 >= a_2 >= …`` (checked), for integral ``x`` the best ``y`` fills the first
``min(n_i, K_i)`` levels, so ``y`` may stay continuous and the optimum is exact.
Before the MILP, a greedy + swap incumbent and a certified upper bound
(:mod:`firecover.siting.mexclp_bound`) are computed; above ``milp_max_levels`` level
variables they are the answer. The checker
:func:`evaluate_mexclp` recomputes ``Σ_i w_i Σ_{k<=n_i} a_k`` from the open sites alone.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from firecover._errors import DataFormatError, InfeasibleModelError
from firecover.siting.common import SitingResult, _cover_count, _finish, _pad
from firecover.siting.mexclp_bound import mexclp_greedy_bound
from firecover.siting.milp import MilpProblem, solve_milp
from firecover.siting.models import ModelOutcome
from firecover.siting.reduce import (
    FloatArray,
    IntArray,
    as_coverage,
    as_fixed,
    as_p,
    as_weights,
    group_identical_rows,
)

__all__ = [
    "MEXCLP_VARIANTS",
    "evaluate_mexclp",
    "expected_cover",
    "expected_coverage",
    "greedy_expected",
    "hypercube_correction",
    "level_values",
    "mexclp",
]

log = logging.getLogger(__name__)

#: Level variables above which the MILP is skipped (the quick bench, 47,400, takes ~30 s).
MILP_MAX_LEVELS = 200_000

#: The two ways of counting a busy station (see the module notes).
MEXCLP_VARIANTS = ("independent", "hypercube")


def _check_q(q: float, variant: str) -> float:
    if variant not in MEXCLP_VARIANTS:
        raise DataFormatError(
            f"unknown expected-coverage variant {variant!r}; use {' or '.join(MEXCLP_VARIANTS)}"
        )
    value = float(q)
    if not math.isfinite(value) or not 0.0 <= value < 1.0:
        raise DataFormatError(
            f"the busy fraction must be at least 0 and below 1, got {q!r}; give a share such "
            "as 0.05 (calls × job hours ÷ period hours ÷ stations)"
        )
    return value


def hypercube_correction(n: int, rho: float, j: int) -> float:
    """Larson's correction factor ``Q(N, ρ, j)`` for an ``M/M/N`` queue (``0 <= j < N``).

    ``Q(N, ρ, 0) = 1``; ``(1 − ρ) ρ^j Q(N, ρ, j)`` is the probability that ``j`` given
    stations are busy and one other given station is free. See the module notes.
    """
    if n < 1 or not 0 <= j < n:
        raise DataFormatError(f"hypercube correction needs 0 <= j < N, got N={n}, j={j}")
    if rho == 0.0:
        return 1.0 if j == 0 else 0.0
    # logs keep N^k / N! finite for a few hundred stations
    log_p0 = -math.log(
        sum(math.exp(k * math.log(n * rho) - math.lgamma(k + 1)) for k in range(n))
        + math.exp(n * math.log(n * rho) - math.lgamma(n + 1)) / (1.0 - rho)
    )
    total = 0.0
    for k in range(j, n):
        total += math.exp(
            math.lgamma(n - j)
            + math.log(n - k)
            + k * math.log(n)
            + (k - j) * math.log(rho)
            - math.lgamma(k - j + 1)
            - math.lgamma(n + 1)
            + log_p0
        )
    return total / (1.0 - rho)


def level_values(
    q: float, levels: int, variant: str = "independent", n_open: int | None = None
) -> FloatArray:
    """``a_1 … a_levels``: what the ``k``-th station reaching a row adds to its expected cover.

    ``n_open`` (hypercube variant) is the number of open stations ``N``; ``levels <= N``.
    """
    q = _check_q(q, variant)
    k = np.arange(levels, dtype=np.float64)
    a = (1.0 - q) * q**k
    if variant == "hypercube" and levels:
        n = int(n_open if n_open is not None else levels)
        if levels > n:
            raise DataFormatError(f"{levels} levels but only {n} open stations")
        a = a * np.array([hypercube_correction(n, q, j) for j in range(levels)])
    if np.any(np.diff(a) > 1e-12 * max(1.0, float(a[0]) if a.size else 1.0)):
        raise DataFormatError(
            f"expected-coverage terms increase with the station count at q={q}; use the "
            "independent variant"
        )
    return a


def expected_cover(
    counts: Any, q: float, variant: str = "independent", n_open: int | None = None
) -> FloatArray:
    """Probability that at least one of the ``counts[i]`` stations reaching row ``i`` is free."""
    n = np.asarray(counts, dtype=np.int64).ravel()
    top = int(n.max()) if n.size else 0
    if variant == "hypercube":
        n_open = int(n_open if n_open is not None else top)
        top = min(top, n_open)
    a = level_values(q, top, variant, n_open)
    cum = np.concatenate([[0.0], np.cumsum(a)])
    return cum[np.minimum(n, top)]


def expected_coverage(
    counts: npt.ArrayLike,
    weights: npt.ArrayLike,
    q: float,
    variant: str = "independent",
    n_open: int | None = None,
) -> float:
    """Weight share of the cells expected to find a free station in time (0 … 1)."""
    w = np.asarray(weights, dtype=np.float64)
    total = float(w.sum())
    if total <= 0:
        return math.nan
    return float(w @ expected_cover(counts, q, variant, n_open)) / total


def evaluate_mexclp(
    coverage: Any, weights: Any, sites: Any, q: float, variant: str = "independent"
) -> float:
    """Expected covered weight ``Σ_i w_i P(some station reaching i is free)`` of ``sites``."""
    mat = as_coverage(coverage)
    w = as_weights(weights, mat.shape[0])
    n_open = int(np.unique(np.asarray(sites, dtype=np.int64)).size)
    counts = _cover_count(mat, sites)
    return float(w @ expected_cover(counts, q, variant, n_open))


def _reduced(
    mat: sp.csr_array, w: FloatArray, fixed: IntArray
) -> tuple[sp.csr_array, FloatArray, FloatArray, IntArray]:
    """Free columns only; rows merged when identical in free columns and fixed count."""
    n_rows, n_cols = mat.shape
    is_fixed = np.zeros(n_cols, dtype=bool)
    is_fixed[fixed] = True
    f_all = (
        np.asarray(mat[:, fixed].sum(axis=1)).ravel().astype(np.float64)
        if fixed.size
        else np.zeros(n_rows)
    )
    free = np.flatnonzero(~is_fixed).astype(np.int64)
    sub = sp.csr_array(mat[:, free])
    rows = np.flatnonzero((w > 0) & (np.diff(sub.indptr) > 0))
    sub = sp.csr_array(sub[rows])
    first, inverse = group_identical_rows([sub], extra=f_all[rows])
    wg = np.bincount(inverse, weights=w[rows], minlength=first.size).astype(np.float64)
    return sp.csr_array(sub[first]), wg, f_all[rows][first], free


def _problem(
    sub: sp.csr_array, w: FloatArray, f: FloatArray, p: int, a: FloatArray
) -> tuple[MilpProblem, IntArray, IntArray]:
    n_rows, n_free = sub.shape
    # at most p free sites open: a row never has more than f_i + p levels filled
    reach = np.minimum(np.diff(sub.indptr), p) + f.astype(np.int64)
    levels = np.minimum(reach, a.size).astype(np.int64)
    n_y = int(levels.sum())
    y_row = np.repeat(np.arange(n_rows), levels)
    y_level = np.arange(n_y) - np.repeat(np.cumsum(levels) - levels, levels)
    c = np.concatenate([np.zeros(n_free), w[y_row] * a[y_level]])
    cover = sp.csr_array((-np.ones(sub.nnz), sub.indices, sub.indptr), shape=(n_rows, n_free))
    y_part = sp.csr_array((np.ones(n_y), (y_row, np.arange(n_y))), shape=(n_rows, n_y))
    budget = sp.csr_array(np.concatenate([np.ones(n_free), np.zeros(n_y)])[None, :])
    a_mat = sp.csr_array(sp.vstack([sp.hstack([cover, y_part]), budget], format="csr"))
    problem = MilpProblem(
        c=c,
        A=a_mat,
        row_lb=np.concatenate([np.full(n_rows, -np.inf), [float(p)]]),
        row_ub=np.concatenate([f, [float(p)]]),
        lb=np.zeros(n_free + n_y),
        ub=np.ones(n_free + n_y),
        integral=np.concatenate([np.ones(n_free, bool), np.zeros(n_y, bool)]),
        maximize=True,
    )
    return problem, levels, y_row


def greedy_expected(
    sub: sp.csr_array, w: FloatArray, f: FloatArray, p: int, a: FloatArray
) -> IntArray:
    """Greedy on the expected cover: ``p`` times, open the free column whose rows gain most
    (``Σ_{i∈N_j} w_i a_{n_i+1}``, ``n_i`` the stations reaching ``i`` so far); a lower bound on
    the optimum. The solver's incumbent now comes from :mod:`firecover.siting.mexclp_bound`."""
    at = sp.csr_array(sub.T, dtype=np.float64)
    n = f.astype(np.int64).copy()
    step = np.concatenate([a, [0.0]])
    chosen: list[int] = []
    for _ in range(min(p, sub.shape[1])):
        gain = np.asarray(at @ (w * step[np.minimum(n, a.size)])).ravel()
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        n[sub[:, [j]].toarray().ravel()] += 1
    return np.asarray(sorted(chosen), dtype=np.int64)


def _solve(
    mat: sp.csr_array,
    w: FloatArray,
    p: int,
    fixed: IntArray,
    a: FloatArray,
    time_limit: float | None,
    milp_max_levels: int = MILP_MAX_LEVELS,
) -> ModelOutcome:
    cum = np.concatenate([[0.0], np.cumsum(a)])
    f_all = (
        np.asarray(mat[:, fixed].sum(axis=1)).ravel().astype(np.int64)
        if fixed.size
        else np.zeros(mat.shape[0], dtype=np.int64)
    )
    sub, wg, f, free = _reduced(mat, w, fixed)
    # rows no free site reaches keep what the fixed stations give them
    fixed_part = cum[np.minimum(f.astype(np.int64), a.size)]
    base = float(w @ cum[np.minimum(f_all, a.size)]) - float(wg @ fixed_part)
    stats = {"rows_reduced": float(sub.shape[0]), "cols_reduced": float(free.size)}
    if p == 0 or sub.shape[0] == 0:
        return ModelOutcome(np.zeros(0, dtype=np.int64), stats=stats)
    if p >= free.size:
        return ModelOutcome(free.copy(), stats=stats)
    levels = np.minimum(np.minimum(np.diff(sub.indptr), p) + f.astype(np.int64), a.size)
    stats["y_variables"] = float(levels.sum())
    heur = mexclp_greedy_bound(sub, wg, f, p, a, None if time_limit is None else 0.25 * time_limit)
    h_sites = np.sort(free[heur.columns]).astype(np.int64)
    h_bound = base + heur.bound
    stats.update(heuristic_value=base + heur.value, heuristic_bound=h_bound)
    stats.update(heuristic_seconds=heur.seconds, heuristic_swaps=float(heur.swaps))
    h_gap = max(0.0, heur.bound - heur.value) / max(abs(base + heur.value), 1e-12)
    if heur.bound - heur.value <= 1e-9 * max(1.0, abs(h_bound)):
        return ModelOutcome(
            h_sites, "optimal", base + heur.value, 0.0, heur.seconds, stats, h_bound
        )
    if levels.sum() > milp_max_levels:
        stats["milp_skipped"] = 1.0
        return ModelOutcome(
            h_sites, "time_limit", base + heur.value, h_gap, heur.seconds, stats, h_bound
        )
    problem, _, _ = _problem(sub, wg, f, p, a)
    left = None if time_limit is None else max(time_limit - heur.seconds, 1e-3)
    sol = solve_milp(problem, left)
    stats["milp_seconds"] = sol.seconds
    seconds = heur.seconds + sol.seconds
    if sol.status == "infeasible":
        return ModelOutcome(
            np.zeros(0, dtype=np.int64), "infeasible", math.nan, math.inf, seconds, stats
        )
    bound = min(h_bound, base + sol.dual_bound) if math.isfinite(sol.dual_bound) else h_bound
    if sol.x is None or (sol.status != "optimal" and sol.objective <= heur.value):
        return ModelOutcome(h_sites, "time_limit", base + heur.value, h_gap, seconds, stats, bound)
    chosen = np.sort(free[sol.x[: free.size] > 0.5]).astype(np.int64)
    return ModelOutcome(
        chosen, sol.status, base + sol.objective, sol.mip_gap, seconds, stats, bound
    )


def mexclp(
    coverage: Any,
    weights: Any,
    p: int,
    q: float,
    fixed: Any = None,
    time_limit: float | None = None,
    *,
    variant: str = "independent",
    milp_max_levels: int = MILP_MAX_LEVELS,
) -> SitingResult:
    """Maximum expected covering location (Daskin 1983), exact by MILP (module notes).

    Parameters
    ----------
    coverage : (rows, sites) bool matrix
        ``coverage[i, j]``: site ``j`` reaches row ``i`` within the budget.
    weights : (rows,) array
        Demand weight per row (incidents, population or km²).
    p : int
        New sites to open (besides ``fixed``).
    q : float
        System busy fraction, ``0 <= q < 1``.
    fixed : array of int, optional
        Sites always open (existing stations).
    time_limit : float, optional
        HiGHS time limit, seconds; then ``status == "time_limit"`` with the certified gap.
    variant : {"independent", "hypercube"}
        Daskin's independence assumption, or the hypercube-corrected terms (Batta, Dolan &
        Krishnamurthy 1989) with ``N = len(fixed) + p`` stations.
    milp_max_levels : int
        Above this many level variables the MILP is not built (HiGHS's presolve overruns any
        time limit at Binhai scale) and the answer is the greedy + swap incumbent with its
        submodular / Lagrangian bound (:mod:`firecover.siting.mexclp_bound`); below it that
        incumbent and bound come first and HiGHS gets the time left.

    Returns
    -------
    SitingResult
        ``objective`` = expected covered weight (:func:`evaluate_mexclp`); ``covered`` = rows
        reached by at least one open site; ``stats`` has ``q``, ``hypercube`` (0/1) and
        ``covered_weight`` (plain MCLP cover of the same sites).
    """
    started = time.perf_counter()
    mat = as_coverage(coverage)
    w = as_weights(weights, mat.shape[0])
    fix = as_fixed(fixed, mat.shape[1])
    p = as_p(p, mat.shape[1] - fix.size)
    q = _check_q(q, variant)
    n_open = fix.size + p
    if n_open == 0:
        raise InfeasibleModelError("MEXCLP with no station to open; give --p 1 or more")
    levels = min(n_open, int(np.diff(mat.indptr).max()) if mat.shape[0] else 0)
    a = level_values(q, max(levels, 1), variant, n_open)
    out = _solve(mat, w, p, fix, a, time_limit, milp_max_levels)
    new = _pad(out.new_sites, p, mat.shape[1], fix)
    sites = np.union1d(fix, new)
    counts = _cover_count(mat, sites)
    stats = {
        **out.stats,
        "q": q,
        "hypercube": float(variant == "hypercube"),
        "covered_weight": float(w[counts > 0].sum()),
    }
    out = ModelOutcome(
        out.new_sites, out.status, out.objective, out.mip_gap, out.seconds, stats, out.bound
    )
    return _finish(
        "mexclp",
        out,
        fix,
        new,
        lambda s: evaluate_mexclp(mat, w, s, q, variant),
        started,
        covered=counts > 0,
    )
