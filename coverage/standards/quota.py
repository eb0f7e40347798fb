"""Station quota and shortfall (应建数, 缺建数, 缺建率) from built-up areas, without a road network.

Planners size a city's station count from its built-up area (urban construction land): every
station's district is limited by its class (建标152-2017: 一级 7 km², 二级 4 km², 小型站 2 km²;
GB 51080-2015 §4.1.3-2: 15 km² for an ordinary station at the urban edge or in a new area), so a
zone of ``A`` km² whose stations are of a class with limit ``L`` needs at least::

    应建数 required  = ceil(A / L)          (at least 1 for a zone with any area)
    缺建数 shortfall = max(0, 应建 − 已建)
    缺建率 rate      = 缺建 ÷ 应建

No official formula exists (``shared/reference/standards.md``: "the working estimate planners use
is urban construction land ÷ 7 km²"); reports say so. A zone may instead give its 应建数 directly
(for instance from a city fire plan, as Fuxin's shortfall rate is measured against its 2012 plan).
In the total, 缺建 is the **sum of the zones' shortfalls**: a surplus of stations in one zone does
not fill another zone's gap (the net figure is reported beside it).

Pure functions on numbers: the polygon-layer adapter that measures areas and counts stations per
zone is :mod:`firecover.plan.quota_files`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from firecover._errors import DataFormatError
from firecover.standards.check import area_limit, load_standards, station_class
from firecover.standards.profile import Standards

__all__ = [
    "QuotaReport",
    "QuotaZone",
    "ZoneQuota",
    "compute_quota",
    "consistent_required",
    "quota_rule",
]

#: Tolerance so that 14.0 / 7.0 is 2, not 3, after floating-point area sums.
_TOL = 1e-9

#: Class words that mean "an ordinary (一级) station at the urban edge / in a new area" (15 km²).
EDGE_WORDS = frozenset({"edge", "urban_edge", "urban edge", "边缘", "城市边缘", "新区", "边缘地区"})


@dataclass(frozen=True)
class QuotaZone:
    """One zone of built-up area (input).

    Attributes
    ----------
    name : str
        Zone name (a district, a new area, the whole city).
    area_km2 : float or None
        Built-up area, km²; ``None`` when ``required`` is given instead.
    class_name : str
        Class whose district limit sizes the zone (一级 / 二级 / 小型站 / 特勤, any alias, or
        ``"edge"`` for 一级 at the urban edge, 15 km²).
    existing : int
        Stations in service in the zone (已建) that serve a district.
    urban_edge : bool
        Use the 15 km² urban-edge / new-area cap (GB 51080-2015 §4.1.3-2).
    required : int or None
        A given 应建数 (e.g. from a city fire plan); wins over the area rule.
    source : str or None
        Where the figures come from.
    """

    name: str
    area_km2: float | None
    class_name: str = "level1"
    existing: int = 0
    urban_edge: bool = False
    required: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class ZoneQuota:
    """The quota of one zone (or of the total).

    Attributes
    ----------
    name : str
    area_km2 : float or None
    class_key : str or None
        Canonical class of the limit (``None`` for the total).
    limit_km2 : float or None
        The district limit used (``None`` when 应建数 was given or for the total).
    basis : str
        ``"area"`` (ceil(area / limit)), ``"given"`` or ``"total"``.
    required, existing, shortfall : int
        应建数, 已建, 缺建数.
    rate : float
        缺建率 = shortfall ÷ required (0–1).
    surplus : int
        Stations beyond the quota (已建 − 应建 when positive).
    source : str or None
    """

    name: str
    area_km2: float | None
    class_key: str | None
    limit_km2: float | None
    basis: str
    required: int
    existing: int
    shortfall: int
    rate: float
    surplus: int
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (English keys, the Chinese terms in ``quota_rule``)."""
        return {
            "name": self.name,
            "area_km2": self.area_km2,
            "class": self.class_key,
            "limit_km2": self.limit_km2,
            "basis": self.basis,
            "required": self.required,
            "existing": self.existing,
            "shortfall": self.shortfall,
            "shortfall_rate": round(self.rate, 6),
            "surplus": self.surplus,
            "source": self.source,
        }


