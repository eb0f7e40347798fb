"""MILP builders for the siting models (private; the public API is :mod:`firecover.siting`).

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

from ._milp import MilpProblem, MilpSolution, solve_milp
from ._siting_reduce import (
    BoolArray,
    Costs,
    FloatArray,
    IntArray,
    dominated_columns,
    group_identical_rows,
)

__all__ = ["ModelOutcome", "solve_backup", "solve_lscp", "solve_mclp", "solve_pmedian"]

log = logging.getLogger(__name__)


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


def _outcome(sol: MilpSolution, cols: IntArray, offset: float, stats: dict[str, float],
             ) -> ModelOutcome:
    stats = {**stats, "milp_seconds": sol.seconds}
    if sol.x is None:
        return ModelOutcome(_empty(), sol.status, math.nan, sol.mip_gap, sol.seconds, stats)
    return ModelOutcome(_chosen(sol.x, cols), sol.status, offset + sol.objective, sol.mip_gap,
                        sol.seconds, stats, offset + sol.dual_bound)


def greedy_cover(mat: sp.csr_array, weights: FloatArray, cost: FloatArray | None,
                 p: int | None) -> IntArray:
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


def _fallback(sol: MilpSolution, cols: IntArray, local: IntArray, offset: float,
              stats: dict[str, float]) -> ModelOutcome:
    """Time limit hit before HiGHS found any solution: report the greedy one instead."""
    stats = {**stats, "milp_seconds": sol.seconds, "greedy_fallback": 1.0}
    return ModelOutcome(np.sort(cols[local]), "time_limit", None, math.inf, sol.seconds, stats,
                        offset + sol.dual_bound)


# --------------------------------------------------------------------------- set covering ---

def reduce_cover(cover: sp.csr_array, cost: FloatArray, fixed: IntArray,
                 ) -> tuple[sp.csr_array, IntArray, dict[str, float]]:
    """Exact LSCP reduction: drop rows covered by ``fixed``, merge identical rows, drop
    dominated and empty columns. Returns the reduced matrix and its original column indices."""
    n_rows, n_cols = cover.shape
    is_fixed = _fixed_mask(n_cols, fixed)
    by_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else \
        np.zeros(n_rows, dtype=bool)
    free_cols = np.flatnonzero(~is_fixed).astype(np.int64)
    sub = sp.csr_array(cover[np.flatnonzero(~by_fixed)][:, free_cols])
    first, _ = group_identical_rows([sub])
    sub = sp.csr_array(sub[first])
    counts = np.asarray(sub.sum(axis=0)).ravel()
    rank = np.empty(free_cols.size, dtype=np.int64)
    rank[np.lexsort((free_cols, -counts, cost[free_cols]))] = np.arange(free_cols.size)
    keep = (counts > 0) & ~dominated_columns(sub, rank)
    stats = {"rows": float(n_rows), "cols": float(n_cols), "rows_reduced": float(sub.shape[0]),
             "cols_reduced": float(keep.sum())}
    return sp.csr_array(sub[:, np.flatnonzero(keep)]), free_cols[keep], stats


def solve_lscp(cover: sp.csr_array, cost: FloatArray, fixed: IntArray,
               time_limit: float | None, max_count: int | None = None) -> ModelOutcome:
    """Location set covering: ``min Σ_j c_j x_j`` s.t. ``Σ_{j∈N_i} x_j >= 1`` for every row
    not covered by a fixed site, ``x_j ∈ {0,1}`` (and ``Σ_j x_j <= max_count`` if given)."""
    mat, cols, stats = reduce_cover(cover, cost, fixed)
    if mat.shape[0] == 0:
        return ModelOutcome(_empty(), objective=0.0, stats=stats)
    n_rows, n_cols = mat.shape
    a = mat.astype(np.float64)
    row_lb, row_ub = _ones(n_rows), np.full(n_rows, np.inf)
    if max_count is not None:
        a = sp.vstack([a, sp.csr_array(_ones(n_cols)[None, :])])
        row_lb = np.append(row_lb, -np.inf)
        row_ub = np.append(row_ub, float(max_count))
    problem = MilpProblem(
        c=cost[cols].astype(np.float64), A=sp.csr_array(a), row_lb=row_lb, row_ub=row_ub,
        lb=np.zeros(n_cols), ub=_ones(n_cols), integral=np.ones(n_cols, dtype=bool),
    )
    sol = solve_milp(problem, time_limit)
    if sol.x is None and sol.status == "time_limit" and max_count is None:
        local = greedy_cover(mat, _ones(n_rows), cost[cols].astype(np.float64), None)
        return _fallback(sol, cols, local, 0.0, stats)
    return _outcome(sol, cols, 0.0, stats)


# ------------------------------------------------------------------------ maximal covering ---

def _mclp_reduce(cover: sp.csr_array, weights: FloatArray, fixed: IntArray,
                 ) -> tuple[sp.csr_array, FloatArray, IntArray, float]:
    n_rows, n_cols = cover.shape
    is_fixed = _fixed_mask(n_cols, fixed)
    by_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else \
        np.zeros(n_rows, dtype=bool)
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


def solve_mclp(cover: sp.csr_array, weights: FloatArray, p: int, fixed: IntArray,
               time_limit: float | None) -> ModelOutcome:
    """Maximal covering: ``max Σ_i w_i y_i`` s.t. ``y_i <= Σ_{j∈N_i} x_j``, ``Σ_j x_j <= p``,
    ``x ∈ {0,1}``, ``0 <= y <= 1`` (rows covered by fixed sites are a constant)."""
    mat, w, cols, base = _mclp_reduce(cover, weights, fixed)
    stats = {"rows_reduced": float(mat.shape[0]), "cols_reduced": float(cols.size)}
    if p >= cols.size or mat.shape[0] == 0 or p == 0:
        return ModelOutcome(cols if p >= cols.size else _empty(), stats=stats)
    n_rows, n_cols = mat.shape
    a = sp.vstack([
        sp.hstack([-mat.astype(np.float64), sp.eye_array(n_rows, format="csr")]),
        sp.hstack([sp.csr_array(_ones(n_cols)[None, :]), sp.csr_array((1, n_rows))]),
    ]).tocsr()
    problem = MilpProblem(
        c=np.concatenate([np.zeros(n_cols), w]), A=a,
        row_lb=np.full(n_rows + 1, -np.inf), row_ub=np.append(np.zeros(n_rows), float(p)),
        lb=np.zeros(n_cols + n_rows), ub=_ones(n_cols + n_rows),
        integral=np.concatenate([np.ones(n_cols, bool), np.zeros(n_rows, bool)]),
        maximize=True,
    )
    sol = solve_milp(problem, time_limit)
    if sol.x is None and sol.status == "time_limit":
        return _fallback(sol, cols, greedy_cover(mat, w, None, p), base, stats)
    return _outcome(sol, cols, base, stats)


# ------------------------------------------------------------------------- backup covering ---

def _backup_problem(mat: sp.csr_array, f: FloatArray, p: int) -> MilpProblem:
    """Variables ``[x (sites), y (once), u (twice)]``; rows ``y + u - A x <= f``,
    ``u - y <= 0``, ``Σ x <= p``. All binary; ``y`` is forced to 1 where ``f >= 1``."""
    n_rows, n_cols = mat.shape
    eye = sp.eye_array(n_rows, format="csr")
    a = sp.vstack([
        sp.hstack([-mat.astype(np.float64), eye, eye]),
        sp.hstack([sp.csr_array((n_rows, n_cols)), -eye, eye]),
        sp.hstack([sp.csr_array(_ones(n_cols)[None, :]), sp.csr_array((1, 2 * n_rows))]),
    ]).tocsr()
    n_var = n_cols + 2 * n_rows
    lb = np.zeros(n_var)
    lb[n_cols:n_cols + n_rows] = (f >= 1).astype(np.float64)
    return MilpProblem(
        c=np.zeros(n_var), A=a, row_lb=np.full(2 * n_rows + 1, -np.inf),
        row_ub=np.concatenate([f, np.zeros(n_rows), [float(p)]]), lb=lb, ub=_ones(n_var),
        integral=np.ones(n_var, dtype=bool), maximize=True,
    )


def _with_row(problem: MilpProblem, row: FloatArray, lo: float, c: FloatArray) -> MilpProblem:
    a = sp.vstack([problem.A, sp.csr_array(row[None, :])]).tocsr()
    return MilpProblem(c=c, A=a, row_lb=np.append(problem.row_lb, lo),
                       row_ub=np.append(problem.row_ub, np.inf), lb=problem.lb, ub=problem.ub,
                       integral=problem.integral, maximize=True)


def solve_backup(cover: sp.csr_array, weights: FloatArray, p: int, fixed: IntArray,
                 time_limit: float | None) -> ModelOutcome:
    """BACOP (Hogan & ReVelle 1986), lexicographic: stage 1 ``Z1 = max Σ w_i y_i``; stage 2
    ``max Σ w_i u_i`` s.t. ``Σ w_i y_i >= Z1``, with ``y_i + u_i <= Σ_{j∈N_i} x_j``,
    ``u_i <= y_i``, ``Σ x_j <= p``. The objective returned is the backup (twice-covered)
    weight; ``stats['single_weight']`` is the once-covered weight."""
    n_rows, n_cols = cover.shape
    is_fixed = _fixed_mask(n_cols, fixed)
    f_all = np.asarray(cover[:, fixed].sum(axis=1)).ravel().astype(np.float64) if fixed.size \
        else np.zeros(n_rows)
    base1 = float(weights[f_all >= 1].sum())
    base2 = float(weights[f_all >= 2].sum())
    free_cols = np.flatnonzero(~is_fixed).astype(np.int64)
    sub = sp.csr_array(cover[:, free_cols])
    rows = np.flatnonzero((weights > 0) & (f_all < 2) & (np.diff(sub.indptr) > 0))
    sub = sp.csr_array(sub[rows])
    first, inverse = group_identical_rows([sub], extra=f_all[rows])
    w = np.bincount(inverse, weights=weights[rows], minlength=first.size).astype(np.float64)
    f = f_all[rows][first]
    sub = sp.csr_array(sub[first])
    used = np.flatnonzero(np.asarray(sub.sum(axis=0)).ravel() > 0)
    mat, cols = sp.csr_array(sub[:, used]), free_cols[used]
    base1 -= float((w * (f >= 1)).sum())  # those rows stay in the model with y forced to 1
    stats: dict[str, float] = {"rows_reduced": float(mat.shape[0]),
                               "cols_reduced": float(cols.size)}
    if p >= cols.size or mat.shape[0] == 0 or p == 0:
        return ModelOutcome(cols if p >= cols.size else _empty(), stats=stats)
    return _backup_stages(mat, w, f, p, cols, (base1, base2), time_limit, stats)


def _backup_stages(mat: sp.csr_array, w: FloatArray, f: FloatArray, p: int, cols: IntArray,
                   bases: tuple[float, float], time_limit: float | None,
                   stats: dict[str, float]) -> ModelOutcome:
    n_rows, n_cols = mat.shape
    start = time.perf_counter()
    problem = _backup_problem(mat, f, p)
    y_obj = np.concatenate([np.zeros(n_cols), w, np.zeros(n_rows)])
    u_obj = np.concatenate([np.zeros(n_cols), np.zeros(n_rows), w])
    first = solve_milp(_with_row(problem, np.zeros(y_obj.size), -np.inf, y_obj), time_limit)
    if first.x is None:
        if first.status == "time_limit":
            fallback = _fallback(first, cols, greedy_cover(mat, w, None, p), bases[1], stats)
            return ModelOutcome(fallback.new_sites, "time_limit", None, math.inf,
                                first.seconds, fallback.stats)
        return _outcome(first, cols, bases[1], stats)
    x1 = np.round(first.x)
    z1 = float(w @ x1[n_cols:n_cols + n_rows])
    positive = w[w > 0]
    tol = min(1e-6 * max(1.0, abs(z1)), 0.5 * float(positive.min()) if positive.size else 1.0)
    remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - start),
                                                    1e-3)
    second = solve_milp(_with_row(problem, y_obj, z1 - tol, u_obj), remaining)
    stats = {**stats, "single_weight_model": bases[0] + z1, "stage1_seconds": first.seconds}
    out = _outcome(second, cols, bases[1], stats)
    if second.x is None:  # stage 2 found nothing in time: the stage-1 solution still stands
        return ModelOutcome(_chosen(x1, cols), "time_limit", None, math.inf,
                            time.perf_counter() - start, stats)
    status = "optimal" if first.status == second.status == "optimal" else "time_limit"
    gap = max(first.mip_gap, second.mip_gap)
    bound = out.bound if first.status == "optimal" else math.nan
    return ModelOutcome(out.new_sites, status, out.objective, gap, time.perf_counter() - start,
                        out.stats, bound)


# ------------------------------------------------------------------------------- p-median ---

@dataclass(frozen=True)
class _Levels:
    """Per-client distinct-distance levels of the compact p-median formulation."""

    entry_level: IntArray  # level of each kept (client, site) entry
    entry_col: IntArray  # model column (0..m-1) of each kept entry
    level_row: IntArray  # client of each level
    level_val: FloatArray  # distance D_i^k of each level
    level_next: FloatArray  # D_i^{k+1} (the client's cap after its last level; may be inf)
    row_start: BoolArray  # level is the first of its client


def _first_per_row(row: IntArray, n_rows: int, val: FloatArray) -> FloatArray:
    out = np.full(n_rows, np.inf)
    rows, idx = np.unique(row, return_index=True)
    out[rows] = val[idx]
    return out


def _restrict_rows(costs: Costs, rows: IntArray) -> Costs:
    """Costs of the given (sorted, unique) rows, renumbered 0..len(rows)-1, order kept."""
    new_id = np.full(costs.n_rows, -1, dtype=np.int64)
    new_id[rows] = np.arange(rows.size)
    keep = new_id[costs.row] >= 0
    return Costs(rows.size, costs.n_cols, new_id[costs.row[keep]], costs.col[keep],
                 costs.val[keep])


def _levels(r: IntArray, c: IntArray, v: FloatArray, cap: FloatArray) -> _Levels:
    """Distinct-distance levels below each client's cap (entries sorted by client, cost)."""
    keep = v < cap[r]
    r, c, v = r[keep], c[keep], v[keep]
    new = np.ones(r.size, dtype=bool)
    new[1:] = (r[1:] != r[:-1]) | (v[1:] != v[:-1])
    level = np.cumsum(new) - 1
    level_row, level_val = r[new], v[new]
    start = np.ones(level_row.size, dtype=bool)
    start[1:] = level_row[1:] != level_row[:-1]
    nxt = cap[level_row].copy()
    same = ~start[1:]
    nxt[:-1][same] = level_val[1:][same]
    return _Levels(level.astype(np.int64), c, level_row, level_val, nxt, start)


