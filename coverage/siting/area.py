"""MILP builder and checker for the area-limited siting model (private).

The public API is :func:`firecover.siting.area_limited`. Inputs arrive validated (see
:mod:`._siting_reduce`); the model is built as one sparse constraint matrix with numpy /
scipy.sparse (no per-constraint Python objects) and solved with HiGHS through
:func:`._milp.solve_milp`. Assignments travel as a *shares* matrix (cells × sites, float): a
binary assignment has one 1 per assigned row, a split one has fractions summing to 1.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from firecover._errors import DataFormatError, InfeasibleModelError
from firecover.siting.milp import MilpProblem, MilpSolution, solve_milp
from firecover.siting.models import ModelOutcome
from firecover.siting.reduce import BoolArray, FloatArray, IntArray, describe_rows

__all__ = [
    "AreaOutcome",
    "as_assignment_shares",
    "as_limits",
    "assignment_from_shares",
    "precheck",
    "solve_area",
    "usable_pairs",
    "violations",
]

log = logging.getLogger(__name__)

#: Relative tolerance of the checker (row share sums, site loads against limits).
CHECK_RTOL = 1e-6
#: HiGHS options for the area model. Its presolve mis-reduces this model: on the demo district
#: it returned "optimal" 32 new stations where 1 is feasible (checked by substituting that
#: solution into the built rows); without presolve it returns 1. The model is reduced here.
_HIGHS_AREA = {"presolve": False}

#: Split shares below this are solver noise and dropped.
_SHARE_EPS = 1e-9


@dataclass(frozen=True)
class AreaOutcome:
    """Solver outcome plus the cells' shares (n_rows × n_sites CSR float, original indices)."""

    outcome: ModelOutcome
    shares: sp.csr_array


def as_limits(limits: Any, n_sites: int) -> FloatArray:
    """Per-site area limits (km²): ``n_sites`` values ``>= 0``; ``inf`` means no limit."""
    try:
        arr = np.asarray(limits, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"limits must be numeric km² per site ({exc})") from exc
    if arr.size != n_sites:
        raise DataFormatError(f"limits has {arr.size} entries but there are {n_sites} sites")
    if np.isnan(arr).any() or (arr < 0).any():
        raise DataFormatError("limits must be >= 0 km² (inf = no limit), without NaN")
    return arr


def usable_pairs(
    cover: sp.csr_array, area: FloatArray, limits: FloatArray, split: bool
) -> sp.csr_array:
    """Coverage pairs a cell can be assigned along: all of them when cells may be split,
    otherwise only those whose site limit can hold the whole cell (``a_i <= L_j``)."""
    if split:
        return cover
    coo = sp.coo_array(cover)
    r, c = coo.coords
    keep = area[r] <= limits[c]
    out = sp.csr_array(
        (np.ones(int(keep.sum()), dtype=bool), (r[keep], c[keep])), shape=cover.shape
    )
    out.sort_indices()
    return out


def _site_loads(pairs: sp.csr_array, area: FloatArray) -> FloatArray:
    """Total area of the cells each site can take (its useful capacity is at most this)."""
    return np.asarray(pairs.T.astype(np.float64) @ area).ravel()


def precheck(cover: sp.csr_array, area: FloatArray, limits: FloatArray, split: bool) -> None:
    """Cheap necessary conditions of the min form (every cell assigned); raise if one fails.

    Rows no site covers are checked by the caller. Here: a cell larger than the limit of every
    site covering it (with ``split``: larger than their summed limits), and total cell area
    above the summed useful capacity ``Σ_j min(L_j, area j can take)``.
    """
    if split:
        cap = np.asarray(
            cover.astype(np.float64) @ np.where(np.isinf(limits), area.sum(), limits)
        ).ravel()
        big = area > cap * (1 + CHECK_RTOL)
        what = "are larger than the summed area limits of the sites covering them"
    else:
        pairs = usable_pairs(cover, area, limits, split=False)
        big = (np.diff(pairs.indptr) == 0) & (np.diff(cover.indptr) > 0)
        what = "are larger than the area limit of every site covering them"
    rows = np.flatnonzero(big)
    if rows.size:
        raise InfeasibleModelError(
            f"{describe_rows(rows)} {what}; raise the limits, add candidate sites, subdivide "
            "these cells or use split=True"
        )
    pairs = usable_pairs(cover, area, limits, split)
    capacity = float(np.minimum(limits, _site_loads(pairs, area)).sum())
    total = float(area.sum())
    if total > capacity * (1 + CHECK_RTOL):
        raise InfeasibleModelError(
            f"total cell area {total:.6g} km² exceeds the {capacity:.6g} km² all sites can hold "
            "within their limits; add candidate sites or raise the limits"
        )


# ----------------------------------------------------------------------------- the model ---


