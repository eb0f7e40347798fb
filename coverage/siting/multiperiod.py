"""Multi-period covering: which sites are in service in which year (exact MILP through HiGHS).

Sequencing a five-year plan and multi-period siting are one model on arrays::

    max   Σ_t Σ_i w_it · y_it
    s.t.  y_it ≤ Σ_{j ∈ N_i} x_jt                      every row i, period t
          x_jt ≤ x_j,t+1                               (monotone: once built, in service)
          Σ_j c_j (x_jt − x_j,t−1) ≤ B_t               (per-period capacity; x_j,−1 = 0)
          x_jt = 1 for every t               for fixed sites in service throughout
          x_jT = 1                           for sites that must be built by the end
          x_ot + x_jt = 1                    for a relocation: old site o closes when j opens
          x_jt ∈ {0, 1},  0 ≤ y_it ≤ 1

``N_i`` = sites covering row ``i`` (``coverage[i, j]``); ``w_it`` the weight of row ``i`` in period
``t`` (0 before a new development area opens); a row that fixed sites always cover is constant
and left out. The old site of a relocation is neither monotone nor counted in the capacity.

:func:`check_schedule` is the checker (monotone, capacity, fixed and must-build, relocation
pairs) and :func:`evaluate_schedule` the objective of any schedule; :func:`brute_force_schedule`
enumerates every schedule of a tiny instance for tests.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from firecover._errors import DataFormatError, InfeasibleModelError
from firecover.siting.milp import MilpProblem, solve_milp
from firecover.siting.reduce import as_coverage

__all__ = [
    "Schedule",
    "brute_force_schedule",
    "check_schedule",
    "evaluate_schedule",
    "schedule_from_years",
    "solve_multiperiod",
]

log = logging.getLogger(__name__)
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
NEVER = -1


@dataclass(frozen=True)
class Schedule:
    """In-service matrix ``x`` (sites × periods, bool) with its objective and solver status."""

    x: NDArray[np.bool_]
    objective: float
    status: str = "given"
    mip_gap: float = 0.0

    def start(self) -> IntArray:
        """First period each site is in service (``NEVER`` = -1 if never)."""
        any_ = self.x.any(axis=1)
        return np.where(any_, self.x.argmax(axis=1), NEVER).astype(np.int64)


def _weights(weights: object, n_rows: int, n_t: int) -> FloatArray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 1:
        w = np.repeat(w[:, None], n_t, axis=1)
    if w.shape != (n_rows, n_t) or not np.isfinite(w).all() or (w < 0).any():
        raise DataFormatError(f"weights must be ≥ 0 with shape ({n_rows},) or ({n_rows}, {n_t})")
    return w


def schedule_from_years(
    n_sites: int, n_periods: int, start: Sequence[int], relocations: Sequence[tuple[int, int]] = ()
) -> NDArray[np.bool_]:
    """In-service matrix from each site's first period (``NEVER`` = never); an old site of a
    relocation ``(old, new)`` is in service exactly while the new one is not."""
    x = np.zeros((n_sites, n_periods), dtype=bool)
    for j, s in enumerate(start):
        if s != NEVER:
            x[j, int(s) :] = True
    for old, new in relocations:
        x[old] = ~x[new]
    return x


def evaluate_schedule(coverage: object, weights: object, x: NDArray[np.bool_]) -> float:
    """Σ_t Σ_i w_it · [row i covered by a site in service in t]."""
    mat = as_coverage(coverage)
    w = _weights(weights, mat.shape[0], x.shape[1])
    covered = (mat.astype(np.int64) @ x.astype(np.int64)) > 0
    return float((w * covered).sum())


def check_schedule(
    x: NDArray[np.bool_],
    *,
    capacity: Sequence[float],
    cost: object = None,
    fixed: Sequence[int] = (),
    must_build: Sequence[int] = (),
    relocations: Sequence[tuple[int, int]] = (),
) -> list[str]:
    """Violations of the model's rules (an empty list = a feasible schedule)."""
    n, t = x.shape
    c = np.ones(n) if cost is None else np.asarray(cost, dtype=np.float64)
    olds = {o for o, _ in relocations}
    out = []
    for j in range(n):
        if j not in olds and (np.diff(x[j].astype(int)) < 0).any():
            out.append(f"site {j} closes after opening (not monotone)")
    prev = np.zeros(n, dtype=bool)
    counted = np.array([j not in olds and j not in set(fixed) for j in range(n)])
    for p in range(t):
        spent = float((c * (x[:, p] & ~prev & counted)).sum())
        if spent > capacity[p] + 1e-9:
            out.append(f"period {p}: {spent:g} opened, capacity {capacity[p]:g}")
        prev = x[:, p]
    out += [f"fixed site {j} not in service throughout" for j in fixed if not x[j].all()]
    out += [f"site {j} not built by the end" for j in must_build if not x[j, -1]]
    out += [
        f"relocation {o}->{j} both or neither in service"
        for o, j in relocations
        if (x[o] == x[j]).any()
    ]
    return out