def _pmedian_problem(lv: _Levels, w: FloatArray, m: int, p: int) -> MilpProblem:
    """Compact p-median MILP (Cornuéjols, Nemhauser & Wolsey 1980; Elloumi 2010), chained:
    ``min Σ_i w_i (D_i^1 + Σ_k (D_i^{k+1} - D_i^k) z_i^k)`` s.t.
    ``z_i^k - z_i^{k-1} + Σ_{j: d_ij = D_i^k} y_j >= 0`` (``z_i^0 = 1``), ``Σ_j y_j = p``,
    ``y ∈ {0,1}``, ``0 <= z <= 1`` (``z = 0`` at a client's last level when its cap is
    infinite: it must be served by a reachable site)."""
    n_lv = lv.level_row.size
    finite = np.isfinite(lv.level_next)
    coef = np.where(finite, w[lv.level_row] * (np.where(finite, lv.level_next, 0.0)
                                                - lv.level_val), 0.0)
    prev = np.flatnonzero(~lv.row_start)
    rows = np.concatenate([lv.entry_level, np.arange(n_lv), prev, np.full(m, n_lv)])
    cols = np.concatenate([lv.entry_col, m + np.arange(n_lv), m + prev - 1, np.arange(m)])
    data = np.concatenate([_ones(lv.entry_level.size), _ones(n_lv), -_ones(prev.size),
                           _ones(m)])
    a = sp.csr_array((data, (rows, cols)), shape=(n_lv + 1, m + n_lv))
    row_lb = np.append(lv.row_start.astype(np.float64), float(p))
    row_ub = np.append(np.full(n_lv, np.inf), float(p))
    return MilpProblem(
        c=np.concatenate([np.zeros(m), coef]), A=a, row_lb=row_lb, row_ub=row_ub,
        lb=np.zeros(m + n_lv), ub=np.concatenate([_ones(m), finite.astype(np.float64)]),
        integral=np.concatenate([np.ones(m, bool), np.zeros(n_lv, bool)]),
    )


