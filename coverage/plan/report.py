"""Plan evaluation reports: ``report.json`` (a stable contract) and a bilingual ``report.md``."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from firecover._version import __version__
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.text import markdown_safe

if TYPE_CHECKING:
    from firecover.analysis.station_spec import StationSpec
    from firecover.plan.results import PlanEvaluation, YearResult
    from firecover.standards.check import StationCheck

__all__ = ["plan_json", "plan_markdown", "plan_report"]

_STATUS_ZH = {"existing": "现有", "proposed": "规划"}


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def _last_checks(ev: PlanEvaluation) -> dict[str, tuple[int, StationCheck]]:
    """Each station's check in the last year it is in service."""
    out: dict[str, tuple[int, StationCheck]] = {}
    for yr in ev.years:
        for c in yr.run.checks:
            out[c.name] = (yr.year, c)
    return out


def _year_entry(yr: YearResult) -> dict[str, Any]:
    s = yr.run.summary
    return {
        "year": yr.year,
        "stations": yr.names,
        "area_km2": _r(s.area_km2),
        "covered_km2": _r(s.covered_km2),
        "covered_share": _r(s.covered_share, 6),
        "noncompliant": [c.name for c in yr.run.checks if not c.compliant],
        "uncovered_km2": _r(s.uncovered_km2),
        "gaps": len(yr.run.layers.gaps),
    }


def _station_entry(spec: StationSpec, last: tuple[int, StationCheck] | None,
                   ev: PlanEvaluation) -> dict[str, Any]:  # fmt: skip
    gain = ev.gains.get(spec.name)
    d: dict[str, Any] = {
        "name": spec.name, "class": spec.class_name, "class_key": spec.class_key,
        "status": spec.status, "year": spec.year, "build_type": spec.build_type_zh,
        "approximate_location": spec.approximate, "source": spec.source,
    }  # fmt: skip
    if last is None:
        return {**d, "jurisdiction_km2": None, "limit_km2": None, "max_arrival_min": None,
                "compliant": None, "marginal_covered_km2": None, "evaluated_year": None,
                "reasons": ["not in service in any evaluated year"]}  # fmt: skip
    year, c = last
    return {
        **d,
        "jurisdiction_km2": _r(c.jurisdiction_km2),
        "limit_km2": _r(c.limit_km2),
        "max_arrival_min": _r(c.max_arrival_min, 3),
        "compliant": c.compliant,
        "marginal_covered_km2": None if gain is None else _r(gain.covered_km2),
        "marginal_weight": None if gain is None else _r(gain.covered_weight),
        "neighbours_shrunk_km2": {}
        if gain is None
        else {k: _r(v) for k, v in gain.neighbours_km2.items()},
        "evaluated_year": year,
        "reasons": list(c.reasons),
    }


def plan_report(ev: PlanEvaluation) -> dict[str, Any]:
    """The ``report.json`` document (keys fixed by issue 5; extra keys may be added)."""
    sc = ev.scenario
    last = _last_checks(ev)
    return {
        "scenario": sc.name,
        "scenario_zh": sc.name_zh,
        "synthetic": ev.synthetic,
        "budget_minutes": {"turnout": sc.budget.turnout_min, "driving": sc.budget.driving_min},
        "boundary": ev.boundary_note,
        "years": [_year_entry(y) for y in ev.years],
        "stations": [_station_entry(s, last.get(s.name), ev) for s in sc.stations],
        "optimum": ev.optimum,
        "compliant": ev.compliant,
        "firecover_version": __version__,
    }


