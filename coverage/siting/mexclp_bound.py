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

__all__ = ["MexclpHeuristic", "mexclp_greedy_bound", "submodular_bound"]

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
    seconds = time.perf_counter() - started
    log.info("mexclp greedy+swap: %d swaps, value %.6g, bound %.6g", swaps, value, bound)
    return MexclpHeuristic(np.flatnonzero(is_open).astype(np.int64), value, bound, swaps, seconds)