@dataclass(frozen=True)
class _Median:
    """Reduced p-median data: free entries ``(r, c, v)`` sorted by client then cost (``c`` in
    model columns 0..m-1 = ``cols``), client weights ``w`` and exact caps ``cap``."""

    r: IntArray
    c: IntArray
    v: FloatArray
    w: FloatArray
    cap: FloatArray
    fixed_cap: FloatArray
    cols: IntArray

    def dist(self, chosen: IntArray) -> FloatArray:
        """Each client's cost to its nearest open site (chosen model columns or fixed)."""
        is_open = np.zeros(self.cols.size, dtype=bool)
        is_open[chosen] = True
        sel = is_open[self.c]
        out = self.fixed_cap.copy()
        rows, idx = np.unique(self.r[sel], return_index=True)
        out[rows] = np.minimum(out[rows], self.v[sel][idx])
        return out


def _median_data(costs: Costs, weights: FloatArray, p: int, fixed: IntArray) -> _Median:
    is_fixed = _fixed_mask(costs.n_cols, fixed)
    active = np.flatnonzero(weights > 0)
    sub = _restrict_rows(costs, active)
    first, inverse = group_identical_rows([sub.pattern(), sub.matrix()])
    w = np.bincount(inverse, weights=weights[active], minlength=first.size).astype(np.float64)
    sub = _restrict_rows(sub, first)
    on_fixed = is_fixed[sub.col]
    fixed_cap = _first_per_row(sub.row[on_fixed], sub.n_rows, sub.val[on_fixed])
    free = ~on_fixed
    r, c, v = sub.row[free], sub.col[free], sub.val[free]
    cols, c_local = np.unique(c, return_inverse=True)
    count = np.bincount(r, minlength=sub.n_rows)
    rank = np.arange(r.size) - (np.cumsum(count) - count)[r]
    at_kth = rank == cols.size - p
    count_cap = np.full(sub.n_rows, np.inf)
    count_cap[r[at_kth]] = v[at_kth]
    return _Median(r, c_local.astype(np.int64).ravel(), v, w,
                   np.minimum(fixed_cap, count_cap), fixed_cap, cols.astype(np.int64))


