"""Busy stations: each station's busy fraction from its calls, and the expected coverage of a
station set when stations may be out on a call (Daskin's MEXCLP measure).

Busy fraction of station ``j`` (the share of the period its engine is out)::

    b_j = calls_j × job_min / 60 ÷ period_hours

with ``calls_j`` the incidents in its district (:mod:`firecover.analysis.incidents`),
``job_min`` the average minutes an engine is tied up per call (the file's job-minutes column
where given, else the setting ``incident_job_min``) and ``period_hours`` the hours the records
span (whole days, or given). The system busy fraction is ``q = Σ_j calls_j × job_min / 60 ÷
(period_hours × N)`` over the ``N`` district-holding stations.

Expected coverage of a cell reached in time by ``k`` stations is ``1 − q^k`` (independent
busy stations; Daskin 1983) or the hypercube-corrected sum (Batta, Dolan & Krishnamurthy 1989),
see :mod:`firecover.siting.mexclp` (``expected_coverage`` gives a run's weight share from
the :func:`reach_counts` here).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from firecover._errors import DataFormatError
from firecover.analysis.demand import DemandSurface
from firecover.network.snapping import Snapped
from firecover.settings import resolve
from firecover.traveltime.search import CSRNetwork, bounded_matrix

__all__ = ["BusyStations", "busy_fractions", "reach_counts"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BusyStations:
    """Busy fraction per station and for the system.

    Attributes
    ----------
    table : pandas.DataFrame
        Index station name; ``calls``, ``job_min`` (average), ``busy_fraction``.
    system : float
        ``q``: all calls' engine hours ÷ (period hours × stations).
    period_hours : float
    job_min_source : str
        ``"column"`` (the call file's job minutes), ``"setting"`` or ``"mixed"``.
    """

    table: pd.DataFrame
    system: float
    period_hours: float
    job_min_source: str


def busy_fractions(
    names: Sequence[str],
    district: npt.ArrayLike,
    *,
    period_hours: float,
    job_min: npt.ArrayLike | float | None = None,
) -> BusyStations:
    """Busy fractions from the district of every call (``""``: none) and its job minutes.

    ``job_min``: per call (``nan`` = use the setting ``incident_job_min``), one number, or
    ``None`` for the setting. Stations listed in ``names`` with no call get 0.
    """
    hours = float(period_hours)
    if not math.isfinite(hours) or hours <= 0:
        raise DataFormatError(
            f"the period must be a positive number of hours, got {period_hours!r}"
        )
    d = np.asarray(district, dtype=str).ravel()
    default = float(resolve(None, "incident_job_min"))
    if job_min is None:
        job, source = np.full(d.size, default), "setting"
    elif isinstance(job_min, int | float):
        job, source = np.full(d.size, float(job_min)), "given"
    else:
        job = np.asarray(job_min, dtype=np.float64)
        given = np.isfinite(job)
        source = "column" if given.all() else ("setting" if not given.any() else "mixed")
        job = np.where(given, job, default)
    rows = []
    for name in names:
        sel = d == name
        calls = int(sel.sum())
        mean_job = float(job[sel].mean()) if calls else default
        rows.append(
            {
                "station": name,
                "calls": calls,
                "job_min": mean_job,
                "busy_fraction": float(job[sel].sum()) / 60.0 / hours,
            }
        )
    table = pd.DataFrame(rows).set_index("station")
    served = np.isin(d, list(names))
    system = float(job[served].sum()) / 60.0 / (hours * max(len(names), 1))
    if system >= 1.0:
        raise DataFormatError(
            f"the stations are busy {system:.0%} of the time on these calls; check the period "
            "(--period-hours) and the job minutes"
        )
    return BusyStations(table, system, hours, source)


def reach_counts(
    net: CSRNetwork, stations: Snapped, demand: DemandSurface, driving_min: float
) -> npt.NDArray[np.int64]:
    """How many of ``stations`` reach each demand cell within ``driving_min`` of driving."""
    if len(stations) == 0:
        return np.zeros(len(demand), dtype=np.int64)
    m = bounded_matrix(net, stations, 60.0 * float(driving_min), targets=demand.points)
    counts = np.bincount(m.indices, minlength=len(demand)).astype(np.int64)
    counts[np.asarray(demand.points.too_far, bool)] = 0
    return counts
