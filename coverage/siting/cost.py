"""MILP builders for the cost-based siting models: p-median and p-center (private; the public
API is :mod:`firecover.siting`).

Like :mod:`._siting_models` (the covering models), each ``solve_*`` takes validated inputs,
reduces the problem exactly, solves it with HiGHS and returns a
:class:`~._siting_models.ModelOutcome` in original site indices.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from firecover.siting.milp import MilpProblem, MilpSolution, solve_milp
from firecover.siting.models import ModelOutcome, solve_lscp
from firecover.siting.pmedian_bounds import (
    Lagrangian,
    MedianData,
    close_sites,
    greedy_median,
    improving_threshold,
    integral_costs,
    interchange,
    lagrangian,
    median_data,
)
from firecover.siting.reduce import BoolArray, Costs, FloatArray, IntArray

__all__ = ["HIGHS_PMEDIAN", "nearest_open", "solve_pcenter", "solve_pmedian"]

log = logging.getLogger(__name__)

#: HiGHS options for the p-median MILP. The incumbent comes from the interchange heuristic,
#: so HiGHS's own sub-MIP heuristics (RINS, RENS, root reduced cost) only cost time (9 s of
#: 9.1 s on the reduced pmed6); ``mip_pscost_minreliable = 0`` trusts pseudo-costs at once
#: instead of strong branching on every candidate (about 2x fewer LP iterations on pmed16).
HIGHS_PMEDIAN: dict[str, float | bool] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_pscost_minreliable": 0,
}

#: Interchange runs from the Lagrangian relaxation's choices of sites, at most.
HEURISTIC_STARTS = 8


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _mask(n: int, idx: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


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
    coef = np.where(
        finite, w[lv.level_row] * (np.where(finite, lv.level_next, 0.0) - lv.level_val), 0.0
    )
    prev = np.flatnonzero(~lv.row_start)
    ones = np.ones
    rows = np.concatenate([lv.entry_level, np.arange(n_lv), prev, np.full(m, n_lv)])
    cols = np.concatenate([lv.entry_col, m + np.arange(n_lv), m + prev - 1, np.arange(m)])
    data = np.concatenate([ones(lv.entry_level.size), ones(n_lv), -ones(prev.size), ones(m)])
    a = sp.csr_array((data, (rows, cols)), shape=(n_lv + 1, m + n_lv))
    row_lb = np.append(lv.row_start.astype(np.float64), float(p))
    row_ub = np.append(np.full(n_lv, np.inf), float(p))
    return MilpProblem(
        c=np.concatenate([np.zeros(m), coef]),
        A=a,
        row_lb=row_lb,
        row_ub=row_ub,
        lb=np.zeros(m + n_lv),
        ub=np.concatenate([ones(m), finite.astype(np.float64)]),
        integral=np.concatenate([np.ones(m, bool), np.zeros(n_lv, bool)]),
    )


def _median_offset(lv: _Levels, w: FloatArray, cap: FloatArray) -> float:
    has_level = np.zeros(w.size, dtype=bool)
    has_level[lv.level_row] = True
    first = lv.level_row[lv.row_start]
    return float(
        (w[~has_level] * cap[~has_level]).sum() + (w[first] * lv.level_val[lv.row_start]).sum()
    )


@dataclass(frozen=True)
class _Exact:
    """The MILP's answer on (restricted) data: HiGHS ``status``, ``chosen`` model columns
    (``None`` without a solution), the model's objective ``claim`` and ``dual`` bound."""

    status: str
    chosen: IntArray | None
    claim: float
    dual: float


def _solve_exact(
    d: MedianData,
    p: int,
    forced: BoolArray,
    cutoff: float | None,
    left: float | None,
    stats: dict[str, float],
) -> _Exact:
    """Solve :func:`_pmedian_problem` on ``d`` with the ``forced`` columns open.

    ``cutoff`` (HiGHS ``objective_bound``) must lie strictly above the value of a known
    solution of this model: HiGHS then prunes every node that cannot beat it, yet still finds
    the optimum. Should HiGHS nevertheless call the model infeasible, it is solved again
    without the cutoff."""
    m = d.cols.size
    if left is not None and left <= 0:
        return _Exact("time_limit", None, math.nan, -math.inf)
    lv = _levels(d.r, d.c, d.v, d.cap)
    offset = _median_offset(lv, d.w, d.cap)
    stats.update(levels=float(lv.level_row.size), nonzeros=float(lv.entry_col.size))
    log.info("p-median: %d clients, %d sites, %d levels", d.w.size, m, lv.level_row.size)
    if not math.isfinite(offset):  # a client reaches none of these sites
        return _Exact("infeasible", None, math.nan, math.nan)
    if lv.level_row.size == 0:  # every client costs its cap, whatever is open
        order = np.concatenate([np.flatnonzero(forced), np.flatnonzero(~forced)])
        return _Exact("optimal", np.sort(order[:p]), offset, offset)
    problem = _pmedian_problem(lv, d.w, m, p)
    problem.lb[:m][forced] = 1.0
    options = dict(HIGHS_PMEDIAN)
    if cutoff is not None:
        options["objective_bound"] = cutoff - offset
    sol: MilpSolution = solve_milp(problem, left, options)
    if sol.status == "infeasible" and cutoff is not None:
        log.warning("p-median: HiGHS found nothing below the cutoff; solving without it")
        sol = solve_milp(problem, _remaining(left, sol.seconds), HIGHS_PMEDIAN)
    stats["milp_seconds"] = sol.seconds
    if sol.x is None:
        return _Exact(sol.status, None, math.nan, offset + sol.dual_bound)
    return _Exact(
        sol.status,
        np.flatnonzero(sol.x[:m] > 0.5).astype(np.int64),
        offset + sol.objective,
        offset + sol.dual_bound,
    )


