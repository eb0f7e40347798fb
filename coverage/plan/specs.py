"""The parts of a scenario: where its roads and boundary come from, the budget, the standards,
the travel model, the built-up area and the demand layers (frozen records read by
:mod:`firecover.plan.scenario`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from firecover.settings import DEFAULTS

log = logging.getLogger(__name__)

__all__ = [
    "BoundarySource",
    "BudgetSpec",
    "BuiltUpSpec",
    "GraphSource",
    "LayersSpec",
    "StandardsSpec",
    "TravelSpec",
]


def _json(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class GraphSource:
    """Where the road graph comes from (exactly one of ``file``, ``place``, ``polygon``, ``bbox``).

    Attributes
    ----------
    kind : {"file", "place", "polygon", "bbox"}
    file, polygon : Path or None
        Resolved paths (relative paths are taken from the scenario file's folder).
    place : str or None
    bbox : tuple of float or None
        ``(west, south, east, north)`` in degrees.
    profile : str or None
        Speed profile name or resolved ``.toml`` path; ``None`` = the setting.
    congestion_factor : float or None
    period : str or None
        Time-of-day period of the speed profile (``--period`` on the command line wins).
    crs : str or None
        Projected CRS to use; ``None`` = automatic.
    class_column, speed_column, oneway_column : str or None
        Columns of a centre-line file.
    """

    kind: str
    file: Path | None = None
    place: str | None = None
    polygon: Path | None = None
    bbox: tuple[float, float, float, float] | None = None
    profile: str | None = None
    congestion_factor: float | None = None
    crs: str | None = None
    period: str | None = None
    class_column: str | None = None
    speed_column: str | None = None
    oneway_column: str | None = None


@dataclass(frozen=True)
class BoundarySource:
    """The district boundary: ``kind`` is ``file``, ``place``, ``admin`` (``place`` then holds
    the administrative name, e.g. ``天津市/和平区``, read offline by
    :mod:`firecover.analysis.admin`) or ``graph_hull`` (the default)."""

    kind: str
    file: Path | None = None
    place: str | None = None


@dataclass(frozen=True)
class TravelSpec:
    """``[scenario.travel]``: ``model`` ``network`` (default) or ``radius`` (the straight-line
    estimate, :mod:`firecover.network.radius`) with its ``shape``, ``speed_kph``, ``curvature``
    (``None`` = settings ``radius_*``)."""

    model: str = "network"
    shape: str | None = None
    speed_kph: float | None = None
    curvature: float | None = None


@dataclass(frozen=True)
class BudgetSpec:
    """The response-time budget in minutes (defaults: :data:`firecover.settings.DEFAULTS`)."""

    turnout_min: float = DEFAULTS.turnout_min
    driving_min: float = DEFAULTS.driving_min

    @property
    def response_min(self) -> float:
        """Turnout plus driving, minutes."""
        return self.turnout_min + self.driving_min


@dataclass(frozen=True)
class StandardsSpec:
    """The standards profile and area-limit overrides (km²).

    Attributes
    ----------
    profile : str or None
        Bundled profile name or resolved ``.toml`` path; ``None`` = the default profile.
    limits : Mapping of str to float
        The overrides as written (keys: class aliases or station names), ready for the
        ``overrides`` argument of :func:`firecover.standards.check_stations`.
    class_limits : Mapping of str to float
        The class overrides by canonical class key.
    station_limits : Mapping of str to float
        The station-name overrides (a key that names a station is a station override).
    barrier_rule : {"fail", "warn"} or None
        A district crossing a barrier (GB 51080-2015 §4.1.3-4) fails its station or only
        warns; ``None`` = the profile's (fail).
    barrier_min_km2, barrier_min_share : float or None
        Slivers the barrier rule ignores; ``None`` = settings (0.1 km², 2 %).
    """

    profile: str | None = None
    limits: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    class_limits: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    station_limits: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    barrier_rule: str | None = None
    barrier_min_km2: float | None = None
    barrier_min_share: float | None = None


@dataclass(frozen=True)
class BuiltUpSpec:
    """The built-up area (建成区), separate from the administrative boundary.

    应建数 and the shortfall count on it (GB 51080 districts sit in urban construction land,
    not in a whole county). ``file`` is a polygon layer, ``area_km2`` a stated figure; with
    both the file's area is measured and the figure kept as stated.
    """

    file: Path | None = None
    area_km2: float | None = None

    @property
    def given(self) -> bool:
        """Whether the scenario gives a built-up area."""
        return self.file is not None or self.area_km2 is not None


@dataclass(frozen=True)
class LayersSpec:
    """Optional demand layers: population and risk files with the value column to read."""

    population: Path | None = None
    population_column: str | None = None
    risk: Path | None = None
    risk_column: str | None = None
