"""Shared pieces of the siting API: the result type, site masks and the common finish step.

Public names are re-exported by :mod:`firecover.siting`; see its notes for the conventions.
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

import firecover.siting.models as models
from firecover._errors import InfeasibleModelError, SolverError
from firecover.siting.reduce import BoolArray, IntArray, as_coverage, describe_rows

log = logging.getLogger(__name__)

OBJECTIVE_RTOL = 1e-6
_MAXIMISE = frozenset({"mclp", "backup", "area_max", "mexclp"})


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


def _site_mask(n_cols: int, sites: Any) -> BoolArray:
    idx = np.asarray(sites, dtype=np.int64).ravel()
    mask = np.zeros(n_cols, dtype=bool)
    mask[idx] = True
    return mask


def _cover_count(coverage: Any, sites: Any) -> NDArray[np.int64]:
    mat = as_coverage(coverage)
    mask = _site_mask(mat.shape[1], sites).astype(np.int64)
    return np.asarray(mat.astype(np.int64) @ mask).ravel()


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
    stats = dict(out.stats)
    if out.status != "optimal" and math.isfinite(out.bound):
        gap = max(0.0, abs(out.bound - value) / max(abs(value), 1e-12))
        stats["bound"] = float(out.bound)
    elif out.status == "optimal":
        stats["bound"] = float(value)
    log.info("%s: %d sites, objective %.6g, %s", model, sites.size, value, out.status)
    return SitingResult(
        model,
        sites,
        np.setdiff1d(new, fixed).astype(np.int64),
        value,
        out.status,
        gap,
        time.perf_counter() - started,
        stats=stats,
        **arrays,
    )