def solve_multiperiod(
    coverage: object,
    weights: object,
    capacity: Sequence[float],
    *,
    cost: object = None,
    fixed: Sequence[int] = (),
    must_build: Sequence[int] = (),
    relocations: Sequence[tuple[int, int]] = (),
    time_limit: float | None = None,
) -> Schedule:
    """The schedule maximising the weighted coverage summed over the periods (model above).

    Parameters
    ----------
    coverage : (rows, sites) bool-like
    weights : (rows,) or (rows, periods) array of float ≥ 0
    capacity : sequence of float, one per period
        Largest total ``cost`` of sites opening in each period (counts with the default cost 1).
    cost : (sites,) array of float, optional
    fixed : sites in service in every period (existing stations)
    must_build : sites that must be in service in the last period (a plan's projects)
    relocations : pairs (old, new)

    Raises
    ------
    InfeasibleModelError
        The capacity cannot build every ``must_build`` site.
    """
    mat = as_coverage(coverage)
    n_rows, n = mat.shape
    n_t = len(capacity)
    w = _weights(weights, n_rows, n_t)
    c = np.ones(n) if cost is None else np.asarray(cost, dtype=np.float64)
    olds = {o for o, _ in relocations}
    fixed_set = set(int(j) for j in fixed)
    fixed_cov = np.zeros(n_rows, dtype=bool)
    if fixed_set:
        fixed_cov = np.asarray(mat[:, sorted(fixed_set)].sum(axis=1)).ravel() > 0
    rows = np.flatnonzero(~fixed_cov & (w.sum(axis=1) > 0))
    sub = mat[rows]
    nx_, ny = n * n_t, rows.size * n_t
    xi = lambda j, t: j * n_t + t  # noqa: E731
    yi = lambda r, t: nx_ + r * n_t + t  # noqa: E731
    a_r: list[int] = []
    a_c: list[int] = []
    a_v: list[float] = []
    lb: list[float] = []
    ub: list[float] = []

    def row(cols: list[int], vals: list[float], lo: float, hi: float) -> None:
        k = len(lb)
        a_r.extend([k] * len(cols))
        a_c.extend(cols)
        a_v.extend(vals)
        lb.append(lo)
        ub.append(hi)

    for r in range(rows.size):
        js = sub.indices[sub.indptr[r] : sub.indptr[r + 1]].tolist()
        for t in range(n_t):
            row([yi(r, t)] + [xi(j, t) for j in js], [1.0] + [-1.0] * len(js), -math.inf, 0.0)
    for j in range(n):
        if j in olds or j in fixed_set:
            continue
        for t in range(n_t - 1):
            row([xi(j, t), xi(j, t + 1)], [1.0, -1.0], -math.inf, 0.0)
    counted = [j for j in range(n) if j not in olds and j not in fixed_set]
    for t in range(n_t):
        cols, vals = [], []
        for j in counted:
            cols.append(xi(j, t))
            vals.append(c[j])
            if t > 0:
                cols.append(xi(j, t - 1))
                vals.append(-c[j])
        if cols:
            row(cols, vals, -math.inf, float(capacity[t]))
    for o, j in relocations:
        for t in range(n_t):
            row([xi(o, t), xi(j, t)], [1.0, 1.0], 1.0, 1.0)
    vlb = np.zeros(nx_ + ny)
    vub = np.ones(nx_ + ny)
    for j in fixed_set:
        vlb[j * n_t : (j + 1) * n_t] = 1.0
    for j in must_build:
        vlb[xi(int(j), n_t - 1)] = 1.0
    obj = np.zeros(nx_ + ny)
    obj[nx_:] = w[rows].ravel()
    integral = np.zeros(nx_ + ny, dtype=bool)
    integral[:nx_] = True
    a_mat = sp.csr_array((a_v, (a_r, a_c)), shape=(len(lb), nx_ + ny))
    sol = solve_milp(
        MilpProblem(obj, a_mat, np.array(lb), np.array(ub), vlb, vub, integral, maximize=True),
        time_limit=time_limit,
    )
    if sol.x is None:
        raise InfeasibleModelError(
            "no schedule fits the per-year capacity (the projects "
            "cannot all be built in time); raise the capacity"
        )
    x = sol.x[:nx_].reshape(n, n_t) > 0.5
    value = evaluate_schedule(mat, w, x)
    return Schedule(x, value, sol.status, sol.mip_gap)


def brute_force_schedule(
    coverage: object,
    weights: object,
    capacity: Sequence[float],
    *,
    cost: object = None,
    fixed: Sequence[int] = (),
    must_build: Sequence[int] = (),
    relocations: Sequence[tuple[int, int]] = (),
) -> Schedule:
    """Every schedule of a tiny instance (start period or never per site): the best one."""
    mat = as_coverage(coverage)
    n, n_t = mat.shape[1], len(capacity)
    olds = {o for o, _ in relocations}
    choices = [
        [0] if j in set(fixed) else ([NEVER] if j in olds else [NEVER, *range(n_t)])
        for j in range(n)
    ]
    best: Schedule | None = None
    for start in itertools.product(*choices):
        x = schedule_from_years(n, n_t, start, relocations)
        if check_schedule(
            x,
            capacity=capacity,
            cost=cost,
            fixed=fixed,
            must_build=must_build,
            relocations=relocations,
        ):
            continue
        v = evaluate_schedule(mat, weights, x)
        if best is None or v > best.objective + 1e-9:
            best = Schedule(x, v, "optimal")
    if best is None:
        raise InfeasibleModelError("no feasible schedule")
    return best
