"""Bounds and reductions for the p-median model (private; used by :mod:`._siting_cost`).

* :class:`MedianData` — the reduced p-median data as triplets ``(client, site, cost)``.
* :func:`greedy_median`, :func:`interchange` — an upper bound: greedy-add, then the
  vertex-substitution local search of Teitz & Bart (1968), vectorised as in Whitaker's fast
  interchange (every (add, drop) pair is priced at once from each client's two nearest sites).
* :func:`lagrangian` — a lower bound: the Lagrangian relaxation of the assignment
  constraints of the classical model, maximised by subgradient steps (Beasley 1993).
* :func:`close_sites` — exact reduction: a site that every solution better than the incumbent
  must leave closed (or open) by the Lagrangian bound with that site forced the other way.

All work is on whole arrays (one ``bincount`` per pass over the triplets); nothing loops over
clients.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from firecover.siting.reduce import BoolArray, Costs, FloatArray, IntArray, group_identical_rows

__all__ = [
    "Lagrangian",
    "MedianData",
    "close_sites",
    "greedy_median",
    "improving_threshold",
    "integral_costs",
    "interchange",
    "lagrangian",
    "median_data",
]

log = logging.getLogger(__name__)

#: Subgradient iterations at most, and the step factor at which the search stops.
LAGRANGE_MAX_ITER = 1000
LAGRANGE_MIN_STEP = 1e-3
#: Halve the step after this many iterations without a better bound.
LAGRANGE_PATIENCE = 20
#: Interchange moves at most (a safeguard: each move strictly lowers the objective).
MAX_MOVES = 10_000


@dataclass(frozen=True)
class MedianData:
    """Reduced p-median data.

    Free entries ``(r, c, v)`` sorted by client then cost, ``c`` in model columns ``0..m-1``
    (original indices ``cols``); client weights ``w`` (> 0); ``fixed_cap`` each client's cost
    to its nearest fixed site (inf if none); ``cap`` an exact cap on each client's cost in
    any solution with ``p`` open model columns (entries above it are dropped).
    """

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

    def value(self, chosen: IntArray) -> float:
        """Total weighted cost of ``chosen`` (inf if a client is left unserved)."""
        dist = self.dist(chosen)
        return float(self.w @ dist) if np.isfinite(dist).all() else math.inf

    def restrict(self, keep: IntArray, p: int) -> MedianData:
        """The same data on model columns ``keep`` only (renumbered), caps recomputed."""
        new_col = np.full(self.cols.size, -1, dtype=np.int64)
        new_col[keep] = np.arange(keep.size)
        sel = new_col[self.c] >= 0
        r, c, v = self.r[sel], new_col[self.c[sel]], self.v[sel]
        cap = np.minimum(self.cap, _count_cap(r, v, self.w.size, keep.size, p))
        ok = v <= cap[r]
        return MedianData(r[ok], c[ok], v[ok], self.w, cap, self.fixed_cap, self.cols[keep])


def _sum_by(idx: IntArray, weights: FloatArray, n: int) -> FloatArray:
    """``np.bincount`` with weights, always float (it returns ints for an empty ``idx``)."""
    return np.bincount(idx, weights=weights, minlength=n).astype(np.float64)


def _first_per_row(row: IntArray, n_rows: int, val: FloatArray) -> FloatArray:
    out = np.full(n_rows, np.inf)
    rows, idx = np.unique(row, return_index=True)
    out[rows] = val[idx]
    return out


def _count_cap(r: IntArray, v: FloatArray, n_rows: int, m: int, p: int) -> FloatArray:
    """Each client's ``(m-p+1)``-th smallest cost: with ``p`` of ``m`` sites open, one of its
    ``m-p+1`` nearest is open (inf when it reaches fewer sites)."""
    count = np.bincount(r, minlength=n_rows)
    rank = np.arange(r.size) - (np.cumsum(count) - count)[r]
    at_kth = rank == m - p
    out = np.full(n_rows, np.inf)
    out[r[at_kth]] = v[at_kth]
    return out


def _restrict_rows(costs: Costs, rows: IntArray) -> Costs:
    """Costs of the given (sorted, unique) rows, renumbered 0..len(rows)-1, order kept."""
    new_id = np.full(costs.n_rows, -1, dtype=np.int64)
    new_id[rows] = np.arange(rows.size)
    keep = new_id[costs.row] >= 0
    return Costs(rows.size, costs.n_cols, new_id[costs.row[keep]], costs.col[keep], costs.val[keep])


def median_data(costs: Costs, weights: FloatArray, p: int, fixed: IntArray) -> MedianData:
    """Exact reduction: zero-weight rows dropped, identical rows merged (weights summed),
    fixed sites folded into ``fixed_cap``, unused columns dropped, entries above the cap
    ``min(fixed_cap, count cap)`` dropped."""
    is_fixed = np.zeros(costs.n_cols, dtype=bool)
    is_fixed[fixed] = True
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
    cap = np.minimum(fixed_cap, _count_cap(r, v, sub.n_rows, cols.size, p))
    ok = v <= cap[r]
    return MedianData(
        r[ok], c_local.astype(np.int64).ravel()[ok], v[ok], w, cap, fixed_cap, cols.astype(np.int64)
    )


# ----------------------------------------------------------------------- upper bound ---


def greedy_median(d: MedianData, p: int) -> IntArray:
    """Greedy-add heuristic: open, ``p`` times, the site that saves the most weighted cost."""
    big = 2.0 * float(d.v.max(initial=0.0)) + 1.0
    cur = np.where(np.isfinite(d.fixed_cap), d.fixed_cap, big)
    chosen: list[int] = []
    wr = d.w[d.r]
    for _ in range(p):
        gain = _sum_by(d.c, wr * np.maximum(0.0, cur[d.r] - d.v), d.cols.size)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        sel = d.c == j
        cur[d.r[sel]] = np.minimum(cur[d.r[sel]], d.v[sel])
    return np.asarray(chosen, dtype=np.int64)


def _two_nearest(
    d: MedianData,
    is_open: BoolArray,
    big: float,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Per client: cost to the nearest and second-nearest open site (fixed ones included,
    ``big`` if none) and the nearest open model column (-1 if it is a fixed site)."""
    sel = np.flatnonzero(is_open[d.c])
    r = d.r[sel]
    first = np.ones(sel.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    second = np.zeros(sel.size, dtype=bool)
    second[1:] = first[:-1] & ~first[1:]
    n = d.w.size
    f1, f2 = np.full(n, big), np.full(n, big)
    f1[r[first]] = d.v[sel[first]]
    f2[r[second]] = d.v[sel[second]]
    c1 = np.full(n, -1, dtype=np.int64)
    c1[r[first]] = d.c[sel[first]]
    fc = np.minimum(d.fixed_cap, big)
    free_first = f1 < fc
    d1 = np.where(free_first, f1, fc)
    d2 = np.where(free_first, np.minimum(f2, fc), f1)
    return d1, d2, np.where(free_first, c1, -1)


def _best_swap(
    d: MedianData,
    is_open: BoolArray,
    p: int,
    big: float,
) -> tuple[int, int, float]:
    """The (add, drop) pair of model columns that lowers the objective most, and its change.

    ``delta(j, q) = loss(q) - gain(j) - corr(j, q)``: ``gain`` is the saving from opening
    ``j``, ``loss`` the cost of closing ``q`` (its clients fall back to their second site),
    and ``corr`` adds back what ``j`` saves those clients below their second site."""
    m = d.cols.size
    d1, d2, near = _two_nearest(d, is_open, big)
    sites = np.flatnonzero(is_open)
    pos = np.full(m, -1, dtype=np.int64)
    pos[sites] = np.arange(sites.size)
    wr = d.w[d.r]
    gain = _sum_by(d.c, wr * np.maximum(0.0, d1[d.r] - d.v), m)
    has = near >= 0
    loss = _sum_by(pos[near[has]], (d.w * (d2 - d1))[has], p)
    e = np.flatnonzero(has[d.r])
    ri = d.r[e]
    corr = wr[e] * (np.maximum(0.0, d2[ri] - d.v[e]) - np.maximum(0.0, d1[ri] - d.v[e]))
    pair = _sum_by(d.c[e] * p + pos[near[ri]], corr, m * p)
    delta = loss[None, :] - pair.reshape(m, p) - gain[:, None]
    delta[sites, :] = np.inf
    k = int(np.argmin(delta))
    j, q = divmod(k, p)
    return j, int(sites[q]), float(delta[j, q])


def interchange(d: MedianData, start: IntArray, p: int) -> IntArray:
    """Vertex substitution (Teitz & Bart 1968) from ``start``: apply the best (add, drop)
    swap while it lowers the objective. Unserved clients cost a large finite penalty."""
    if p == 0 or p >= d.cols.size:
        return np.sort(start).astype(np.int64)
    total_w = float(d.w.sum())
    # The penalty must exceed every real cost, caps included (a cap above it made a swap to a
    # worse solution look like a gain).
    caps = np.concatenate([d.cap, d.fixed_cap])
    vmax = max(float(d.v.max(initial=0.0)), float(caps[np.isfinite(caps)].max(initial=0.0)))
    big = (total_w * (vmax + 1.0) + 1.0) / max(float(d.w.min()), 1e-12)
    is_open = np.zeros(d.cols.size, dtype=bool)
    is_open[start] = True
    value = float(d.w @ _two_nearest(d, is_open, big)[0])
    for _ in range(MAX_MOVES):
        j, q, delta = _best_swap(d, is_open, p, big)
        if delta >= -1e-9 * max(1.0, abs(value)):
            break
        is_open[q], is_open[j] = False, True
        new = float(d.w @ _two_nearest(d, is_open, big)[0])
        if new >= value:  # rounding with the penalty: undo and stop
            is_open[q], is_open[j] = True, False
            break
        value = new
    return np.flatnonzero(is_open).astype(np.int64)


# ----------------------------------------------------------------------- lower bound ---


@dataclass(frozen=True)
class Lagrangian:
    """Best Lagrangian bound found, its multipliers ``lam``, the sites' reduced costs
    ``rho`` and the relaxation's choice of ``p`` sites."""

    bound: float
    lam: FloatArray
    rho: FloatArray
    choice: IntArray
    iterations: int
    #: the relaxation's choice at each step halving, latest first (starts for heuristics)
    choices: tuple[IntArray, ...] = ()


class _Prefixes:
    """Where each client's entries with ``w_i d_ij < λ_i`` are: the entries are sorted by
    client then cost, so they are a prefix of the client's run, found for all clients at once
    by one ``searchsorted`` on the key ``client · M + w_i d_ij``. Only those entries enter
    ``ρ`` and the subgradient (on pmed36 a few percent of the 634k entries, so an iteration
    costs 0.5 ms instead of 5.5 ms)."""

    def __init__(self, d: MedianData, cw: FloatArray) -> None:
        n = d.w.size
        self.top = float(cw.max(initial=0.0)) + 1.0
        self.span = 2.0 * self.top
        self.key = d.r * self.span + cw
        self.start = np.searchsorted(d.r, np.arange(n)).astype(np.int64)
        self.rows = np.arange(n) * self.span
        # the key rounds each cost by at most half a unit in its last place: searching a few
        # units past λ keeps every entry below λ (those past it are cut exactly later)
        self.slack = 4.0 * float(np.spacing(max(float(self.key.max(initial=0.0)), 1.0)))

    def entries(self, lam: FloatArray) -> IntArray:
        """Indices of the entries of each client with ``cw < λ`` (and possibly a few with
        ``cw`` within rounding of ``λ``: callers clip at zero). λ is capped below ``top``, so a
        search never runs into the next client's key range."""
        probe = self.rows + np.minimum(lam, self.top) + self.slack
        count = np.searchsorted(self.key, probe, side="left") - self.start
        np.maximum(count, 0, out=count)
        total = int(count.sum())
        offsets = np.repeat(self.start - (np.cumsum(count) - count), count)
        return np.arange(total, dtype=np.int64) + offsets


def _relaxation(
    d: MedianData,
    p: int,
    lam: FloatArray,
    cw: FloatArray,
    fc: FloatArray,
    idx: IntArray,
) -> tuple[float, FloatArray, IntArray, FloatArray]:
    """``L(λ) = Σ λ_i + Σ_i min(0, fc_i - λ_i) + (sum of the p smallest ρ_j)`` with
    ``ρ_j = Σ_i min(0, w_i d_ij - λ_i)`` (fixed sites act as one always-open site); ``idx``
    the entries with ``w_i d_ij < λ_i`` (:class:`_Prefixes`), the only non-zero terms.
    Also returns those terms (``min(0, w_i d_ij - λ_i)`` over ``idx``)."""
    red = np.minimum(0.0, cw[idx] - lam[d.r[idx]])
    rho = _sum_by(d.c[idx], red, d.cols.size)
    choice = np.argpartition(rho, p - 1)[:p].astype(np.int64)
    fixed_part = float(np.minimum(0.0, fc - lam)[np.isfinite(fc)].sum())
    return float(lam.sum()) + fixed_part + float(rho[choice].sum()), rho, choice, red


def lagrangian(
    d: MedianData, p: int, upper: float, start: FloatArray, target: float, deadline: float | None
) -> Lagrangian:
    """Subgradient ascent (Polyak steps towards ``upper``) on the Lagrangian dual of
    ``min Σ w_i d_ij x_ij`` s.t. ``Σ_j x_ij = 1`` (relaxed), ``x_ij <= y_j``, ``Σ y_j = p``.
    Every ``L(λ)`` is a lower bound on the p-median optimum; stops at ``target``."""
    cw = d.w[d.r] * d.v
    fc = d.w * d.fixed_cap
    prefixes = _Prefixes(d, cw)
    lam = start.astype(np.float64).copy()
    best = Lagrangian(-math.inf, lam, np.zeros(d.cols.size), np.zeros(0, np.int64), 0)
    step, stall, it = 2.0, 0, 0
    choices: list[IntArray] = []
    for it in range(1, LAGRANGE_MAX_ITER + 1):
        idx = prefixes.entries(lam)
        bound, rho, choice, red = _relaxation(d, p, lam, cw, fc, idx)
        if bound > best.bound:
            best = Lagrangian(bound, lam.copy(), rho, choice, it)
            stall = 0
        else:
            stall += 1
            if stall >= LAGRANGE_PATIENCE:
                step, stall = step / 2.0, 0
                choices.append(np.sort(best.choice))
        if (
            best.bound >= target
            or step < LAGRANGE_MIN_STEP
            or (deadline is not None and time.perf_counter() > deadline)
        ):
            break
        is_open = np.zeros(d.cols.size, dtype=bool)
        is_open[choice] = True
        served = np.bincount(d.r[idx[is_open[d.c[idx]] & (red < 0.0)]], minlength=d.w.size)
        g = 1.0 - served - (fc < lam)
        norm = float(g @ g)
        if norm == 0.0:  # the relaxation's solution is feasible, hence optimal
            break
        lam += step * max(upper - bound, 0.0) / norm * g
    return Lagrangian(best.bound, best.lam, best.rho, best.choice, it, tuple(choices[::-1]))


def integral_costs(d: MedianData) -> bool:
    """True when every weighted cost is an integer (so is then every objective value)."""
    vals = np.concatenate([d.w[d.r] * d.v, (d.w * d.fixed_cap)[np.isfinite(d.fixed_cap)]])
    return bool(np.all(vals == np.round(vals)))


def improving_threshold(d: MedianData, upper: float) -> float:
    """A value ``t`` such that a solution better than ``upper`` costs less than ``t``:
    ``upper`` itself, or ``upper - 1`` (less a rounding margin) when every weighted cost is an
    integer, since then every objective is an integer."""
    if abs(upper) < 2.0**50 and integral_costs(d):
        return upper - 1.0 + max(1e-6, 1e-9 * abs(upper))
    return upper


def close_sites(lag: Lagrangian, p: int, threshold: float) -> tuple[BoolArray, BoolArray]:
    """Sites that every solution costing less than ``threshold`` leaves closed / open.

    With ``j`` forced open (outside the relaxation's choice) the relaxation takes ``ρ_j``
    instead of its largest chosen ``ρ``; forced closed (inside), the next smallest instead of
    ``ρ_j``. A bound reaching ``threshold`` settles ``j``."""
    order = np.argsort(lag.rho, kind="stable")
    chosen = np.zeros(lag.rho.size, dtype=bool)
    chosen[order[:p]] = True
    worst_in = lag.rho[order[p - 1]]
    next_out = lag.rho[order[p]] if p < order.size else math.inf
    if_open = np.where(chosen, lag.bound, lag.bound - worst_in + lag.rho)
    if_closed = np.where(chosen, lag.bound - lag.rho + next_out, lag.bound)
    return if_open >= threshold, if_closed >= threshold
