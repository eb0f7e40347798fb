"""Popup tables of the HTML map: one list of (label, value) rows per feature."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

__all__ = ["Rows"]

_STATUS_ZH = {"existing": "现状 existing", "proposed": "规划 proposed"}


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _fmt(value: Any, spec: str = ".1f", unit: str = "") -> str:
    """Format a number for a popup; missing → "—", infinite → "unreachable 不可达"."""
    if _missing(value):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return html.escape(str(value)) or "—"
    if math.isnan(number):
        return "—"
    if math.isinf(number):
        return "unreachable 不可达"
    return f"{number:{spec}}{unit}"


def _yes_no(value: Any) -> str:
    if _missing(value):
        return "—"
    return "是 yes" if bool(value) else "<b style='color:#b71c1c'>否 no</b>"


Rows = list[tuple[str, str]]


def _text(value: Any) -> str:
    return "—" if _missing(value) else html.escape(str(value))


def _station_rows(row: Any) -> Rows:
    status = str(row["status"])
    return [
        ("消防站 station", f"<b>{_text(row['name'])}</b>"),
        ("类别 class", f"{_text(row['class_zh'])} ({_text(row['class_key'])})"),
        ("状态 status", _STATUS_ZH.get(status.lower(), html.escape(status))),
        ("年份 year", _fmt(row["year"], ".0f")),
        ("距道路 to road", _fmt(row["snap_m"], ".0f", " m")),
        ("位置 location", _location(row)),
    ]


def _location(row: Any) -> str:
    """ "近似 approximate ±300 m" for an approximate location, else "exact 精确"."""
    if not bool(row.get("approximate", False) or False):
        return "精确 as given"
    prec = row.get("precision_m")
    tail = "" if _missing(prec) else f" ±{float(prec):.0f} m"
    return f"<b>近似 approximate</b>{tail}"


def _jurisdiction_rows(row: Any, budget: str) -> Rows:
    return [
        ("辖区 jurisdiction", f"<b>{_text(row['station'])}</b>"),
        ("类别 class", _text(row["class_key"])),
        ("面积 area", _fmt(row["area_km2"], ".2f", " km²")),
        ("面积上限 limit", _fmt(row["limit_km2"], ".1f", " km²")),
        ("最远到达 max arrival", _fmt(row["max_arrival_min"], ".1f", " min")),
        (f"{budget}分钟可达 reached", _fmt(100 * float(row["reached_share"]), ".1f", " %")),
        ("达标 compliant", _yes_no(row["compliant"])),
        ("原因 reasons", _text(row["reasons"]) or "—"),
    ]


def _cell_rows(row: Any) -> Rows:
    return [
        ("网格 cell", _text(row["cell_id"])),
        ("最快到达 fastest", f"{_fmt(row['best_min'], '.1f', ' min')} ({_text(row['station'])})"),
        ("次快到达 second", _fmt(row["second_min"], ".1f", " min")),
        ("覆盖 covered", _yes_no(row["covered"])),
        ("风险 risk", _text(row["risk"])),
        ("权重 weight", _fmt(row["weight"], ".3g")),
        ("面积 area", _fmt(row["area_km2"], ".4f", " km²")),
        ("远离道路 far from road", _yes_no(row["far_from_road"])),
    ]


def _service_rows(row: Any) -> Rows:
    who = "全部 all stations" if str(row["station"]) == "(all)" else _text(row["station"])
    return [
        ("可达范围 service area", f"<b>{who}</b>"),
        ("响应时间 response", _fmt(row["minutes"], "g", " min")),
        ("行车时间 driving", _fmt(row["driving_min"], "g", " min")),
        ("面积 area", _fmt(row["area_km2"], ".2f", " km²")),
    ]


def _gap_rows(row: Any, budget: str) -> Rows:
    return [
        (f"{budget}分钟未覆盖 gap", f"not reached in {budget} min"),
        ("面积 area", _fmt(row["area_km2"], ".3f", " km²")),
    ]
