"""Exact p-median by the radius formulation with iterative refinement of the distance levels
(García, Labbé & Marín, "Solving large p-median problems with a radius formulation",
INFORMS J. Computing 23(4):546-556, 2011). Private; the public API is
:func:`firecover.siting.pmedian`.

Formulation. On reduced data (:class:`~firecover.siting.pmedian_bounds.MedianData`) client
``i`` pays ``c_i(y) = min(F_i, min_{j open} d_ij)`` (``F_i`` its cost to the nearest fixed
site). Its cost takes one of its distinct values ``D_i^1 < D_i^2 < ... < D_i^K`` or its cap
``C_i`` (an exact cap: ``min(F_i, (m-p+1)-th smallest cost)``). For a set of *breakpoints*
``b_i^1 < ... < b_i^s`` taken from ``{D_i^2, ..., D_i^K, C_i}`` (``b_i^0 = D_i^1``)::

    min   Σ_i w_i (D_i^1 + Σ_t (b_i^t - b_i^{t-1}) z_i^t)
    s.t.  z_i^t + Σ_{j: d_ij < b_i^t} y_j >= 1           (z_i^t = 1: nothing open below b_i^t)
          Σ_j y_j = p ;  y_j = 1 for forced j ;  y ∈ {0,1},  0 <= z <= 1

written as a chain ``z_i^t - z_i^{t-1} + Σ_{j: b_i^{t-1} <= d_ij < b_i^t} y_j >= 0``
(``z_i^0 = 1``), so each cost entry appears once. With integer ``y`` the client's term is
the largest breakpoint ``<= c_i(y)``: a **lower bound** on its cost, exact when ``c_i(y)`` is
a breakpoint (or ``D_i^1``). With every level a breakpoint it is the compact model of
:mod:`firecover.siting.cost`. A client with an infinite cap gets the breakpoint ``+inf`` with
``z = 0``: it must be served.

Refinement (the paper's iterative scheme). Start from the breakpoints the incumbent's
clients need (each client's cost in the incumbent). Then

1. LP rounds: solve the LP relaxation; for every client, add the breakpoints at and just
   after each cost ``d_ij`` with ``y_j > 0`` below the level where the LP serves it fully.
   With those the LP's value at its ``y`` equals the full model's, so when no breakpoint is
   new the LP bound equals the full LP bound.
2. MILP rounds: solve the MILP with the objective cutoff (HiGHS ``objective_bound``) just
   below the incumbent ``U``: ``min(L, U)``, with ``L`` its optimum, is a lower bound on
   the p-median optimum (every solution better than ``U`` has a model value below ``U``;
   reduced-cost fixing after each LP round keeps only such solutions in the model).
   Evaluate its ``y`` exactly: a better solution becomes the incumbent. If ``L`` reaches
   ``U`` (or the model has nothing below the cutoff) the incumbent is optimal; else add
   each client's exact cost as a breakpoint (which makes that ``y`` exact) and solve
   again. Each round adds at least one breakpoint, so the loop ends, at worst with the
   full model.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from firecover.siting.highs import solve_highs, solve_lp
from firecover.siting.milp import MilpProblem
from firecover.siting.pmedian_bounds import MedianData, improving_threshold, interchange
from firecover.siting.reduce import BoolArray, FloatArray, IntArray

__all__ = [
    "Breakpoints",
    "RadiusOutcome",
    "radius_bounds",
    "solve_radius",
]

log = logging.getLogger(__name__)

#: HiGHS options for the radius MILP: the incumbent comes from local search, so HiGHS's
#: sub-MIP heuristics only cost time.
HIGHS_RADIUS: dict[str, float | bool | str] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_pscost_minreliable": 0,
    # the root LP by interior point: pmed36's radius MILP 28.6 -> 20.1 s, pmed39's 11.6 -> 4.5 s
    # (highspy 1.16; scipy's HiGHS 1.12 took 74 s on pmed36 with the dual simplex)
    "mip_lp_solver": "ipm",
}
#: LP refinement rounds at most (each adds breakpoints; the MILP rounds then finish the job).
MAX_LP_ROUNDS = 30
TIGHT = False
#: Tolerance on LP values of ``y``.
_EPS = 1e-7


@dataclass
class Breakpoints:
    """Each client's distinct cost levels and which of them are breakpoints.

    Flat per-level arrays sorted by client then value: ``row`` (client), ``val`` (its value;
    the client's last level is its cap ``C_i``, added when above its largest cost, ``+inf``
    when the cap is infinite), ``first`` (the client's ``D_i^1``: never a breakpoint) and the
    boolean ``on``. ``entry_level`` is the level of each cost entry of the data.
    """

    row: IntArray
    val: FloatArray
    first: BoolArray
    on: BoolArray
    entry_level: IntArray
    base: FloatArray  # D_i^1 per client (inf when the client has no entry)
    n_clients: int
    #: levels whose ``z`` is 0 in every improving solution (reduced-cost fixing)
    zero: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: model columns closed in every improving solution (reduced-cost fixing)
    closed: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @classmethod
    def build(cls, d: MedianData) -> Breakpoints:
        """All levels of ``d``; only the required ``+inf`` breakpoints are on."""
        n = d.w.size
        new = np.ones(d.r.size, dtype=bool)
        new[1:] = (d.r[1:] != d.r[:-1]) | (d.v[1:] != d.v[:-1])
        lrow, lval = d.r[new], d.v[new]
        # the cap as a top level where it lies above the client's largest cost
        last = np.full(n, -np.inf)
        np.maximum.at(last, lrow, lval)
        top = np.flatnonzero(d.cap > last)
        row = np.concatenate([lrow, top])
        val = np.concatenate([lval, d.cap[top]])
        order = np.lexsort((val, row))
        row, val = row[order], val[order]
        first = np.ones(row.size, dtype=bool)
        first[1:] = row[1:] != row[:-1]
        # entry -> its level: its level among the entries' own, shifted by the top levels
        # of the clients before it (a client's top level comes after all its own)
        has_top = np.zeros(n, dtype=np.int64)
        has_top[top] = 1
        tops_before = np.cumsum(has_top) - has_top
        entry_level = (np.cumsum(new) - 1) + tops_before[d.r]
        base = np.full(n, np.inf)
        base[row[first]] = val[first]
        on = ~first & np.isinf(val)
        zero, closed = np.zeros(row.size, dtype=bool), np.zeros(d.cols.size, dtype=bool)
        return cls(row, val, first, on, entry_level, base, n, zero, closed)

    def add(self, levels: IntArray) -> int:
        """Switch ``levels`` on (a client's first level is skipped); the number newly on."""
        levels = levels[(levels >= 0) & (levels < self.row.size)]
        levels = levels[~self.first[levels] & ~self.on[levels]]
        levels = np.unique(levels)
        self.on[levels] = True
        return int(levels.size)


@dataclass(frozen=True)
class _Model:
    problem: MilpProblem
    offset: float
    rows: IntArray  # level index of each model row (breakpoint)


def _model(d: MedianData, bp: Breakpoints, p: int, forced: BoolArray) -> _Model:
    """The radius MILP (module docstring) on the breakpoints that are on."""
    m, n = d.cols.size, bp.n_clients
    sel = np.flatnonzero(bp.on)
    t = sel.size
    # first breakpoint of each client at or after each level (index into sel, or t)
    nxt = np.full(bp.row.size + 1, t, dtype=np.int64)
    nxt[sel] = np.arange(t)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    # entry (at level l) belongs to the first breakpoint above l of the same client
    cand = nxt[bp.entry_level + 1]
    ok = cand < t
    ok[ok] = bp.row[sel[cand[ok]]] == d.r[ok]
    e_row, e_col = cand[ok], d.c[ok]
    sel_row = bp.row[sel]
    has_prev = np.zeros(t, dtype=bool)
    has_prev[1:] = sel_row[1:] == sel_row[:-1]
    prev_val = np.where(has_prev, np.roll(bp.val[sel], 1), bp.base[sel_row])
    finite = np.isfinite(bp.val[sel])
    coef = np.where(finite, d.w[sel_row] * (np.where(finite, bp.val[sel], 0.0) - prev_val), 0.0)
    prev = np.flatnonzero(has_prev)
    rows = np.concatenate([e_row, np.arange(t), prev, np.full(m, t)])
    cols = np.concatenate([e_col, m + np.arange(t), m + prev - 1, np.arange(m)])
    data = np.concatenate([np.ones(e_row.size + t), -np.ones(prev.size), np.ones(m)])
    a = sp.csr_array((data, (rows, cols)), shape=(t + 1, m + t))
    lb = np.zeros(m + t)
    lb[:m][forced] = 1.0
    ub = np.concatenate([(~bp.closed).astype(np.float64), (finite & ~bp.zero[sel]) * 1.0])
    problem = MilpProblem(
        c=np.concatenate([np.zeros(m), coef]),
        A=a,
        row_lb=np.append((~has_prev).astype(np.float64), float(p)),
        row_ub=np.append(np.full(t, np.inf), float(p)),
        lb=lb,
        ub=ub,
        integral=np.concatenate([np.ones(m, dtype=bool), np.zeros(t, dtype=bool)]),
    )
    base = bp.base[:n]
    offset = float(d.w[np.isfinite(base)] @ base[np.isfinite(base)])
    return _Model(problem, offset, sel)


@dataclass(frozen=True)
class _LpResult:
    value: float
    x: FloatArray
    rc_lower: FloatArray  # reduced costs at lower bounds (>= 0)
    rc_upper: FloatArray  # reduced costs at upper bounds (<= 0)


def _lp(model: _Model, left: float | None) -> _LpResult | None:
    """LP relaxation by interior point with crossover (:func:`~firecover.siting.highs.solve_lp`):
    its value, solution and reduced costs (``None`` if it does not finish)."""
    res = solve_lp(model.problem, left)
    if res is None:
        return None
    return _LpResult(
        model.offset + res.objective,
        res.x,
        np.maximum(res.col_dual, 0.0),
        np.minimum(res.col_dual, 0.0),
    )


def _fix_by_reduced_costs(
    d: MedianData, bp: Breakpoints, model: _Model, lp: _LpResult, threshold: float
) -> int:
    """Reduced-cost fixing: every LP point costs at least ``L + Σ r_j |x_j - bound_j|``, so
    a variable whose reduced cost exceeds ``threshold - L`` keeps its LP bound in every
    solution better than the incumbent. A site at 0 stays closed; a ``z`` at 0 stays 0 (the
    client has an open site below that breakpoint); a ``z`` at 1 stays 1, so every site
    nearer to that client than the breakpoint is closed. Returns the number of fixings."""
    # a fixed variable's change must cost strictly more than the gap (margin on the safe side)
    gap = threshold - lp.value + 1e-7 * max(1.0, abs(threshold))
    if gap <= 0:
        return 0
    m = d.cols.size
    x, rl, ru = lp.x, lp.rc_lower, lp.rc_upper
    before = int(bp.closed.sum() + bp.zero.sum())
    bp.closed |= (x[:m] < _EPS) & (rl[:m] > gap)
    xz, levels = x[m:], model.rows
    bp.zero[levels[(xz < _EPS) & (rl[m:] > gap)]] = True
    one = levels[(xz > 1.0 - _EPS) & (-ru[m:] > gap)]
    if one.size:
        limit = np.full(bp.n_clients, -1, dtype=np.int64)
        np.maximum.at(limit, bp.row[one], one)
        near = bp.entry_level < limit[d.r]
        bp.closed[d.c[near]] = True
    return int(bp.closed.sum() + bp.zero.sum()) - before


def _refine_levels(d: MedianData, bp: Breakpoints, y: FloatArray) -> int:
    """Add the breakpoints at and just after each cost ``d_ij`` with ``y_j > 0`` that lies
    below the level where client ``i`` is fully served (module docstring, step 1); for an
    integer ``y`` that is the client's exact cost. Returns the number of new breakpoints."""
    yr = np.clip(y[d.c], 0.0, 1.0)
    csum = np.cumsum(yr)
    start = np.flatnonzero(np.r_[True, d.r[1:] != d.r[:-1]])
    offset = np.repeat(np.r_[0.0, csum][start], np.diff(np.r_[start, d.r.size]))
    # coverage strictly below each entry's value: the cumulative sum at the start of its level
    new_level = np.r_[True, (d.r[1:] != d.r[:-1]) | (d.v[1:] != d.v[:-1])]
    group = np.cumsum(new_level) - 1
    before = (np.r_[0.0, csum][np.flatnonzero(new_level)] - offset[new_level])[group]
    pick = (yr > _EPS) & (before < 1.0 - _EPS)
    lv = bp.entry_level[pick]
    same = np.r_[bp.row[1:] == bp.row[:-1], False]
    nxt = np.where(same[lv], lv + 1, -1)
    return bp.add(np.concatenate([lv, nxt]))


def _fixed_cost_levels(d: MedianData, bp: Breakpoints, chosen: IntArray) -> int:
    """Breakpoints at each client's exact cost under ``chosen`` (module docstring, step 2)."""
    y = np.zeros(d.cols.size)
    y[chosen] = 1.0
    added = _refine_levels(d, bp, y)
    # clients served by a fixed site (cost F_i = their cap level, the last one)
    dist = d.dist(chosen)
    at_cap = np.flatnonzero(np.isfinite(d.fixed_cap) & (dist >= d.fixed_cap))
    if at_cap.size:
        last = np.flatnonzero(np.r_[bp.row[1:] != bp.row[:-1], True])
        owner = bp.row[last]
        pos = np.searchsorted(owner, at_cap)
        added += bp.add(last[pos])
    return added


@dataclass
class RadiusOutcome:
    """Refinement result in model columns: ``sites`` (best found), its ``value``, the proven
    lower ``bound``, ``status`` (``optimal`` / ``time_limit``) and per-round ``bounds``;
    ``sites`` is ``None`` when no solution in the model beats the caller's ``upper``."""

    sites: IntArray | None
    value: float
    bound: float
    status: str
    bounds: list[float] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def radius_bounds(
    d: MedianData, p: int, levels: Breakpoints, forced: BoolArray | None = None
) -> float:
    """The radius MILP's optimum on the given breakpoints: a lower bound on the p-median
    optimum of ``d`` (used by the tests at every refinement step)."""
    forced = np.zeros(d.cols.size, dtype=bool) if forced is None else forced
    model = _model(d, levels, p, forced)
    sol = solve_highs(model.problem, None, HIGHS_RADIUS)
    return model.offset + sol.objective if sol.x is not None else math.inf


def solve_radius(
    d: MedianData,
    p: int,
    start: IntArray,
    upper: float | None = None,
    forced: BoolArray | None = None,
    time_limit: float | None = None,
) -> RadiusOutcome:
    """Exact p-median on ``d`` by the refinement of the module docstring.

    ``start`` (model columns, opening every ``forced`` one) gives the first breakpoints;
    ``upper`` is the value of the best known solution (default: ``start``'s), which may lie
    outside ``d`` (e.g. on sites a reduction dropped). ``sites`` in the outcome is ``None``
    when nothing in ``d`` beats ``upper``: the solution behind ``upper`` is then optimal
    (status ``optimal``) or the best known."""
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    forced = np.zeros(d.cols.size, dtype=bool) if forced is None else forced
    best, start_value = np.sort(start), d.value(start)
    upper = start_value if upper is None else min(upper, start_value)
    bp = Breakpoints.build(d)
    if math.isfinite(start_value):
        _fixed_cost_levels(d, bp, best)
    stats: dict[str, float] = {"levels_total": float(bp.row.size)}
    sites = best if start_value <= upper else None
    out = RadiusOutcome(sites, upper, -math.inf, "time_limit", stats=stats)
    lp_rounds, lp = 0, None
    for lp_rounds in range(1, MAX_LP_ROUNDS + 1):  # noqa: B007
        left = _left(deadline)
        if left is not None and left <= 0:
            break
        model = _model(d, bp, p, forced)
        lp = _lp(model, left)
        if lp is None:
            break
        # after reduced-cost fixing the model holds only solutions better than the
        # incumbent, so its value bounds the optimum only together with the incumbent
        valid = min(lp.value, out.value)
        out.bound = max(out.bound, valid)
        out.bounds.append(valid)
        threshold = improving_threshold(d, upper)
        if lp.value >= threshold:
            break
        _fix_by_reduced_costs(d, bp, model, lp, threshold)
        if _refine_levels(d, bp, lp.x) == 0:
            break
    if lp is not None:  # LP rounding: the p largest y (forced first), then interchange
        order = np.argsort(-(lp.x[: d.cols.size] + 2.0 * forced), kind="stable")[:p]
        other = interchange(d, np.sort(order).astype(np.int64), p)
        if d.value(other) < out.value and forced[other].sum() == forced.sum():
            out.sites, out.value = np.sort(other), d.value(other)
            stats["lp_rounding_objective"] = out.value
    stats["lp_rounds"] = float(lp_rounds)
    stats["lp_seconds"] = time.perf_counter() - started
    stats["lp_bound"] = out.bound
    stats.update(sites_fixed_closed=float(bp.closed.sum()), levels_fixed_zero=float(bp.zero.sum()))
    milp_rounds = 0
    while out.bound < improving_threshold(d, out.value):
        left = _left(deadline)
        if left is not None and left <= 0:
            break
        model = _model(d, bp, p, forced)
        # prune every node that cannot beat the incumbent (by 1 with integer costs)
        cutoff = improving_threshold(d, out.value)
        options = {**HIGHS_RADIUS, "objective_bound": cutoff - model.offset}
        sol = solve_highs(model.problem, left, options)
        milp_rounds += 1
        stats["breakpoints"] = float(model.rows.size)
        if sol.status == "infeasible":  # nothing below the cutoff: the incumbent is optimal
            out.bound = out.value
            out.bounds.append(out.value)
            break
        if sol.x is None:
            if math.isfinite(sol.dual_bound):
                out.bound = max(out.bound, model.offset + sol.dual_bound)
            break
        chosen = np.flatnonzero(sol.x[: d.cols.size] > 0.5).astype(np.int64)
        value = d.value(chosen)
        if value < out.value:
            out.sites, out.value = np.sort(chosen), value
        lower = model.offset + (sol.objective if sol.status == "optimal" else sol.dual_bound)
        if sol.status == "optimal" and lower >= cutoff:
            # HiGHS may return a solution above the cutoff: the search then proved that
            # nothing lies below it, so no solution beats the incumbent
            lower = max(lower, out.value)
        out.bound = max(out.bound, min(lower, out.value))
        out.bounds.append(min(lower, out.value))
        log.info(
            "radius p-median round %d: %d breakpoints, bound %.6g, incumbent %.6g",
            milp_rounds,
            model.rows.size,
            lower,
            out.value,
        )
        if sol.status != "optimal":
            break
        if _fixed_cost_levels(d, bp, chosen) == 0:  # the model's value is exact: optimal
            out.bound = out.value
            break
    if out.bound >= improving_threshold(d, out.value):
        out.bound, out.status = out.value, "optimal"
    stats.update(milp_rounds=float(milp_rounds), breakpoints=float(bp.on.sum()))
    return out
