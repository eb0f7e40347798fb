"""Incumbents and certified bounds for the covering models under a time limit (issue 11).

A time-limited MILP on a city-sized covering model may stop before HiGHS has a bound or even a
solution. Everything here works on a *reduced* model (rows and columns as the solvers build them,
:mod:`firecover.siting.models`) with whole-array operations, and never takes longer than the
deadline it is given:

* :func:`greedy_lscp` — the greedy set cover (best newly covered rows per cost), then redundant
  columns dropped (most expensive first): a feasible cover, the incumbent.
* :func:`lscp_lagrangian` — the Lagrangian relaxation of the covering rows,
  ``L(u) = Σ_i u_i + Σ_j min(0, c_j − Σ_{i∈N_j} u_i)`` for ``u ≥ 0``, maximised by subgradient
  steps (Held–Karp step towards the incumbent). Every ``L(u)`` is a lower bound on the LSCP
  optimum (and on the area model's, which needs a cover too).
* :func:`mclp_lagrangian` — the Lagrangian relaxation of ``y_i <= Σ_{j∈N_i} x_j``:
  ``L(λ) = Σ_i max(0, w_i − λ_i) + (sum of the p largest positive (Aᵀλ)_j)``, an upper bound
  on the MCLP optimum for every ``λ ≥ 0``, minimised by subgradient steps.

The bounds are exact for the relaxation at the multipliers reached: any value returned is valid,
only its tightness depends on how many steps fit in the time given.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "Bound",
    "greedy_lscp",
    "lagrangian_cover",
    "lscp_lagrangian",
    "mclp_lagrangian",
    "prune_cover",
]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Subgradient iterations at most (each is two sparse products).
MAX_ITER = 600
#: Halve the step factor after this many iterations without improvement.
_PATIENCE = 20


@dataclass(frozen=True)
class Bound:
    """A certified bound of a relaxation: ``value``, the steps taken and the seconds used."""

    value: float
    iterations: int
    seconds: float
    multipliers: FloatArray | None = None


def _deadline(time_limit: float | None) -> float:
    return math.inf if time_limit is None else time.perf_counter() + max(0.0, time_limit)


def prune_cover(mat: sp.csr_array, cost: FloatArray, chosen: IntArray) -> IntArray:
    """Drop columns of a cover whose rows all stay covered by the others, dearest first."""
    csc = sp.csc_array(mat)
    count = np.asarray(mat[:, chosen].sum(axis=1)).ravel().astype(np.int64)
    keep = []
    for j in chosen[np.lexsort((-chosen, -cost[chosen]))].tolist():
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        if rows.size == 0 or np.all(count[rows] >= 2):
            count[rows] -= 1
        else:
            keep.append(j)
    return np.sort(np.asarray(keep, dtype=np.int64))


def greedy_lscp(mat: sp.csr_array, cost: FloatArray, start: IntArray | None = None) -> IntArray:
    """Greedy cover of every row (rows must all be coverable), pruned (:func:`prune_cover`).

    Starts from the columns ``start`` (e.g. those a Lagrangian relaxation opens), then picks
    the column of most newly covered rows per unit cost; scores are recomputed only for the
    columns that share a row with the column just taken.
    """
    n_rows, n_cols = mat.shape
    if n_rows == 0:
        return np.zeros(0, dtype=np.int64)
    csc = sp.csc_array(mat, dtype=np.float64)
    csr = sp.csr_array(mat, dtype=np.float64)
    chosen: list[int] = [] if start is None else [int(j) for j in start]
    left = np.ones(n_rows)
    if chosen:
        left[np.asarray(mat[:, chosen].sum(axis=1)).ravel() > 0] = 0.0
    gain = np.asarray(csc.T @ left).ravel()
    gain[chosen] = 0.0
    c = np.maximum(cost, 1e-12)
    while left.any():
        j = int(np.argmax(gain / c))
        if gain[j] <= 0:
            break
        chosen.append(j)
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        rows = rows[left[rows] > 0]
        left[rows] = 0.0
        sub = csr[rows]  # the columns touching the newly covered rows lose those rows
        gain -= np.bincount(sub.indices, minlength=n_cols)
        gain[j] = 0.0
    return prune_cover(mat, cost, np.asarray(chosen, dtype=np.int64))


def lscp_lagrangian(mat: sp.csr_array, cost: FloatArray, upper: float,
                    time_limit: float | None, integral: bool = True) -> Bound:  # fmt: skip
    """Best lower bound ``max_u L(u)`` found within ``time_limit`` (see the module notes).

    ``upper`` is the incumbent's cost (the step target). With ``integral`` costs the optimum is
    an integer, and the search stops once ``ceil(L) >= upper`` (the incumbent is optimal).
    """
    t0 = time.perf_counter()
    stop = _deadline(time_limit)
    n_rows = mat.shape[0]
    if n_rows == 0:
        return Bound(0.0, 0, 0.0)
    a = sp.csr_array(mat, dtype=np.float64)
    at = sp.csr_array(a.T)
    # start (Beasley): each row priced at the cheapest cost per covered row of its columns
    per_row = np.maximum(cost, 1e-12) / np.maximum(np.diff(sp.csc_array(a).indptr), 1)
    inv = sp.csr_array(a.multiply(1.0 / per_row[None, :]))
    u = 1.0 / np.maximum(np.asarray(inv.max(axis=1).toarray()).ravel(), 1e-300)
    u[np.diff(a.indptr) == 0] = 0.0
    best, theta, stale, it = -math.inf, 2.0, 0, 0
    best_u = u
    while it < MAX_ITER and time.perf_counter() < stop:
        it += 1
        red = cost - at @ u
        x = red < 0
        value = float(u.sum() + red[x].sum())
        if it == 1 or value > best + 1e-9 * max(1.0, abs(best)):
            best, stale, best_u = value, 0, u
        else:
            stale += 1
            if stale >= _PATIENCE:
                theta, stale = theta / 2.0, 0
        if (integral and math.ceil(best - 1e-6) >= upper) or theta < 1e-4:
            break
        g = 1.0 - a @ x.astype(np.float64)
        norm = float(g @ g)
        if norm <= 0:
            break  # x covers every row exactly once: L(u) is the optimum
        step = theta * (upper - value) / norm
        u = np.maximum(0.0, u + max(step, 1e-12) * g)
    # costs are >= 0, so 0 is a bound even when no step fitted in the time
    return Bound(max(best, 0.0), it, time.perf_counter() - t0, best_u)


def lagrangian_cover(mat: sp.csr_array, cost: FloatArray, u: FloatArray) -> IntArray:
    """Lagrangian heuristic: the columns of negative reduced cost at ``u``, completed greedily
    and pruned (a feasible cover, often better than the plain greedy one)."""
    red = cost - sp.csr_array(mat, dtype=np.float64).T @ u
    return greedy_lscp(mat, cost, np.flatnonzero(red < 0).astype(np.int64))


def mclp_lagrangian(mat: sp.csr_array, w: FloatArray, p: int, lower: float,
                    time_limit: float | None) -> Bound:  # fmt: skip
    """Best upper bound ``min_λ L(λ)`` of the reduced MCLP found within ``time_limit``.

    ``lower`` is the incumbent's covered weight (the step target).
    """
    t0 = time.perf_counter()
    stop = _deadline(time_limit)
    n_rows, n_cols = mat.shape
    if n_rows == 0 or p <= 0:
        return Bound(0.0, 0, 0.0)
    a = sp.csr_array(mat, dtype=np.float64)
    at = sp.csr_array(a.T)
    lam = 0.5 * w
    best, theta, stale, it = math.inf, 2.0, 0, 0
    k = min(p, n_cols)
    while it < MAX_ITER and time.perf_counter() < stop:
        it += 1
        score = at @ lam
        top = np.argpartition(-score, k - 1)[:k]
        top = top[score[top] > 0]
        y = w > lam
        value = float((w - lam)[y].sum() + score[top].sum())
        if it == 1 or value < best - 1e-9 * max(1.0, abs(best)):
            best, stale = value, 0
        else:
            stale += 1
            if stale >= _PATIENCE:
                theta, stale = theta / 2.0, 0
        if best <= lower * (1 + 1e-9) or theta < 1e-4:
            break
        x = np.zeros(n_cols)
        x[top] = 1.0
        g = y.astype(np.float64) - a @ x  # ∂L/∂λ = (A x) − y; step against it
        norm = float(g @ g)
        if norm <= 0:
            break
        step = theta * (value - lower) / norm
        lam = np.maximum(0.0, lam + max(step, 1e-12) * g)
    # every covered row at most once: the total weight is a bound even without a step
    return Bound(max(min(best, float(w.sum())), lower), it, time.perf_counter() - t0)
