"""The p-median pipeline around the radius refinement (private; the public API is
:func:`firecover.siting.pmedian`): exact data reduction, interchange incumbent, Lagrangian
bound and site fixing, then :func:`firecover.siting.radius.solve_radius` on the kept sites.
"""

from __future__ import annotations

import math
import time

import numpy as np

import firecover.siting.cost as cost_models
from firecover.siting.models import ModelOutcome
from firecover.siting.pmedian_bounds import (
    MedianData,
    close_sites,
    greedy_median,
    improving_threshold,
    interchange,
    lagrangian,
    median_data,
)
from firecover.siting.radius import solve_radius
from firecover.siting.reduce import BoolArray, Costs, FloatArray, IntArray

__all__ = ["solve_pmedian_radius"]

#: Interchange runs from the Lagrangian relaxation's choices of sites, at most.
HEURISTIC_STARTS = 8


def _reduce(
    d: MedianData, p: int, best: IntArray, deadline: float | None, stats: dict[str, float]
) -> tuple[MedianData, IntArray, BoolArray, IntArray, float, float]:
    """Lagrangian bound and site fixing (:func:`.pmedian_bounds.close_sites`), as in the
    compact model's path: returns the data on the kept sites, their indices, the forced ones
    (in kept indices), the incumbent (improved by interchange from the relaxation's
    choices), its value and the Lagrangian bound."""
    upper = d.value(best)
    t0 = time.perf_counter()
    target = improving_threshold(d, upper)
    lag = lagrangian(d, p, upper, d.w * d.dist(best), target, deadline)
    starts = dict.fromkeys(tuple(np.sort(c).tolist()) for c in (lag.choice, *lag.choices))
    for s in list(starts)[:HEURISTIC_STARTS] if lag.bound < target else []:
        other = interchange(d, np.asarray(s, dtype=np.int64), p)
        if d.value(other) < upper:
            best, upper = other, d.value(other)
    closed, forced = close_sites(lag, p, improving_threshold(d, upper))
    keep = np.flatnonzero(~closed)
    stats.update(
        lagrangian_bound=lag.bound,
        lagrangian_seconds=time.perf_counter() - t0,
        sites_kept=float(keep.size),
        sites_forced=float(forced.sum()),
    )
    return d.restrict(keep, p), keep, forced[keep], best, upper, lag.bound


def solve_pmedian_radius(
    costs: Costs, weights: FloatArray, p: int, fixed: IntArray, time_limit: float | None
) -> ModelOutcome:
    """p-median with ``p`` new sites besides ``fixed`` by :func:`solve_radius`.

    1. Exact data reduction (:func:`~firecover.siting.pmedian_bounds.median_data`).
    2. Incumbent ``U``: greedy-add, then vertex substitution (Teitz & Bart).
    3. Lagrangian bound ``L``; ``L >= U`` proves ``U`` optimal, else the sites that no
       solution better than ``U`` opens are dropped (:func:`_reduce`).
    4. The radius refinement on the kept sites with cutoff ``U``.

    An instance the heuristic cannot serve goes to the compact model
    (:func:`.cost.solve_pmedian`), which decides feasibility.
    """
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    d = median_data(costs, weights, p, fixed)
    m = d.cols.size
    stats: dict[str, float] = {"rows_reduced": float(d.w.size), "cols_reduced": float(m)}
    if p == 0 or p >= m:
        return ModelOutcome(d.cols if p > 0 else np.zeros(0, np.int64), stats=stats)
    best = interchange(d, greedy_median(d, p), p)
    if not math.isfinite(d.value(best)):
        return cost_models.solve_pmedian(costs, weights, p, fixed, time_limit)
    stats["heuristic_objective"] = d.value(best)
    sub, keep, forced, best, upper, lower = _reduce(d, p, best, deadline, stats)
    if lower >= improving_threshold(d, upper) or keep.size < p:
        sites = np.sort(d.cols[best])
        seconds = time.perf_counter() - start
        return ModelOutcome(sites, "optimal", upper, 0.0, seconds, stats, upper)
    local = np.searchsorted(keep, best)
    inside = np.array_equal(keep[np.minimum(local, keep.size - 1)], best)
    if not inside or not _open_all(local, forced, sub.cols.size):
        local = interchange(sub, _with_forced(greedy_median(sub, p), forced, p), p)
    left = None if deadline is None else deadline - time.perf_counter()
    out = solve_radius(sub, p, local, upper, forced, left)
    stats.update(out.stats)
    seconds = time.perf_counter() - start
    sites = np.sort(d.cols[best]) if out.sites is None else np.sort(sub.cols[out.sites])
    bound = max(out.bound, lower)
    if out.status == "optimal":
        return ModelOutcome(sites, "optimal", out.value, 0.0, seconds, stats, out.value)
    gap = (out.value - bound) / max(abs(out.value), 1e-12) if math.isfinite(bound) else math.inf
    return ModelOutcome(sites, "time_limit", None, max(gap, 0.0), seconds, stats, bound)


def _open_all(local: IntArray, forced: BoolArray, m: int) -> bool:
    is_open = np.zeros(m, dtype=bool)
    is_open[local] = True
    return bool(is_open[forced].all())


def _with_forced(start: IntArray, forced: BoolArray, p: int) -> IntArray:
    """``start`` with the forced columns put in first (still ``p`` sites)."""
    must = np.flatnonzero(forced)
    rest = [j for j in start.tolist() if not forced[j]]
    return np.asarray(must.tolist() + rest[: p - must.size], dtype=np.int64)
