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
* **Barriers** (GB 51080-2015 §4.1.3-4, "should not" / 不宜): a district straddling an
  expressway, trunk railway or large river is a **warning**, not a failure, because the clause is
  advisory and asks for a smaller district rather than forbidding one; pass
  ``barrier_is_failure=True`` (or set ``failure = true`` in a profile) for a strict reading.
* **Logistics** (战勤保障, GB 51080-2015 §4.1.3-3): no district. Callers should leave these
  stations out of jurisdiction assignment; if one is given an area anyway it is **noted, not
  failed** (the fault is in the assignment, and the area still needs an ordinary station), and
  the 5-minute and area rules are not applied to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import DataFormatError, StationClassError
from ._standards_data import (
    DEFAULT_PROFILE,
    Budget,
    Rule,
    Standards,
    StationClass,
    bundled_profiles,
    read_profile,
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

#: Absolute tolerance when comparing areas (km²) and times (min) with their limits.
_TOL = 1e-9
#: A logistics station with more than this jurisdiction (km²) gets a note.
_AREA_EPS_KM2 = 1e-6
#: A reached share below ``1 - _SHARE_EPS`` counts as "not all reached".
_SHARE_EPS = 1e-6

_METHOD = (
    "stations_needed = ceil(area_km2 / limit_km2): the planners' working estimate (应建数), "
    "not an official formula"
)

FloatInput = float | Sequence[float] | npt.NDArray[np.floating[Any]]
BoolInput = bool | Sequence[bool | None] | npt.NDArray[np.bool_]


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


def _override_value(key: str, value: Any) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not (math.isfinite(value) and value > 0):
        raise DataFormatError(
            f"area-limit override {key!r} = {value!r} is not a positive number of km²; fix it"
        )
    return float(value)


def _split_overrides(
    overrides: Mapping[str, float] | None, std: Standards
) -> tuple[dict[str, float], dict[str, float]]:
    """Return (by station name, by class key); a class-like key is also kept as a name."""
    by_name: dict[str, float] = {}
    by_class: dict[str, float] = {}
    for key, raw in (overrides or {}).items():
        value = _override_value(key, raw)
        by_name[key.strip()] = value
        cls = std.lookup(key)
        if cls is None:
            continue
        if by_class.get(cls.key, value) != value:
            raise DataFormatError(
                f"area-limit overrides give class {cls.key!r} two values "
                f"({by_class[cls.key]} and {value}); keep one"
            )
        by_class[cls.key] = value
    return by_name, by_class


def _limit(
    cls: StationClass,
    name: str | None,
    urban_edge: bool,
    split: tuple[dict[str, float], dict[str, float]],
    std: Standards,
) -> tuple[float | None, str]:
    """Return the limit (km²) and its basis: ``standard``, ``urban_edge`` or ``override``."""
    by_name, by_class = split
    value = by_name.get(name.strip()) if name is not None else None
    if value is None:
        value = by_class.get(cls.key)
    if value is not None:
        if not cls.district:
            raise DataFormatError(
                f"area-limit override for {name or cls.key!r}: a {cls.zh_short} ({cls.key}) "
                "station has no district; remove the override"
            )
        return value, "override"
    if urban_edge and cls.urban_edge:
        return std.urban_edge.limit_km2, "urban_edge"
    return cls.area_limit_km2, "standard"


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


# --------------------------------------------------------------------------- results


def _json_float(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True)
class StationCheck:
    """The standards check of one station.

    Attributes
    ----------
    name : str
        Station name.
    class_key, class_zh, class_en : str
        Canonical class key and its Chinese (formal) and English names.
    limit_km2 : float or None
        The district area limit applied (``None`` for 战勤保障).
    limit_basis : str
        ``"standard"``, ``"urban_edge"`` or ``"override"`` (fire-risk assessment).
    jurisdiction_km2 : float
        District area given by the caller (``NaN`` = not given).
    max_arrival_min : float
        Farthest arrival in the district, minutes from the dispatch order (``NaN`` = not given).
    reached_share : float
        Share of the district reached within the budget, 0–1 (``NaN`` = not given).
    budget_min : float
        The response budget checked against, minutes.
    compliant : bool
        ``True`` when no rule failed (warnings do not fail a station).
    checks : dict of str to bool or None
        Outcome per rule: ``area``, ``five_minute``, ``adjacency``, ``barrier``; ``None`` = not
        applicable or not checked.
    reasons : list of str
        Bilingual reasons for each failed rule.
    warnings : list of str
        Bilingual notes that do not fail the station (barrier straddle, rules not checked,
        logistics station given an area, urban-edge cap not applying to a small station).
    clauses : list of str
        Clauses behind the rules applied to this station.
    """

    name: str
    class_key: str
    class_zh: str
    class_en: str
    limit_km2: float | None
    limit_basis: str
    jurisdiction_km2: float
    max_arrival_min: float
    reached_share: float
    budget_min: float
    compliant: bool
    checks: dict[str, bool | None]
    reasons: list[str]
    warnings: list[str]
    clauses: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary with stable snake_case keys (NaN and inf → None)."""
        return {
            "name": self.name,
            "class_key": self.class_key,
            "class_zh": self.class_zh,
            "class_en": self.class_en,
            "limit_km2": _json_float(self.limit_km2),
            "limit_basis": self.limit_basis,
            "jurisdiction_km2": _json_float(self.jurisdiction_km2),
            "max_arrival_min": _json_float(self.max_arrival_min),
            "reached_share": _json_float(self.reached_share),
            "budget_min": _json_float(self.budget_min),
            "compliant": self.compliant,
            "checks": dict(self.checks),
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "clauses": list(self.clauses),
        }


@dataclass(frozen=True)
class DistrictSummary:
    """Area-based summary of a district (urban construction land or built-up area).

    Attributes
    ----------
    area_km2, covered_km2, uncovered_km2 : float
        Total area, area reached within the budget, and the rest, km².
    covered_share : float
        ``covered_km2 / area_km2``.
    limit_class : str
        Class key whose limit sets the count (default ``level1``).
    limit_km2 : float
        That limit, km².
    stations_needed : int
        ``ceil(area_km2 / limit_km2)``: the planners' working estimate (应建数); no official
        formula exists.
    stations_total : int
        Every station listed, logistics included.
    stations_counted : int
        Stations with a district (logistics stations excluded): what ``stations_needed`` is
        compared with.
    counted_classes : list of str
        Class keys that count (those with a district).
    by_class : dict of str to int
        Listed stations per class key.
    shortfall : int
        ``max(0, stations_needed - stations_counted)``.
    population : float or None
        Population given, persons.
    stations_per_100k : float or None
        ``stations_total / population * 100000`` (all stations, as plan indicators such as
        Liangping's 十万人拥有消防救援站 count them).
    clauses : list of str
        Clauses behind the limit used.
    method : str
        How ``stations_needed`` is computed, for reports.
    """

    area_km2: float
    covered_km2: float
    covered_share: float
    uncovered_km2: float
    limit_class: str
    limit_km2: float
    stations_needed: int
    stations_total: int
    stations_counted: int
    counted_classes: list[str]
    by_class: dict[str, int]
    shortfall: int
    population: float | None
    stations_per_100k: float | None
    clauses: list[str] = field(default_factory=list)
    method: str = _METHOD

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary with stable snake_case keys."""
        return {
            "area_km2": self.area_km2,
            "covered_km2": self.covered_km2,
            "covered_share": self.covered_share,
            "uncovered_km2": self.uncovered_km2,
            "limit_class": self.limit_class,
            "limit_km2": self.limit_km2,
            "stations_needed": self.stations_needed,
            "stations_total": self.stations_total,
            "stations_counted": self.stations_counted,
            "counted_classes": list(self.counted_classes),
            "by_class": dict(self.by_class),
            "shortfall": self.shortfall,
            "population": _json_float(self.population),
            "stations_per_100k": _json_float(self.stations_per_100k),
            "clauses": list(self.clauses),
            "method": self.method,
        }


# --------------------------------------------------------------------------- input coercion


def _floats(
    values: FloatInput | None, n: int, what: str, *, hi: float = math.inf
) -> npt.NDArray[np.float64]:
    """Per-station floats (scalar broadcast; ``None`` → all NaN); negatives or > ``hi`` refused."""
    if values is None:
        return np.full(n, np.nan)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{what} must hold numbers; fix the input") from exc
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.shape != (n,):
        raise DataFormatError(
            f"{what} has shape {arr.shape} for {n} stations; give one number or one per station"
        )
    bad = ~np.isnan(arr) & ((arr < 0) | (arr > hi))
    if bad.any():
        raise DataFormatError(
            f"{what} has a value outside 0–{hi:g}: {arr[bad][0]!r}; fix the input"
        )
    return arr


def _flags(values: BoolInput | None, n: int, what: str) -> list[bool | None]:
    """Per-station flags (scalar broadcast); ``None`` entries mean "not known"."""
    if values is None or isinstance(values, bool | np.bool_):
        return [None if values is None else bool(values)] * n
    items = list(values)
    if len(items) != n:
        raise DataFormatError(f"{what} has {len(items)} values for {n} stations; give one each")
    if not all(v is None or isinstance(v, bool | np.bool_) for v in items):
        raise DataFormatError(f"{what} must hold true/false (or None = unknown); fix the input")
    return [None if v is None else bool(v) for v in items]


def _names(names: Sequence[str]) -> list[str]:
    out = [str(x) for x in names]
    seen: set[str] = set()
    for name in out:
        if name in seen:
            raise DataFormatError(
                f"duplicate station name {name!r}; give every station a unique name"
            )
        seen.add(name)
    return out


def _validate_override_keys(
    overrides: Mapping[str, float] | None, names: Sequence[str], std: Standards
) -> None:
    known = {n.strip() for n in names}
    for key in overrides or {}:
        if key.strip() not in known and std.lookup(key) is None:
            raise DataFormatError(
                f"area-limit override key {key!r} is neither a station name nor a class; "
                f"use a station name or one of: {std.allowed_names()}"
            )


# --------------------------------------------------------------------------- the per-station check


def _fmt(x: float) -> str:
    """Short number: ``8.2``, ``7``, ``5.25``; ``∞`` for infinity."""
    if math.isinf(x):
        return "∞"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _or_list(items: Sequence[str]) -> str:
    """``a, b or c``."""
    return items[0] if len(items) < 2 else f"{', '.join(items[:-1])} or {items[-1]}"


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


@dataclass
class _Station:
    name: str
    cls: StationClass
    area: float
    arrival: float
    share: float
    urban_edge: bool
    adjoins: bool | None
    barrier_km2: float


@dataclass
class _Findings:
    checks: dict[str, bool | None] = field(
        default_factory=lambda: dict.fromkeys(("area", "five_minute", "adjacency", "barrier"))
    )
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)

    def cite(self, clauses: Sequence[str]) -> None:
        self.clauses.extend(c for c in clauses if c not in self.clauses)


_BASIS_ZH = {"urban_edge": "（城市边缘/新区）", "override": "（火灾风险评估）", "standard": ""}
_BASIS_EN = {"urban_edge": " urban-edge", "override": " risk-assessment", "standard": ""}


def _check_area(
    st: _Station, limit: float | None, basis: str, std: Standards, out: _Findings
) -> None:
    cls = st.cls
    if not cls.district:
        if st.area > _AREA_EPS_KM2:
            out.warnings.append(
                f"{cls.zh_short}不设辖区，所给 {_fmt(st.area)} km² 应划归其他站 / "
                f"a {cls.en} has no district; reassign its {_fmt(st.area)} km²"
            )
            out.cite(cls.clauses)
        return
    if limit is None or math.isnan(st.area):
        out.warnings.append("未提供辖区面积，未检查面积 / no district area given; area not checked")
        return
    out.cite(cls.clauses)
    extra = {"urban_edge": std.urban_edge.clauses, "override": std.risk_assessment.clauses}
    out.cite(extra.get(basis, ()))
    out.checks["area"] = st.area <= limit + _TOL
    if not out.checks["area"]:
        out.reasons.append(
            f"辖区面积 {_fmt(st.area)} km² 超过 {_fmt(limit)} km² 限值{_BASIS_ZH[basis]} / "
            f"district {_fmt(st.area)} km² exceeds the {_fmt(limit)} km²{_BASIS_EN[basis]} limit"
        )
    if st.urban_edge and not cls.urban_edge and basis == "standard":
        edge = _fmt(std.urban_edge.limit_km2 or math.nan)
        out.warnings.append(
            f"{edge} km² 城市边缘限值不适用于{cls.zh_short} / "
            f"the {edge} km² urban-edge limit does not apply to a {cls.en}"
        )


def _check_time(st: _Station, budget: float, std: Standards, out: _Findings) -> None:
    if not st.cls.district:
        return
    share_known = not math.isnan(st.share)
    if math.isnan(st.arrival) and not share_known:
        out.warnings.append(
            "未提供到达时间，未检查 5 分钟规则 / no arrival time given; 5-minute rule not checked"
        )
        return
    out.cite(std.budget.clauses)
    if not math.isnan(st.arrival):
        ok = st.arrival <= budget + _TOL
        tail_zh = f"（{_fmt(budget)} min 内到达 {_pct(st.share)}）" if share_known else ""
        tail_en = f" ({_pct(st.share)} reached within {_fmt(budget)} min)" if share_known else ""
        msg = (
            f"辖区最远到达 {_fmt(st.arrival)} min 超过 {_fmt(budget)} min{tail_zh} / "
            f"farthest arrival {_fmt(st.arrival)} min exceeds {_fmt(budget)} min{tail_en}"
        )
        if ok and share_known and st.share < 1 - _SHARE_EPS:
            out.warnings.append(
                f"最远到达在限时内但到达比例仅 {_pct(st.share)}，请核对输入 / farthest arrival is "
                f"within the budget but only {_pct(st.share)} is reached; check the inputs"
            )
    else:
        ok = st.share >= 1 - _SHARE_EPS
        msg = (
            f"{_fmt(budget)} min 内仅到达辖区 {_pct(st.share)} / "
            f"only {_pct(st.share)} of the district is reached within {_fmt(budget)} min"
        )
    out.checks["five_minute"] = ok
    if not ok:
        out.reasons.append(msg)


def _check_adjacency(st: _Station, std: Standards, out: _Findings) -> None:
    if not st.cls.needs_full_neighbour:
        return
    full = [c for c in std.classes.values() if c.counts_as_full]
    names_zh = "、".join(c.zh_short for c in full)
    names_en = "/".join(c.key for c in full)
    if st.adjoins is None:
        out.warnings.append(
            f"未提供相邻关系，未检查{st.cls.zh_short}相邻规则 / adjacency not given; "
            f"the {st.cls.en} adjacency rule was not checked"
        )
        return
    out.cite(std.adjacency.clauses)
    out.checks["adjacency"] = st.adjoins
    if not st.adjoins:
        out.reasons.append(
            f"{st.cls.zh_short}辖区未与{names_zh}辖区相邻 / "
            f"{st.cls.en} district adjoins no {names_en} district"
        )


def _check_barrier(st: _Station, std: Standards, fail: bool, out: _Findings) -> None:
    if not st.cls.district or math.isnan(st.barrier_km2):
        return
    out.cite(std.barriers.clauses)
    ok = st.barrier_km2 <= _AREA_EPS_KM2
    out.checks["barrier"] = ok
    if ok:
        return
    kinds_zh = "、".join(std.barriers.kinds_zh)
    kinds_en = _or_list(std.barriers.kinds_en)
    msg = (
        f"辖区跨越{kinds_zh}等（{_fmt(st.barrier_km2)} km² 在障碍另一侧），宜缩小辖区 / "
        f"district crosses {kinds_en} ({_fmt(st.barrier_km2)} km² beyond the barrier); "
        "reduce it"
    )
    (out.reasons if fail else out.warnings).append(msg)


def _check_one(
    st: _Station,
    budget: float,
    split: tuple[dict[str, float], dict[str, float]],
    barrier_fail: bool,
    std: Standards,
) -> StationCheck:
    limit, basis = _limit(st.cls, st.name, st.urban_edge, split, std)
    out = _Findings()
    _check_area(st, limit, basis, std, out)
    _check_time(st, budget, std, out)
    _check_adjacency(st, std, out)
    _check_barrier(st, std, barrier_fail, out)
    return StationCheck(
        name=st.name,
        class_key=st.cls.key,
        class_zh=st.cls.zh,
        class_en=st.cls.en,
        limit_km2=limit,
        limit_basis=basis if st.cls.district else "none",
        jurisdiction_km2=float(st.area),
        max_arrival_min=float(st.arrival),
        reached_share=float(st.share),
        budget_min=budget,
        compliant=not out.reasons,
        checks=out.checks,
        reasons=out.reasons,
        warnings=out.warnings,
        clauses=out.clauses,
    )


def _budget(budget_min: float | None, std: Standards) -> float:
    if budget_min is None:
        return std.budget.response_min
    if not (math.isfinite(budget_min) and budget_min > 0):
        raise DataFormatError(
            f"budget_min must be a positive number of minutes, not {budget_min!r}; fix it"
        )
    return float(budget_min)


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
        Fail a straddling station instead of warning; default the profile's ``failure`` (false).
    standards : Standards, optional
        The profile; default :func:`load_standards`.

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
            ),
            budget,
            split,
            fail,
            std,
        )
        for i in range(n)
    ]


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
