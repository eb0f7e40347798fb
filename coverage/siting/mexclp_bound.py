"""A certified MEXCLP answer without the MILP: greedy + swaps with a submodular upper bound.

Works on the reduced arrays of :mod:`firecover.siting.mexclp` (``sub`` rows × free columns,
row weights ``w``, fixed-station counts ``f``, level values ``a_1 >= a_2 >= … >= 0``).

Objective of a set ``S`` of free columns (``n_i(S) = f_i + |S ∩ N_i|``)::

    F(S) = Σ_i w_i g(n_i(S)),    g(n) = Σ_{k <= min(n, K)} a_k

Upper bound (Nemhauser, Wolsey & Fisher 1978). ``g`` is nondecreasing and concave in ``n``
(its increments ``a_k`` are ``>= 0`` and nonincreasing), and ``n_i`` is a sum of 0/1
indicators, so ``F`` is monotone and submodular. For *any* ``S`` and an optimum ``S*``
(``|S*| = p``)::

    F(S*) <= F(S ∪ S*) <= F(S) + Σ_{j ∈ S* \\ S} ρ_j(S) <= F(S) + (sum of the p largest ρ_j(S))

with ``ρ_j(S) = F(S + j) − F(S) = Σ_{i ∈ N_j} w_i a_{n_i(S)+1} >= 0`` (first step:
monotonicity; second: submodularity; third: ``|S* \\ S| <= p``). Every set the greedy and the
swaps visit gives such a bound; the smallest is reported. ``ρ`` for all columns is one sparse
product ``subᵀ (w ∘ a_{n+1})``.

Lagrangian bound (relaxing each row's link ``Σ_k y_ik <= f_i + Σ_{j∈N_i} x_j`` of the MILP in
:mod:`firecover.siting.mexclp` with ``λ_i >= 0``, ``K_i`` its levels)::

    L(λ) = Σ_i [λ_i f_i + Σ_{k <= K_i} (w_i a_k − λ_i)⁺] + (sum of the p largest Σ_{i∈N_j} λ_i)

For feasible ``(x, y)``: ``Σ w_i a_k y_ik = Σ (w_i a_k − λ_i) y_ik + Σ λ_i Σ_k y_ik <= Σ (w_i
a_k − λ_i)⁺ + Σ λ_i (f_i + Σ_{j∈N_i} x_j)``, and ``Σ_j x_j = p`` gives the last term, so
``L(λ) >= F(S*)`` for every ``λ >= 0``. Started at ``λ_i = w_i a_{n_i(S)+1}`` (``S`` the
incumbent) it equals ``F(S) + top_p(ρ) − Σ_{j∈S} ρ_j(S)``, never above the submodular bound;
subgradient steps (Polyak, target the incumbent) then lower it.

Incumbent: greedy on ``ρ`` (``p`` steps), then first-improvement swaps: drop an open column
``r``, add the best ``j`` for ``S − r``, keep the swap when it gains; until no swap gains or
the time is up. Its value is recomputed from the counts, so it equals :func:`evaluate_mexclp`
of its sites.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from firecover.siting.reduce import FloatArray, IntArray

__all__ = ["MexclpHeuristic", "lagrangian_bound", "mexclp_greedy_bound", "submodular_bound"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MexclpHeuristic:
    """Greedy + swap incumbent in reduced columns with its certified upper bound.

    ``value`` and ``bound`` are in the reduced objective (without the rows no free column
    reaches); ``swaps`` counts the improving swaps made.
    """

    columns: IntArray
    value: float
    bound: float
    swaps: int
    seconds: float


def _value(w: FloatArray, n: IntArray, cum: FloatArray) -> float:
    return float(w @ cum[np.minimum(n, cum.size - 1)])


def _gains(at: sp.csr_array, w: FloatArray, n: IntArray, step: FloatArray) -> FloatArray:
    return np.asarray(at @ (w * step[np.minimum(n, step.size - 1)])).ravel()


def submodular_bound(gains: FloatArray, open_mask: np.ndarray, value: float, p: int) -> float:
    """``F(S) + Σ`` of the ``p`` largest marginal gains of columns outside ``S`` (module notes)."""
    outside = np.where(open_mask, 0.0, np.maximum(gains, 0.0))
    k = min(p, outside.size)
    if k == 0:
        return value
    return value + float(np.partition(outside, outside.size - k)[outside.size - k :].sum())


def mexclp_greedy_bound(
    sub: sp.csr_array,
    w: FloatArray,
    f: FloatArray,
    p: int,
    a: FloatArray,
    time_limit: float | None = None,
) -> MexclpHeuristic:
    """Greedy + swaps on ``F`` with the submodular bound (module notes).

    Parameters
    ----------
    sub : (rows, free) sparse 0/1 matrix
        Free columns reaching each (merged) row.
    w, f : (rows,) arrays
        Row weights and the number of fixed stations reaching each row.
    p : int
        Free columns to open (``0 < p < free``).
    a : (K,) array
        Level values, nonnegative and nonincreasing.
    time_limit : float, optional
        Seconds for the swap passes (the greedy always completes).
    """
    started = time.perf_counter()
    n_cols = sub.shape[1]
    at = sp.csr_array(sub.T, dtype=np.float64)
    csc = sp.csc_array(sub)
    cum = np.concatenate([[0.0], np.cumsum(a)])
    step = np.concatenate([a, [0.0]])
    n = f.astype(np.int64).copy()
    is_open = np.zeros(n_cols, dtype=bool)
    value = _value(w, n, cum)
    bound = np.inf

    def rows_of(j: int) -> IntArray:
        return csc.indices[csc.indptr[j] : csc.indptr[j + 1]]

    for _ in range(p):
        gains = _gains(at, w, n, step)
        bound = min(bound, submodular_bound(gains, is_open, value, p))
        gains[is_open] = -1.0
        j = int(np.argmax(gains))
        is_open[j] = True
        n[rows_of(j)] += 1
        value = _value(w, n, cum)
    gains = _gains(at, w, n, step)
    bound = min(bound, submodular_bound(gains, is_open, value, p))
    swaps = 0
    improved = True
    while improved:
        improved = False
        for r in np.flatnonzero(is_open):
            if time_limit is not None and time.perf_counter() - started > time_limit:
                break
            n[rows_of(int(r))] -= 1
            is_open[r] = False
            g = _gains(at, w, n, step)
            g[is_open] = -1.0
            j = int(np.argmax(g))
            if g[j] <= g[r] * (1.0 + 1e-12) + 1e-15:
                j = int(r)
            is_open[j] = True
            n[rows_of(j)] += 1
            if j != r:
                swaps += 1
                improved = True
                value = _value(w, n, cum)
                bound = min(bound, submodular_bound(_gains(at, w, n, step), is_open, value, p))
    value = _value(w, n, cum)
    lam0 = w * step[np.minimum(n, step.size - 1)]
    spent = time.perf_counter() - started
    budget = None if time_limit is None else max(time_limit - spent, 0.0)
    bound = min(bound, lagrangian_bound(sub, w, f, p, a, lam0, value, time_limit=budget))
    seconds = time.perf_counter() - started
    log.info("mexclp greedy+swap: %d swaps, value %.6g, bound %.6g", swaps, value, bound)
    return MexclpHeuristic(np.flatnonzero(is_open).astype(np.int64), value, bound, swaps, seconds)


def lagrangian_bound(
    sub: sp.csr_array,
    w: FloatArray,
    f: FloatArray,
    p: int,
    a: FloatArray,
    lam0: FloatArray,
    target: float,
    iterations: int = 300,
    time_limit: float | None = None,
) -> float:
    """Smallest ``L(λ)`` (module notes) over subgradient steps from ``lam0``.

    ``target`` is a known objective value (the incumbent's) for the Polyak step size.
    """
    started = time.perf_counter()
    at = sp.csr_array(sub.T, dtype=np.float64)
    fi = f.astype(np.int64)
    n_levels = np.minimum(np.minimum(np.diff(sub.indptr), p) + fi, a.size)
    live = np.arange(a.size)[None, :] < n_levels[:, None]
    wa = np.where(live, w[:, None] * a[None, :], 0.0)
    lam = np.maximum(np.asarray(lam0, dtype=np.float64), 0.0)
    k = min(p, sub.shape[1])
    best = np.inf
    theta, stall = 1.0, 0
    for _ in range(iterations):
        excess = wa - lam[:, None]
        col = np.asarray(at @ lam).ravel()
        top = np.argpartition(col, col.size - k)[col.size - k :]
        value = float(lam @ f + np.maximum(excess, 0.0).sum() + col[top].sum())
        if value < best - 1e-12 * max(1.0, abs(best) if np.isfinite(best) else 1.0):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2.0, 0
        chosen = np.zeros(sub.shape[1])
        chosen[top] = 1.0
        grad = f + np.asarray(sub @ chosen).ravel() - (excess > 0).sum(axis=1)
        norm = float(grad @ grad)
        if norm == 0.0 or best - target <= 1e-9 * max(1.0, abs(target)) or theta < 1e-4:
            break
        if time_limit is not None and time.perf_counter() - started > time_limit:
            break
        lam = np.maximum(lam - theta * (value - target) / norm * grad, 0.0)
    return best
