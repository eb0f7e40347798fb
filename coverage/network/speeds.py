"""Fire-engine speed profiles and per-edge speeds.

A profile is a small TOML file (``data/speeds/<name>.toml`` or a user path) giving km/h per
canonical road class, a default for unrecognised classes and a cap. :func:`add_edge_speeds`
writes ``road_class``, ``speed_kph`` and ``travel_time`` (seconds) on every edge of a graph.

Road-class values are recognised from OSM ``highway`` tags and from Chinese planning classes
(快速路 → ``motorway``, 主干路 → ``primary``, 次干路 → ``secondary``, 支路 → ``residential``;
see :data:`CLASS_ALIASES`).
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from firecover._errors import DataFormatError, InputFileError
from firecover.network.periods import Period, parse_periods, period_factor, with_period
from firecover.network.road_class import (
    _RANK,
    CANONICAL_CLASSES,
    CLASS_ALIASES,
    _norm,
    _values,
    canonical_class,
    parse_maxspeed,
)
from firecover.network.turns import DEFAULT_TURNS, TURN_KEYS, TurnProfile, parse_turn_tables
from firecover.settings import resolve

__all__ = [
    "CANONICAL_CLASSES",
    "CLASS_ALIASES",
    "SpeedProfile",
    "SpeedSummary",
    "add_edge_speeds",
    "available_profiles",
    "canonical_class",
    "load_profile",
    "parse_maxspeed",
]

logger = logging.getLogger(__name__)

_KNOWN_KEYS = {
    "name", "description", "default_kph", "cap_kph", "honour_maxspeed", "speeds_kph",
    "reference_mix", "aliases", "periods", "calibration",
} | TURN_KEYS  # fmt: skip


@dataclass(frozen=True)
class SpeedProfile:
    """A validated fire-engine speed profile.

    Attributes
    ----------
    name : str
        Profile name (recorded in the graph attribute ``speed_profile``).
    speeds_kph : Mapping[str, float]
        km/h per canonical class.
    default_kph : float
        Speed for an unrecognised class.
    cap_kph : float
        No edge is faster than this.
    honour_maxspeed : bool
        Lower the class speed to an OSM ``maxspeed`` where that is lower.
    aliases : Mapping[str, str]
        Extra source values → canonical class, checked before :data:`CLASS_ALIASES`.
    reference_mix : Mapping[str, float]
        Length shares per class for :meth:`mean_speed_kph` (documentation only).
    description : str
        One-line description.
    path : str
        Where the profile was read from.
    turns : TurnProfile
        Junction delays and turn penalties (``[junction_delay_s]``, ``[turn_penalty_s]``;
        :mod:`firecover.network.turns`).
    periods : Mapping[str, Period]
        Time-of-day periods (:mod:`firecover.network.periods`).
    period : str or None
        The selected period (``None``: the speeds as written).
    calibration : str
        Where the speeds were calibrated from (``firecover calibrate``); empty if not.
    """

    name: str
    speeds_kph: Mapping[str, float]
    default_kph: float
    cap_kph: float
    honour_maxspeed: bool = True
    aliases: Mapping[str, str] = field(default_factory=dict)
    reference_mix: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    path: str = ""
    turns: TurnProfile = DEFAULT_TURNS
    periods: Mapping[str, Period] = field(default_factory=dict)
    period: str | None = None
    calibration: str = ""

    def class_speed(self, road_class: str | None) -> float:
        """Return the profile speed (km/h, capped) for a canonical class; default if unknown."""
        if road_class is not None and road_class in self.speeds_kph:
            speed = self.speeds_kph[road_class]
        elif road_class and road_class.endswith("_link") and road_class[:-5] in self.speeds_kph:
            speed = self.speeds_kph[road_class[:-5]]
        else:
            speed = self.default_kph
        return min(speed * period_factor(self, road_class), self.cap_kph)

    def classify(self, value: Any) -> str | None:
        """Canonical class of a source value using this profile's aliases, or ``None``."""
        return canonical_class(value, self.aliases)

    def edge_speed(
        self,
        road_class: str | None,
        *,
        maxspeed: Any = None,
        source_speed_kph: float | None = None,
        congestion_factor: float = 1.0,
    ) -> float:
        """Fire-engine speed in km/h for one edge.

        Parameters
        ----------
        road_class : str or None
            Canonical class (``None`` → ``default_kph``).
        maxspeed : Any, optional
            Raw OSM ``maxspeed`` value; lowers the class speed when lower.
        source_speed_kph : float, optional
            A speed given by the source data (centre-line speed column); replaces the class speed.
        congestion_factor : float
            Multiplier applied last.

        Returns
        -------
        float
            Speed in km/h (> 0).
        """
        if source_speed_kph is not None and source_speed_kph > 0:
            speed = min(float(source_speed_kph) * period_factor(self, road_class), self.cap_kph)
        else:
            speed = self.class_speed(road_class)
            limit = parse_maxspeed(maxspeed) if self.honour_maxspeed else None
            if limit is not None:
                speed = min(speed, limit)
        return speed * congestion_factor

    def mean_speed_kph(self, shares: Mapping[str, float] | None = None) -> float:
        """Length-weighted harmonic mean speed (total length / total time) over class shares.

        Parameters
        ----------
        shares : Mapping[str, float], optional
            Length share per class; defaults to the profile's ``reference_mix``.

        Returns
        -------
        float
            km/h.
        """
        mix = dict(self.reference_mix if shares is None else shares)
        total = sum(mix.values())
        if total <= 0:
            raise DataFormatError("mean speed needs positive class shares; give reference_mix")
        hours = sum(share / self.class_speed(cls) for cls, share in mix.items())
        return total / hours