def _greedy_median(d: _Median, p: int) -> IntArray:
    """Greedy-add heuristic: open, ``p`` times, the site that saves the most weighted cost."""
    big = 2.0 * float(d.v.max(initial=0.0)) + 1.0
    cur = np.where(np.isfinite(d.fixed_cap), d.fixed_cap, big)
    chosen: list[int] = []
    wr = d.w[d.r]
    for _ in range(p):
        gain = np.bincount(d.c, weights=wr * np.maximum(0.0, cur[d.r] - d.v),
                           minlength=d.cols.size)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        sel = d.c == j
        cur[d.r[sel]] = np.minimum(cur[d.r[sel]], d.v[sel])
    return np.asarray(chosen, dtype=np.int64)


def _median_offset(lv: _Levels, w: FloatArray, cap: FloatArray) -> float:
    has_level = np.zeros(w.size, dtype=bool)
    has_level[lv.level_row] = True
    first = lv.level_row[lv.row_start]
    return float((w[~has_level] * cap[~has_level]).sum() +
                 (w[first] * lv.level_val[lv.row_start]).sum())


def solve_pmedian(costs: Costs, weights: FloatArray, p: int, fixed: IntArray,
                  time_limit: float | None) -> ModelOutcome:
    """p-median with ``p`` new sites besides ``fixed``; see :func:`_pmedian_problem`.

    Exact reductions: zero-weight rows dropped, identical rows merged (weights summed), unused
    columns dropped, each client's levels cut at its cap ``C_i`` = min(distance to the nearest
    fixed site, its (m-p+1)-th smallest distance — with exactly ``p`` of ``m`` sites open one of
    those is always open).

    Level generation: client ``i``'s cost is first capped at ``T_i`` = its cost in a greedy
    solution (``T_i <= C_i``), which gives a smaller *relaxation* (``min(d_i, T_i) <= d_i``).
    When the relaxation's optimum leaves every client within its ``T_i`` it is optimal for
    the full model; otherwise the violated clients get ``T_i`` = their current cost and the
    model is solved again. Every round raises some ``T_i``, so the loop ends.
    """
    start = time.perf_counter()
    d = _median_data(costs, weights, p, fixed)
    m = d.cols.size
    stats: dict[str, float] = {"rows_reduced": float(d.w.size), "cols_reduced": float(m)}
    if p == 0 or p >= m:
        return ModelOutcome(d.cols if p > 0 else _empty(), stats=stats)
    best = _greedy_median(d, p)
    best_dist = d.dist(best)
    cap = np.minimum(d.cap, best_dist)
    rounds = 0
    while True:
        rounds += 1
        lv = _levels(d.r, d.c, d.v, cap)
        offset = _median_offset(lv, d.w, cap)
        stats.update(rounds=float(rounds), levels=float(lv.level_row.size),
                     nonzeros=float(lv.entry_col.size))
        log.info("p-median round %d: %d clients, %d sites, %d levels", rounds, d.w.size, m,
                 lv.level_row.size)
        left = None if time_limit is None else time_limit - (time.perf_counter() - start)
        if lv.level_row.size == 0:
            return ModelOutcome(d.cols[best], objective=offset, stats=stats)
        sol = solve_milp(_pmedian_problem(lv, d.w, m, p), left)
        if sol.x is None:
            if sol.status == "infeasible":
                return _outcome(sol, d.cols, offset, stats)
            break
        chosen = np.flatnonzero(sol.x[:m] > 0.5)
        dist = d.dist(chosen)
        if float(d.w @ dist) < float(d.w @ best_dist):
            best, best_dist = chosen, dist
        violated = dist > cap
        if sol.status != "optimal":
            break
        if not violated.any():
            return ModelOutcome(d.cols[chosen], "optimal", offset + sol.objective, sol.mip_gap,
                                time.perf_counter() - start, stats)
        cap[violated] = np.minimum(d.cap, dist)[violated]
    bound = offset + sol.dual_bound if sol.x is not None else math.nan
    value = float(d.w @ best_dist)
    gap = (value - bound) / max(abs(value), 1e-12) if math.isfinite(bound) else math.inf
    return ModelOutcome(d.cols[best], "time_limit", None, max(gap, 0.0),
                        time.perf_counter() - start, stats, bound)


