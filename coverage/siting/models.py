"""MILP builders for the covering siting models: LSCP and MCLP (backup covering is in
:mod:`firecover.siting.backup`; private; the
public API is :mod:`firecover.siting`; p-median and p-center live in :mod:`._siting_cost`).

Each ``solve_*`` takes already validated inputs (see :mod:`._siting_reduce`), reduces the
problem exactly, builds one sparse constraint matrix with numpy / scipy.sparse, solves it with
HiGHS and returns a :class:`ModelOutcome` in original site indices. Objective verification,
padding to exactly ``p`` new sites and the public result type live in :mod:`.siting`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from firecover.siting.bounds import (
    greedy_lscp,
    lagrangian_cover,
    lscp_lagrangian,
    mclp_lagrangian,
)
from firecover.siting.highs import solve_highs
from firecover.siting.lp import LP_FIRST_NNZ, mclp_lp_round
from firecover.siting.milp import MIP_REL_GAP, MilpProblem, MilpSolution, solve_milp
from firecover.siting.reduce import (
    BoolArray,
    FloatArray,
    IntArray,
    dominated_columns,
    dominated_rows,
    group_identical_rows,
)

__all__ = ["ModelOutcome", "solve_lscp", "solve_mclp"]

log = logging.getLogger(__name__)

#: Share of a time limit given to the Lagrangian bound before the MILP (LSCP, MCLP).
LAGRANGE_SHARE = 0.25
#: A MILP is not started with less time than this (seconds): HiGHS overruns tiny limits on large
#: models (its presolve and root LP do not check the clock often), and the incumbent stands.
MIN_MILP_SECONDS = 2.0
#: Reduced MCLPs with more coverage pairs than this solve the LP relaxation first (interior
#: point, :func:`~firecover.siting.lp.mclp_lp_round`): when it is integral, as on geographic
#: instances it usually is, no MILP is needed (bench window, 86k pairs: 0.37 against 0.56 CPU s).
MCLP_LP_FIRST_NNZ = 50_000
#: HiGHS options of the MCLP MILP (scipy's copy): its presolve costs more than it saves on the
#: reduced ``y_i <= Σ x_j`` rows (bench window: 1.20 → 0.56 CPU s, same proven optimum).
HIGHS_MCLP: dict[str, float | bool] = {"presolve": False}


@dataclass(frozen=True)
class ModelOutcome:
    """Raw solver outcome in original site indices.

    ``objective`` is the model's own claim (``None`` when no MILP was needed and the public
    layer should take the evaluated value); ``new_sites`` excludes fixed sites and padding.
    """

    new_sites: IntArray
    status: str = "optimal"
    objective: float | None = None
    mip_gap: float = 0.0
    seconds: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)
    bound: float = math.nan


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _fixed_mask(n_cols: int, fixed: IntArray) -> BoolArray:
    mask = np.zeros(n_cols, dtype=bool)
    mask[fixed] = True
    return mask


def _ones(n: int) -> FloatArray:
    return np.ones(n, dtype=np.float64)


def _chosen(x: FloatArray | None, cols: IntArray) -> IntArray:
    if x is None:
        return _empty()
    return np.sort(cols[x[: cols.size] > 0.5]).astype(np.int64)


def _outcome(
    sol: MilpSolution,
    cols: IntArray,
    offset: float,
    stats: dict[str, float],
) -> ModelOutcome:
    stats = {**stats, "milp_seconds": sol.seconds}
    if sol.x is None:
        return ModelOutcome(_empty(), sol.status, math.nan, sol.mip_gap, sol.seconds, stats)
    return ModelOutcome(
        _chosen(sol.x, cols),
        sol.status,
        offset + sol.objective,
        sol.mip_gap,
        sol.seconds,
        stats,
        offset + sol.dual_bound,
    )


def greedy_cover(
    mat: sp.csr_array, weights: FloatArray, cost: FloatArray | None, p: int | None
) -> IntArray:
    """Greedy fallback on a reduced covering matrix (model columns): with ``cost``, cover every
    row choosing the best newly-covered-weight per cost; with ``p``, take ``p`` columns of
    largest newly covered weight. Loops once per chosen column, never per row."""
    at = sp.csr_array(mat.T, dtype=np.float64)
    left = weights.astype(np.float64).copy()
    chosen: list[int] = []
    while (p is None and left.any()) or (p is not None and len(chosen) < p):
        gain = np.asarray(at @ left).ravel()
        score = gain if cost is None else gain / np.maximum(cost, 1e-12)
        score[chosen] = -1.0
        j = int(np.argmax(score))
        if gain[j] <= 0 and p is None:
            break
        chosen.append(j)
        left[mat[:, [j]].toarray().ravel()] = 0.0
        if p is not None and len(chosen) >= at.shape[0]:
            break
    return np.asarray(sorted(chosen), dtype=np.int64)


def _fallback(
    sol: MilpSolution, cols: IntArray, local: IntArray, offset: float, stats: dict[str, float]
) -> ModelOutcome:
    """Time limit hit before HiGHS found any solution: report the greedy one instead."""
    stats = {**stats, "milp_seconds": sol.seconds, "greedy_fallback": 1.0}
    return ModelOutcome(
        np.sort(cols[local]),
        "time_limit",
        None,
        math.inf,
        sol.seconds,
        stats,
        offset + sol.dual_bound,
    )


# --------------------------------------------------------------------------- set covering ---


def reduce_cover(
    cover: sp.csr_array,
    cost: FloatArray,
    fixed: IntArray,
) -> tuple[sp.csr_array, IntArray, dict[str, float]]:
    """Exact LSCP reduction: drop rows covered by ``fixed``, merge identical rows, drop rows
    that contain another row (:func:`~firecover.siting.reduce.dominated_rows`), drop dominated
    and empty columns, then rows again (fewer columns nest more rows). Returns the reduced
    matrix and its original column indices."""
    n_rows, n_cols = cover.shape
    is_fixed = _fixed_mask(n_cols, fixed)
    by_fixed = (
        np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
        if fixed.size
        else np.zeros(n_rows, dtype=bool)
    )
    free_cols = np.flatnonzero(~is_fixed).astype(np.int64)
    sub = sp.csr_array(cover[np.flatnonzero(~by_fixed)][:, free_cols])
    first, _ = group_identical_rows([sub])
    sub = sp.csr_array(sub[first])
    sub = sp.csr_array(sub[np.flatnonzero(~dominated_rows(sub))])
    counts = np.asarray(sub.sum(axis=0)).ravel()
    rank = np.empty(free_cols.size, dtype=np.int64)
    rank[np.lexsort((free_cols, -counts, cost[free_cols]))] = np.arange(free_cols.size)
    keep = (counts > 0) & ~dominated_columns(sub, rank)
    sub = sp.csr_array(sub[:, np.flatnonzero(keep)])
    sub = sp.csr_array(sub[np.flatnonzero(~dominated_rows(sub))])  # fewer columns, more nested
    stats = {
        "rows": float(n_rows),
        "cols": float(n_cols),
        "rows_reduced": float(sub.shape[0]),
        "cols_reduced": float(keep.sum()),
    }
    return sub, free_cols[keep], stats


def _left(stop: float) -> float:
    return max(0.0, stop - time.perf_counter())


def solve_lscp(
    cover: sp.csr_array,
    cost: FloatArray,
    fixed: IntArray,
    time_limit: float | None,
    max_count: int | None = None,
) -> ModelOutcome:
    """Location set covering: ``min Σ_j c_j x_j`` s.t. ``Σ_{j∈N_i} x_j >= 1`` for every row
    not covered by a fixed site, ``x_j ∈ {0,1}`` (and ``Σ_j x_j <= max_count`` if given).

    Without ``max_count``: the greedy cover is the incumbent and the Lagrangian relaxation a
    certified lower bound (:mod:`firecover.siting.bounds`, up to :data:`LAGRANGE_SHARE` of the
    time); when they meet, no MILP is solved. Otherwise HiGHS gets the rest of the time and the
    better of its answer and the greedy one is kept, with the best of both bounds.
    """
    started = time.perf_counter()
    stop = math.inf if time_limit is None else started + time_limit
    mat, cols, stats = reduce_cover(cover, cost, fixed)
    if mat.shape[0] == 0:
        return ModelOutcome(_empty(), objective=0.0, stats=stats)
    n_rows, n_cols = mat.shape
    c = cost[cols].astype(np.float64)
    inc: IntArray | None = None
    bound = -math.inf
    if max_count is None:
        inc = greedy_lscp(mat, c)
        value = float(c[inc].sum())
        integral = bool(np.all(c == np.round(c)))
        # large models: HiGHS rarely finishes its root LP in time, the relaxation gets more
        big = mat.nnz > LP_FIRST_NNZ
        share = None if time_limit is None else (2 * big + 1) * LAGRANGE_SHARE * time_limit
        lag = lscp_lagrangian(mat, c, value, share, integral)
        bound = math.ceil(lag.value - 1e-6) if integral else lag.value
        if lag.multipliers is not None and bound < value - 1e-9 * max(1.0, value):
            alt = lagrangian_cover(mat, c, lag.multipliers)
            if float(c[alt].sum()) < value:
                inc, value = alt, float(c[alt].sum())
        stats.update(greedy=value, lagrangian_bound=lag.value, lagrangian_seconds=lag.seconds,
                     lagrangian_iterations=float(lag.iterations))  # fmt: skip
        log.info("lscp: greedy %g, Lagrangian bound %.6g (%d steps, %.1f s)", value, lag.value,
                 lag.iterations, lag.seconds)  # fmt: skip
        if bound >= value - 1e-9 * max(1.0, value):
            return ModelOutcome(np.sort(cols[inc]), "optimal", value, 0.0,
                                time.perf_counter() - started, stats, value)  # fmt: skip
        if _left(stop) < MIN_MILP_SECONDS:
            return ModelOutcome(np.sort(cols[inc]), "time_limit", value, math.inf,
                                time.perf_counter() - started, stats, bound)  # fmt: skip
    a = mat.astype(np.float64)
    row_lb, row_ub = _ones(n_rows), np.full(n_rows, np.inf)
    if max_count is not None:
        a = sp.vstack([a, sp.csr_array(_ones(n_cols)[None, :])])
        row_lb = np.append(row_lb, -np.inf)
        row_ub = np.append(row_ub, float(max_count))
    problem = MilpProblem(
        c=c,
        A=sp.csr_array(a),
        row_lb=row_lb,
        row_ub=row_ub,
        lb=np.zeros(n_cols),
        ub=_ones(n_cols),
        integral=np.ones(n_cols, dtype=bool),
    )
    sol = solve_highs(problem, None if time_limit is None else _left(stop))
    if inc is None:
        return _outcome(sol, cols, 0.0, stats)
    value = float(c[inc].sum())
    if math.isfinite(sol.dual_bound):
        bound = max(bound, sol.dual_bound)
    if sol.status == "optimal":
        return _outcome(sol, cols, 0.0, stats)
    if sol.x is not None and sol.objective < value:
        out = _outcome(sol, cols, 0.0, stats)
        return ModelOutcome(out.new_sites, "time_limit", out.objective, out.mip_gap,
                            time.perf_counter() - started, out.stats, bound)  # fmt: skip
    return ModelOutcome(np.sort(cols[inc]), "time_limit", value, math.inf,
                        time.perf_counter() - started, {**stats, "greedy_fallback": 1.0},
                        bound)  # fmt: skip


# ------------------------------------------------------------------------ maximal covering ---


def _mclp_reduce(
    cover: sp.csr_array,
    weights: FloatArray,
    fixed: IntArray,
) -> tuple[sp.csr_array, FloatArray, IntArray, float]:
    n_rows, n_cols = cover.shape
    is_fixed = _fixed_mask(n_cols, fixed)
    by_fixed = (
        np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
        if fixed.size
        else np.zeros(n_rows, dtype=bool)
    )
    base = float(weights[by_fixed].sum())
    free_cols = np.flatnonzero(~is_fixed).astype(np.int64)
    sub = sp.csr_array(cover[:, free_cols])
    rows = np.flatnonzero((weights > 0) & ~by_fixed & (np.diff(sub.indptr) > 0))
    sub = sp.csr_array(sub[rows])
    first, inverse = group_identical_rows([sub])
    w = np.bincount(inverse, weights=weights[rows], minlength=first.size).astype(np.float64)
    sub = sp.csr_array(sub[first])
    counts = np.asarray(sub.sum(axis=0)).ravel()
    rank = np.empty(free_cols.size, dtype=np.int64)
    rank[np.lexsort((free_cols, -counts))] = np.arange(free_cols.size)
    keep = (counts > 0) & ~dominated_columns(sub, rank)
    return sp.csr_array(sub[:, np.flatnonzero(keep)]), w, free_cols[keep], base


def _mclp_value(mat: sp.csr_array, w: FloatArray, sites: IntArray) -> float:
    return float(w[np.asarray(mat[:, sites].sum(axis=1)).ravel() > 0].sum())


def solve_mclp(
    cover: sp.csr_array, weights: FloatArray, p: int, fixed: IntArray, time_limit: float | None
) -> ModelOutcome:
    """Maximal covering: ``max Σ_i w_i y_i`` s.t. ``y_i <= Σ_{j∈N_i} x_j``, ``Σ_j x_j <= p``,
    ``x ∈ {0,1}``, ``0 <= y <= 1`` (rows covered by fixed sites are a constant).

    Under a time limit the answer is always certified: the greedy sites are the incumbent; the
    bound is the LP relaxation (LP-first on large models, :mod:`firecover.siting.lp`) or the
    Lagrangian relaxation (:func:`firecover.siting.bounds.mclp_lagrangian`), improved by HiGHS's
    dual bound when the MILP gets time; the better solution is kept.
    """
    started = time.perf_counter()
    stop = math.inf if time_limit is None else started + time_limit
    mat, w, cols, base = _mclp_reduce(cover, weights, fixed)
    stats = {"rows_reduced": float(mat.shape[0]), "cols_reduced": float(cols.size)}
    if p >= cols.size or mat.shape[0] == 0 or p == 0:
        return ModelOutcome(cols if p >= cols.size else _empty(), stats=stats)
    inc = greedy_cover(mat, w, None, p)
    value = _mclp_value(mat, w, inc)
    stats["greedy"] = base + value
    bound = math.inf
    if time_limit is not None:  # cheap first: often within a fraction of a percent
        lag = mclp_lagrangian(mat, w, p, value, LAGRANGE_SHARE * time_limit)
        bound = lag.value
        stats.update(lagrangian_bound=base + lag.value, lagrangian_seconds=lag.seconds)
        log.info("mclp: greedy %.6g, Lagrangian bound %.6g (%d steps, %.1f s)", base + value,
                 base + lag.value, lag.iterations, lag.seconds)  # fmt: skip
    lp = None
    if mat.nnz > MCLP_LP_FIRST_NNZ and bound > value * (1 + MIP_REL_GAP):
        lp = mclp_lp_round(mat, w, p, None if time_limit is None else 0.8 * _left(stop))
    if lp is not None:
        stats.update(lp_bound=base + lp.bound, lp_seconds=lp.seconds)
        bound = min(bound, lp.bound)
        if lp.value > value:
            inc, value = lp.sites, lp.value

    def incumbent(status: str) -> ModelOutcome:
        gap = max(0.0, (bound - value) / max(abs(value), 1e-12))
        if status == "optimal" or gap <= MIP_REL_GAP:
            status, gap = "optimal", 0.0
        seconds = time.perf_counter() - started
        return ModelOutcome(cols[inc], status, base + value, gap, seconds, stats,
                            base + max(bound, value))  # fmt: skip

    if (lp is not None and lp.integral) or bound <= value * (1 + MIP_REL_GAP):
        return incumbent("optimal")
    if time_limit is not None and _left(stop) < MIN_MILP_SECONDS:
        return incumbent("time_limit")
    n_rows, n_cols = mat.shape
    a = sp.vstack(
        [
            sp.hstack([-mat.astype(np.float64), sp.eye_array(n_rows, format="csr")]),
            sp.hstack([sp.csr_array(_ones(n_cols)[None, :]), sp.csr_array((1, n_rows))]),
        ]
    ).tocsr()
    problem = MilpProblem(
        c=np.concatenate([np.zeros(n_cols), w]),
        A=a,
        row_lb=np.full(n_rows + 1, -np.inf),
        row_ub=np.append(np.zeros(n_rows), float(p)),
        lb=np.zeros(n_cols + n_rows),
        ub=_ones(n_cols + n_rows),
        integral=np.concatenate([np.ones(n_cols, bool), np.zeros(n_rows, bool)]),
        maximize=True,
    )
    sol = solve_milp(problem, None if time_limit is None else _left(stop), HIGHS_MCLP)
    if sol.status == "optimal" and sol.x is not None:
        return _outcome(sol, cols, base, stats)
    if math.isfinite(sol.dual_bound):
        bound = min(bound, sol.dual_bound)
    if sol.x is not None:
        sites = _chosen(sol.x, np.arange(n_cols, dtype=np.int64))
        got = _mclp_value(mat, w, sites)
        if got > value:
            inc, value = sites, got
    return incumbent(sol.status if sol.status != "infeasible" else "time_limit")