@dataclass
class SpeedSummary:
    """What :func:`add_edge_speeds` did.

    Attributes
    ----------
    edges : int
        Edges given speeds.
    unknown_edges : int
        Edges whose class was not recognised (given ``default_kph``).
    unknown_values : Counter
        Unrecognised source values and their edge counts.
    """

    edges: int = 0
    unknown_edges: int = 0
    unknown_values: Counter[str] = field(default_factory=Counter)


def available_profiles() -> list[str]:
    """Names of the speed profiles bundled in ``firecover.data/speeds``."""
    folder = resources.files("firecover.data") / "speeds"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_profile(
    profile: str | Path | SpeedProfile | None = None, period: str | None = None
) -> SpeedProfile:
    """Load and validate a speed profile.

    Parameters
    ----------
    profile : str, Path, SpeedProfile or None
        A bundled profile name (e.g. ``"china_urban"``), a path to a TOML file, an already loaded
        profile, or ``None`` for the ``speed_profile`` setting.
    period : str, optional
        Time-of-day period of the profile to select (``None``: as loaded, else the setting
        ``period``; see :mod:`firecover.network.periods`).

    Returns
    -------
    SpeedProfile

    Raises
    ------
    InputFileError
        The name is neither a bundled profile nor an existing file.
    DataFormatError
        The TOML is invalid, has unknown keys or classes, or a non-positive speed.
    """
    if isinstance(profile, SpeedProfile):
        return with_period(profile, period)
    return with_period(_load_profile(profile), resolve(period, "period"))


def _load_profile(profile: str | Path | None) -> SpeedProfile:
    spec = str(resolve(profile, "speed_profile"))
    path = Path(spec)
    if path.suffix.lower() == ".toml" or len(path.parts) > 1:
        if not path.is_file():
            raise InputFileError(f"speed profile not found: {path} (check the path)")
        return _parse_profile(_read_toml(path.read_bytes(), str(path)), path.stem, str(path))
    resource = resources.files("firecover.data") / "speeds" / f"{spec}.toml"
    if not resource.is_file():
        names = ", ".join(available_profiles())
        raise InputFileError(f"unknown speed profile {spec!r}; use one of {names} or a .toml path")
    return _parse_profile(_read_toml(resource.read_bytes(), spec), spec, f"firecover.data:{spec}")


def _read_toml(raw: bytes, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"speed profile {where} is not valid UTF-8 TOML: {exc}") from exc


def _parse_profile(data: dict[str, Any], stem: str, path: str) -> SpeedProfile:
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_KNOWN_KEYS))
        raise DataFormatError(
            f"speed profile {path}: unknown key {unknown[0]!r}; allowed: {allowed}"
        )
    if "speeds_kph" not in data or not isinstance(data["speeds_kph"], dict):
        raise DataFormatError(f"speed profile {path}: missing table [speeds_kph]")
    cap = _positive(data.get("cap_kph", 130.0), "cap_kph", path)
    speeds = _class_table(data["speeds_kph"], "speeds_kph", path)
    for cls, kph in speeds.items():
        if kph > cap:
            raise DataFormatError(f"speed profile {path}: speeds_kph.{cls} = {kph} exceeds cap_kph")
    mix = _class_table(data.get("reference_mix", {}), "reference_mix", path)
    honour = data.get("honour_maxspeed", True)
    if not isinstance(honour, bool):
        raise DataFormatError(f"speed profile {path}: honour_maxspeed must be true or false")
    return SpeedProfile(
        name=str(data.get("name", stem)),
        speeds_kph=speeds,
        default_kph=min(_positive(data.get("default_kph"), "default_kph", path), cap),
        cap_kph=cap,
        honour_maxspeed=honour,
        aliases=_alias_table(data.get("aliases", {}), path),
        reference_mix=mix,
        description=str(data.get("description", "")),
        path=path,
        turns=parse_turn_tables(data, path),
        periods=parse_periods(data.get("periods", {}), path),
        calibration=str(data.get("calibration", "")),
    )


