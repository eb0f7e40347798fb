"""Thin, typed wrapper around :func:`scipy.optimize.milp` (HiGHS).

Every siting model builds one sparse constraint matrix and calls :func:`solve_milp`, which maps
the solver's status codes onto the three statuses of the public API and raises
:class:`~firecover._errors.SolverError` for anything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from firecover._errors import SolverError

__all__ = ["MilpProblem", "MilpSolution", "highs_log", "solve_milp"]

log = logging.getLogger(__name__)

#: Relative MIP gap asked of HiGHS. Its default (1e-4) stops short of the optimum on objectives
#: of a few thousand, which is not what the published benchmarks expect.
MIP_REL_GAP = 1e-9


@dataclass(frozen=True)
class MilpProblem:
    """``min c·x`` (or ``max`` when ``maximize``) s.t. ``row_lb <= A x <= row_ub``, bounds.

    ``integral`` marks the integer variables; ``lb``/``ub`` are the variable bounds.
    """

    c: NDArray[np.float64]
    A: sp.csr_array
    row_lb: NDArray[np.float64]
    row_ub: NDArray[np.float64]
    lb: NDArray[np.float64]
    ub: NDArray[np.float64]
    integral: NDArray[np.bool_]
    maximize: bool = False


@dataclass(frozen=True)
class MilpSolution:
    """What came back from HiGHS: ``status`` is ``optimal``, ``time_limit`` or ``infeasible``.

    ``x`` is ``None`` when no feasible point is known; ``objective`` is in the problem's own
    sense (maximised value for a maximisation), ``nan`` without a solution.
    """

    status: str
    x: NDArray[np.float64] | None
    objective: float
    mip_gap: float
    dual_bound: float
    seconds: float


def _flush_c_stdout() -> None:
    with contextlib.suppress(OSError, AttributeError):  # no C library handle (some Windows)
        ctypes.CDLL(None).fflush(None)


@contextmanager
def highs_log(what: str) -> Iterator[bool]:
    """Send HiGHS's console log of one solve to this module's DEBUG log (``-vv``).

    HiGHS writes its log to the process's standard output (file descriptor 1), so while the
    firecover logger is at DEBUG, that descriptor is pointed at a temporary file for the solve
    and the lines are logged afterwards as ``HiGHS <what>: ...``. Yields whether the log is on
    (pass it as ``disp`` to scipy); below DEBUG nothing is redirected.
    """
    if not log.isEnabledFor(logging.DEBUG):
        yield False
        return
    sys.stdout.flush()
    _flush_c_stdout()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield True
        finally:
            _flush_c_stdout()
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            for line in tmp.read().decode("utf-8", errors="replace").splitlines():
                if line.strip():
                    log.debug("HiGHS %s: %s", what, line.rstrip())


def solve_milp(
    problem: MilpProblem,
    time_limit: float | None = None,
    highs_options: Mapping[str, float | bool] | None = None,
) -> MilpSolution:
    """Solve ``problem`` with HiGHS and classify the outcome.

    ``highs_options`` are extra HiGHS options (e.g. ``mip_heuristic_run_rins``) that scipy
    passes on verbatim; its "unrecognized option" warning is silenced for them.

    Raises
    ------
    SolverError
        If HiGHS fails for a reason other than optimality, proven infeasibility or the time
        limit (e.g. an unbounded model, a numerical failure).
    """
    sign = -1.0 if problem.maximize else 1.0
    options: dict[str, float | bool] = {"mip_rel_gap": MIP_REL_GAP, "disp": False}
    if time_limit is not None:
        options["time_limit"] = max(float(time_limit), 1e-3)
    options.update(highs_options or {})
    constraints = []
    if problem.A.shape[0] > 0:
        constraints.append(LinearConstraint(problem.A, problem.row_lb, problem.row_ub))
    log.debug(
        "milp: %d variables (%d integer), %d rows, %d non-zeros",
        problem.c.size,
        int(problem.integral.sum()),
        problem.A.shape[0],
        problem.A.nnz,
    )
    start = time.perf_counter()
    with warnings.catch_warnings(), highs_log("milp") as disp:
        warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
        options["disp"] = disp
        res = milp(
            sign * problem.c,
            integrality=problem.integral.astype(np.uint8),
            bounds=Bounds(problem.lb, problem.ub),
            constraints=constraints,
            options=options,
        )
    seconds = time.perf_counter() - start
    return _classify(res, sign, seconds)


def _classify(res: object, sign: float, seconds: float) -> MilpSolution:
    status_code = int(getattr(res, "status", 4))
    x = getattr(res, "x", None)
    fun = getattr(res, "fun", None)
    gap = getattr(res, "mip_gap", None)
    bound = getattr(res, "mip_dual_bound", None)
    objective = sign * float(fun) if fun is not None else math.nan
    dual = sign * float(bound) if bound is not None else math.nan
    if status_code == 0:
        return MilpSolution("optimal", np.asarray(x), objective, _gap(gap, 0.0), dual, seconds)
    if status_code == 1:  # iteration or time limit
        if x is None:
            return MilpSolution("time_limit", None, math.nan, math.inf, dual, seconds)
        return MilpSolution(
            "time_limit", np.asarray(x), objective, _gap(gap, math.inf), dual, seconds
        )
    if status_code == 2:
        return MilpSolution("infeasible", None, math.nan, math.inf, math.nan, seconds)
    if x is not None and "Solution limit" in str(getattr(res, "message", "")):
        # stopped at ``mip_max_improving_sols``: a feasible point, not a proven optimum
        return MilpSolution(
            "time_limit", np.asarray(x), objective, _gap(gap, math.inf), dual, seconds
        )
    message = getattr(res, "message", "unknown failure")
    raise SolverError(f"HiGHS failed (status {status_code}: {message}); check the model input")


def _gap(value: object, default: float) -> float:
    if value is None:
        return default
    gap = float(value)  # type: ignore[arg-type]
    return gap if math.isfinite(gap) else default
