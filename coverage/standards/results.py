"""Result records of the standards check: :class:`StationCheck` and :class:`DistrictSummary`.

Private module; the public names are re-exported by :mod:`firecover.standards`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DistrictSummary", "StationCheck"]

_VERDICT_LABEL = {
    "pass": "达标 pass",
    "fail": "不达标 FAIL",
    "no_district": "无辖区 no district",
    "outside": "规划区外 outside the planning area",
}

_METHOD = (
    "stations_needed = ceil(area_km2 / limit_km2): the planners' working estimate (应建数), "
    "not an official formula"
)


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
    barriers_crossed : list of dict
        Each barrier the district crosses beyond the sliver thresholds or not: ``kind``,
        ``name`` (``""`` when the data has none), ``km2`` beyond it.
    has_district : bool
        The class holds a district (战勤保障 does not).
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
    barriers_crossed: list[dict[str, Any]] = field(default_factory=list)
    has_district: bool = True

    @property
    def verdict(self) -> str:
        """``"no_district"`` (战勤保障), ``"outside"`` (0 km² inside the planning area: listed
        apart), ``"fail"`` or ``"pass"``. Only ``fail`` makes a plan non-compliant."""
        if not self.has_district:
            return "no_district"
        if not self.compliant:
            return "fail"
        area = self.jurisdiction_km2
        if not math.isnan(area) and area <= 1e-6:
            return "outside"
        return "pass"

    @property
    def verdict_label(self) -> str:
        """The verdict as shown in reports (bilingual)."""
        return _VERDICT_LABEL[self.verdict]

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
            "verdict": self.verdict,
            "barriers_crossed": [dict(b) for b in self.barriers_crossed],
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
