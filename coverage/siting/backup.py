"""MILP builder for backup covering (BACOP, Hogan & ReVelle 1986), lexicographic in two stages
(private; the public API is :func:`firecover.siting.api.backup_coverage`). Shares the reduction
and outcome helpers of :mod:`firecover.siting.models`."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from firecover.siting.milp import MilpProblem, solve_milp
from firecover.siting.models import (
    ModelOutcome,
    _chosen,
    _empty,
    _fallback,
    _fixed_mask,
    _ones,
    _outcome,
    greedy_cover,
)
from firecover.siting.reduce import FloatArray, IntArray, group_identical_rows

__all__ = ["solve_backup"]


def _backup_problem(mat: sp.csr_array, f: FloatArray, p: int) -> MilpProblem:
    """Variables ``[x (sites), y (once), u (twice)]``; rows ``y + u - A x <= f``,
    ``u - y <= 0``, ``Σ x <= p``. All binary; ``y`` is forced to 1 where ``f >= 1``."""
    n_rows, n_cols = mat.shape
    eye = sp.eye_array(n_rows, format="csr")
    a = sp.vstack(
        [
            sp.hstack([-mat.astype(np.float64), eye, eye]),
            sp.hstack([sp.csr_array((n_rows, n_cols)), -eye, eye]),
            sp.hstack([sp.csr_array(_ones(n_cols)[None, :]), sp.csr_array((1, 2 * n_rows))]),
        ]
    ).tocsr()
    n_var = n_cols + 2 * n_rows
    lb = np.zeros(n_var)
    lb[n_cols : n_cols + n_rows] = (f >= 1).astype(np.float64)
    return MilpProblem(
        c=np.zeros(n_var),
        A=a,
        row_lb=np.full(2 * n_rows + 1, -np.inf),
        row_ub=np.concatenate([f, np.zeros(n_rows), [float(p)]]),
        lb=lb,
        ub=_ones(n_var),
        integral=np.ones(n_var, dtype=bool),
        maximize=True,
    )


def _with_row(problem: MilpProblem, row: FloatArray, lo: float, c: FloatArray) -> MilpProblem:
    a = sp.vstack([problem.A, sp.csr_array(row[None, :])]).tocsr()
    return MilpProblem(
        c=c,
        A=a,
        row_lb=np.append(problem.row_lb, lo),
        row_ub=np.append(problem.row_ub, np.inf),
        lb=problem.lb,
        ub=problem.ub,
        integral=problem.integral,
        maximize=True,
    )


def solve_backup(
    cover: sp.csr_array, weights: FloatArray, p: int, fixed: IntArray, time_limit: float | None
) -> ModelOutcome:
    """BACOP (Hogan & ReVelle 1986), lexicographic: stage 1 ``Z1 = max Σ w_i y_i``; stage 2
    ``max Σ w_i u_i`` s.t. ``Σ w_i y_i >= Z1``, with ``y_i + u_i <= Σ_{j∈N_i} x_j``,
    ``u_i <= y_i``, ``Σ x_j <= p``. The objective returned is the backup (twice-covered)
    weight; ``stats['single_weight']`` is the once-covered weight."""
    n_rows, n_cols = cover.shape
    is_fixed = _fixed_mask(n_cols, fixed)
    f_all = (
        np.asarray(cover[:, fixed].sum(axis=1)).ravel().astype(np.float64)
        if fixed.size
        else np.zeros(n_rows)
    )
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
    stats: dict[str, float] = {
        "rows_reduced": float(mat.shape[0]),
        "cols_reduced": float(cols.size),
    }
    if p >= cols.size or mat.shape[0] == 0 or p == 0:
        return ModelOutcome(cols if p >= cols.size else _empty(), stats=stats)
    return _backup_stages(mat, w, f, p, cols, (base1, base2), time_limit, stats)


def _backup_stages(
    mat: sp.csr_array,
    w: FloatArray,
    f: FloatArray,
    p: int,
    cols: IntArray,
    bases: tuple[float, float],
    time_limit: float | None,
    stats: dict[str, float],
) -> ModelOutcome:
    n_rows, n_cols = mat.shape
    start = time.perf_counter()
    problem = _backup_problem(mat, f, p)
    y_obj = np.concatenate([np.zeros(n_cols), w, np.zeros(n_rows)])
    u_obj = np.concatenate([np.zeros(n_cols), np.zeros(n_rows), w])
    first = solve_milp(_with_row(problem, np.zeros(y_obj.size), -np.inf, y_obj), time_limit)
    if first.x is None:
        if first.status == "time_limit":
            fallback = _fallback(first, cols, greedy_cover(mat, w, None, p), bases[1], stats)
            return ModelOutcome(
                fallback.new_sites, "time_limit", None, math.inf, first.seconds, fallback.stats
            )
        return _outcome(first, cols, bases[1], stats)
    x1 = np.round(first.x)
    z1 = float(w @ x1[n_cols : n_cols + n_rows])
    positive = w[w > 0]
    tol = min(1e-6 * max(1.0, abs(z1)), 0.5 * float(positive.min()) if positive.size else 1.0)
    remaining = (
        None if time_limit is None else max(time_limit - (time.perf_counter() - start), 1e-3)
    )
    second = solve_milp(_with_row(problem, y_obj, z1 - tol, u_obj), remaining)
    stats = {**stats, "single_weight_model": bases[0] + z1, "stage1_seconds": first.seconds}
    out = _outcome(second, cols, bases[1], stats)
    if second.x is None:  # stage 2 found nothing in time: the stage-1 solution still stands
        return ModelOutcome(
            _chosen(x1, cols), "time_limit", None, math.inf, time.perf_counter() - start, stats
        )
    status = "optimal" if first.status == second.status == "optimal" else "time_limit"
    gap = max(first.mip_gap, second.mip_gap)
    bound = out.bound if first.status == "optimal" else math.nan
    return ModelOutcome(
        out.new_sites, status, out.objective, gap, time.perf_counter() - start, out.stats, bound
    )
