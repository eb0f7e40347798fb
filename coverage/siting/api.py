"""Integer-programming siting on arrays: LSCP, MCLP, p-median, p-center and backup covering.

All models take a (demand rows x candidate sites) matrix and return a :class:`SitingResult`.

Conventions shared by every model
---------------------------------
* ``coverage`` is a boolean matrix: ``coverage[i, j]`` is True when site ``j`` covers demand
  row ``i`` (within the response standard). Any scipy.sparse or dense bool-like matrix works.
* ``cost`` (p-median, p-center) is a travel-cost matrix. Dense: ``inf``/``nan`` = unreachable.
  Sparse: a **missing entry is unreachable** (not zero); a stored ``0`` is a zero cost.
* ``fixed`` are site indices that are always open (existing stations). ``p`` counts **new**
  sites only: a result has exactly ``p`` new sites plus every fixed site.
* Before any solve, infeasible input raises :class:`~firecover._errors.InfeasibleModelError`
  naming the offending rows (a demand row no site can cover or reach, ``p`` above the number
  of free sites, fixed indices out of range); malformed input raises
  :class:`~firecover._errors.DataFormatError`.
* Problems are reduced exactly (rows settled by fixed sites dropped, identical rows merged
  with summed weights, dominated / empty columns dropped), solved with HiGHS through
  :func:`scipy.optimize.milp`, and the objective is recomputed independently from the chosen
  sites (``evaluate_*``); a mismatch raises :class:`~firecover._errors.SolverError`.
* ``time_limit`` (seconds) is passed to HiGHS; when it stops the search the result has
  ``status == "time_limit"`` and the remaining relative gap in ``mip_gap``.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np

import firecover.siting.backup as backup
import firecover.siting.cost as cost_models
import firecover.siting.models as models
import firecover.siting.pcenter as pcenter_search
import firecover.siting.pmedian_radius as pmedian_radius
import firecover.siting.ties as ties
from firecover._errors import DataFormatError, SolverError
from firecover.siting.common import (
    SitingResult,
    _cover_count,
    _finish,
    _pad,
    _require_rows,
    _site_mask,
)
from firecover.siting.reduce import (
    Costs,
    FloatArray,
    IntArray,
    as_costs,
    as_coverage,
    as_fixed,
    as_p,
    as_weights,
)

__all__ = [
    "SitingResult",
    "backup_coverage",
    "check_cover",
    "evaluate_backup",
    "evaluate_lscp",
    "evaluate_mclp",
    "evaluate_pcenter",
    "evaluate_pmedian",
    "lscp",
    "mclp",
    "pcenter",
    "pmedian",
]

log = logging.getLogger(__name__)

#: Relative tolerance between the solver's objective and the independently evaluated one.
# ------------------------------------------------------------------------------ checkers ---


def check_cover(coverage: Any, sites: Any) -> IntArray:
    """Indices of the demand rows that no site in ``sites`` covers (empty = full cover)."""
    return np.flatnonzero(_cover_count(coverage, sites) == 0).astype(np.int64)


def evaluate_lscp(coverage: Any, sites: Any, cost: Any = None, fixed: Any = None) -> float:
    """LSCP objective of ``sites``: total cost of the sites that are not fixed; ``inf`` when
    some row is left uncovered."""
    mat = as_coverage(coverage)
    costs = as_weights(cost, mat.shape[1], "cost")
    new = _site_mask(mat.shape[1], sites) & ~_site_mask(mat.shape[1], as_fixed(fixed, mat.shape[1]))
    if check_cover(mat, sites).size:
        return math.inf
    return float(costs[new].sum())


def evaluate_mclp(coverage: Any, weights: Any, sites: Any) -> float:
    """Total weight of the demand rows covered at least once by ``sites``."""
    count = _cover_count(coverage, sites)
    return float(as_weights(weights, count.size)[count >= 1].sum())


def evaluate_backup(coverage: Any, weights: Any, sites: Any) -> float:
    """Total weight of the demand rows covered at least twice by ``sites`` (backup cover)."""
    count = _cover_count(coverage, sites)
    return float(as_weights(weights, count.size)[count >= 2].sum())


def _nearest(cost: Any, sites: Any) -> tuple[Costs, FloatArray, IntArray]:
    costs = cost if isinstance(cost, Costs) else as_costs(cost)
    dist, site = cost_models.nearest_open(costs, _site_mask(costs.n_cols, sites))
    return costs, dist, site


def evaluate_pmedian(cost: Any, sites: Any, weights: Any = None) -> float:
    """``Σ_i w_i min_{j ∈ sites} d_ij`` over rows with ``w_i > 0``; ``inf`` if one of them
    cannot reach any site."""
    costs, dist, _ = _nearest(cost, sites)
    w = as_weights(weights, costs.n_rows)
    pos = w > 0
    return float((w[pos] * dist[pos]).sum()) if pos.any() else 0.0


def evaluate_pcenter(cost: Any, sites: Any) -> float:
    """``max_i min_{j ∈ sites} d_ij`` (``inf`` if a row cannot reach any site)."""
    _, dist, _ = _nearest(cost, sites)
    return float(dist.max(initial=0.0))


# ------------------------------------------------------------------------------- helpers ---


def _cover_inputs(
    coverage: Any, weights: Any, fixed: Any, p: int
) -> tuple[Any, FloatArray, IntArray, int]:
    """The checked inputs of the ``p``-site covering models (MCLP, backup): the canonical
    coverage matrix, row weights, fixed sites and ``p`` (raises as :func:`mclp` documents)."""
    mat = as_coverage(coverage)
    w = as_weights(weights, mat.shape[0])
    fix = as_fixed(fixed, mat.shape[1])
    return mat, w, fix, as_p(p, mat.shape[1] - fix.size)


# ------------------------------------------------------------------------------- models ---


def lscp(
    coverage: Any,
    cost: Any = None,
    fixed: Any = None,
    time_limit: float | None = None,
    *,
    tie_break: str | None = None,
    times: Any = None,
    weights: Any = None,
) -> SitingResult:
    """Location set covering problem (Toregas et al. 1971): cheapest set of sites covering all.

    Model::

        min   Σ_j c_j x_j                      (j not fixed)
        s.t.  Σ_{j ∈ N_i} x_j >= 1             for every row i not covered by a fixed site
              x_j ∈ {0, 1}

    where ``N_i = {j : coverage[i, j]}``. Fixed sites are existing stations: they are open and
    cost nothing, so ``objective`` is the cost of the *new* sites.

    Parameters
    ----------
    coverage : (n_rows, n_sites) bool-like matrix, sparse or dense
    cost : (n_sites,) array-like of float >= 0, optional
        Cost of opening each site (default 1 = minimise the number of new sites).
    fixed : sequence of int, optional
        Sites forced open.
    time_limit : float, optional
        Seconds for HiGHS.
    tie_break : {None, "time"}, optional
        ``"time"``: among the optima, the sites of least weighted travel time
        (:func:`firecover.siting.ties.tie_break_time`, needs ``times``).
    times : (n_rows, n_sites) matrix of seconds, optional
        Travel times for ``tie_break`` (sparse: missing = unreachable).
    weights : (n_rows,) array-like, optional
        Row weights of the tie-break's travel time (default 1).

    Returns
    -------
    SitingResult
        ``covered`` is all True.

    Raises
    ------
    InfeasibleModelError
        A row that no site covers (rows named), or a fixed index out of range.
    """
    started = time.perf_counter()
    mat = as_coverage(coverage)
    costs = as_weights(cost, mat.shape[1], "cost")
    fix = as_fixed(fixed, mat.shape[1])
    _require_rows(np.diff(mat.indptr) == 0, "cannot be covered by any site")
    out = models.solve_lscp(mat, costs, fix, time_limit)
    result = _finish(
        "lscp",
        out,
        fix,
        out.new_sites,
        lambda s: evaluate_lscp(mat, s, costs, fix),
        started,
        covered=np.ones(mat.shape[0], dtype=bool),
    )
    return _ties(result, mat, times, weights, tie_break, time_limit, cost=costs)


def mclp(
    coverage: Any,
    weights: Any,
    p: int,
    fixed: Any = None,
    time_limit: float | None = None,
    *,
    tie_break: str | None = None,
    times: Any = None,
) -> SitingResult:
    """Maximal covering location problem (Church & ReVelle 1974).

    Model::

        max   Σ_i w_i y_i
        s.t.  y_i <= Σ_{j ∈ N_i} x_j           for every row i
              Σ_{j not fixed} x_j = p ;  x_j = 1 for fixed j
              x_j ∈ {0, 1},  0 <= y_i <= 1

    ``p`` counts new sites; the result has exactly ``p`` new sites plus the fixed ones.
    Rows no site covers are allowed (they stay uncovered).

    Parameters
    ----------
    coverage : (n_rows, n_sites) bool-like matrix
    weights : (n_rows,) array-like of float >= 0
        Demand weight of each row.
    p : int
        Number of new sites, ``0 <= p <= n_sites - len(fixed)``.
    fixed : sequence of int, optional
    time_limit : float, optional
    tie_break : {None, "time"}, optional
        ``"time"``: among the optima, the sites of least weighted travel time to the nearest
        open site (:func:`firecover.siting.ties.tie_break_time`; needs ``times``).
    times : (n_rows, n_sites) matrix of seconds, optional
        Travel times for ``tie_break`` (sparse: missing = unreachable).

    Returns
    -------
    SitingResult
        ``objective`` = covered weight, ``covered`` = rows covered by ``sites``.
    """
    started = time.perf_counter()
    mat, w, fix, p = _cover_inputs(coverage, weights, fixed, p)
    out = models.solve_mclp(mat, w, p, fix, time_limit)
    new = _pad(out.new_sites, p, mat.shape[1], fix)
    covered = _cover_count(mat, np.union1d(fix, new)) >= 1
    result = _finish(
        "mclp", out, fix, new, lambda s: evaluate_mclp(mat, w, s), started, covered=covered
    )
    return _ties(result, mat, times, w, tie_break, time_limit)


def backup_coverage(
    coverage: Any,
    weights: Any,
    p: int,
    fixed: Any = None,
    time_limit: float | None = None,
    *,
    tie_break: str | None = None,
    times: Any = None,
) -> SitingResult:
    """Backup covering (BACOP, Hogan & ReVelle 1986), solved lexicographically.

    Stage 1 is the MCLP: ``Z1 = max Σ_i w_i y_i``. Stage 2 maximises the weight covered at
    least twice while holding single coverage at its optimum::

        max   Σ_i w_i u_i
        s.t.  y_i + u_i <= Σ_{j ∈ N_i} x_j     for every row i
              u_i <= y_i
              Σ_i w_i y_i >= Z1
              Σ_{j not fixed} x_j = p ;  x_j = 1 for fixed j
              x, y, u ∈ {0, 1}

    Parameters are as for :func:`mclp` (``tie_break="time"`` holds both stages).

    Returns
    -------
    SitingResult
        ``objective`` = twice-covered weight (:func:`evaluate_backup`);
        ``stats['single_weight']`` = once-covered weight (equal to the MCLP optimum);
        ``covered`` = rows covered at least once.
    """
    started = time.perf_counter()
    mat, w, fix, p = _cover_inputs(coverage, weights, fixed, p)
    out = backup.solve_backup(mat, w, p, fix, time_limit)
    new = _pad(out.new_sites, p, mat.shape[1], fix)
    sites = np.union1d(fix, new)
    single = evaluate_mclp(mat, w, sites)
    model_single = out.stats.get("single_weight_model")
    if model_single is not None and abs(model_single - single) > 1e-6 * max(1.0, single):
        raise SolverError(
            f"backup: stage-1 cover {model_single!r} but the sites cover "
            f"{single!r}; report this as a bug"
        )
    stats = {**out.stats, "single_weight": single}
    out = models.ModelOutcome(
        out.new_sites, out.status, out.objective, out.mip_gap, out.seconds, stats, out.bound
    )
    result = _finish(
        "backup",
        out,
        fix,
        new,
        lambda s: evaluate_backup(mat, w, s),
        started,
        covered=_cover_count(mat, sites) >= 1,
    )
    return _ties(result, mat, times, w, tie_break, time_limit)


def _ties(
    result: SitingResult,
    mat: Any,
    times: Any,
    weights: Any,
    tie_break: str | None,
    time_limit: float | None,
    cost: Any = None,
) -> SitingResult:
    if tie_break is None or result.status == "infeasible":
        return result
    if tie_break not in ties.TIE_BREAKS:
        raise DataFormatError(f"unknown tie_break {tie_break!r}; use 'time' or None")
    if times is None:
        raise DataFormatError("tie_break='time' needs the travel times; pass times=")
    left = None if time_limit is None else max(0.0, time_limit - result.solve_seconds)
    return ties.tie_break_time(result, mat, times, weights, cost=cost, time_limit=left)


def _cost_inputs(
    cost: Any,
    weights: Any,
    fixed: Any,
    p: int,
) -> tuple[Costs, FloatArray, IntArray, int]:
    costs = as_costs(cost)
    w = as_weights(weights, costs.n_rows)
    fix = as_fixed(fixed, costs.n_cols)
    p = as_p(p, costs.n_cols - fix.size)
    reach = np.bincount(costs.row, minlength=costs.n_rows)
    _require_rows((reach == 0) & (w > 0), "cannot reach any site")
    if p == 0:
        dist = cost_models.nearest_open(costs, _site_mask(costs.n_cols, fix))[0]
        _require_rows(~np.isfinite(dist) & (w > 0), "cannot reach any fixed site and p=0")
    return costs, w, fix, p


def pmedian(
    cost: Any, p: int, weights: Any = None, fixed: Any = None, time_limit: float | None = None
) -> SitingResult:
    """p-median (Hakimi 1964; ReVelle & Swain 1970): minimise total weighted travel cost.

    Solved in the compact formulation of Cornuéjols, Nemhauser & Wolsey (1980) / Elloumi
    (2010): for client ``i`` let ``D_i^1 < ... < D_i^K`` be its distinct reachable costs; the
    continuous ``z_i^k`` is 1 when no open site is within ``D_i^k``::

        min   Σ_i w_i (D_i^1 + Σ_k (D_i^{k+1} - D_i^k) z_i^k)
        s.t.  z_i^k + Σ_{j: d_ij <= D_i^k} y_j >= 1      (written as a chain
              z_i^k - z_i^{k-1} + Σ_{j: d_ij = D_i^k} y_j >= 0, z_i^0 = 1)
              Σ_{j not fixed} y_j = p ;  y_j = 1 for fixed j
              y_j ∈ {0, 1},  z_i^k >= 0

    which equals ``min Σ_i w_i min_{j open} d_ij`` and has the LP bound of the classical
    assignment model with far fewer variables. It is solved in the radius form of García,
    Labbé & Marín (2011) with iterative refinement of the levels: only some levels
    ("breakpoints") per client, which gives a lower bound, refined by LP and MILP rounds
    until the bound meets the incumbent (:mod:`firecover.siting.radius`). ``p`` counts new
    sites, fixed sites are extra.
    Missing sparse entries are unreachable: every row with ``w_i > 0`` is served by a site it
    can reach.

    Parameters
    ----------
    cost : (n_rows, n_sites) matrix of float >= 0, dense (inf/nan = unreachable) or sparse
        (missing = unreachable)
    p : int
        Number of new sites.
    weights : (n_rows,) array-like, optional
        Demand weights (default 1).
    fixed : sequence of int, optional
    time_limit : float, optional

    Returns
    -------
    SitingResult
        ``assignment`` = each row's nearest open site.
    """
    started = time.perf_counter()
    costs, w, fix, p = _cost_inputs(cost, weights, fixed, p)
    out = pmedian_radius.solve_pmedian_radius(costs, w, p, fix, time_limit)
    new = _pad(out.new_sites, p, costs.n_cols, fix)
    assignment = _nearest(costs, np.union1d(fix, new))[2]
    return _finish(
        "pmedian",
        out,
        fix,
        new,
        lambda s: evaluate_pmedian(costs, s, w),
        started,
        assignment=assignment,
    )


def pcenter(cost: Any, p: int, fixed: Any = None, time_limit: float | None = None) -> SitingResult:
    """Vertex p-center (Hakimi 1965): minimise the largest cost from a row to its nearest site.

    Model::

        min   r
        s.t.  min_{j open} d_ij <= r           for every row i
              Σ_{j not fixed} x_j = p ;  x_j = 1 for fixed j,   x_j ∈ {0, 1}

    solved by binary search over the sorted distinct costs ``r`` (Minieka 1970): ``r`` is
    feasible when the set-covering MILP ``Σ_{j: d_ij <= r} x_j >= 1`` (rows not within ``r``
    of a fixed site), ``Σ x_j <= p`` has a solution. A farthest-first heuristic and greedy
    covers bound the search from above, the covering LP from below; each check covers a
    growing subset of rows (row generation, :mod:`firecover.siting.pcenter`).
    ``stats['infeasible_below']`` is the next smaller cost, proven infeasible.
    ``time_limit`` bounds the whole search.

    Parameters
    ----------
    cost : (n_rows, n_sites) matrix, as for :func:`pmedian`
    p : int
        Number of new sites.
    fixed : sequence of int, optional
    time_limit : float, optional

    Returns
    -------
    SitingResult
        ``assignment`` = each row's nearest open site; ``stats['radius_checks']``.
    """
    started = time.perf_counter()
    costs, _, fix, p = _cost_inputs(cost, None, fixed, p)
    out = pcenter_search.solve_pcenter_search(costs, p, fix, time_limit)
    new = _pad(out.new_sites, p, costs.n_cols, fix)
    assignment = _nearest(costs, np.union1d(fix, new))[2]
    return _finish(
        "pcenter",
        out,
        fix,
        new,
        lambda s: evaluate_pcenter(costs, s),
        started,
        assignment=assignment,
    )


# ---------------------------------------------------------------- area-limited siting ---