@dataclass(frozen=True)
class _Pairs:
    """Assignment variables: one per usable (row, site) pair kept in the model."""

    row: IntArray  # original row
    col: IntArray  # original site
    cols: IntArray  # original index of each y variable (free sites kept in the model)
    ypos: IntArray  # y variable of each original site (-1: fixed or dropped)


def _model_pairs(pairs: sp.csr_array, weights: FloatArray | None, fixed: IntArray) -> _Pairs:
    """Reduce exactly: with weights (max form) rows of weight 0 are dropped; free sites that
    can take no remaining cell are dropped (they cost >= 0 and hold nothing)."""
    coo = sp.coo_array(pairs)
    row = np.asarray(coo.coords[0], dtype=np.int64)
    col = np.asarray(coo.coords[1], dtype=np.int64)
    if weights is not None:
        keep = weights[row] > 0
        row, col = row[keep], col[keep]
    order = np.lexsort((col, row))
    row, col = row[order], col[order]
    is_fixed = np.zeros(pairs.shape[1], dtype=bool)
    is_fixed[fixed] = True
    used = np.zeros(pairs.shape[1], dtype=bool)
    used[col] = True
    cols = np.flatnonzero(used & ~is_fixed).astype(np.int64)
    ypos = np.full(pairs.shape[1], -1, dtype=np.int64)
    ypos[cols] = np.arange(cols.size)
    return _Pairs(row, col, cols, ypos)


class _Rows:
    """Accumulates constraint rows as (row, column, value) triplets plus row bounds."""

    def __init__(self) -> None:
        self.n = 0
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.lb: list[FloatArray] = []
        self.ub: list[FloatArray] = []

    def add(self, n: int, lb: Any, ub: Any, *terms: tuple[Any, Any, Any]) -> None:
        """``n`` rows; each term is (local row, variable, coefficient) arrays."""
        for r, c, v in terms:
            r, c = np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64)
            self.r.append(self.n + r)
            self.c.append(c)
            self.v.append(np.broadcast_to(np.asarray(v, dtype=np.float64), r.shape))
        self.lb.append(np.broadcast_to(np.asarray(lb, dtype=np.float64), (n,)))
        self.ub.append(np.broadcast_to(np.asarray(ub, dtype=np.float64), (n,)))
        self.n += n

    def matrix(self, n_var: int) -> tuple[sp.csr_array, FloatArray, FloatArray]:
        r, c, v = np.concatenate(self.r), np.concatenate(self.c), np.concatenate(self.v)
        nz = v != 0
        a = sp.csr_array((v[nz], (r[nz], c[nz])), shape=(self.n, n_var))
        return a, np.concatenate(self.lb), np.concatenate(self.ub)


def _build(
    pr: _Pairs,
    area: FloatArray,
    limits: FloatArray,
    cost: FloatArray,
    weights: FloatArray | None,
    p: int | None,
    split: bool,
) -> tuple[MilpProblem, dict[str, float]]:
    """Variables ``[y (free sites), x (pairs)]``; rows as described in :func:`solve_area`."""
    n_y, n_x = pr.cols.size, pr.row.size
    n_var = n_y + n_x
    xvar = n_y + np.arange(n_x)
    yvar = pr.ypos[pr.col]  # y variable of each pair's site (-1 for fixed sites)
    rows_used, row_of = np.unique(pr.row, return_inverse=True)
    rows = _Rows()
    rows.add(rows_used.size, 1.0 if p is None else -np.inf, 1.0, (row_of, xvar, 1.0))
    load = np.bincount(pr.col, weights=area[pr.row], minlength=limits.size)
    cap = np.minimum(limits, load)
    # capacity: every free site that can take area (its only link to y besides zero-area
    # cells), fixed sites only where the limit binds; L_j is tightened to min(L_j, load_j)
    sites = np.flatnonzero((limits < load) | ((pr.ypos >= 0) & (load > 0)))
    site_row = np.full(limits.size, -1, dtype=np.int64)
    site_row[sites] = np.arange(sites.size)
    ycap = sites[pr.ypos[sites] >= 0]
    in_cap = site_row[pr.col] >= 0
    rows.add(
        sites.size,
        -np.inf,
        np.where(pr.ypos[sites] >= 0, 0.0, cap[sites]),
        (site_row[pr.col[in_cap]], xvar[in_cap], area[pr.row[in_cap]]),
        (site_row[ycap], pr.ypos[ycap], -cap[ycap]),
    )
    linked = np.flatnonzero((yvar >= 0) & (area[pr.row] == 0))  # x_ij <= y_j where a_i = 0
    k = np.arange(linked.size)
    rows.add(linked.size, -np.inf, 0.0, (k, xvar[linked], 1.0), (k, yvar[linked], -1.0))
    if p is None:  # Σ_{j∈N_i} y_j >= 1 (implied by x_ij <= y_j, not by the capacity rows)
        by_fixed = np.zeros(area.size, dtype=bool)
        by_fixed[pr.row[yvar < 0]] = True
        need = ~by_fixed[rows_used]
        cov_of = np.cumsum(need) - 1
        sel = (yvar >= 0) & need[row_of]
        rows.add(int(need.sum()), 1.0, np.inf, (cov_of[row_of[sel]], yvar[sel], 1.0))
    if p is not None:
        rows.add(1, -np.inf, float(p), (np.zeros(n_y), np.arange(n_y), 1.0))
    a, row_lb, row_ub = rows.matrix(n_var)
    c = np.zeros(n_var)
    if p is None:
        c[:n_y] = cost[pr.cols]
    else:
        assert weights is not None
        c[n_y:] = weights[pr.row]
    integral = np.ones(n_var, dtype=bool)
    integral[n_y:] = not split
    problem = MilpProblem(
        c=c,
        A=a,
        row_lb=row_lb,
        row_ub=row_ub,
        lb=np.zeros(n_var),
        ub=np.ones(n_var),
        integral=integral,
        maximize=p is not None,
    )
    stats = {
        "rows_reduced": float(rows_used.size),
        "cols_reduced": float(np.unique(pr.col).size),
        "pairs": float(n_x),
        "capacity_rows": float(sites.size),
        "link_rows": float(linked.size),
    }
    return problem, stats