def _lower_bound(
    d: MedianData, p: int, best: IntArray, deadline: float | None, stats: dict[str, float]
) -> tuple[Lagrangian, IntArray, float]:
    """Lagrangian bound, then interchange from the relaxation's choices of sites (a
    Lagrangian heuristic, at most :data:`HEURISTIC_STARTS` distinct starts); returns the
    bound and the best incumbent with its value."""
    upper = d.value(best)
    started = time.perf_counter()
    target = improving_threshold(d, upper)
    lag = lagrangian(d, p, upper, d.w * d.dist(best), target, deadline)
    starts = dict.fromkeys(tuple(np.sort(c).tolist()) for c in (lag.choice, *lag.choices))
    for start in list(starts)[:HEURISTIC_STARTS] if lag.bound < target else []:
        if deadline is not None and time.perf_counter() > deadline:
            break
        other = interchange(d, np.asarray(start, dtype=np.int64), p)
        if d.value(other) < upper:
            best, upper = other, d.value(other)
    stats.update(
        lagrangian_bound=lag.bound,
        lagrangian_iterations=float(lag.iterations),
        lagrangian_seconds=time.perf_counter() - started,
        heuristic_objective=upper,
    )
    return lag, best, upper


def solve_pmedian(
    costs: Costs, weights: FloatArray, p: int, fixed: IntArray, time_limit: float | None
) -> ModelOutcome:
    """p-median with ``p`` new sites besides ``fixed``; see :func:`_pmedian_problem`.

    1. Exact data reduction (:func:`._pmedian_bounds.median_data`): zero-weight rows dropped,
       identical rows merged, each client's costs cut at its cap ``C_i`` = min(cost to the
       nearest fixed site, its (m-p+1)-th smallest cost).
    2. Incumbent ``U``: greedy, then vertex substitution (Teitz & Bart).
    3. Lower bound ``L`` by Lagrangian relaxation; ``L >= U`` (``> U - 1`` with integer
       costs) proves the incumbent optimal. Otherwise a site whose Lagrangian bound when
       forced open reaches ``U`` is closed (no better solution opens it), one whose bound
       when forced closed reaches ``U`` is opened, and caps are recomputed on the kept sites.
    4. The compact MILP on the kept sites contains every solution better than ``U``: if it
       finds one, that is the optimum; if not (or it is infeasible), ``U`` is. HiGHS gets the
       value of a known solution of that MILP (plus a margin) as its objective cutoff and
       the options :data:`HIGHS_PMEDIAN`.
    """
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    d = median_data(costs, weights, p, fixed)
    m = d.cols.size
    stats: dict[str, float] = {"rows_reduced": float(d.w.size), "cols_reduced": float(m)}
    if p == 0 or p >= m:
        return ModelOutcome(d.cols if p > 0 else _empty(), stats=stats)
    best = interchange(d, greedy_median(d, p), p)
    if not math.isfinite(d.value(best)):  # no incumbent: the plain model decides
        exact = _solve_exact(d, p, np.zeros(m, dtype=bool), None, _left(deadline), stats)
        return _combine(d, np.sort(d.cols[best]), math.inf, -math.inf, exact, stats, start)
    lag, best, upper = _lower_bound(d, p, best, deadline, stats)
    threshold = improving_threshold(d, upper)
    closed, forced = close_sites(lag, p, threshold)
    keep = np.flatnonzero(~closed)
    log.info(
        "p-median: incumbent %.6g, bound %.6g, %d of %d sites kept",
        upper,
        lag.bound,
        keep.size if lag.bound < threshold else 0,
        m,
    )
    if lag.bound >= threshold or keep.size < p:  # nothing better than the incumbent exists
        stats.update(sites_kept=0.0, sites_forced=0.0)
        seconds = time.perf_counter() - start
        return ModelOutcome(np.sort(d.cols[best]), "optimal", upper, 0.0, seconds, stats, upper)
    stats.update(sites_kept=float(keep.size), sites_forced=float(forced.sum()))
    sub = d.restrict(keep, p)
    cutoff = _cutoff(d, sub, keep, best, forced[keep], p)
    exact = _solve_exact(sub, p, forced[keep], cutoff, _left(deadline), stats)
    return _combine(sub, np.sort(d.cols[best]), upper, lag.bound, exact, stats, start)


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _remaining(left: float | None, spent: float) -> float | None:
    return None if left is None else left - spent


