"""Station classes, district area limits and the standards check (GB 51080-2015, 建标152-2017).

Data plus pure functions on arrays: no geometry and no graph. Callers compute each station's
jurisdiction area, the farthest arrival time inside it and the share reached within the budget,
then call :func:`check_stations`; :func:`district_summary` gives the area-based station count
planners quote (应建数).

The facts live in a standards profile (``data/standards/gb51080_jianbiao152.toml`` by default;
see :func:`load_standards`). How this module reads the standards:

* **Area** (GB 51080-2015 §4.1.3-2/-3; 建标152-2017): 一级普通 ≤ 7 km², 二级普通 ≤ 4 km²,
  小型站 ≤ 2 km², 特勤 with a district like 一级 (7 km²), 战勤保障 no district. With
  ``urban_edge`` the cap is 15 km² for 一级, 二级 and 特勤 — the standards write it for
  "ordinary stations" (普通消防站; GB 51080-2015 has only 一级 and 二级) and size a 特勤 district
  like an ordinary one. It is **not** applied to 小型站, which 建标152-2017 intends for dense
  cores; a warning says so. A city's fire-risk assessment may set limits instead: ``overrides``
  by station name, then by class, win over both.
* **5 minutes** (GB 51080-2015 §4.1.3-1; 建标152-2017 = 1 min turnout + 4 min driving):
  ``max_arrival_min`` is minutes *from the dispatch order* (turnout included) to the farthest
  point of the jurisdiction and must not exceed the budget. When it is ``NaN`` the check falls
  back to ``reached_share`` (must be 1).
* **Small-station adjacency** (建标152-2017): a 小型站 district must adjoin a 一级, 二级 or 特勤
  district; checked when ``adjoins_full_station`` is given, otherwise a warning says it was not.
* **Barriers** (GB 51080-2015 §4.1.3-4, "should not" / 不宜): a district whose part beyond an
  expressway, trunk railway or large river is at least ``barrier_min_km2`` (0.1 km²) **and**
  ``barrier_min_share`` (2 %) of the district **fails** the station (issue 12: the rule is a
  check, not a note); the message names each barrier crossed (kind, and name where the data
  has one) and the area beyond it. Smaller parts are slivers of the cell grid and are ignored.
  The clause is advisory, so a run may say ``barrier_rule = "warn"`` (``barrier_is_failure=
  False``, or ``failure = false`` in a profile) to only warn.
* **Logistics** (战勤保障, GB 51080-2015 §4.1.3-3): no district. Callers should leave these
  stations out of jurisdiction assignment; if one is given an area anyway it is **noted, not
  failed** (the fault is in the assignment, and the area still needs an ordinary station), and
  the 5-minute and area rules are not applied to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from firecover._errors import DataFormatError, StationClassError
from firecover.settings import resolve
from firecover.standards.profile import (
    DEFAULT_PROFILE,
    Budget,
    Rule,
    Standards,
    StationClass,
    bundled_profiles,
    read_profile,
)
from firecover.standards.results import DistrictSummary, StationCheck
from firecover.standards.rules import (
    _TOL,
    BarrierCrossing,
    BarrierThresholds,
    BoolInput,
    FloatInput,
    _budget,
    _check_one,
    _flags,
    _floats,
    _limit,
    _names,
    _split_overrides,
    _Station,
    _validate_override_keys,
)

__all__ = [
    "DEFAULT_PROFILE",
    "Budget",
    "DistrictSummary",
    "Rule",
    "Standards",
    "StationCheck",
    "StationClass",
    "area_limit",
    "bundled_profiles",
    "check_stations",
    "district_summary",
    "implied_population",
    "load_standards",
    "station_class",
]


# --------------------------------------------------------------------------- profile and classes


def load_standards(profile: str | Path | None = None) -> Standards:
    """Load a standards profile.

    Parameters
    ----------
    profile : str, Path or None
        ``None`` for the default profile (``gb51080_jianbiao152``), the name of a bundled profile
        (see :func:`bundled_profiles`), or the path of a user ``.toml`` profile.

    Returns
    -------
    Standards
        The validated, read-only profile.

    Raises
    ------
    InputFileError
        If the file does not exist or cannot be read.
    DataFormatError
        If the file is not valid TOML or has a missing, unknown or mistyped key.
    """
    return read_profile(profile)


def _std(standards: Standards | None) -> Standards:
    return load_standards() if standards is None else standards


def station_class(name: str | StationClass, standards: Standards | None = None) -> StationClass:
    """Resolve a station class from its key, Chinese or English name, or an alias.

    Matching ignores case, whitespace, hyphens and underscores, and folds full-width characters
    (``"一级"``, ``"Level 1"``, ``"ＬＥＶＥＬ１"`` and ``"一级普通消防站"`` all give ``level1``).

    Parameters
    ----------
    name : str or StationClass
        The class name; a :class:`StationClass` is returned as is.
    standards : Standards, optional
        The profile; default :func:`load_standards`.

    Returns
    -------
    StationClass
        The class.

    Raises
    ------
    StationClassError
        If the name is unknown; the message lists the allowed classes.
    """
    if isinstance(name, StationClass):
        return name
    std = _std(standards)
    cls = std.lookup(name) if isinstance(name, str) else None
    if cls is None:
        raise StationClassError(
            f"unknown station class {name!r}; use one of: {std.allowed_names()} "
            "(or a Chinese/English alias)"
        )
    return cls


# --------------------------------------------------------------------------- area limits


def area_limit(
    cls: str | StationClass,
    *,
    urban_edge: bool = False,
    overrides: Mapping[str, float] | None = None,
    name: str | None = None,
    standards: Standards | None = None,
) -> float | None:
    """District area limit of a station class, km².

    Parameters
    ----------
    cls : str or StationClass
        Station class (any alias).
    urban_edge : bool, default False
        The station is at the edge of urban construction land or in a new area with a
        well-connected road system: 15 km² for classes whose profile entry has
        ``urban_edge = true`` (一级, 二级, 特勤); 小型站 keeps 2 km².
    overrides : mapping of str to float, optional
        Limits set by a fire-risk assessment (GB 51080-2015 §4.1.3-2), keyed by station name or
        by class (any alias). A station-name entry beats a class entry; both beat the standard
        and the urban-edge cap.
    name : str, optional
        The station's name, for name-keyed overrides.
    standards : Standards, optional
        The profile; default :func:`load_standards`.

    Returns
    -------
    float or None
        The limit in km², or ``None`` for a class without a district (战勤保障).

    Raises
    ------
    StationClassError
        If the class is unknown.
    DataFormatError
        If an override is not a positive number, gives one class two values, or targets a
        class without a district.

    Examples
    --------
    >>> area_limit("一级"), area_limit("二级", urban_edge=True), area_limit("小型站")
    (7.0, 15.0, 2.0)
    """
    std = _std(standards)
    klass = station_class(cls, std)
    return _limit(klass, name, urban_edge, _split_overrides(overrides, std), std)[0]


# --------------------------------------------------------------------------- the standards check


def check_stations(
    names: Sequence[str],
    classes: Sequence[str | StationClass],
    jurisdiction_km2: FloatInput,
    max_arrival_min: FloatInput | None,
    reached_share: FloatInput | None,
    *,
    budget_min: float | None = None,
    urban_edge: BoolInput | None = None,
    overrides: Mapping[str, float] | None = None,
    adjoins_full_station: Sequence[bool | None] | npt.NDArray[np.bool_] | None = None,
    straddled_barrier_km2: FloatInput | None = None,
    barrier_is_failure: bool | None = None,
    standards: Standards | None = None,
    barrier_crossings: Sequence[Sequence[Any]] | None = None,
    barrier_min_km2: float | None = None,
    barrier_min_share: float | None = None,
) -> list[StationCheck]:
    """Check each station against the area, 5-minute, adjacency and barrier rules.

    All per-station inputs are parallel sequences or arrays of length ``len(names)``; a scalar is
    used for every station. ``NaN`` (or ``None`` for a whole argument) means "not given": the
    rule is then not checked and a warning says so (the optional barrier input is simply
    skipped). See the module docstring for how each rule reads the standards.

    Parameters
    ----------
    names : sequence of str
        Unique station names.
    classes : sequence of str or StationClass
        Station class of each station (any alias, e.g. ``"一级"``, ``"小型站"``).
    jurisdiction_km2 : float or array_like
        Jurisdiction (district) area of each station, km².
    max_arrival_min : float or array_like or None
        Farthest arrival inside each district, minutes from the dispatch order (turnout
        included; ``inf`` for a district with unreachable parts).
    reached_share : float or array_like or None
        Share (0–1) of each district reached within the budget.
    budget_min : float, optional
        Response budget in minutes; default the profile's (1 + 4 = 5 min).
    urban_edge : bool or array_like of bool, optional
        Station at the urban edge or in a new area (15 km² cap for 一级/二级/特勤).
    overrides : mapping of str to float, optional
        Fire-risk-assessment limits (km²) by station name or class; they win. Every key must be
        a station name or a class.
    adjoins_full_station : sequence of bool or None, optional
        Whether each district adjoins a 一级, 二级 or 特勤 district (used for 小型站 only).
    straddled_barrier_km2 : float or array_like, optional
        Area of each district that lies beyond an expressway, trunk railway or large river
        from the station, km² (> 0 = straddles).
    barrier_is_failure : bool, optional
        Fail a straddling station (the barrier rule as a check) or only warn
        (``barrier_rule = "warn"``); default the profile's ``failure`` (true in the bundled
        profile).
    standards : Standards, optional
        The profile; default :func:`load_standards`.
    barrier_crossings : sequence of sequences, optional
        Per station, the barriers crossed: objects with ``kind``, ``name`` and ``km2``
        (:class:`firecover.analysis.barriers.Crossing`) or ``(kind, name, km2)`` tuples; the
        failure message names each one.
    barrier_min_km2, barrier_min_share : float, optional
        Slivers ignored by the barrier rule: the part beyond the barriers counts only when it
        is at least this many km² **and** this share of the district (settings
        ``barrier_min_km2`` 0.1, ``barrier_min_share`` 0.02).

    Returns
    -------
    list of StationCheck
        One result per station, in input order.

    Raises
    ------
    StationClassError
        If a class is unknown.
    DataFormatError
        If lengths differ, a name repeats, a value is negative (or a share above 1), or an
        override is invalid.
    """
    std = _std(standards)
    station_names = _names(names)
    n = len(station_names)
    cls_list = list(classes)
    if len(cls_list) != n:
        raise DataFormatError(f"classes has {len(cls_list)} values for {n} stations; give one each")
    _validate_override_keys(overrides, station_names, std)
    area = _floats(jurisdiction_km2, n, "jurisdiction_km2")
    arrival = _floats(max_arrival_min, n, "max_arrival_min")
    share = _floats(reached_share, n, "reached_share", hi=1.0)
    barrier = _floats(straddled_barrier_km2, n, "straddled_barrier_km2")
    edge = _flags(urban_edge, n, "urban_edge")
    adjoins = _flags(adjoins_full_station, n, "adjoins_full_station")
    split = _split_overrides(overrides, std)
    fail = std.barriers.failure if barrier_is_failure is None else bool(barrier_is_failure)
    budget = _budget(budget_min, std)
    thr = BarrierThresholds(
        _nonneg(resolve(barrier_min_km2, "barrier_min_km2"), "barrier_min_km2"),
        _nonneg(resolve(barrier_min_share, "barrier_min_share"), "barrier_min_share"),
    )
    crossings = _crossings(barrier_crossings, n)
    return [
        _check_one(
            _Station(
                name=station_names[i],
                cls=station_class(cls_list[i], std),
                area=float(area[i]),
                arrival=float(arrival[i]),
                share=float(share[i]),
                urban_edge=bool(edge[i]),
                adjoins=adjoins[i],
                barrier_km2=float(barrier[i]),
                crossings=crossings[i],
            ),
            budget,
            split,
            fail,
            std,
            thr,
        )
        for i in range(n)
    ]


def _nonneg(value: Any, what: str) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not (math.isfinite(value) and value >= 0):
        raise DataFormatError(f"{what} must be a number >= 0, not {value!r}; fix it")
    return float(value)


def _crossings(given: Sequence[Sequence[Any]] | None, n: int) -> list[tuple[BarrierCrossing, ...]]:
    if given is None:
        return [() for _ in range(n)]
    rows = list(given)
    if len(rows) != n:
        raise DataFormatError(f"barrier_crossings has {len(rows)} entries for {n} stations")
    out = []
    for row in rows:
        items = []
        for c in row or ():
            if isinstance(c, tuple | list):
                kind, name, km2 = c
            else:
                kind, name, km2 = c.kind, c.name, c.km2
            items.append(BarrierCrossing(str(kind), str(name or ""), float(km2)))
        out.append(tuple(items))
    return out


# --------------------------------------------------------------------------- district summary


def _positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not (math.isfinite(value) and value > 0):
        raise DataFormatError(f"{what} must be a positive number, not {value!r}; fix the input")
    return float(value)


def implied_population(stations: int, per_100k: float) -> float:
    """Population implied by a "stations per 100,000 people" indicator.

    Parameters
    ----------
    stations : int
        Number of stations the indicator counts.
    per_100k : float
        The indicator value.

    Returns
    -------
    float
        ``stations / per_100k * 100000`` persons.

    Examples
    --------
    Liangping (seed 004): 1 station at 0.16 per 100,000 people in 2020.

    >>> implied_population(1, 0.16)
    625000.0
    """
    return stations / _positive(per_100k, "per_100k") * 100_000.0


def district_summary(
    area_km2: float,
    covered_km2: float,
    classes: Sequence[str | StationClass],
    *,
    population: float | None = None,
    limit_for_count: str | StationClass = "level1",
    standards: Standards | None = None,
) -> DistrictSummary:
    """Summarise a district: coverage and the area-based station count (应建数).

    Parameters
    ----------
    area_km2 : float
        District area (urban construction land or built-up area), km².
    covered_km2 : float
        Area reached within the budget, km² (at most ``area_km2``).
    classes : sequence of str or StationClass
        Class of every existing station.
    population : float, optional
        Population, for stations per 100,000 people.
    limit_for_count : str or StationClass, default "level1"
        Class whose area limit divides the area (4 or 2 km² classes for core zones).
    standards : Standards, optional
        The profile; default :func:`load_standards`.

    Returns
    -------
    DistrictSummary
        The summary; ``stations_needed = ceil(area_km2 / limit)`` is the planners' working
        estimate, not an official formula.

    Raises
    ------
    DataFormatError
        If an area or the population is not positive, or covered exceeds the area.
    StationClassError
        If a class is unknown or ``limit_for_count`` has no district.

    Examples
    --------
    Liangping (seed 004): 30 km² built-up area with one station.

    >>> s = district_summary(30.0, 7.0, ["level1"])
    >>> s.stations_needed, s.shortfall
    (5, 4)
    """
    std = _std(standards)
    area = _positive(area_km2, "area_km2")
    covered = float(covered_km2)
    if not (math.isfinite(covered) and 0 <= covered <= area * (1 + 1e-9) + _TOL):
        raise DataFormatError(
            f"covered_km2 = {covered_km2!r} must lie in 0–{area:g}; fix the input"
        )
    covered = min(covered, area)
    limit_cls = station_class(limit_for_count, std)
    if limit_cls.area_limit_km2 is None:
        raise StationClassError(
            f"limit_for_count {limit_cls.key!r} has no district limit; use a class with one "
            "(e.g. level1)"
        )
    limit = limit_cls.area_limit_km2
    resolved = [station_class(c, std) for c in classes]
    by_class = {key: 0 for key in std.classes}
    for c in resolved:
        by_class[c.key] += 1
    counted_classes = [c.key for c in std.classes.values() if c.district]
    counted = sum(by_class[k] for k in counted_classes)
    needed = max(1, math.ceil(area / limit - _TOL))
    pop = None if population is None else _positive(population, "population")
    return DistrictSummary(
        area_km2=area,
        covered_km2=covered,
        covered_share=covered / area,
        uncovered_km2=area - covered,
        limit_class=limit_cls.key,
        limit_km2=limit,
        stations_needed=needed,
        stations_total=len(resolved),
        stations_counted=counted,
        counted_classes=counted_classes,
        by_class=by_class,
        shortfall=max(0, needed - counted),
        population=pop,
        stations_per_100k=None if pop is None else len(resolved) / pop * 100_000.0,
        clauses=list(limit_cls.clauses),
    )
