"""Time-of-day periods of a speed profile, and the run's travel-time choice.

A profile may define periods in a ``[periods]`` table, each a factor per road class applied to
the profile's speeds (``speed = min(class speed × factor, cap_kph)``)::

    [periods.am_peak]
    description = "morning peak 07:00–09:00"
    factor = 0.85        # classes not listed (default 1.0)
    motorway = 0.65
    primary = 0.75

A ``*_link`` class without its own factor takes its parent's. A period is chosen per run:
``load_profile(..., period="am_peak")``, the setting ``period``, or — for every graph a command
loads — :func:`use_travel` (the CLI's ``--period`` / ``--speeds``), which overrides the profile
and period a scenario or graph file names. Graphs record the choice in the graph attributes
``period`` and ``speed_calibration``; :func:`travel_model_line` states it in reports.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from firecover._errors import DataFormatError
from firecover._schema import check_period
from firecover.network.road_class import _RANK, CANONICAL_CLASSES

if TYPE_CHECKING:
    from firecover.network.speeds import SpeedProfile

__all__ = [
    "Period",
    "TravelChoice",
    "check_period_name",
    "current_travel",
    "graph_travel_line",
    "parse_periods",
    "period_factor",
    "travel_model_line",
    "use_travel",
    "with_period",
]

#: Largest factor a period may give (a period may be faster than the profile, e.g. at night).
MAX_FACTOR = 2.0
_PERIOD_KEYS = {"description", "factor", "hours"}


@dataclass(frozen=True)
class Period:
    """One time-of-day period: speed factors per canonical road class.

    Attributes
    ----------
    name : str
    factors : Mapping[str, float]
        Factor per canonical class (classes not listed take ``factor``).
    factor : float
        Factor for classes not listed (default 1.0).
    description : str
    hours : str
        When the period applies (documentation only, e.g. ``"07:00-09:00"``).
    """

    name: str
    factors: Mapping[str, float] = field(default_factory=dict)
    factor: float = 1.0
    description: str = ""
    hours: str = ""

    def class_factor(self, road_class: str | None) -> float:
        """Factor for a canonical class (a ``*_link`` falls back to its parent's)."""
        if road_class is not None and road_class in self.factors:
            return self.factors[road_class]
        if road_class and road_class.endswith("_link") and road_class[:-5] in self.factors:
            return self.factors[road_class[:-5]]
        return self.factor


def check_period_name(value: Any, name: str = "period") -> str:
    """Return ``value`` if it is a valid period name, else raise :class:`DataFormatError`
    (the rule is :func:`firecover._schema.check_period`)."""
    return str(check_period(value, name))


def _factor(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFormatError(f"{where} must be a number (speed factor), got {value!r}")
    if not math.isfinite(value) or not 0 < value <= MAX_FACTOR:
        raise DataFormatError(f"{where} must be > 0 and <= {MAX_FACTOR:g}, got {value!r}")
    return float(value)


def parse_periods(table: Any, path: str) -> dict[str, Period]:
    """Read a profile's ``[periods]`` table (see the module notes).

    Raises
    ------
    DataFormatError
        Not a table, a bad period name, an unknown class or key, or a factor outside (0, 2].
    """
    if not isinstance(table, dict):
        raise DataFormatError(f"speed profile {path}: [periods] must be a table of periods")
    out: dict[str, Period] = {}
    for pname, body in table.items():
        check_period_name(pname, f"speed profile {path}: period")
        if not isinstance(body, dict):
            raise DataFormatError(f"speed profile {path}: [periods.{pname}] must be a table")
        factors: dict[str, float] = {}
        where = f"speed profile {path}: periods.{pname}"
        for key, value in body.items():
            if key in _PERIOD_KEYS:
                continue
            if key not in _RANK:
                raise DataFormatError(
                    f"speed profile {path}: periods.{pname}.{key} is neither a road class "
                    f"({', '.join(CANONICAL_CLASSES)}) nor one of {', '.join(sorted(_PERIOD_KEYS))}"
                )
            factors[key] = _factor(value, f"speed profile {path}: periods.{pname}.{key}")
        out[pname] = Period(
            name=pname,
            factors=factors,
            factor=_factor(body.get("factor", 1.0), f"{where}.factor"),
            description=str(body.get("description", "")),
            hours=str(body.get("hours", "")),
        )
    return out


def period_factor(profile: SpeedProfile, road_class: str | None) -> float:
    """The selected period's factor for a class (1.0 without a period)."""
    if profile.period is None:
        return 1.0
    return profile.periods[profile.period].class_factor(road_class)


def with_period(profile: SpeedProfile, period: str | None) -> SpeedProfile:
    """``profile`` with ``period`` selected (``None``: unchanged).

    Raises
    ------
    DataFormatError
        The profile defines no such period (the message lists the ones it has).
    """
    if period is None or period == profile.period:
        return profile
    check_period_name(period)
    if period not in profile.periods:
        have = ", ".join(profile.periods) or "none"
        raise DataFormatError(
            f"speed profile {profile.name} has no period {period!r} (it has: {have}); "
            "use one of those or add [periods." + period + "] to the profile"
        )
    return replace(profile, period=period)


# --------------------------------------------------------------------------- the run's choice


@dataclass(frozen=True)
class TravelChoice:
    """A run's travel-time choice, applied to every road graph it loads or prepares.

    Attributes
    ----------
    speeds : str or None
        Speed profile (bundled name or TOML path, e.g. a ``calibrate`` output) overriding the
        profile a scenario or graph file names; ``None``: theirs.
    period : str or None
        Period of the profile; ``None``: the setting ``period`` (none = profile speeds).
    """

    speeds: str | None = None
    period: str | None = None

    @property
    def active(self) -> bool:
        """Whether anything is chosen (a prepared graph file must then be prepared again)."""
        return self.speeds is not None or self.period is not None

    def key_parts(self) -> dict[str, Any]:
        """Graph-cache key parts (so cached graphs never mix periods or profiles)."""
        out: dict[str, Any] = {}
        if self.speeds is not None:
            out["profile"] = self.speeds
        if self.period is not None:
            out["period"] = self.period
        return out


_NONE = TravelChoice()
_CHOICE: ContextVar[TravelChoice | None] = ContextVar("firecover_travel", default=None)


def current_travel() -> TravelChoice:
    """The travel choice in force (see :func:`use_travel`)."""
    return _CHOICE.get() or _NONE


@contextlib.contextmanager
def use_travel(speeds: str | None = None, period: str | None = None) -> Iterator[TravelChoice]:
    """Run the block with this speed profile and period for every graph it loads.

    ``None`` keeps what an enclosing block chose. The CLI wraps each routing command in it.
    """
    if period is not None:
        check_period_name(period, "--period")
    prev = _CHOICE.get() or _NONE
    choice = TravelChoice(speeds if speeds is not None else prev.speeds,
                          period if period is not None else prev.period)  # fmt: skip
    token = _CHOICE.set(choice)
    try:
        yield choice
    finally:
        _CHOICE.reset(token)


def travel_model_line(
    profile: str | None,
    period: str | None = None,
    calibration: str | None = None,
    turn_model: str | None = None,
) -> str:
    """The one line every report gives on the travel-time model that produced it.

    Parameters
    ----------
    profile : str or None
        Speed profile name (graph attribute ``speed_profile``).
    period : str or None
        Time-of-day period (``None``: the profile's base speeds).
    calibration : str or None
        Where the speeds were calibrated from (``None``: not calibrated).
    turn_model : str or None
        Short description of the turn / junction model (``None``: not modelled).

    Returns
    -------
    str
        e.g. ``"行车时间模型 travel-time model: profile china_urban · period am_peak ·
        turns not modelled · calibration none (profile assumptions)"``.
    """
    parts = [
        f"profile {profile or 'unknown'}",
        f"period {period or 'base (no period)'}",
        turn_model or "turns not modelled",
        f"calibration {calibration or 'none (profile assumptions)'}",
    ]
    return "行车时间模型 travel-time model: " + " · ".join(parts)


def graph_travel_line(attrs: Mapping[str, Any], turn_model: str | None = None) -> str:
    """:func:`travel_model_line` from a prepared graph's attributes."""
    return travel_model_line(
        attrs.get("speed_profile"),
        attrs.get("period") or None,
        attrs.get("speed_calibration") or None,
        turn_model if turn_model is not None else (attrs.get("turn_model") or None),
    )
