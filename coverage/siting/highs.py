"""HiGHS through its own Python interface (:mod:`highspy`) for the covering models and the
radius p-median.

:func:`firecover.siting.milp.solve_milp` goes through :func:`scipy.optimize.milp`, which
bundles its own (older) copy of HiGHS and offers no warm start. :func:`solve_highs` takes the
same :class:`~firecover.siting.milp.MilpProblem` and returns the same
:class:`~firecover.siting.milp.MilpSolution`, but runs the HiGHS release installed with
``highspy`` (a dependency, MIT, maintained by the HiGHS team). On the bench's 10 km window the
reduced LSCP takes 0.11 s there against 0.86 s in scipy's copy (CPU seconds, same model, both
proven optimal; ``bench/RESULTS.md``), so the covering models whose measurements favour it use
it; the others stay on scipy (see each ``solve_*``). The radius p-median
(:mod:`firecover.siting.radius`) solves its LP rounds with :func:`solve_lp` and its MILP rounds
here (pmed36's radius MILP: 74 s in scipy's copy, 20 s here with an interior-point root).

No warm start: handing the greedy or Lagrangian cover to highspy 1.16 with ``setSolution``
did not make the bench window faster (0.31 against 0.15 CPU s), and with the Lagrangian
cover HiGHS once reported "optimal, objective 14" for a column vector of cost 16 where the
proven optimum is 15 (the independent re-evaluation caught it). The optimum is proven as in
:func:`solve_milp`: ``mip_rel_gap`` is :data:`~firecover.siting.milp.MIP_REL_GAP`, and the
status is ``optimal`` only when HiGHS reports a proven optimum.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from firecover._errors import SolverError
from firecover.siting.milp import MIP_REL_GAP, MilpProblem, MilpSolution, highs_log

if TYPE_CHECKING:
    import highspy

__all__ = ["LpSolution", "solve_highs", "solve_lp"]

log = logging.getLogger(__name__)

#: ``primal_solution_status`` value of a feasible point (HiGHS's ``kSolutionStatusFeasible``).
_FEASIBLE = 2


def _hs() -> Any:
    """The highspy module, imported on first use (≈ 0.5 s; most commands never solve)."""
    import highspy

    return highspy


_banner_lock = threading.Lock()
_banner_done = False


def _new_highs() -> highspy.Highs:
    """A ``Highs`` instance; the first one per process is made with file descriptor 1 pointed
    at the null device, because HiGHS prints its banner there (a library never prints)."""
    global _banner_done
    with _banner_lock:
        if _banner_done:
            return _hs().Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = _hs().Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_done = True
        return h


def _finite(values: NDArray[np.float64]) -> NDArray[np.float64]:
    inf = float(_hs().kHighsInf)
    return np.clip(values, -inf, inf)


def _model(problem: MilpProblem, integral: bool = True) -> highspy.HighsLp:
    """``problem`` as a ``HighsLp``; with ``integral=False`` its LP relaxation."""
    hs = _hs()
    a = sp.csc_array(problem.A, dtype=np.float64)
    a.sort_indices()
    lp = hs.HighsLp()
    lp.num_col_ = int(problem.c.size)
    lp.num_row_ = int(a.shape[0])
    lp.col_cost_ = np.asarray(problem.c, dtype=np.float64)
    lp.col_lower_ = _finite(np.asarray(problem.lb, dtype=np.float64))
    lp.col_upper_ = _finite(np.asarray(problem.ub, dtype=np.float64))
    lp.row_lower_ = _finite(np.asarray(problem.row_lb, dtype=np.float64))
    lp.row_upper_ = _finite(np.asarray(problem.row_ub, dtype=np.float64))
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    if integral:
        kinds = (hs.HighsVarType.kContinuous, hs.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(v)] for v in problem.integral]
    if problem.maximize:
        lp.sense_ = hs.ObjSense.kMaximize
    return lp


def _set_options(
    h: highspy.Highs,
    disp: bool,
    time_limit: float | None,
    options: Mapping[str, float | bool | str],
) -> None:
    """Log switch, time limit (at least 1 ms) and the other options by their HiGHS names."""
    h.setOptionValue("output_flag", bool(disp))
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 1e-3))
    for key, value in options.items():
        h.setOptionValue(key, value)


def solve_highs(
    problem: MilpProblem,
    time_limit: float | None = None,
    highs_options: Mapping[str, float | bool | str] | None = None,
) -> MilpSolution:
    """Solve ``problem`` with highspy's HiGHS.

    Parameters
    ----------
    problem : MilpProblem
        The model (``maximize`` is honoured; objective values are in its own sense).
    time_limit : float, optional
        Seconds for HiGHS.
    highs_options : mapping, optional
        Extra HiGHS options by their HiGHS names (e.g. ``{"presolve": "off"}``).

    Returns
    -------
    MilpSolution
        As :func:`firecover.siting.milp.solve_milp` returns it.

    Raises
    ------
    SolverError
        HiGHS fails for a reason other than optimality, infeasibility or a limit.
    """
    h = _new_highs()
    started = time.perf_counter()
    with highs_log("highspy") as disp:
        _set_options(h, disp, time_limit, {"mip_rel_gap": MIP_REL_GAP, **(highs_options or {})})
        h.passModel(_model(problem))
        h.run()
    seconds = time.perf_counter() - started
    st = _hs().HighsModelStatus
    limits = {st.kTimeLimit, st.kIterationLimit, st.kSolutionLimit, st.kInterrupt}
    status = h.getModelStatus()
    info = h.getInfo()
    has_x = int(info.primal_solution_status) == _FEASIBLE
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_x else None
    objective = float(info.objective_function_value) if has_x else math.nan
    dual = float(info.mip_dual_bound)
    gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else math.inf
    log.debug("highspy: %s, objective %g, bound %g, %.2f s", h.modelStatusToString(status),
              objective, dual, seconds)  # fmt: skip
    if status == st.kOptimal:
        if x is None:
            raise SolverError("HiGHS reported an optimum without a solution; report this as a bug")
        return MilpSolution("optimal", x, objective, gap if math.isfinite(gap) else 0.0, dual,
                            seconds)  # fmt: skip
    if status in limits:
        return MilpSolution("time_limit", x, objective, gap if x is not None else math.inf,
                            dual, seconds)  # fmt: skip
    if status == st.kInfeasible:
        return MilpSolution("infeasible", None, math.nan, math.inf, math.nan, seconds)
    raise SolverError(f"HiGHS failed ({h.modelStatusToString(status)}); check the model input")


@dataclass(frozen=True)
class LpSolution:
    """An LP relaxation's optimum: ``objective``, the point ``x`` and the reduced costs
    ``col_dual`` (``>= 0`` for a variable at its lower bound, ``<= 0`` at its upper bound, for a
    minimisation)."""

    objective: float
    x: NDArray[np.float64]
    col_dual: NDArray[np.float64]
    seconds: float


def solve_lp(
    problem: MilpProblem, time_limit: float | None = None, solver: str = "ipm"
) -> LpSolution | None:
    """The LP relaxation of ``problem`` (integrality dropped) by highspy's HiGHS.

    ``solver`` is HiGHS's ``solver`` option; the default interior point with crossover ends on
    a basic optimum, so the reduced costs are those of a vertex (on the radius p-median LP of
    pmed36, 7,898 rows, it takes 0.9 s against 4.5 s for the dual simplex from scratch).
    Returns ``None`` when the LP does not finish optimal (time limit, infeasible).
    """
    h = _new_highs()
    started = time.perf_counter()
    with highs_log("highspy LP") as disp:
        _set_options(h, disp, time_limit, {"solver": solver})
        h.passModel(_model(problem, integral=False))
        h.run()
    seconds = time.perf_counter() - started
    if h.getModelStatus() != _hs().HighsModelStatus.kOptimal:
        log.debug("highspy LP: %s after %.2f s", h.modelStatusToString(h.getModelStatus()), seconds)
        return None
    sol = h.getSolution()
    objective = float(h.getInfo().objective_function_value)
    log.debug("highspy LP: optimal, objective %g, %.2f s", objective, seconds)
    return LpSolution(
        objective,
        np.asarray(sol.col_value, dtype=np.float64),
        np.asarray(sol.col_dual, dtype=np.float64),
        seconds,
    )