@dataclass(frozen=True)
class QuotaReport:
    """Per-zone quotas and the total.

    Attributes
    ----------
    zones : tuple of ZoneQuota
    total : ZoneQuota
        Sums over the zones; ``shortfall`` is the sum of the zones' shortfalls.
    net_shortfall : int
        ``max(0, total required − total existing)`` (surpluses offset gaps), for comparison.
    rule : str
        The rule applied, bilingual.
    clauses : tuple of str
    """

    zones: tuple[ZoneQuota, ...]
    total: ZoneQuota
    net_shortfall: int
    rule: str
    clauses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report: ``zones``, ``total``, ``net_shortfall``, ``rule``, ``clauses``."""
        return {
            "zones": [z.to_dict() for z in self.zones],
            "total": self.total.to_dict(),
            "net_shortfall": self.net_shortfall,
            "rule": self.rule,
            "clauses": list(self.clauses),
            "method_note": "应建数 from area is the planners' working estimate, not an official "
            "formula (no national formula was found)",
        }


def quota_rule() -> str:
    """The rule as printed in reports (bilingual, one line)."""
    return (
        "应建数 = ceil(建成区面积 ÷ 辖区面积上限) (一级 7 / 二级 4 / 小型 2 / 边缘 15 km²); "
        "缺建数 = max(0, 应建 − 已建); 缺建率 = 缺建 ÷ 应建 — required = ceil(built-up area ÷ "
        "class district limit); shortfall = max(0, required − existing); rate = shortfall ÷ "
        "required; the total sums the zones' shortfalls"
    )


def _limit(zone: QuotaZone, std: Standards) -> tuple[str, float, bool]:
    word = zone.class_name.strip().lower()
    edge = zone.urban_edge or word in EDGE_WORDS
    cls = station_class("level1" if word in EDGE_WORDS else zone.class_name, std)
    limit = area_limit(cls, urban_edge=edge, standards=std)
    if limit is None:
        raise DataFormatError(
            f"zone {zone.name!r}: class {cls.key} has no district, so it cannot size a quota; "
            "use 一级, 二级, 小型站, 特勤 or edge"
        )
    return cls.key, float(limit), edge


def _zone(zone: QuotaZone, std: Standards) -> ZoneQuota:
    if isinstance(zone.existing, bool) or int(zone.existing) != zone.existing or zone.existing < 0:
        raise DataFormatError(
            f"zone {zone.name!r}: existing = {zone.existing!r} must be a whole number ≥ 0"
        )
    key, limit, _ = _limit(zone, std)
    if zone.required is not None:
        if isinstance(zone.required, bool) or int(zone.required) != zone.required:
            raise DataFormatError(f"zone {zone.name!r}: required must be a whole number")
        required, basis = int(zone.required), "given"
        if required < 1:
            raise DataFormatError(f"zone {zone.name!r}: required = {required} must be ≥ 1")
    else:
        a = zone.area_km2
        if a is None or isinstance(a, bool) or not (math.isfinite(a) and a > 0):
            raise DataFormatError(
                f"zone {zone.name!r}: built-up area {a!r} km² must be a positive number; "
                "give area_km2 (or required = the 应建数 of a plan)"
            )
        required, basis = max(1, math.ceil(a / limit - _TOL)), "area"
    existing = int(zone.existing)
    short = max(0, required - existing)
    return ZoneQuota(
        name=zone.name,
        area_km2=None if zone.area_km2 is None else float(zone.area_km2),
        class_key=key,
        limit_km2=limit if basis == "area" else None,
        basis=basis,
        required=required,
        existing=existing,
        shortfall=short,
        rate=short / required,
        surplus=max(0, existing - required),
        source=zone.source,
    )


def compute_quota(zones: Sequence[QuotaZone], *, standards: Standards | None = None) -> QuotaReport:
    """应建数, 已建, 缺建数 and 缺建率 per zone and in total.

    Parameters
    ----------
    zones : sequence of QuotaZone
        At least one zone; names must be unique.
    standards : Standards, optional
        The profile for the class limits (default GB 51080-2015 / 建标152-2017).

    Returns
    -------
    QuotaReport

    Raises
    ------
    DataFormatError
        No zone, a repeated name, a non-positive area without a given quota, a negative or
        fractional count, or a class without a district (战勤保障).
    StationClassError
        An unknown class.

    Examples
    --------
    Liangping (seed 004): 30 km² built-up area with one station.

    >>> r = compute_quota([QuotaZone("梁平", 30.0, "一级", existing=1)])
    >>> r.total.required, r.total.existing, r.total.shortfall, round(r.total.rate, 2)
    (5, 1, 4, 0.8)
    """
    if not zones:
        raise DataFormatError("no zones given; give --area-km2 (or a zones file)")
    names = [z.name for z in zones]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataFormatError(f"zone names repeat: {', '.join(dup)}; give each zone its own name")
    std = load_standards() if standards is None else standards
    rows = tuple(_zone(z, std) for z in zones)
    req = sum(r.required for r in rows)
    ex = sum(r.existing for r in rows)
    short = sum(r.shortfall for r in rows)
    areas = [r.area_km2 for r in rows]
    total = ZoneQuota(
        name="合计 total",
        area_km2=None if any(a is None for a in areas) else float(sum(a for a in areas if a)),
        class_key=None,
        limit_km2=None,
        basis="total",
        required=req,
        existing=ex,
        shortfall=short,
        rate=short / req,
        surplus=sum(r.surplus for r in rows),
    )
    clauses = ("建标152-2017", "GB 51080-2015 §4.1.3-2")
    return QuotaReport(rows, total, max(0, req - ex), quota_rule(), clauses)


def consistent_required(
    rate_percent: float, existing: int, *, decimals: int = 0, max_required: int = 1000
) -> list[int]:
    """The whole 应建数 values that give a reported 缺建率 with ``existing`` stations built.

    A plan that quotes only a rounded rate (Fuxin: 43 %) and a station count pins the quota it
    measured against down to a few values — or to none, which shows the rate and the count do not
    refer to the same base.

    Parameters
    ----------
    rate_percent : float
        The reported rate, percent (0–100).
    existing : int
        Stations built (已建).
    decimals : int, default 0
        Decimals the rate was rounded to.
    max_required : int, default 1000
        Largest quota searched.

    Returns
    -------
    list of int
        Every ``N ≥ existing`` with ``round(100 (N − existing) / N, decimals) == rate_percent``
        (half-up rounding), ascending.

    Examples
    --------
    >>> consistent_required(80, 1)
    [5]
    >>> consistent_required(43, 14)
    []
    >>> consistent_required(43, 13)
    [23]
    """
    if not (math.isfinite(rate_percent) and 0 <= rate_percent < 100):
        raise DataFormatError(f"rate {rate_percent!r} % must lie in 0–100; fix the input")
    if existing < 0:
        raise DataFormatError(f"existing = {existing} must be ≥ 0")
    scale = 10**decimals
    target = round(rate_percent * scale)
    out = []
    for n in range(max(1, existing), max_required + 1):
        value = 100.0 * (n - existing) / n * scale
        if math.floor(value + 0.5 + 1e-9) == target:
            out.append(n)
    return out