def _shares(
    sol: MilpSolution,
    pr: _Pairs,
    shape: tuple[int, int],
    split: bool,
) -> tuple[IntArray, sp.csr_array]:
    n_y = pr.cols.size
    if sol.x is None:
        return np.zeros(0, dtype=np.int64), sp.csr_array(shape, dtype=np.float64)
    y_open = sol.x[:n_y] > 0.5
    x = np.clip(sol.x[n_y:], 0.0, 1.0)
    x = np.where(x > 0.5, 1.0, 0.0) if not split else np.where(x > _SHARE_EPS, x, 0.0)
    yvar = pr.ypos[pr.col]
    free = yvar >= 0
    x[np.flatnonzero(free)[~y_open[yvar[free]]]] = 0.0  # solver noise on closed sites
    nz = x > 0
    shares = sp.csr_array((x[nz], (pr.row[nz], pr.col[nz])), shape=shape)
    shares.sort_indices()
    return np.sort(pr.cols[y_open]).astype(np.int64), shares


def solve_area(
    cover: sp.csr_array,
    area: FloatArray,
    limits: FloatArray,
    cost: FloatArray,
    weights: FloatArray | None,
    p: int | None,
    fixed: IntArray,
    split: bool,
    time_limit: float | None,
) -> AreaOutcome:
    """Build and solve the area-limited model; ``p is None`` is the min form (``weights``
    unused), otherwise the max form with ``Σ y <= p`` (padding to ``p`` is the caller's).

    Solved in the aggregated form, which has the same integer (and split) solutions as the
    textbook one with ``x_ij <= y_j`` on every pair but ~nnz fewer rows (5-10x faster on
    1000-cell instances)::

        Σ_j x_ij = 1 (min) / <= 1 (max)              every kept cell i
        Σ_i a_i x_ij <= L'_j y_j                     free j, L'_j = min(L_j, Σ_{i∈N_j} a_i)
        Σ_i a_i x_ij <= L_j                          fixed j whose limit can bind
        x_ij <= y_j                                  free j, cells with a_i = 0
        Σ_{free j ∈ N_i} y_j >= 1                    min form, cells no fixed site can take
        Σ_j y_j <= p                                 max form
    """
    pairs = usable_pairs(cover, area, limits, split)
    empty = sp.csr_array(cover.shape, dtype=np.float64)
    if p is None and np.any(np.diff(pairs.indptr) == 0):
        # min form: a cell no site can hold whole (or none covers) makes it infeasible; it
        # must never be dropped silently (issue 12: an "optimal" incomplete assignment)
        none = np.zeros(0, dtype=np.int64)
        return AreaOutcome(ModelOutcome(none, "infeasible", math.nan), empty)
    pr = _model_pairs(pairs, None if p is None else weights, fixed)
    if pr.row.size == 0:
        return AreaOutcome(ModelOutcome(np.zeros(0, dtype=np.int64), objective=0.0), empty)
    problem, stats = _build(pr, area, limits, cost, weights, p, split)
    log.info(
        "area model (%s form%s): %d cells, %d pairs, %d capacity rows",
        "min" if p is None else "max",
        ", split" if split else "",
        int(stats["rows_reduced"]),
        pr.row.size,
        int(stats["capacity_rows"]),
    )
    sol = solve_milp(problem, time_limit, highs_options=_HIGHS_AREA)
    stats["milp_seconds"] = sol.seconds
    new, shares = _shares(sol, pr, cover.shape, split)
    if sol.x is None:
        return AreaOutcome(
            ModelOutcome(new, sol.status, math.nan, sol.mip_gap, sol.seconds, stats), shares
        )
    return AreaOutcome(
        ModelOutcome(
            new, sol.status, sol.objective, sol.mip_gap, sol.seconds, stats, sol.dual_bound
        ),
        shares,
    )


