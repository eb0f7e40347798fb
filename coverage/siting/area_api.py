"""Area-limited siting (public functions re-exported by :mod:`firecover.siting`)."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

import firecover.siting.area as area_model
import firecover.siting.models as models
from firecover._errors import DataFormatError, InfeasibleModelError, SolverError
from firecover.siting.api import lscp
from firecover.siting.area_heuristic import capacity_bound, repair_assignment
from firecover.siting.common import (
    SitingResult,
    _cover_count,
    _finish,
    _pad,
    _require_rows,
    _site_mask,
)
from firecover.siting.flow import flow_assignment, whole_cells
from firecover.siting.reduce import FloatArray, IntArray, as_coverage, as_fixed, as_p, as_weights

__all__ = ["area_limited", "check_area_assignment", "evaluate_area", "restrict_to_zones"]

log = logging.getLogger(__name__)

#: Share of the min form's time limit given to the LSCP (its bound and first sites).
LSCP_SHARE = 0.5
#: Under a time limit, the full area MILP is tried after a repaired answer only on models with
#: at most this many coverage pairs (larger ones do not finish their root LP in time).
AREA_MILP_MAX_PAIRS = 400_000


def _area_inputs(coverage: Any, area: Any, limits: Any) -> tuple[Any, FloatArray, FloatArray]:
    mat = as_coverage(coverage)
    a = as_weights(area, mat.shape[0], "area")
    return mat, a, area_model.as_limits(limits, mat.shape[1])


def restrict_to_zones(coverage: Any, zones: Any) -> sp.csr_array:
    """Coverage pairs whose cell and site lie in the same barrier zone.

    ``zones`` is ``(cell_zone, site_zone)``: integer labels of the side of the barriers each
    cell (n_rows,) and site (n_sites,) lies on (GB 51080-2015 §4.1.3-4: a district should not
    cross expressways, railways or large rivers). ``-1`` means "no zone" and matches any zone.
    A pair ``(i, j)`` is kept when ``cell_zone[i] == site_zone[j]`` or either is ``-1``.
    """
    mat = as_coverage(coverage)
    try:
        cz = np.asarray(zones[0], dtype=np.int64).ravel()
        sz = np.asarray(zones[1], dtype=np.int64).ravel()
    except (TypeError, ValueError, IndexError) as exc:
        raise DataFormatError(
            f"zones must be (cell_zone, site_zone) integer arrays ({exc})"
        ) from exc
    if cz.size != mat.shape[0] or sz.size != mat.shape[1]:
        raise DataFormatError(
            f"zones have {cz.size} cell and {sz.size} site labels; expected "
            f"{mat.shape[0]} and {mat.shape[1]}"
        )
    coo = sp.coo_array(mat)
    r, c = coo.coords
    keep = (cz[r] == sz[c]) | (cz[r] < 0) | (sz[c] < 0)
    out = sp.csr_array((np.ones(int(keep.sum()), dtype=bool), (r[keep], c[keep])), shape=mat.shape)
    out.sort_indices()
    return out


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


def _min_by_bounds(mat: Any, a: FloatArray, lim: FloatArray, costs: FloatArray, fix: IntArray,
                   split: bool, time_limit: float | None,
                   ) -> tuple[area_model.AreaOutcome | None, dict[str, float]]:  # fmt: skip
    """Min form: the LSCP (same coverage, same costs) is a lower bound; if its sites can carry
    every cell within the limits (a max flow, :mod:`firecover.siting.flow`) and the LSCP is
    optimal, that set is optimal here too. Otherwise the LSCP sites are repaired into a
    feasible whole-cell assignment (:mod:`firecover.siting.area_heuristic`) and the bound is the
    larger of the LSCP bound and the counting bound.

    Returns the outcome (``None``: no certified answer, solve the full model) and the LSCP facts
    for the stats.
    """
    t0 = time.perf_counter()
    share = None if time_limit is None else LSCP_SHARE * time_limit
    cover = lscp(mat, cost=costs, fixed=fix, time_limit=share)
    lscp_bound = float(cover.stats.get("bound", math.nan))
    facts = {"lscp_seconds": time.perf_counter() - t0, "lscp_new": float(cover.new_sites.size),
             "lscp_optimal": float(cover.status == "optimal"),
             "lscp_bound": lscp_bound, "lscp_gap": float(cover.mip_gap)}  # fmt: skip
    shares = flow_assignment(mat, a, lim, cover.sites)
    if shares is not None and not split:
        rounded = whole_cells(shares, a, lim)
        left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0))
        shares = rounded if rounded is not None or cover.status != "optimal" else \
            _whole_cells_on(mat, a, lim, cover.sites, left)  # fmt: skip
    if shares is not None and cover.status == "optimal":
        seconds = time.perf_counter() - t0
        out = models.ModelOutcome(cover.new_sites, "optimal", float(cover.objective), 0.0,
                                  seconds, {**facts, "flow_shortcut": 1.0})  # fmt: skip
        return area_model.AreaOutcome(out, shares), facts
    pairs = area_model.usable_pairs(mat, a, lim, split=False)
    unit = bool(np.all(costs == 1.0))
    bound = max(lscp_bound if math.isfinite(lscp_bound) else 0.0,
                float(capacity_bound(pairs, a, lim, fix)) if unit else 0.0)  # fmt: skip
    facts["area_bound"] = bound
    if shares is None:
        found = repair_assignment(pairs, a, lim, cover.sites, costs)
        if found is None:
            log.info("area model: no repaired assignment; solving the full model")
            return None, facts
        sites, site_of = found
        n = mat.shape[0]
        shares = sp.csr_array((np.ones(n), (np.arange(n), site_of)), shape=mat.shape)
    else:
        sites = cover.sites
    new = np.setdiff1d(sites, fix).astype(np.int64)
    value = float(costs[new].sum())
    status = "optimal" if value <= bound + 1e-9 else "time_limit"
    gap = 0.0 if status == "optimal" else (value - bound) / max(value, 1e-12)
    log.info("area model: %g new (LSCP %g, bound %g)", value, cover.objective, bound)
    out = models.ModelOutcome(new, status, value, gap, time.perf_counter() - t0,
                              {**facts, "repaired": 1.0}, bound)  # fmt: skip
    return area_model.AreaOutcome(out, shares), facts


def _better(first: area_model.AreaOutcome, second: area_model.AreaOutcome
            ) -> area_model.AreaOutcome:  # fmt: skip
    """The min-form outcome with the lower cost (the full MILP's when it is optimal), with the
    best lower bound of both."""
    one, two = first.outcome, second.outcome
    if two.status == "optimal":
        return second
    bound = max(x for x in (one.bound, two.bound, -math.inf) if math.isfinite(x) or x < 0)
    pick = second if (two.objective is not None and math.isfinite(two.objective)
                      and two.objective < (one.objective or math.inf)) else first  # fmt: skip
    o = pick.outcome
    value = float(o.objective) if o.objective is not None else math.nan
    status = "optimal" if value <= bound + 1e-9 else "time_limit"
    gap = 0.0 if status == "optimal" else (value - bound) / max(value, 1e-12)
    out = models.ModelOutcome(o.new_sites, status, value, gap, one.seconds + two.seconds,
                              {**one.stats, **two.stats}, bound)  # fmt: skip
    return area_model.AreaOutcome(out, pick.shares)


def _whole_cells_on(mat: Any, a: FloatArray, lim: FloatArray, sites: IntArray,
                    time_limit: float | None) -> Any:  # fmt: skip
    """Indivisible assignment of every cell to ``sites`` alone (a small MILP: only these
    columns), as shares in the original columns; ``None`` if there is none in time."""
    sub = sp.csr_array(mat[:, sites])
    everyone = np.arange(sites.size, dtype=np.int64)
    res = area_model.solve_area(sub, a, lim[sites], np.ones(sites.size), None, None, everyone,
                                False, time_limit)  # fmt: skip
    if res.outcome.status != "optimal" or area_model.violations(
        sub, a, lim[sites], np.ones(sites.size, dtype=bool), res.shares, complete=True
    ):
        return None  # incomplete on these sites: the caller solves the full model
    coo = sp.coo_array(res.shares)
    out = sp.csr_array((coo.data, (coo.coords[0], sites[coo.coords[1]])), shape=mat.shape)
    out.sort_indices()
    return out


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
    zones: Any = None,
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
    zones : (cell_zone, site_zone), optional
        The barrier rule as a constraint: a cell is only assigned to a site on its side of
        the barriers (same zone label; ``-1`` = any), see :func:`restrict_to_zones`. The
        checker and ``covered`` then use the restricted coverage.

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
    if zones is not None:
        coverage = restrict_to_zones(coverage, zones)
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
    res, facts = (_min_by_bounds(mat, a, lim, costs, fix, split, time_limit) if p is None
                  else (None, {}))  # fmt: skip
    left = None if time_limit is None else time_limit - (time.perf_counter() - started)
    if res is None or res.outcome.status != "optimal":
        small = res is None or mat.nnz <= AREA_MILP_MAX_PAIRS
        if left is None or (left >= models.MIN_MILP_SECONDS and small):
            full = area_model.solve_area(mat, a, lim, costs, w, p, fix, split, left)
            full.outcome.stats.update(facts)
            res = full if res is None else _better(res, full)
        elif res is None:
            raise SolverError("area model: no feasible assignment found within the time "
                              "limit; raise the time limit")  # fmt: skip
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
