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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from . import _siting_area as area_model
from . import _siting_cost as cost_models
from . import _siting_models as models
from ._errors import InfeasibleModelError, SolverError
from ._siting_flow import flow_assignment
from ._siting_reduce import (
    BoolArray,
    Costs,
    FloatArray,
    IntArray,
    as_costs,
    as_coverage,
    as_fixed,
    as_p,
    as_weights,
    describe_rows,
)

__all__ = [
    "SitingResult",
    "area_limited",
    "backup_coverage",
    "check_area_assignment",
    "check_cover",
    "evaluate_area",
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
OBJECTIVE_RTOL = 1e-6
_MAXIMISE = frozenset({"mclp", "backup", "area_max"})


@dataclass(frozen=True)
class SitingResult:
    """Outcome of one siting model.

    Attributes
    ----------
    model : str
        ``"lscp"``, ``"mclp"``, ``"pmedian"``, ``"pcenter"``, ``"backup"``, ``"area_min"`` or
        ``"area_max"`` (:func:`area_limited` without / with ``p``).
    sites : ndarray of int
        Sorted indices of all open sites, fixed ones included.
    new_sites : ndarray of int
        Sorted indices of the open sites that are not fixed.
    objective : float
        The objective the sites actually achieve (recomputed by the matching ``evaluate_*``):
        LSCP cost of the new sites; MCLP covered weight; p-median total weighted cost;
        p-center largest cost; backup covering twice-covered weight; area model cost of the
        new sites (min form) or assigned weight (max form). ``nan`` if infeasible.
    status : str
        ``"optimal"``, ``"time_limit"`` (best solution found in time) or ``"infeasible"``
        (proven by the solver; ``sites`` then holds only the fixed sites).
    mip_gap : float
        Relative gap left by HiGHS (0 when optimal, ``inf`` when unknown).
    solve_seconds : float
        Wall time of the whole call (reduction, solve, verification).
    covered : ndarray of bool or None
        Covering models: which demand rows the sites cover.
    assignment : ndarray of int or None
        p-median / p-center: each row's nearest open site (-1 if none reachable). Area model:
        the site each row is assigned to (-1 unassigned; with ``split`` its largest share).
    stats : Mapping[str, float]
        Diagnostics: reduced model sizes, solver seconds, and model-specific values
        (``single_weight`` for backup covering, ``radius_checks`` for p-center, ...).
    shares : scipy.sparse.csr_array or None
        Area model with ``split=True``: (rows x sites) share of each row assigned to each site.
    """

    model: str
    sites: IntArray
    new_sites: IntArray
    objective: float
    status: str
    mip_gap: float
    solve_seconds: float
    covered: BoolArray | None = None
    assignment: IntArray | None = None
    stats: Mapping[str, float] = field(default_factory=dict)
    shares: sp.csr_array | None = None


# ------------------------------------------------------------------------------ checkers ---


def _site_mask(n_cols: int, sites: Any) -> BoolArray:
    idx = np.asarray(sites, dtype=np.int64).ravel()
    mask = np.zeros(n_cols, dtype=bool)
    mask[idx] = True
    return mask


def _cover_count(coverage: Any, sites: Any) -> NDArray[np.int64]:
    mat = as_coverage(coverage)
    mask = _site_mask(mat.shape[1], sites).astype(np.int64)
    return np.asarray(mat.astype(np.int64) @ mask).ravel()


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


def _pad(new: IntArray, p: int, n_cols: int, fixed: IntArray) -> IntArray:
    """Top ``new`` up to exactly ``p`` sites with the lowest unused free indices."""
    new = np.unique(new)
    if new.size >= p:
        return new
    taken = _site_mask(n_cols, np.concatenate([new, fixed]))
    extra = np.flatnonzero(~taken)[: p - new.size]
    return np.sort(np.concatenate([new, extra])).astype(np.int64)


def _require_rows(empty: NDArray[np.bool_], what: str) -> None:
    rows = np.flatnonzero(empty)
    if rows.size:
        raise InfeasibleModelError(
            f"{describe_rows(rows)} {what}; add candidate sites within reach or drop these rows"
        )


def _finish(
    model: str,
    out: models.ModelOutcome,
    fixed: IntArray,
    new: IntArray,
    evaluate: Callable[[IntArray], float],
    started: float,
    **arrays: Any,
) -> SitingResult:
    """Verify the model's objective against ``evaluate`` and build the result.

    An optimal claim must match the evaluated value; a time-limited incumbent may be valued
    pessimistically by the solver (e.g. MCLP ``y`` not pushed to 1), so there the sites only
    have to be at least as good as claimed, and the gap is recomputed from the dual bound.
    """
    if out.status == "infeasible":
        return SitingResult(
            model,
            fixed.copy(),
            np.zeros(0, dtype=np.int64),
            math.nan,
            "infeasible",
            math.inf,
            time.perf_counter() - started,
            stats=dict(out.stats),
        )
    if out.objective is not None and math.isnan(out.objective):
        raise SolverError(
            f"{model}: no feasible solution found within the time limit; raise time_limit"
        )
    sites = np.union1d(fixed, new).astype(np.int64)
    value = evaluate(sites)
    gap = float(out.mip_gap)
    if out.objective is not None:
        tol = OBJECTIVE_RTOL * max(1.0, abs(value))
        excess = (out.objective - value) * (1.0 if model in _MAXIMISE else -1.0)
        if excess > tol or (out.status == "optimal" and excess < -tol):
            raise SolverError(
                f"{model}: solver objective {out.objective!r} but the sites give "
                f"{value!r}; report this as a bug"
            )
    if out.status != "optimal" and math.isfinite(out.bound):
        gap = max(0.0, abs(out.bound - value) / max(abs(value), 1e-12))
    log.info("%s: %d sites, objective %.6g, %s", model, sites.size, value, out.status)
    return SitingResult(
        model,
        sites,
        np.setdiff1d(new, fixed).astype(np.int64),
        value,
        out.status,
        gap,
        time.perf_counter() - started,
        stats=dict(out.stats),
        **arrays,
    )


# ------------------------------------------------------------------------------- models ---


def lscp(
    coverage: Any, cost: Any = None, fixed: Any = None, time_limit: float | None = None
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
    return _finish(
        "lscp",
        out,
        fix,
        out.new_sites,
        lambda s: evaluate_lscp(mat, s, costs, fix),
        started,
        covered=np.ones(mat.shape[0], dtype=bool),
    )


def mclp(
    coverage: Any, weights: Any, p: int, fixed: Any = None, time_limit: float | None = None
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

    Returns
    -------
    SitingResult
        ``objective`` = covered weight, ``covered`` = rows covered by ``sites``.
    """
    started = time.perf_counter()
    mat = as_coverage(coverage)
    w = as_weights(weights, mat.shape[0])
    fix = as_fixed(fixed, mat.shape[1])
    p = as_p(p, mat.shape[1] - fix.size)
    out = models.solve_mclp(mat, w, p, fix, time_limit)
    new = _pad(out.new_sites, p, mat.shape[1], fix)
    covered = _cover_count(mat, np.union1d(fix, new)) >= 1
    return _finish(
        "mclp", out, fix, new, lambda s: evaluate_mclp(mat, w, s), started, covered=covered
    )


def backup_coverage(
    coverage: Any, weights: Any, p: int, fixed: Any = None, time_limit: float | None = None
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

    Parameters are as for :func:`mclp`.

    Returns
    -------
    SitingResult
        ``objective`` = twice-covered weight (:func:`evaluate_backup`);
        ``stats['single_weight']`` = once-covered weight (equal to the MCLP optimum);
        ``covered`` = rows covered at least once.
    """
    started = time.perf_counter()
    mat = as_coverage(coverage)
    w = as_weights(weights, mat.shape[0])
    fix = as_fixed(fixed, mat.shape[1])
    p = as_p(p, mat.shape[1] - fix.size)
    out = models.solve_backup(mat, w, p, fix, time_limit)
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
    return _finish(
        "backup",
        out,
        fix,
        new,
        lambda s: evaluate_backup(mat, w, s),
        started,
        covered=_cover_count(mat, sites) >= 1,
    )


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
    assignment model with far fewer variables. ``p`` counts new sites, fixed sites are extra.
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
    out = cost_models.solve_pmedian(costs, w, p, fix, time_limit)
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
    of a fixed site), ``Σ x_j <= p`` has a solution. A farthest-first heuristic bounds the
    search from above. ``time_limit`` bounds the whole search.

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
    out = cost_models.solve_pcenter(costs, p, fix, time_limit)
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


def _area_inputs(coverage: Any, area: Any, limits: Any) -> tuple[Any, FloatArray, FloatArray]:
    mat = as_coverage(coverage)
    a = as_weights(area, mat.shape[0], "area")
    return mat, a, area_model.as_limits(limits, mat.shape[1])


def check_area_assignment(
    coverage: Any, area: Any, limits: Any, sites: Any, assignment: Any, complete: bool = True
) -> list[str]:
    """Violations of an area-limited assignment: one message per violation, empty = feasible.

    ``assignment`` is a (n_rows,) int vector (site of each row, -1 = unassigned) or a
    (n_rows, n_sites) matrix of shares (``split=True``). Checked: every row assigned exactly
    once when ``complete`` (min form; otherwise at most once), only to an open site in
    ``sites`` that covers it, and each site's assigned area ``Σ_i a_i x_ij <= L_j``.
    """
    mat, a, lim = _area_inputs(coverage, area, limits)
    shares, msgs = area_model.as_assignment_shares(assignment, *mat.shape)
    is_open = _site_mask(mat.shape[1], sites)
    return msgs + area_model.violations(mat, a, lim, is_open, shares, complete)


def evaluate_area(
    coverage: Any,
    area: Any,
    limits: Any,
    sites: Any,
    assignment: Any,
    p: int | None = None,
    weights: Any = None,
    cost: Any = None,
    fixed: Any = None,
) -> float:
    """Objective of an area-limited solution, as :func:`area_limited` defines it.

    Min form (``p is None``): cost of the sites that are not fixed, ``inf`` if
    :func:`check_area_assignment` finds a violation. Max form: assigned weight
    ``Σ_ij w_i x_ij`` (``weights`` default ``area``), ``-inf`` if the assignment is infeasible
    or the number of new sites is not ``p``.
    """
    mat, a, lim = _area_inputs(coverage, area, limits)
    fix = as_fixed(fixed, mat.shape[1])
    new = _site_mask(mat.shape[1], sites) & ~_site_mask(mat.shape[1], fix)
    if check_area_assignment(mat, a, lim, sites, assignment, complete=p is None):
        return math.inf if p is None else -math.inf
    if p is None:
        return float(as_weights(cost, mat.shape[1], "cost")[new].sum())
    if int(new.sum()) != p:
        return -math.inf
    w = a if weights is None else as_weights(weights, mat.shape[0])
    shares = area_model.as_assignment_shares(assignment, *mat.shape)[0]
    return float(w @ np.asarray(shares.sum(axis=1)).ravel())


def _verify_area(
    mat: Any, a: FloatArray, lim: FloatArray, sites: IntArray, given: Any, complete: bool
) -> None:
    bad = check_area_assignment(mat, a, lim, sites, given, complete)
    if bad:
        raise SolverError(
            f"area model: the solver's assignment breaks the model ({bad[0]}; "
            f"{len(bad)} violation(s)); report this as a bug"
        )


def _area_by_flow(mat: Any, a: FloatArray, lim: FloatArray, costs: FloatArray, fix: IntArray,
                  split: bool, time_limit: float | None,
                  ) -> tuple[area_model.AreaOutcome | None, dict[str, float]]:  # fmt: skip
    """Min form: the LSCP optimum is a lower bound; if its sites can carry every cell within
    the limits (a max flow, :mod:`firecover._siting_flow`) it is optimal here too.

    Returns the outcome (``None``: solve the full model) and the LSCP facts for the stats.
    """
    t0 = time.perf_counter()
    cover = lscp(mat, cost=costs, fixed=fix, time_limit=time_limit)
    facts = {"lscp_seconds": time.perf_counter() - t0}
    if cover.status != "optimal":
        return None, facts
    facts["lscp_bound"] = float(cover.objective)
    shares = flow_assignment(mat, a, lim, cover.sites, split)
    if shares is None:
        log.info("area model: the LSCP sites cannot carry the area; solving the full model")
        return None, facts
    seconds = time.perf_counter() - t0
    out = models.ModelOutcome(cover.new_sites, "optimal", float(cover.objective), 0.0, seconds,
                              {**facts, "flow_shortcut": 1.0})  # fmt: skip
    return area_model.AreaOutcome(out, shares), facts


def area_limited(
    coverage: Any,
    area: Any,
    limits: Any,
    p: int | None = None,
    weights: Any = None,
    cost: Any = None,
    fixed: Any = None,
    time_limit: float | None = None,
    split: bool = False,
) -> SitingResult:
    """Area-limited siting: stations whose assigned districts respect their area limits.

    GB 51080-2015 limits each station's district (一级 7, 二级 4, 小型 2, urban edge 15 km²).
    Here the limit is a constraint: cell ``i`` (area ``a_i``) is assigned to an open site ``j``
    that covers it (``N_i = {j : coverage[i, j]}``), and no site holds more than ``L_j``.
    With ``y_j`` = site open, ``x_ij`` = cell ``i`` assigned to ``j`` (only for ``j ∈ N_i``)::

        min   Σ_{j not fixed} c_j y_j                  (p is None: the min form)
        s.t.  Σ_{j ∈ N_i} x_ij = 1                     for every cell i
        or
        max   Σ_i Σ_{j ∈ N_i} w_i x_ij                 (p given: the max form)
        s.t.  Σ_{j ∈ N_i} x_ij <= 1                    for every cell i
              Σ_{j not fixed} y_j = p

        and   x_ij <= y_j ;  Σ_i a_i x_ij <= L_j y_j ;  y_j = 1 for fixed j
              y_j ∈ {0, 1},  x_ij ∈ {0, 1}  (split: 0 <= x_ij <= 1)

    Exact reductions: pairs with ``a_i > L_j`` are dropped (a whole cell cannot fit), in the
    max form cells of weight 0 too; free sites left with no cell are dropped; fixed sites get
    no ``y``. ``x_ij <= y_j`` is aggregated into the capacity rows (``L_j`` tightened to the
    area ``j`` can take) plus ``Σ_{j ∈ N_i} y_j >= 1`` in the min form: the same solutions,
    far fewer rows. In the max form ``Σ y_j <= p`` is solved (opening more never hurts) and
    the result is padded to exactly ``p`` new sites.

    Parameters
    ----------
    coverage : (n_rows, n_sites) bool-like matrix, sparse or dense
        ``coverage[i, j]``: site ``j`` reaches cell ``i`` within the response budget.
    area : (n_rows,) array-like of float >= 0
        Cell areas (km²).
    limits : (n_sites,) array-like of float >= 0
        Area limit of each site (km²; existing stations their class's limit, candidates the
        limit of the class to be built); ``inf`` = no limit.
    p : int, optional
        Number of new sites; ``None`` = the min form.
    weights : (n_rows,) array-like of float >= 0, optional
        Max form only: value of assigning each cell (default ``area`` = assigned km²).
    cost : (n_sites,) array-like of float >= 0, optional
        Min form only: cost of opening each site (default 1 = number of new sites).
    fixed : sequence of int, optional
        Sites forced open (existing stations); they cost nothing and are not counted in ``p``.
    time_limit : float, optional
        Seconds for HiGHS.
    split : bool, default False
        Let a cell be divided among several sites (``x`` continuous). Faster, and a bound on
        the indivisible model: the min form needs at most as many stations, the max form
        assigns at least as much. ``shares`` then holds the fractions.

    Returns
    -------
    SitingResult
        ``model`` ``"area_min"`` or ``"area_max"``; ``assignment`` = each cell's site (-1
        unassigned; with ``split`` the largest share); ``covered`` = cells some open site
        covers; ``objective`` verified by :func:`evaluate_area`.

    Raises
    ------
    InfeasibleModelError
        Min form, before solving: cells no site covers, cells larger than every covering
        site's limit (with ``split``: than their sum), total area above what all sites can
        hold (rows named); after solving, when HiGHS proves no assignment exists. Also ``p``
        above the number of free sites and fixed indices out of range.
    """
    started = time.perf_counter()
    mat, a, lim = _area_inputs(coverage, area, limits)
    n_cols = mat.shape[1]
    costs = as_weights(cost, n_cols, "cost")
    w = a if weights is None else as_weights(weights, mat.shape[0])
    fix = as_fixed(fixed, n_cols)
    if p is None:
        _require_rows(np.diff(mat.indptr) == 0, "cannot be covered by any site")
        area_model.precheck(mat, a, lim, split)
    else:
        p = as_p(p, n_cols - fix.size)
    res, facts = (_area_by_flow(mat, a, lim, costs, fix, split, time_limit) if p is None
                  else (None, {}))  # fmt: skip
    if res is None:
        left = None if time_limit is None else max(1.0, time_limit - facts.get("lscp_seconds", 0))
        res = area_model.solve_area(mat, a, lim, costs, w, p, fix, split, left)
        res.outcome.stats.update(facts)
    if res.outcome.status == "infeasible":
        raise InfeasibleModelError(
            "no assignment of every cell within the area limits exists; add candidate sites, "
            "raise the limits or use split=True"
        )
    new = res.outcome.new_sites if p is None else _pad(res.outcome.new_sites, p, n_cols, fix)
    assignment = area_model.assignment_from_shares(res.shares)
    given = res.shares if split else assignment
    if res.outcome.objective is None or not math.isnan(res.outcome.objective):
        _verify_area(mat, a, lim, np.union1d(fix, new), given, p is None)
    return _finish(
        "area_min" if p is None else "area_max",
        res.outcome,
        fix,
        new,
        lambda s: evaluate_area(mat, a, lim, s, given, p, w, costs, fix),
        started,
        covered=_cover_count(mat, np.union1d(fix, new)) >= 1,
        assignment=assignment,
        shares=res.shares if split else None,
    )
