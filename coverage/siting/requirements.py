"""Covering with hard requirements: every object of a class covered, k stations for 增援.

A *requirement* is a 0/1 matrix ``R`` (objects × sites: site ``j`` reaches object ``h`` within
the object's required time) and a count ``k_h`` per object (1: covered by at least one
station; 3: three different stations within the reinforcement time). With ``p`` new sites the
model maximises the covered demand weight under the requirements (MCLP with side
constraints)::

    max   Σ_i w_i y_i
    s.t.  y_i <= Σ_{j ∈ N_i} x_j               every demand row i
          Σ_{j ∈ R_h} x_j >= k_h               every required object h (each requirement)
          Σ_{j free} x_j = p ;  x_j = 1 for fixed j
          x_j ∈ {0, 1},  0 <= y_i <= 1

Without ``p`` it finds the fewest new sites that meet the requirements and, among those, the
largest covered weight (lexicographic, by scaling the weights below one site)::

    min   Σ_{j free} x_j − Σ_i w_i y_i / (Σ_i w_i + 1)

Exact by HiGHS (:func:`firecover.siting.milp.solve_milp`); the answer is verified by
:func:`check_requirements` (every count met) and :func:`firecover.siting.api.evaluate_mclp`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from firecover._errors import InfeasibleModelError, SolverError
from firecover.siting.api import evaluate_mclp
from firecover.siting.common import SitingResult
from firecover.siting.milp import MilpProblem, solve_milp
from firecover.siting.reduce import as_coverage, as_fixed, as_weights

__all__ = ["Requirement", "check_requirements", "required_cover"]

log = logging.getLogger(__name__)
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Requirement:
    """Objects that need ``k`` stations each among the sites that reach them in time.

    Attributes
    ----------
    reach : (n_objects, n_sites) bool-like matrix
        Site ``j`` reaches object ``h`` within the requirement's time.
    k : ndarray of int (n_objects,)
        Stations needed per object (1 = covered; ≥ 2 = reinforcement).
    names : sequence of str
        Object names for messages.
    label : str
        What the requirement is ("危化品 within 5 min", "增援 3 within 15 min").
    """

    reach: sp.csr_array
    k: IntArray
    names: Sequence[str] = field(default_factory=tuple)
    label: str = "requirement"

    def __post_init__(self) -> None:
        object.__setattr__(self, "reach", as_coverage(self.reach, "reach"))
        k = np.asarray(self.k, dtype=np.int64).reshape(-1)
        if k.size != self.reach.shape[0] or np.any(k < 0):
            raise ValueError("Requirement.k needs one count >= 0 per object row")
        object.__setattr__(self, "k", k)


def _counts(req: Requirement, sites: IntArray) -> IntArray:
    mask = np.zeros(req.reach.shape[1], dtype=np.int64)
    mask[np.asarray(sites, dtype=np.int64)] = 1
    return np.asarray(req.reach.astype(np.int64) @ mask, dtype=np.int64).ravel()


def check_requirements(requirements: Sequence[Requirement], sites: Any) -> list[str]:
    """The requirements ``sites`` fail, one line per object (empty when all are met)."""
    s = np.asarray(sites, dtype=np.int64)
    bad: list[str] = []
    for req in requirements:
        got = _counts(req, s)
        for h in np.flatnonzero(got < req.k):
            name = req.names[int(h)] if h < len(req.names) else f"object {h}"
            bad.append(f"{req.label}: {name} has {int(got[h])} of {int(req.k[h])} station(s)")
    return bad


def _unmeetable(requirements: Sequence[Requirement]) -> None:
    for req in requirements:
        have = np.diff(req.reach.indptr)
        short = np.flatnonzero(have < req.k)
        if short.size:
            h = int(short[0])
            name = req.names[int(h)] if h < len(req.names) else f"object {h}"
            raise InfeasibleModelError(
                f"{req.label}: {name} is reached by {int(have[h])} site(s) in time but needs "
                f"{int(req.k[h])} ({short.size} object(s) like it); add candidate sites near "
                "it or relax the class's time in the risk rules"
            )


def required_cover(
    coverage: object,
    weights: object,
    requirements: Sequence[Requirement],
    p: int | None = None,
    fixed: object = None,
    time_limit: float | None = None,
) -> SitingResult:
    """Solve the covering model with hard requirements (see the module notes).

    Returns
    -------
    SitingResult
        ``model`` = ``"required_mclp"`` (with ``p``) or ``"required_min"`` (without);
        ``objective`` = covered weight; ``stats["new_sites"]``; status ``infeasible`` when
        HiGHS proves no choice meets the requirements with ``p`` sites.

    Raises
    ------
    InfeasibleModelError
        An object is reached by fewer sites than it needs even with every site open.
    """
    started = time.perf_counter()
    cov = as_coverage(coverage)
    n_rows, n_sites = cov.shape
    w = as_weights(weights, n_rows)
    fix = as_fixed(fixed, n_sites)
    for req in requirements:
        if req.reach.shape[1] != n_sites:
            raise ValueError(f"{req.label}: reach has {req.reach.shape[1]} sites, not {n_sites}")
    _unmeetable(requirements)
    free = np.ones(n_sites, dtype=bool)
    free[fix] = False
    if p is not None and not 0 <= p <= int(free.sum()):
        raise InfeasibleModelError(
            f"p = {p} new sites but {int(free.sum())} candidates; lower --p or add candidate sites"
        )
    # variables: x (n_sites) then y (n_rows)
    rows = [sp.hstack([-cov.astype(np.float64), sp.eye_array(n_rows)], format="csr")]
    lb = [np.full(n_rows, -np.inf)]
    ub = [np.zeros(n_rows)]
    for req in requirements:
        rows.append(
            sp.hstack(
                [req.reach.astype(np.float64), sp.csr_array((req.reach.shape[0], n_rows))],
                format="csr",
            )
        )
        lb.append(req.k.astype(np.float64))
        ub.append(np.full(req.k.size, np.inf))
    if p is not None:
        rows.append(sp.csr_array(np.concatenate([free, np.zeros(n_rows)])[None, :]))
        lb.append(np.array([float(p)]))
        ub.append(np.array([float(p)]))
    x_lb = np.zeros(n_sites)
    x_lb[fix] = 1.0
    scale = 1.0 / (float(w.sum()) + 1.0)
    if p is None:
        c = np.concatenate([free.astype(np.float64), -w * scale])
    else:
        c = np.concatenate([np.zeros(n_sites), w])
    problem = MilpProblem(
        c=c,
        A=sp.vstack(rows, format="csr"),
        row_lb=np.concatenate(lb),
        row_ub=np.concatenate(ub),
        lb=np.concatenate([x_lb, np.zeros(n_rows)]),
        ub=np.ones(n_sites + n_rows),
        integral=np.concatenate([np.ones(n_sites, bool), np.zeros(n_rows, bool)]),
        maximize=p is not None,
    )
    sol = solve_milp(problem, time_limit)
    model = "required_min" if p is None else "required_mclp"
    if sol.status == "infeasible" or sol.x is None:
        if sol.status != "infeasible":
            raise SolverError(f"{model}: no feasible solution within the time limit; raise it")
        return SitingResult(
            model,
            fix.copy(),
            np.zeros(0, dtype=np.int64),
            math.nan,
            "infeasible",
            math.inf,
            time.perf_counter() - started,
        )
    sites = np.flatnonzero(sol.x[:n_sites] > 0.5).astype(np.int64)
    bad = check_requirements(requirements, sites)
    if bad:
        raise SolverError(
            f"{model}: the solver's sites break a requirement ({bad[0]}); report this as a bug"
        )
    value = evaluate_mclp(cov, w, sites)
    covered = np.asarray(cov.astype(np.int64) @ np.isin(np.arange(n_sites), sites)).ravel() > 0
    new = np.setdiff1d(sites, fix).astype(np.int64)
    log.info("%s: %d new site(s), covered weight %.6g (%s)", model, new.size, value, sol.status)
    return SitingResult(
        model,
        sites,
        new,
        float(value),
        sol.status,
        float(sol.mip_gap),
        time.perf_counter() - started,
        covered=covered,
        stats={"new_sites": float(new.size), "requirements": float(len(requirements))},
    )
