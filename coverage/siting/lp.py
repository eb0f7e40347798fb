"""LP-first solving of large maximal-covering models.

On city-sized instances (tens of thousands of demand rows, thousands of sites) HiGHS spends
almost all its MILP time in the dual simplex of the root LP, while that LP is usually integral or
nearly so. Here the LP relaxation of the reduced MCLP is solved by the interior-point method
(``scipy.optimize.linprog(method="highs-ipm")``, with crossover to a vertex), which is several
times faster on such models; then:

* if the site variables are integral, the LP optimum is attained by an integer solution and that
  solution is **proven optimal**;
* otherwise the sites at 1 are kept and the rest filled greedily by marginal covered weight; the
  LP value is an upper bound, so the relative gap of that solution is known and reported.

The caller decides whether to accept the rounded solution or to continue with the MILP.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from firecover.siting.milp import highs_log

__all__ = ["LP_FIRST_NNZ", "LpRound", "mclp_lp_round"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Reduced MCLP models with more coverage pairs than this are solved LP-first.
LP_FIRST_NNZ = 200_000
_INT_TOL = 1e-6


@dataclass(frozen=True)
class LpRound:
    """Sites from the LP relaxation (reduced column indices), their value and the LP bound."""

    sites: IntArray
    value: float
    bound: float
    integral: bool
    seconds: float

    @property
    def gap(self) -> float:
        """Relative gap ``(bound - value) / value`` (as HiGHS and ``SitingResult`` define it)."""
        return max(0.0, (self.bound - self.value) / max(abs(self.value), 1e-12))


def _covered_weight(mat: sp.csr_array, w: FloatArray, sites: IntArray) -> float:
    hit = np.asarray(mat[:, sites].sum(axis=1)).ravel() > 0
    return float(w[hit].sum())


def _greedy_fill(mat: sp.csr_array, w: FloatArray, start: IntArray, p: int) -> IntArray:
    """Add sites to ``start`` one at a time by largest newly covered weight, up to ``p``."""
    csc = sp.csc_array(mat)
    hit = np.asarray(mat[:, start].sum(axis=1)).ravel() > 0 if start.size else \
        np.zeros(mat.shape[0], dtype=bool)  # fmt: skip
    chosen = list(start.tolist())
    while len(chosen) < p:
        gain = csc.T @ np.where(hit, 0.0, w)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        hit[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
    return np.sort(np.asarray(chosen, dtype=np.int64))


def mclp_lp_round(mat: sp.csr_array, w: FloatArray, p: int,
                  time_limit: float | None) -> LpRound | None:  # fmt: skip
    """Solve the LP relaxation of ``max Σ w_i y_i, y_i <= Σ_{j∈N_i} x_j, Σ x_j <= p`` and round.

    Returns ``None`` when the LP does not finish (time limit or numerical trouble).
    """
    t0 = time.perf_counter()
    n_rows, n_cols = mat.shape
    a = sp.vstack([
        sp.hstack([-sp.csr_array(mat, dtype=np.float64), sp.eye_array(n_rows, format="csr")]),
        sp.hstack([sp.csr_array(np.ones((1, n_cols))), sp.csr_array((1, n_rows))]),
    ]).tocsr()  # fmt: skip
    c = np.concatenate([np.zeros(n_cols), -w])
    b = np.append(np.zeros(n_rows), float(p))
    opts: dict[str, float | bool] = {} if time_limit is None else {"time_limit": float(time_limit)}
    with highs_log("mclp LP") as disp:
        res = linprog(c, A_ub=a, b_ub=b, bounds=(0.0, 1.0), method="highs-ipm",
                      options={**opts, "disp": disp})  # fmt: skip
    if res.status != 0 or res.x is None:
        log.info("mclp LP relaxation did not finish (%s)", res.message)
        return None
    x = np.clip(res.x[:n_cols], 0.0, 1.0)
    bound = float(-res.fun)
    ones = np.flatnonzero(x > 1.0 - _INT_TOL).astype(np.int64)
    integral = bool(np.all((x < _INT_TOL) | (x > 1.0 - _INT_TOL))) and ones.size <= p
    sites = ones[np.argsort(-x[ones], kind="stable")][:p]
    sites = _greedy_fill(mat, w, np.sort(sites), p)
    value = _covered_weight(mat, w, sites)
    seconds = time.perf_counter() - t0
    log.info("mclp LP-first: LP bound %.6g, rounded %.6g (%s), %.1f s", bound, value,
             "integral" if integral else "fractional", seconds)  # fmt: skip
    return LpRound(sites, value, max(bound, value), integral, seconds)