def plan_json(ev: PlanEvaluation) -> str:
    """:func:`plan_report` as JSON text."""
    return json.dumps(plan_report(ev), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- markdown


def _fmt(x: Any, spec: str = ".2f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return format(x, spec) if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


def _years_table(doc: dict[str, Any]) -> list[str]:
    budget = doc["budget_minutes"]["turnout"] + doc["budget_minutes"]["driving"]
    rows = [
        f"| 年份 Year | 站数 Stations | 面积 Area km² | {budget:g}分钟覆盖 Covered km² "
        "| 覆盖率 Share | 空白 Gaps | 不达标 Non-compliant |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for y in doc["years"]:
        rows.append(
            f"| {y['year']} | {len(y['stations'])} | {_fmt(y['area_km2'])} "
            f"| {_fmt(y['covered_km2'])} | {_fmt(y['covered_share'], '.1%')} "
            f"| {y['gaps']} | {', '.join(y['noncompliant']) or '无 none'} |"
        )
    return rows


def _stations_table(doc: dict[str, Any]) -> list[str]:
    rows = ["| 消防站 Station | 类别 Class | 状态 Status | 年份 Year | 建设 Build "
            "| 辖区 District km² | 限值 Limit km² | 最远到达 Slowest (min) "
            "| 新增覆盖 Adds km² | 结论 Result |",
            "|---|---|---|---:|---|---:|---:|---:|---:|---|"]  # fmt: skip
    for s in doc["stations"]:
        verdict = ("—" if s["compliant"] is None else "达标 pass" if s["compliant"]
                   else "不达标 FAIL: " + "; ".join(s["reasons"]))  # fmt: skip
        name = s["name"] + (" ≈" if s["approximate_location"] else "")
        rows.append(
            f"| {name} | {s['class']} | {_STATUS_ZH.get(s['status'], s['status'])} "
            f"{s['status']} | {_fmt(s['year'], 'd')} | {s['build_type'] or '—'} "
            f"| {_fmt(s['jurisdiction_km2'])} | {_fmt(s['limit_km2'], 'g')} "
            f"| {_fmt(s['max_arrival_min'])} | {_fmt(s['marginal_covered_km2'])} | {verdict} |"
        )
    return rows


def _optimum_lines(opt: dict[str, Any] | None) -> list[str]:
    if opt is None:
        return ["Optimum not computed 未计算最优方案 (--no-optimum)."]
    share, plan = opt.get("covered_share"), opt.get("plan_covered_share")
    lines = [
        f"- 同样新增 {opt['new_stations']} 座站时的最优覆盖 Best coverage with the same "
        f"{opt['new_stations']} new site(s) (MCLP on {opt['candidates']} candidate sites every "
        f"{opt['candidate_spacing_m']:g} m, first-year stations fixed): "
        f"**{_fmt(share, '.1%')}** vs plan 规划 **{_fmt(plan, '.1%')}**"
        + (f" (gap 差距 {share - plan:+.1%})" if share is not None and plan is not None else ""),
        f"- 全部达标所需最少新增站 Fewest new {opt['new_class']} stations for full compliance "
        f"(area-limited model): **{_fmt(opt.get('min_new_for_compliance'), 'd')}**"
        f" ({opt['area_model'].get('status')})",
        f"- 全覆盖所需最少新增站 Fewest new stations for full {''}coverage (LSCP): "
        f"**{_fmt(opt.get('min_new_for_coverage'), 'd')}** ({opt['lscp'].get('status')})",
        f"- 任何候选站都无法按时到达 Not reachable from any candidate in time: "
        f"{_fmt(opt.get('uncoverable_km2'))} km²",
    ]
    if opt["mclp"].get("sites"):
        lines.append(
            f"- Optimum sites 最优站址 (MCLP): {', '.join(opt['mclp']['sites'])} "
            "(see optimum_sites.geojson)"
        )
    return lines


def plan_markdown(ev: PlanEvaluation) -> str:
    """A bilingual Markdown report: verdict, years, stations, what still fails, the optimum.

    Names are escaped (:func:`~firecover.outputs.text.markdown_safe`).
    """
    return markdown_safe(_plan_markdown(ev))


def _plan_markdown(ev: PlanEvaluation) -> str:
    doc = plan_report(ev)
    sc = ev.scenario
    b = doc["budget_minutes"]
    title = f"{sc.name_zh} / {sc.name}" if sc.name_zh else sc.name
    final = doc["years"][-1]
    verdict = ("全部达标 every station complies" if doc["compliant"] else
               f"不达标 {len(final['noncompliant'])} station(s) still fail in {final['year']}: "
               + ", ".join(final["noncompliant"]))  # fmt: skip
    out = [f"# {title} — 消防站规划评估 Station plan evaluation\n"]
    if ev.synthetic:
        out.append(f"> **{SYNTHETIC_LABEL}** — this report describes invented data.\n")
    out += [
        f"**{final['year']}: {verdict}.** {len(final['stations'])} stations reach "
        f"{_fmt(final['covered_share'], '.1%')} of the {_fmt(final['area_km2'])} km² planning "
        f"area within {b['turnout'] + b['driving']:g} min.\n",
        f"Response budget 响应时间: {b['turnout']:g} min turnout 出动 + {b['driving']:g} min "
        "driving 行车 from the dispatch order (GB 51080-2015 §4.1.3; 建标152-2017). "
        f"Planning area 规划范围: {ev.boundary_note or 'scenario boundary'}.\n",
        "## 逐年覆盖 Year by year\n",
        *_years_table(doc),
        "",
        "## 各站 Stations\n",
        "Jurisdiction, limit and arrival are from the last year each station is in service; "
        "'Adds' is the area it newly reaches within budget when it enters (first-year "
        "stations: the area only it reaches). ≈ = location approximate (see the scenario's "
        "`source` notes).\n",
        *_stations_table(doc),
        "",
        "## 与最优方案比较 Plan vs optimum\n",
        *_optimum_lines(doc["optimum"]),
        "",
    ]
    notes = [f"- Road graph 路网: {w}" for w in ev.final.run.layers.meta.notes]
    notes += [f"- {w}" for yr in ev.years for w in yr.run.jurisdictions.warnings]
    if notes:
        out += ["## 说明 Notes\n", *dict.fromkeys(notes), ""]
    out.append(f"_firecover {__version__}_\n")
    return "\n".join(out)
