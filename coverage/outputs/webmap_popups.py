"""Popup tables of the HTML map: one list of (label, value) rows per feature, in the run's
language (labels and value words from ``data/glossary.toml``)."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from firecover.outputs.glossary import Glossary
from firecover.outputs.labels import risk_label

__all__ = ["Rows"]


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _fmt(value: Any, spec: str = ".1f", unit: str = "", g: Glossary | None = None) -> str:
    """Format a number for a popup; missing → "—", infinite → "不可达" (``g``'s language)."""
    if _missing(value):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return html.escape(str(value)) or "—"
    if math.isnan(number):
        return "—"
    if math.isinf(number):
        return (g or Glossary("both"))("wm_unreachable")
    return f"{number:{spec}}{unit}"


def _minutes(value: Any, spec: str, g: Glossary) -> str:
    text = _fmt(value, spec, g=g)
    if _missing(value) or not math.isfinite(float(value)):
        return text
    return g("wm_min", v=text)


def _yes_no(value: Any, g: Glossary) -> str:
    if _missing(value):
        return "—"
    return g("yes") if bool(value) else f"<b style='color:#b71c1c'>{g('no')}</b>"


Rows = list[tuple[str, str]]


def _text(value: Any) -> str:
    return "—" if _missing(value) else html.escape(str(value))


def _status(value: Any, g: Glossary) -> str:
    key = str(value).lower()
    return g(key) if key in ("existing", "proposed") else html.escape(str(value))


def _station_rows(row: Any, g: Glossary) -> Rows:
    key = str(row["class_key"])
    try:
        cls = html.escape(g(key))
    except KeyError:
        cls = _text(row["class_zh"])
    return [
        (g("station"), f"<b>{_text(row['name'])}</b>"),
        (g("class"), cls),
        (g("status"), _status(row["status"], g)),
        (g("year"), _fmt(row["year"], ".0f")),
        (g("wm_to_road"), _fmt(row["snap_m"], ".0f", " m")),
        (g("wm_location"), _location(row, g)),
    ]


def _location(row: Any, g: Glossary) -> str:
    """ "位置为近似 ±300 m" for an approximate location, else "精确（按给定坐标）"."""
    if not bool(row.get("approximate", False) or False):
        return g("wm_exact")
    prec = row.get("precision_m")
    tail = "" if _missing(prec) else f" ±{float(prec):.0f} m"
    return f"<b>{g('wm_approximate')}</b>{tail}"


def _class_name(key: Any, g: Glossary) -> str:
    try:
        return html.escape(g(str(key)))
    except KeyError:
        return _text(key)


def _jurisdiction_rows(row: Any, budget: str, g: Glossary) -> Rows:
    reached = row["reached_share"]
    share = "—" if _missing(reached) else _fmt(100 * float(reached), ".1f", " %")
    return [
        (g("wm_district"), f"<b>{_text(row['station'])}</b>"),
        (g("class"), _class_name(row["class_key"], g)),
        (g("wm_area"), _fmt(row["area_km2"], ".2f", " km²")),
        (g("wm_limit"), _fmt(row["limit_km2"], ".1f", " km²")),
        (g("wm_max_arrival"), _minutes(row["max_arrival_min"], ".1f", g)),
        (g("wm_reached", budget=budget), share),
        (g("wm_compliant"), _yes_no(row["compliant"], g)),
        (g("reasons"), html.escape(g.message(str(row["reasons"])))
         if not _missing(row["reasons"]) and str(row["reasons"]) else "—"),
    ]  # fmt: skip


def _cell_rows(row: Any, g: Glossary) -> Rows:
    fastest = f"{_minutes(row['best_min'], '.1f', g)} ({_text(row['station'])})"
    return [
        (g("wm_cell"), _text(row["cell_id"])),
        (g("wm_fastest"), fastest),
        (g("wm_second"), _minutes(row["second_min"], ".1f", g)),
        (g("wm_covered"), _yes_no(row["covered"], g)),
        (g("wm_risk"), "—" if _missing(row["risk"]) else html.escape(risk_label(row["risk"], g))),
        (g("wm_weight"), _fmt(row["weight"], ".3g")),
        (g("wm_area"), _fmt(row["area_km2"], ".4f", " km²")),
        (g("wm_far_from_road"), _yes_no(row["far_from_road"], g)),
    ]


def _service_rows(row: Any, g: Glossary) -> Rows:
    who = g("wm_all_stations") if str(row["station"]) == "(all)" else _text(row["station"])
    return [
        (g("wm_service_area"), f"<b>{who}</b>"),
        (g("wm_response"), _minutes(row["minutes"], "g", g)),
        (g("wm_driving"), _minutes(row["driving_min"], "g", g)),
        (g("wm_area"), _fmt(row["area_km2"], ".2f", " km²")),
    ]


def _gap_rows(row: Any, budget: str, g: Glossary) -> Rows:
    return [
        (g("gap", budget=budget), g("wm_not_reached", budget=budget)),
        (g("wm_area"), _fmt(row["area_km2"], ".3f", " km²")),
    ]


def _barrier_rows(row: Any, g: Glossary) -> Rows:
    kind = str(row["kind"]).lower()
    try:
        text = g(kind)
    except KeyError:
        text = str(row["kind"])
    return [(g("wm_barrier"), html.escape(text))]


def _zone_rows(row: Any, g: Glossary) -> Rows:
    return [
        (g("wm_search_zones"), _text(row["site"])),
        (g("wm_candidates"), f"{int(row['n_candidates'])}"),
        (g("wm_loss"), f"{float(row['loss']):.1%}"),
    ]
