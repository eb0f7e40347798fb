"""Ties made explicit: a lexicographic secondary objective among the optima of a covering model.

A covering model (LSCP, MCLP, backup covering) usually has many optimal site sets: any set
covering the same weight is as good as any other, and the solver returns one of them
arbitrarily. :func:`tie_break_time` picks, among the site sets that keep the primary objective
at the value found (within :data:`TIE_RTOL`), one with the **least weighted travel time**::

    min   Σ_i w_i t_i(x)                 t_i = time from row i to its nearest open site
    s.t.  primary objective(x) at its optimum Z*  (≥ Z* (1 − tol) or ≤ Z* (1 + tol))
          the model's own constraints (p new sites, fixed sites open)

written with one continuous assignment ``z_ij <= x_j`` per reachable (row, site) pair of the
``times`` matrix and one "unreached" slack per row costed at ``unreachable_s`` (a row no open
site reaches within the matrix counts that many seconds; default the largest stored time).
Because the costs are non-negative and the ``z`` are free to move, the optimum gives each row
its nearest open site, so the objective is exactly ``Σ w_i min_j t_ij``. The solution is
verified independently (:func:`evaluate_time` and the model's own ``evaluate_*``).

Two stages: first best-improvement one-site swaps that hold the primary objective
(:func:`firecover.siting.tie_swap.swap_search`: a second or less and a few MB on a district),
then, on models of at most :data:`MAX_TIE_MILP_PAIRS` weighted pairs and with time left, the
MILP above, which proves the least time. Above that size the swaps' set stands and the result
says it is a 1-swap local optimum (``tie_break_optimal`` 0, ``tie_break_milp`` 0).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from firecover._errors import DataFormatError, SolverError
from firecover.siting.common import SitingResult, _site_mask
from firecover.siting.highs import solve_highs
from firecover.siting.milp import MilpProblem
from firecover.siting.reduce import FloatArray, as_costs, as_coverage, as_weights
from firecover.siting.tie_swap import swap_search

__all__ = ["TIE_BREAKS", "TIE_RTOL", "evaluate_time", "tie_break_time"]

log = logging.getLogger(__name__)

#: Accepted values of the ``tie_break`` option (``None`` = the solver's own choice).
TIE_BREAKS = ("time",)
#: Relative tolerance on the primary objective while the secondary one is optimised.
TIE_RTOL = 1e-6
#: The tie-break MILP is not started with less time than this (seconds) left of its limit
#: after the swaps (HiGHS overruns tiny limits; the swaps' set stands).
MIN_TIE_SECONDS = 2.0
#: The exact MILP runs only up to this many weighted (row, site) pairs (one variable each);
#: above it the one-site swaps (:mod:`.tie_swap`) stand. On the 146 km² bench district
#: (194k pairs) HiGHS did not finish the MILP's root LP in 20 s and the process peaked at 1.2 GB.
MAX_TIE_MILP_PAIRS = 50_000


def _nearest_times(times: sp.csr_array, sites: Any, unreachable_s: float) -> FloatArray:
    mask = _site_mask(times.shape[1], sites)
    out = np.full(times.shape[0], unreachable_s)
    coo = times.tocoo()
    keep = mask[coo.col]
    np.minimum.at(out, coo.row[keep], np.minimum(coo.data[keep], unreachable_s))
    return out


def evaluate_time(
    times: Any, weights: Any, sites: Any, unreachable_s: float | None = None
) -> float:
    """``Σ_i w_i min_{j ∈ sites} t_ij``; a row no site reaches counts ``unreachable_s``.

    ``times`` follows the cost convention of :func:`firecover.siting.pmedian` (sparse: a missing
    entry is unreachable). ``unreachable_s`` defaults to the largest reachable time.
    """
    costs = as_costs(times, "times")
    mat = costs.matrix()
    w = as_weights(weights, costs.n_rows)
    pen = float(costs.val.max(initial=0.0)) if unreachable_s is None else float(unreachable_s)
    return float((w * _nearest_times(mat, sites, pen)).sum())


def _primary_rows(
    model: str, cover: sp.csr_array, w: FloatArray, n_x: int, value: float, extra: dict[str, Any]
) -> tuple[list[sp.csr_array], list[FloatArray], list[FloatArray], int]:
    """Rows (over ``x``, ``y``...) keeping the primary objective; returns the number of extra
    variables they use after ``x``."""
    n_rows = cover.shape[0]
    tol = TIE_RTOL * max(1.0, abs(value))
    eye = sp.eye_array(n_rows, format="csr")
    if model == "lscp":
        need = np.diff(cover.indptr) > 0
        a = cover[need].astype(float)
        cost = extra["cost"] * (~extra["fixed_mask"])
        rows = [sp.csr_array(a), sp.csr_array(cost[None, :])]
        return rows, [np.ones(a.shape[0]), np.array([-np.inf])], [
            np.full(a.shape[0], np.inf), np.array([value + tol])
        ], 0  # fmt: skip
    if model == "mclp":
        link = sp.hstack([eye, -cover.astype(float)])  # y_i - Σ A x <= 0
        keep = sp.hstack([sp.csr_array(w[None, :]), sp.csr_array((1, n_x))])
        rows = [_reorder(link, n_rows, n_x), _reorder(keep, n_rows, n_x)]
        return rows, [np.full(n_rows, -np.inf), np.array([value - tol])], [
            np.zeros(n_rows), np.array([np.inf])
        ], n_rows  # fmt: skip
    # backup: y (once) and u (twice): y + u - Σ A x <= 0, u - y <= 0, w·y >= Z1, w·u >= Z2
    single = float(extra["single"])
    tol1 = TIE_RTOL * max(1.0, abs(single))
    link = sp.hstack([-cover.astype(float), eye, eye])
    order = sp.hstack([sp.csr_array((n_rows, n_x)), -eye, eye])
    wy = sp.hstack([sp.csr_array((1, n_x)), sp.csr_array(w[None, :]), sp.csr_array((1, n_rows))])
    wu = sp.hstack([sp.csr_array((1, n_x)), sp.csr_array((1, n_rows)), sp.csr_array(w[None, :])])
    rows = [sp.csr_array(link), sp.csr_array(order), sp.csr_array(wy), sp.csr_array(wu)]
    lo = [np.full(n_rows, -np.inf), np.full(n_rows, -np.inf), np.array([single - tol1]),
          np.array([value - tol])]  # fmt: skip
    hi = [np.zeros(n_rows), np.zeros(n_rows), np.array([np.inf]), np.array([np.inf])]
    return rows, lo, hi, 2 * n_rows


def _reorder(block: sp.csr_array, n_y: int, n_x: int) -> sp.csr_array:
    """A block written as [y | x] → [x | y]."""
    block = sp.csc_array(block)
    return sp.csr_array(sp.hstack([block[:, n_y : n_y + n_x], block[:, :n_y]]))


def tie_break_time(
    result: SitingResult,
    coverage: Any,
    times: Any,
    weights: Any = None,
    *,
    cost: Any = None,
    unreachable_s: float | None = None,
    time_limit: float | None = None,
) -> SitingResult:
    """Among the optima of ``result``'s covering model, the sites of least weighted time.

    Parameters
    ----------
    result : SitingResult
        An ``lscp``, ``mclp`` or ``backup`` result on ``coverage`` (its ``objective`` is held).
    coverage : (n_rows, n_sites) bool-like matrix
        The matrix the model was solved on.
    times : (n_rows, n_sites) matrix of seconds
        Travel times (sparse: a missing entry is unreachable; dense: ``inf``).
    weights : (n_rows,) array-like, optional
        Demand weights (the model's; default 1). For LSCP they weigh only the time.
    cost : (n_sites,) array-like, optional
        LSCP site costs (default 1).
    unreachable_s : float, optional
        Seconds counted for a row no open site reaches (default the largest stored time).
    time_limit : float, optional
        Seconds for the swaps, building the MILP and HiGHS together (highspy's, :mod:`.highs`,
        whose presolve watches the clock better than scipy's copy); on the limit the best set
        found so far is kept (or ``result``).

    Returns
    -------
    SitingResult
        The same model and primary objective; ``stats`` gains ``weighted_time_s`` (after),
        ``weighted_time_before_s`` (the solver's first choice), ``time_weight`` (``Σ w``, so
        ``weighted_time_s / time_weight`` is the mean time), ``tie_break_optimal`` (1: the
        least time is proven), ``tie_break_milp`` (1: the MILP ran) and ``tie_break_swaps``.

    Raises
    ------
    DataFormatError
        A model other than ``lscp`` / ``mclp`` / ``backup``, or mismatched shapes.
    """
    started = time.perf_counter()
    model = result.model
    if model not in ("lscp", "mclp", "backup"):
        raise DataFormatError(
            f"tie_break='time' is for lscp, mclp and backup, not {model}; drop tie_break"
        )
    cover = as_coverage(coverage)
    costs = as_costs(times, "times")
    if (costs.n_rows, costs.n_cols) != cover.shape:
        raise DataFormatError(
            f"times is {costs.n_rows}x{costs.n_cols} but coverage is "
            f"{cover.shape[0]}x{cover.shape[1]}; give both on the same rows and sites"
        )
    n_rows, n_x = cover.shape
    w = as_weights(weights, n_rows)
    pen = float(costs.val.max(initial=0.0)) if unreachable_s is None else float(unreachable_s)
    tmat = costs.matrix()
    before = evaluate_time(tmat, w, result.sites, pen)
    fixed_mask = _site_mask(n_x, result.sites) & ~_site_mask(n_x, result.new_sites)
    site_cost = as_weights(cost, n_x, "cost")
    single = float(result.stats.get("single_weight", 0.0))
    swap = swap_search(
        model, cover, tmat, w, result.sites, fixed_mask, primary=result.objective,
        single=single, cost=site_cost, unreachable_s=pen, rtol=TIE_RTOL,
        time_limit=_left(time_limit, started),
    )  # fmt: skip
    sites, optimal, method = swap.sites, False, "swap"
    after = evaluate_time(tmat, w, sites, pen)
    n_pairs = int(np.count_nonzero(w[costs.row] > 0))
    left = _left(time_limit, started)
    if n_pairs > MAX_TIE_MILP_PAIRS:
        log.info("tie break: %d pairs (more than %d): the one-site swaps stand", n_pairs,
                 MAX_TIE_MILP_PAIRS)  # fmt: skip
    elif left is not None and left < MIN_TIE_SECONDS:
        log.info("tie break: %.1f s left after the swaps; they stand", left)
    else:
        problem = _tie_milp(model, cover, costs, w, pen, result, fixed_mask, site_cost, single)
        sol = solve_highs(problem, _left(time_limit, started))
        if sol.x is None:
            log.warning("tie break: the MILP found no set in time; the one-site swaps stand")
        else:
            milp_sites = np.flatnonzero(sol.x[:n_x] > 0.5).astype(np.int64)
            milp_after = evaluate_time(tmat, w, milp_sites, pen)
            if abs(milp_after - sol.objective) > 1e-6 * max(1.0, abs(milp_after)):
                raise SolverError(
                    f"tie break: solver time {sol.objective!r} but the sites give "
                    f"{milp_after!r}; report this as a bug"
                )
            optimal, method = sol.status == "optimal", "milp"
            if milp_after < after - 1e-9 * max(1.0, after):
                sites, after = milp_sites, milp_after
    if after > before + 1e-9 * max(1.0, before) or np.array_equal(sites, result.sites):
        return _with_stats(result, before, float(w.sum()), optimal, method, started)
    value = _primary_value(model, cover, w, site_cost, fixed_mask, sites)
    if _worse(model, value, result.objective):
        raise SolverError(
            f"tie break: primary objective moved from {result.objective!r} to {value!r}; "
            "report this as a bug"
        )
    stats = {**result.stats, "weighted_time_s": after, "weighted_time_before_s": before,
             "tie_break_optimal": float(optimal), "tie_break_swaps": float(swap.swaps),
             "tie_break_milp": float(method == "milp"), "time_weight": float(w.sum())}  # fmt: skip
    if model == "backup":
        from firecover.siting.api import evaluate_mclp

        stats["single_weight"] = evaluate_mclp(cover, w, sites)
    log.info("tie break: weighted time %.6g -> %.6g s (%s)", before, after, method)
    return SitingResult(
        model, sites, np.setdiff1d(sites, np.flatnonzero(fixed_mask)).astype(np.int64), value,
        result.status, result.mip_gap, result.solve_seconds + time.perf_counter() - started,
        result.covered if model == "lscp" else _covered(cover, sites), result.assignment, stats,
    )  # fmt: skip


def _left(time_limit: float | None, started: float) -> float | None:
    return None if time_limit is None else time_limit - (time.perf_counter() - started)


def _tie_milp(
    model: str, cover: sp.csr_array, costs: Any, w: FloatArray, pen: float,
    result: SitingResult, fixed_mask: Any, site_cost: FloatArray, single: float,
) -> MilpProblem:  # fmt: skip
    """The exact tie-break MILP (module docstring) over ``x``, the model's own variables,
    one assignment ``z`` per weighted reachable pair and one slack per weighted row."""
    n_rows, n_x = cover.shape
    extra = {"cost": site_cost, "fixed_mask": fixed_mask, "single": single}
    prim, plo, phi, n_aux = _primary_rows(model, cover, w, n_x, result.objective, extra)
    active = w > 0
    e_keep = active[costs.row]
    er, ec, ev = costs.row[e_keep], costs.col[e_keep], np.minimum(costs.val[e_keep], pen)
    n_e = er.size
    rows_act = np.flatnonzero(active)
    n_s = rows_act.size
    slack_of = np.full(n_rows, -1)
    slack_of[rows_act] = np.arange(n_s)
    n_var = n_x + n_aux + n_e + n_s
    z0, s0 = n_x + n_aux, n_x + n_aux + n_e
    c = np.zeros(n_var)
    c[z0:s0] = w[er] * ev
    c[s0:] = w[rows_act] * pen
    # Σ_e z_e + s_i = 1 per active row
    a_rows = np.concatenate([slack_of[er], np.arange(n_s)])
    a_cols = np.concatenate([z0 + np.arange(n_e), s0 + np.arange(n_s)])
    assign = sp.csr_array((np.ones(a_rows.size), (a_rows, a_cols)), shape=(n_s, n_var))
    # z_e - x_j <= 0
    link = sp.csr_array(
        (
            np.concatenate([np.ones(n_e), -np.ones(n_e)]),
            (np.tile(np.arange(n_e), 2), np.concatenate([z0 + np.arange(n_e), ec])),
        ),
        shape=(n_e, n_var),
    )
    count = sp.csr_array((~fixed_mask).astype(float)[None, :])
    lo = [*plo, np.ones(n_s), np.full(n_e, -np.inf)]
    hi = [*phi, np.ones(n_s), np.zeros(n_e)]
    mats = [*(_pad_cols(b, n_var) for b in prim), assign, link]
    if model != "lscp":
        p = float(result.new_sites.size)
        mats.append(_pad_cols(count, n_var))
        lo.append(np.array([p]))
        hi.append(np.array([p]))
    lb = np.zeros(n_var)
    ub = np.ones(n_var)
    lb[:n_x][fixed_mask] = 1.0
    integral = np.zeros(n_var, dtype=bool)
    integral[:n_x] = True
    if model == "backup":
        integral[n_x : n_x + n_aux] = True
    return MilpProblem(
        c, sp.csr_array(sp.vstack(mats)), np.concatenate(lo), np.concatenate(hi), lb, ub, integral
    )


def _covered(cover: sp.csr_array, sites: Any) -> Any:
    mask = _site_mask(cover.shape[1], sites).astype(np.int64)
    return np.asarray(cover.astype(np.int64) @ mask).ravel() >= 1


def _pad_cols(block: sp.csr_array, n_var: int) -> sp.csr_array:
    if block.shape[1] == n_var:
        return sp.csr_array(block)
    return sp.csr_array(sp.hstack([block, sp.csr_array((block.shape[0], n_var - block.shape[1]))]))


def _primary_value(
    model: str, cover: sp.csr_array, w: FloatArray, cost: FloatArray, fixed: Any, sites: Any
) -> float:
    from firecover.siting.api import evaluate_backup, evaluate_lscp, evaluate_mclp

    if model == "lscp":
        return evaluate_lscp(cover, sites, cost, np.flatnonzero(fixed))
    if model == "mclp":
        return evaluate_mclp(cover, w, sites)
    return evaluate_backup(cover, w, sites)


def _worse(model: str, value: float, best: float) -> bool:
    tol = 10 * TIE_RTOL * max(1.0, abs(best))
    if model == "lscp":
        return not math.isfinite(value) or value > best + tol
    return value < best - tol


def _with_stats(
    result: SitingResult, before: float, weight: float, optimal: bool, method: str,
    started: float,
) -> SitingResult:  # fmt: skip
    stats = {**result.stats, "weighted_time_s": before, "weighted_time_before_s": before,
             "tie_break_optimal": float(optimal), "tie_break_milp": float(method == "milp"),
             "time_weight": weight}  # fmt: skip
    return SitingResult(
        result.model, result.sites, result.new_sites, result.objective, result.status,
        result.mip_gap, result.solve_seconds + time.perf_counter() - started, result.covered,
        result.assignment, stats, result.shares,
    )  # fmt: skip