def _positive(value: Any, key: str, path: str) -> float:
    """Return ``value`` as a positive finite float or raise naming ``key``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFormatError(f"speed profile {path}: {key} must be a number (km/h), got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise DataFormatError(f"speed profile {path}: {key} must be > 0, got {value!r}")
    return float(value)


def _class_table(table: Any, name: str, path: str) -> dict[str, float]:
    if not isinstance(table, dict):
        raise DataFormatError(f"speed profile {path}: [{name}] must be a table")
    out: dict[str, float] = {}
    for cls, value in table.items():
        if cls not in _RANK:
            raise DataFormatError(
                f"speed profile {path}: unknown class {name}.{cls}; "
                f"use one of {', '.join(CANONICAL_CLASSES)}"
            )
        out[cls] = _positive(value, f"{name}.{cls}", path)
    return out


def _alias_table(table: Any, path: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise DataFormatError(f"speed profile {path}: [aliases] must be a table")
    out: dict[str, str] = {}
    for raw, cls in table.items():
        if cls not in _RANK:
            raise DataFormatError(
                f"speed profile {path}: aliases.{raw} maps to unknown class {cls}"
            )
        out[_norm(raw)] = cls
    return out


def add_edge_speeds(
    G: nx.MultiDiGraph,  # noqa: N803 (osmnx convention)
    profile: str | Path | SpeedProfile | None = None,
    congestion_factor: float | None = None,
) -> SpeedSummary:
    """Set ``road_class``, ``speed_kph`` and ``travel_time`` on every edge, in place.

    The class comes from the edge's ``highway`` value (OSM tag or source class), else from an
    existing ``road_class``. A ``source_speed_kph`` attribute (centre-line speed column)
    replaces the class speed; an OSM ``maxspeed`` lowers it. Unrecognised classes get
    ``road_class = "unclassified"``, ``class_unknown = True`` and the profile's default speed;
    a warning counts them. ``travel_time = length / speed_kph * 3.6`` (seconds; ``length`` in m).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph whose edges carry ``length`` (metres).
    profile : str, Path, SpeedProfile or None
        Speed profile (``None`` → setting ``speed_profile``).
    congestion_factor : float, optional
        Multiplier for every speed (``None`` → setting ``congestion_factor``).

    Returns
    -------
    SpeedSummary
    """
    prof = load_profile(profile)
    factor = _check_factor(resolve(congestion_factor, "congestion_factor"))
    summary = SpeedSummary()
    for _, _, data in G.edges(data=True):
        cls = _edge_class(data, prof, summary)
        speed = prof.edge_speed(
            cls,
            maxspeed=data.get("maxspeed"),
            source_speed_kph=_finite_or_none(data.get("source_speed_kph")),
            congestion_factor=factor,
        )
        data["road_class"] = cls or "unclassified"
        data["speed_kph"] = speed
        data["travel_time"] = float(data["length"]) / speed * 3.6
        summary.edges += 1
    _warn_unknown(summary, prof)
    return summary


def _check_factor(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFormatError(f"congestion_factor must be a number > 0, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise DataFormatError(f"congestion_factor must be > 0 (1.0 = profile speeds), got {value}")
    return float(value)


def _edge_class(data: dict[str, Any], prof: SpeedProfile, summary: SpeedSummary) -> str | None:
    if "highway" in data:
        cls = prof.classify(data["highway"])
    elif data.get("class_unknown") is True:  # a placeholder class written by a previous run
        cls = None
    else:
        cls = prof.classify(data.get("road_class"))
    known = cls is not None or _finite_or_none(data.get("source_speed_kph")) is not None
    data["class_unknown"] = not known
    if not known:
        summary.unknown_edges += 1
        summary.unknown_values[";".join(_values(data.get("highway"))) or "<no class>"] += 1
    return cls


def _finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _warn_unknown(summary: SpeedSummary, prof: SpeedProfile) -> None:
    if not summary.unknown_edges:
        return
    top = ", ".join(f"{v!r} x{n}" for v, n in summary.unknown_values.most_common(5))
    logger.warning(
        "%d of %d edges have an unrecognised road class (%s); they use the default %.0f km/h "
        "of profile %s",
        summary.unknown_edges,
        summary.edges,
        top,
        prof.default_kph,
        prof.name,
    )