def _cutoff(
    d: MedianData, sub: MedianData, keep: IntArray, best: IntArray, forced: BoolArray, p: int
) -> float | None:
    """A value strictly above a known solution of the MILP on ``sub``: the incumbent when
    ``keep`` holds all its sites, else interchange on ``sub``; ``None`` if that solution
    misses a forced site or a client. The margin is 0.5 with integer costs (objectives are
    integers), else 1e-4 relative."""
    local = np.searchsorted(keep, best)
    if not np.array_equal(keep[np.minimum(local, keep.size - 1)], best):
        local = interchange(sub, greedy_median(sub, p), p)
    value = sub.value(local)
    if not math.isfinite(value) or not _mask(sub.cols.size, local)[forced].all():
        return None
    return value + (0.5 if integral_costs(d) else 1e-4 * max(1.0, abs(value)))


def _combine(
    sub: MedianData,
    incumbent: IntArray,
    upper: float,
    lower: float,
    exact: _Exact,
    stats: dict[str, float],
    start: float,
) -> ModelOutcome:
    """The better of the ``incumbent`` (original site indices, value ``upper``) and the
    MILP's solution on ``sub``, with the status and bound they prove together. The MILP on
    ``sub`` holds every solution better than ``upper``, so its infeasibility or an optimum
    no better than ``upper`` proves the incumbent optimal."""
    seconds = time.perf_counter() - start
    if exact.status == "infeasible":
        if not math.isfinite(upper):  # unrestricted model: the instance itself is infeasible
            return ModelOutcome(_empty(), "infeasible", math.nan, math.inf, seconds, stats)
        return ModelOutcome(incumbent, "optimal", upper, 0.0, seconds, stats, upper)
    if exact.status == "optimal" and exact.chosen is not None:
        if exact.claim < upper:
            return ModelOutcome(
                np.sort(sub.cols[exact.chosen]),
                "optimal",
                exact.claim,
                0.0,
                seconds,
                stats,
                exact.claim,
            )
        return ModelOutcome(incumbent, "optimal", upper, 0.0, seconds, stats, upper)
    sites, value = incumbent, upper
    if exact.chosen is not None and sub.value(exact.chosen) < value:
        sites, value = np.sort(sub.cols[exact.chosen]), sub.value(exact.chosen)
    if not math.isfinite(value):
        return ModelOutcome(sites, "time_limit", None, math.inf, seconds, stats, math.nan)
    bound = max(lower, min(upper, exact.dual if math.isfinite(exact.dual) else -math.inf))
    gap = (value - bound) / max(abs(value), 1e-12) if math.isfinite(bound) else math.inf
    return ModelOutcome(sites, "time_limit", None, max(gap, 0.0), seconds, stats, bound)


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
    is_open = _mask(costs.n_cols, fixed)
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
    mask = _mask(costs.n_cols, np.concatenate([fixed, sites]))
    return float(nearest_open(costs, mask)[0].max(initial=0.0))


def _cover_check(
    costs: Costs, radius: float, p: int, fixed: IntArray, time_limit: float | None
) -> ModelOutcome:
    """Can ``p`` new sites (plus ``fixed``) reach every row within ``radius``? A unicost set
    cover with ``Σ x <= p``; ``status`` is ``infeasible`` when they cannot."""
    keep = costs.val <= radius
    ones = np.ones(int(keep.sum()), dtype=bool)
    cover = sp.csr_array(
        (ones, (costs.row[keep], costs.col[keep])), shape=(costs.n_rows, costs.n_cols)
    )
    if (np.diff(cover.indptr) == 0).any():
        return ModelOutcome(_empty(), "infeasible")
    return solve_lscp(cover, np.ones(costs.n_cols), fixed, time_limit, max_count=p)


def solve_pcenter(
    costs: Costs,
    p: int,
    fixed: IntArray,
    time_limit: float | None,
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
    return ModelOutcome(
        best, status, float(radii[hi]), float(gap), seconds, stats, float(radii[min(lo, hi)])
    )
