"""Machinery of the standards check: limits, input coercion and the per-station rules.

Private module behind :func:`firecover.standards.check_stations` and
:func:`firecover.standards.area_limit`; it reads a :class:`Standards` profile and never loads
one itself, so it does not import :mod:`firecover.standards`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from firecover._display import at_most, figure, pct
from firecover._errors import DataFormatError
from firecover.standards.profile import Standards, StationClass
from firecover.standards.results import StationCheck

#: Absolute tolerance when comparing areas (km²) and times (min) with their limits.
_TOL = 1e-9
#: A logistics station with more than this jurisdiction (km²) gets a note.
_AREA_EPS_KM2 = 1e-6
#: A reached share below ``1 - _SHARE_EPS`` counts as "not all reached".
_SHARE_EPS = 1e-6

FloatInput = float | Sequence[float] | npt.NDArray[np.floating[Any]]
BoolInput = bool | Sequence[bool | None] | npt.NDArray[np.bool_]


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
    """A figure without a limit (:func:`firecover._display.figure`): ``8.2``, ``7``, ``∞``."""
    return figure(x)


def _or_list(items: Sequence[str]) -> str:
    """``a, b or c``."""
    return items[0] if len(items) < 2 else f"{', '.join(items[:-1])} or {items[-1]}"


def _pct(share: float) -> str:
    """A reached share, rounded down (:func:`firecover._display.pct`): 99.6 % is "99%"."""
    return pct(share, tol=_SHARE_EPS)


#: Barrier kinds in Chinese for the messages.
_KIND_ZH = {"expressway": "快速路/高速公路", "railway": "铁路", "river": "河流", "barrier": "障碍"}


@dataclass(frozen=True)
class BarrierCrossing:
    """A barrier a district crosses (kind, name or ``""``, km² beyond it)."""

    kind: str
    name: str
    km2: float


@dataclass(frozen=True)
class BarrierThresholds:
    """Slivers ignored by the barrier rule: parts below ``min_km2`` or ``min_share``."""

    min_km2: float
    min_share: float


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
    crossings: tuple[BarrierCrossing, ...] = ()


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
            f"辖区面积 {at_most(st.area, limit)} km² 超过 {_fmt(limit)} km² "
            f"限值{_BASIS_ZH[basis]} / "
            f"district {at_most(st.area, limit)} km² exceeds the {_fmt(limit)} km²"
            f"{_BASIS_EN[basis]} limit"
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
        tail_zh = f"（{_fmt(budget)} 分钟内到达 {_pct(st.share)}）" if share_known else ""
        tail_en = f" ({_pct(st.share)} reached within {_fmt(budget)} min)" if share_known else ""
        msg = (
            f"辖区最远到达 {at_most(st.arrival, budget)} 分钟，超过 {_fmt(budget)} 分钟{tail_zh} / "
            f"farthest arrival {at_most(st.arrival, budget)} min exceeds {_fmt(budget)} min"
            f"{tail_en}"
        )
        if ok and share_known and st.share < 1 - _SHARE_EPS:
            out.warnings.append(
                f"最远到达在限时内但到达比例仅 {_pct(st.share)}，请核对输入 / farthest arrival is "
                f"within the budget but only {_pct(st.share)} is reached; check the inputs"
            )
    else:
        ok = st.share >= 1 - _SHARE_EPS
        msg = (
            f"{_fmt(budget)} 分钟内仅到达辖区 {_pct(st.share)} / "
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


def _crossing_text(c: BarrierCrossing) -> tuple[str, str]:
    zh = _KIND_ZH.get(c.kind, c.kind)
    name = f"「{c.name}」" if c.name else ""
    return (
        f"{zh}{name} {_fmt(c.km2)} km²",
        f"{c.kind}{' ' + c.name if c.name else ''} {_fmt(c.km2)} km²",
    )


def _check_barrier(st: _Station, std: Standards, fail: bool, thr: BarrierThresholds,
                   out: _Findings) -> None:  # fmt: skip
    """GB 51080-2015 §4.1.3-4: a district should not cross expressways, railways, rivers.

    The part beyond the barriers counts when it is at least ``thr.min_km2`` and at least
    ``thr.min_share`` of the district (smaller parts are slivers of the cell grid); the
    station then fails (``fail``) or gets a warning (``barrier_rule = "warn"``).
    """
    if not st.cls.district or math.isnan(st.barrier_km2):
        return
    out.cite(std.barriers.clauses)
    beyond = st.barrier_km2
    share = min(1.0, beyond / st.area) if st.area > 0 and math.isfinite(st.area) else 1.0
    counts = beyond > _AREA_EPS_KM2 and beyond >= thr.min_km2 and share >= thr.min_share
    out.checks["barrier"] = not counts
    if not counts:
        return
    crossed = st.crossings or (BarrierCrossing("barrier", "", beyond),)
    zh = "、".join(_crossing_text(c)[0] for c in crossed)
    en = "; ".join(_crossing_text(c)[1] for c in crossed)
    msg = (
        f"辖区跨越{zh}（共 {_fmt(beyond)} km²、{pct(share, 1.0)} 在障碍另一侧），宜缩小辖区 / "
        f"district crosses {en} ({_fmt(beyond)} km² beyond the barrier); reduce it"
    )
    (out.reasons if fail else out.warnings).append(msg)


def _check_one(
    st: _Station,
    budget: float,
    split: tuple[dict[str, float], dict[str, float]],
    barrier_fail: bool,
    std: Standards,
    thresholds: BarrierThresholds | None = None,
) -> StationCheck:
    limit, basis = _limit(st.cls, st.name, st.urban_edge, split, std)
    out = _Findings()
    _check_area(st, limit, basis, std, out)
    _check_time(st, budget, std, out)
    _check_adjacency(st, std, out)
    thr = thresholds or BarrierThresholds(0.0, 0.0)
    _check_barrier(st, std, barrier_fail, thr, out)
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
        barriers_crossed=[
            {"kind": c.kind, "name": c.name, "km2": float(c.km2)} for c in st.crossings
        ],
        has_district=st.cls.district,
    )


def _budget(budget_min: float | None, std: Standards) -> float:
    if budget_min is None:
        return std.budget.response_min
    if not (math.isfinite(budget_min) and budget_min > 0):
        raise DataFormatError(
            f"budget_min must be a positive number of minutes, not {budget_min!r}; fix it"
        )
    return float(budget_min)