# ------------------------------------------------------------------------------- p-center ---

def nearest_open(costs: Costs, open_mask: BoolArray) -> tuple[FloatArray, IntArray]:
    """Per row: the cost to the nearest open site (inf if none) and that site (-1 if none).
    Ties go to the lowest site index (entries are sorted by row, cost, site)."""
    sel = open_mask[costs.col]
    rows, idx = np.unique(costs.row[sel], return_index=True)
    dist = np.full(costs.n_rows, np.inf)
    site = np.full(costs.n_rows, -1, dtype=np.int64)
    dist[rows] = costs.val[sel][idx]
    site[rows] = costs.col[sel][idx]
    return dist, site


def _greedy_center(costs: Costs, fixed: IntArray, p: int) -> IntArray:
    """Farthest-first heuristic: repeatedly open the free site nearest to the worst row."""
    csc = sp.csc_array(costs.matrix())
    is_open = _fixed_mask(costs.n_cols, fixed)
    dist, _ = nearest_open(costs, is_open)
    free_first = ~is_open[costs.col]
    chosen: list[int] = []
    for _ in range(p):
        worst = int(np.argmax(dist))
        sel = np.flatnonzero((costs.row == worst) & free_first)
        if sel.size == 0:
            sel = np.flatnonzero(free_first)
        if sel.size == 0:
            break
        j = int(costs.col[sel[0]])
        chosen.append(j)
        is_open[j] = True
        free_first &= costs.col != j
        lo, hi = csc.indptr[j], csc.indptr[j + 1]
        rows = csc.indices[lo:hi]
        dist[rows] = np.minimum(dist[rows], csc.data[lo:hi])
    return np.asarray(sorted(chosen), dtype=np.int64)


