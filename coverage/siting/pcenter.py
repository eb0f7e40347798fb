"""Exact vertex p-center by a search over the sorted distinct costs with set-covering
feasibility (Minieka 1970; the LP bound as in Elloumi, Labbé & Pochet 2004). Private; the
public API is :func:`firecover.siting.pcenter`.

The optimum radius is a cost value ``r``: the smallest one for which ``p`` new sites (with
the fixed ones) reach every row within ``r``, i.e. for which

    min Σ_j x_j   s.t.  Σ_{j: d_ij <= r} x_j >= 1   (rows not within r of a fixed site),
                        x_j ∈ {0, 1}

is ``<= p`` (:func:`.models.reduce_cover` first: rows covered by fixed sites dropped,
identical rows merged, dominated columns dropped). Feasibility is monotone in ``r``.

1. Upper bound: farthest-first (:func:`.cost._greedy_center`), then the greedy cover
   searched over the radii below it; every feasible set found lowers the bound to its own
   radius.
2. Lower bound: the smallest radius whose covering LP is ``<= p`` (binary search; a radius
   with LP ``> p`` is infeasible, so this is certified).
3. Binary search between them; each check tries the best set so far, then the greedy cover
   (``<= p`` columns proves feasibility), then HiGHS on ``Σ x <= p`` (stopping at its first
   solution: feasibility is the question). An infeasible answer raises the lower bound.

The result is certified both ways: the radius found is attained by the sites returned, and
the next smaller distinct cost was proven infeasible (``stats['infeasible_below']``).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

import firecover.siting.cost as cost_models
from firecover.siting.milp import MilpProblem, highs_log, solve_milp
from firecover.siting.models import ModelOutcome, greedy_cover, reduce_cover
from firecover.siting.reduce import BoolArray, Costs, FloatArray, IntArray, reachable_coverage

__all__ = ["solve_pcenter_search"]

log = logging.getLogger(__name__)

#: HiGHS options for a feasibility check: stop at the first solution within ``p``.
HIGHS_CHECK: dict[str, float | bool] = {"mip_max_improving_sols": 1}
#: Missed rows added per round of row generation (the farthest from the sites).
ADD_ROWS = 5


def _mask(n: int, idx: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


def _radius(costs: Costs, sites: IntArray, fixed: IntArray) -> float:
    """The largest row-to-nearest-open-site cost (inf if a row reaches none)."""
    open_ = _mask(costs.n_cols, np.concatenate([fixed, sites]))
    return float(cost_models.nearest_open(costs, open_)[0].max(initial=0.0))


class _Checker:
    """Feasibility checks at one radius each: reduced cover, LP value, greedy, MILP."""

    def __init__(self, costs: Costs, p: int, fixed: IntArray) -> None:
        self.costs, self.p, self.fixed = costs, p, fixed
        self.milps = 0
        self.lps = 0
        #: rows the exact checks cover (row generation); grows from check to check
        self.rows = np.zeros(0, dtype=np.int64)

    def _reduced(self, radius: float) -> tuple[sp.csr_array, IntArray] | None:
        cover = reachable_coverage(self.costs, radius)
        if (np.diff(cover.indptr) == 0).any():  # a row reaches no site within radius
            return None
        mat, cols, _ = reduce_cover(cover, np.ones(self.costs.n_cols), self.fixed)
        if mat.shape[0] and (np.diff(mat.indptr) == 0).any():
            return None
        return mat, cols

    def lp_feasible(self, radius: float) -> bool:
        """False when the covering LP needs more than ``p`` sites (so no ``p`` sites do)."""
        red = self._reduced(radius)
        if red is None:
            return False
        mat, _ = red
        if mat.shape[0] == 0:
            return True
        self.lps += 1
        n = mat.shape[1]
        with highs_log("p-center LP") as disp:
            res = linprog(
                np.ones(n),
                A_ub=-sp.csr_array(mat, dtype=np.float64),
                b_ub=-np.ones(mat.shape[0]),
                bounds=(0.0, 1.0),
                method="highs-ds",
                options={"disp": disp},
            )
        return bool(res.status != 0 or res.fun <= self.p + 1e-7)

    def greedy(self, radius: float) -> IntArray | None:
        """Sites (original indices) from the greedy cover if it needs at most ``p``."""
        red = self._reduced(radius)
        if red is None:
            return None
        mat, cols = red
        if mat.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        # unicost greedy stopped after p columns: feasible if those cover every row
        chosen = greedy_cover(mat, np.ones(mat.shape[0]), None, self.p)
        hit = np.asarray(mat[:, chosen].sum(axis=1)).ravel() > 0
        return np.sort(cols[chosen]) if hit.all() else None

    def exact(self, radius: float, time_limit: float | None) -> tuple[str, IntArray | None]:
        """``("feasible", sites)``, ``("infeasible", None)`` or ``("time_limit", None)``.

        Row generation (as in Contardo, Iori & Kramer 2019): cover only the rows in
        ``self.rows`` (kept from check to check); ``p`` sites failing those fail all rows
        (certified infeasible); a cover of them that misses other rows gets the
        :data:`ADD_ROWS` farthest missed rows added, and the check repeats."""
        deadline = None if time_limit is None else time.perf_counter() + time_limit
        cover = reachable_coverage(self.costs, radius)
        if (np.diff(cover.indptr) == 0).any():
            return "infeasible", None
        if self.fixed.size:
            by_fixed = np.asarray(cover[:, self.fixed].sum(axis=1)).ravel() > 0
        else:
            by_fixed = np.zeros(cover.shape[0], dtype=bool)
        while True:
            rows = self.rows[~by_fixed[self.rows]]
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                return "time_limit", None
            answer, sites = self._exact_rows(cover, rows, left)
            if sites is None:
                return answer, None
            open_ = _mask(self.costs.n_cols, np.concatenate([self.fixed, sites]))
            dist = cost_models.nearest_open(self.costs, open_)[0]
            missed = np.flatnonzero(dist > radius)
            if missed.size == 0:
                return "feasible", sites
            far = missed[np.argsort(-dist[missed], kind="stable")][:ADD_ROWS]
            self.rows = np.union1d(self.rows, far)

    def _exact_rows(
        self, cover: sp.csr_array, rows: IntArray, time_limit: float | None
    ) -> tuple[str, IntArray | None]:
        sub = sp.csr_array(cover[rows])
        mat, cols, _ = reduce_cover(sub, np.ones(self.costs.n_cols), self.fixed)
        if mat.shape[0] == 0:
            return "feasible", np.zeros(0, dtype=np.int64)
        n_rows, n = mat.shape
        a = sp.vstack([sp.csr_array(mat, dtype=np.float64), sp.csr_array(np.ones((1, n)))])
        problem = MilpProblem(
            c=np.ones(n),
            A=sp.csr_array(a),
            row_lb=np.append(np.ones(n_rows), -np.inf),
            row_ub=np.append(np.full(n_rows, np.inf), float(self.p)),
            lb=np.zeros(n),
            ub=np.ones(n),
            integral=np.ones(n, dtype=bool),
        )
        self.milps += 1
        sol = solve_milp(problem, time_limit, HIGHS_CHECK)
        if sol.x is not None:
            return "feasible", np.sort(cols[np.flatnonzero(sol.x > 0.5)])
        return ("infeasible" if sol.status == "infeasible" else "time_limit"), None


def _far_rows(costs: Costs, sites: IntArray, fixed: IntArray, k: int) -> IntArray:
    """``k`` rows far from ``sites`` and from each other (farthest-first over rows, with
    rows as their own sites where a row index is also a site): the first rows to cover."""
    open_ = _mask(costs.n_cols, np.concatenate([fixed, sites]))
    dist = cost_models.nearest_open(costs, open_)[0]
    dist = np.where(np.isfinite(dist), dist, np.inf)
    return np.sort(np.argsort(-dist, kind="stable")[:k]).astype(np.int64)


def _first_true(lo: int, hi: int, test: object) -> int:
    """Smallest ``k`` in ``[lo, hi]`` with ``test(k)`` true, for a monotone ``test`` that
    holds at ``hi`` (``hi`` is never tested)."""
    assert callable(test)
    while lo < hi:
        mid = (lo + hi) // 2
        if test(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def solve_pcenter_search(
    costs: Costs, p: int, fixed: IntArray, time_limit: float | None
) -> ModelOutcome:
    """Vertex p-center with ``p`` new sites besides ``fixed`` (module docstring)."""
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    check = _Checker(costs, p, fixed)
    lower0 = float(cost_models.nearest_open(costs, np.ones(costs.n_cols, bool))[0].max())
    radii: FloatArray = np.unique(costs.val[costs.val >= lower0])
    best = cost_models._greedy_center(costs, fixed, p)
    best_r = _radius(costs, best, fixed)
    if not math.isfinite(best_r):  # farthest-first can fail where a cover exists
        red = check.greedy(float(radii[-1]))
        if red is None:
            status, sites = check.exact(float(radii[-1]), time_limit)
            if sites is None:
                seconds = time.perf_counter() - start
                return ModelOutcome(np.zeros(0, np.int64), status if status != "feasible"
                                    else "infeasible", math.nan, math.inf, seconds)  # fmt: skip
            red = sites
        best, best_r = red, _radius(costs, red, fixed)
    hi = int(np.searchsorted(radii, best_r))
    heuristic_r = best_r
    check.rows = _far_rows(costs, best, fixed, p + 1)

    # 1. greedy covers below the heuristic radius (not monotone: a heuristic only)
    def greedy_ok(k: int) -> bool:
        nonlocal best, hi
        sites = check.greedy(float(radii[k]))
        if sites is None:
            return False
        r = _radius(costs, sites, fixed)
        if r < radii[hi]:
            best, hi = sites, int(np.searchsorted(radii, r))
        return True

    lo_lp = _first_true(0, hi, lambda k: check.lp_feasible(float(radii[k])))
    _first_true(lo_lp, hi, greedy_ok)
    lo = lo_lp
    status = "optimal"
    # 3. exact binary search in [lo, hi]; hi always feasible (best attains radii[hi])
    while lo < hi:
        mid = (lo + hi) // 2
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            status = "time_limit"
            break
        answer, sites = check.exact(float(radii[mid]), left)
        if answer == "infeasible":
            lo = mid + 1
        elif sites is not None:
            best = sites
            hi = int(np.searchsorted(radii, _radius(costs, sites, fixed)))
        else:
            status = "time_limit"
            break
    seconds = time.perf_counter() - start
    stats = {
        "radius_checks": float(check.milps),
        "lp_checks": float(check.lps),
        "lower_bound": float(radii[lo_lp]),
        "heuristic_radius": heuristic_r,
        "infeasible_below": float(radii[lo - 1]) if lo > 0 else math.nan,
    }
    value = float(radii[hi])
    gap = 0.0 if status == "optimal" else (value - radii[lo]) / max(value, 1e-12)
    log.info("p-center: radius %g (%s), %d MILP checks", value, status, check.milps)
    return ModelOutcome(best, status, value, float(gap), seconds, stats, float(radii[lo]))