# -------------------------------------------------------------------------- the checker ---


def as_assignment_shares(
    assignment: Any,
    n_rows: int,
    n_sites: int,
) -> tuple[sp.csr_array, list[str]]:
    """An assignment as a shares matrix: a (n_rows,) int vector (site per row, -1 none) or an
    (n_rows, n_sites) matrix of shares. Out-of-range site indices become messages."""
    if sp.issparse(assignment) or np.ndim(assignment) == 2:
        mat = sp.csr_array(assignment, dtype=np.float64)
        if mat.shape != (n_rows, n_sites):
            raise DataFormatError(
                f"assignment shares have shape {mat.shape}, expected {(n_rows, n_sites)}"
            )
        mat.sum_duplicates()
        return mat, []
    arr = np.asarray(assignment).ravel()
    if arr.size != n_rows or (arr.size and arr.dtype.kind not in "iu"):
        raise DataFormatError(f"assignment must be {n_rows} integer site indices (-1 = none)")
    arr = arr.astype(np.int64)
    bad = np.flatnonzero((arr < -1) | (arr >= n_sites))
    msgs = [f"row {i}: site index {arr[i]} out of range 0..{n_sites - 1}" for i in bad]
    rows = np.flatnonzero((arr >= 0) & (arr < n_sites))
    mat = sp.csr_array((np.ones(rows.size), (rows, arr[rows])), shape=(n_rows, n_sites))
    return mat, msgs


def assignment_from_shares(shares: sp.csr_array) -> IntArray:
    """Site with the largest share per row (lowest index on ties), -1 for unassigned rows."""
    out = np.full(shares.shape[0], -1, dtype=np.int64)
    coo = sp.coo_array(shares)
    keep = coo.data > 0
    r, c, v = coo.coords[0][keep], coo.coords[1][keep], coo.data[keep]
    order = np.lexsort((c, -v, r))
    rows, first = np.unique(r[order], return_index=True)
    out[rows] = c[order][first]
    return out


def violations(
    cover: sp.csr_array,
    area: FloatArray,
    limits: FloatArray,
    open_mask: BoolArray,
    shares: sp.csr_array,
    complete: bool,
) -> list[str]:
    """One message per violated condition of an assignment (empty list = feasible)."""
    msgs: list[str] = []
    coo = sp.coo_array(shares)
    r, c, v = coo.coords[0], coo.coords[1], coo.data
    bad = (v < 0) | (v > 1 + CHECK_RTOL)
    for i, j, s in zip(r[bad], c[bad], v[bad], strict=True):
        msgs.append(f"row {i}: share {s:.6g} on site {j} is outside [0, 1]")
    pos = v > CHECK_RTOL
    cov = sp.coo_array(cover)
    n_cols = np.int64(cover.shape[1])
    cover_keys = np.sort(cov.coords[0].astype(np.int64) * n_cols + cov.coords[1])
    covers = np.isin(r.astype(np.int64) * n_cols + c, cover_keys, assume_unique=False)
    for i, j in zip(r[pos & ~covers], c[pos & ~covers], strict=True):
        msgs.append(f"row {i} is assigned to site {j}, which does not cover it")
    for i, j in zip(r[pos & ~open_mask[c]], c[pos & ~open_mask[c]], strict=True):
        msgs.append(f"row {i} is assigned to site {j}, which is not open")
    total = np.bincount(r, weights=v, minlength=shares.shape[0])
    for i in np.flatnonzero(total > 1 + CHECK_RTOL):
        msgs.append(f"row {i} is assigned more than once (total share {total[i]:.6g})")
    if complete:
        for i in np.flatnonzero(total < 1 - CHECK_RTOL):
            got = "is not assigned" if total[i] <= 0 else f"is only {total[i]:.6g} assigned"
            msgs.append(f"row {i} {got}; every cell must be assigned to an open site")
    load = np.bincount(c, weights=v * area[r], minlength=limits.size)
    over = load > limits + CHECK_RTOL * np.maximum(1.0, np.where(np.isinf(limits), 1, limits))
    for j in np.flatnonzero(over):
        msgs.append(f"site {j} holds {load[j]:.6g} km², over its limit {limits[j]:.6g} km²")
    return msgs