def _radius(costs: Costs, sites: IntArray, fixed: IntArray) -> float:
    mask = _fixed_mask(costs.n_cols, np.concatenate([fixed, sites]))
    return float(nearest_open(costs, mask)[0].max(initial=0.0))


def _cover_check(costs: Costs, radius: float, p: int, fixed: IntArray,
                 time_limit: float | None) -> ModelOutcome:
    """Can ``p`` new sites (plus ``fixed``) reach every row within ``radius``? A unicost set
    cover with ``Σ x <= p``; ``status`` is ``infeasible`` when they cannot."""
    keep = costs.val <= radius
    ones = np.ones(int(keep.sum()), dtype=bool)
    cover = sp.csr_array((ones, (costs.row[keep], costs.col[keep])),
                         shape=(costs.n_rows, costs.n_cols))
    if (np.diff(cover.indptr) == 0).any():
        return ModelOutcome(_empty(), "infeasible")
    return solve_lscp(cover, _ones(costs.n_cols), fixed, time_limit, max_count=p)


def solve_pcenter(costs: Costs, p: int, fixed: IntArray, time_limit: float | None,
                  ) -> ModelOutcome:
    """Vertex p-center by binary search over the sorted distinct costs ``r``: the optimum is
    the smallest ``r`` for which ``min Σ x_j`` s.t. ``Σ_{j: d_ij <= r} x_j >= 1`` for every
    row not within ``r`` of a fixed site is ``<= p``. Bounds: below, the largest
    nearest-possible-site cost; above, a farthest-first heuristic."""
    start = time.perf_counter()
    all_open = np.ones(costs.n_cols, dtype=bool)
    lower = float(nearest_open(costs, all_open)[0].max(initial=0.0))
    best = _greedy_center(costs, fixed, p)
    upper = _radius(costs, best, fixed)
    radii = np.unique(costs.val[(costs.val >= lower) & (costs.val <= upper)])
    if not np.isfinite(upper):
        radii = np.unique(costs.val[costs.val >= lower])
    lo, hi = 0, (radii.size - 1 if np.isfinite(upper) else radii.size)
    checks, status = 0, "optimal"
    while lo < hi:
        mid = (lo + hi) // 2
        left = None if time_limit is None else time_limit - (time.perf_counter() - start)
        if left is not None and left <= 0:
            status = "time_limit"
            break
        out = _cover_check(costs, float(radii[mid]), p, fixed, left)
        checks += 1
        if out.status == "infeasible":
            lo = mid + 1
        elif out.objective is not None and not math.isnan(out.objective):
            best = out.new_sites
            hi = int(np.searchsorted(radii, _radius(costs, best, fixed)))
        else:
            status = "time_limit"
            break
    stats = {"radius_checks": float(checks), "lower_bound": lower, "heuristic_radius": upper}
    seconds = time.perf_counter() - start
    if hi >= radii.size:
        return ModelOutcome(_empty(), "infeasible", math.nan, math.inf, seconds, stats)
    gap = 0.0 if status == "optimal" else (radii[hi] - radii[lo]) / max(radii[hi], 1e-12)
    return ModelOutcome(best, status, float(radii[hi]), float(gap), seconds, stats,
                        float(radii[min(lo, hi)]))
