"""The records of a plan evaluation: one :class:`YearResult` per year, :class:`StationGain` per
station, and the whole :class:`PlanEvaluation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from firecover.analysis.run import CoverageRun
from firecover.analysis.station_spec import StationSpec
from firecover.plan.scenario import Scenario

__all__ = ["PlanEvaluation", "StationGain", "YearResult"]


@dataclass(frozen=True, eq=False)
class YearResult:
    """The stations in service in one year, their coverage run and, when the scenario gives
    a built-up area (建成区), its 应建数 / shortfall entry (:mod:`firecover.plan.built_up`)."""

    year: int
    stations: list[StationSpec]
    run: CoverageRun
    built_up: dict[str, Any] | None = None

    @property
    def names(self) -> list[str]:
        """Station names in service."""
        return [s.name for s in self.stations]


@dataclass(frozen=True)
class StationGain:
    """What one station adds when it enters service.

    Attributes
    ----------
    name : str
    year : int
        The evaluated year it first appears in.
    covered_km2, covered_weight : float
        Area / weight it reaches within budget that the previous year's stations did not (for a
        first-year station: that only it reaches).
    neighbours_km2 : dict of str to float
        Jurisdiction km² each other station lost that year (positive = shrank).
    """

    name: str
    year: int
    covered_km2: float
    covered_weight: float
    neighbours_km2: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PlanEvaluation:
    """A scenario evaluated year by year (see the module notes).

    Attributes
    ----------
    scenario : Scenario
    years : list of YearResult
    gains : dict of str to StationGain
    optimum : dict or None
        ``new_stations``, ``covered_share`` (MCLP optimum), ``plan_covered_share``,
        ``min_new_for_compliance``, ``min_new_for_coverage``, solver statuses, the optimum
        sites; ``None`` when not computed.
    synthetic : bool
    boundary_note : str
        Where the planning boundary came from.
    travel : dict or None
        The travel model when not the road network (``model = "radius"``, its parameters)
        and, with both models run, ``compare`` (:mod:`firecover.plan.travel`).
    demand_figures : dict or None
        Incident, busy-station and population figures per year
        (:mod:`firecover.plan.incident_section`); ``None`` without incidents or population.
    """

    scenario: Scenario
    years: list[YearResult]
    gains: dict[str, StationGain]
    optimum: dict[str, Any] | None
    synthetic: bool
    boundary_note: str = ""
    travel: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None  # evaluate --risk (firecover.plan.risk_section)
    demand_figures: dict[str, Any] | None = None  # incidents / busy / population per year

    @property
    def final(self) -> YearResult:
        """The last evaluated year."""
        return self.years[-1]

    @property
    def compliant(self) -> bool:
        """Whether every station in service in the final year passes the check."""
        return self.final.run.compliant


# --------------------------------------------------------------------------- years
