"""Plan evaluation reports: ``report.json`` (a stable contract) and a bilingual ``report.md``."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from firecover._display import at_most, figure, pct
from firecover._version import __version__
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.text import markdown_safe

if TYPE_CHECKING:
    from firecover.analysis.station_spec import StationSpec
    from firecover.plan.results import PlanEvaluation, YearResult
    from firecover.standards.check import StationCheck

__all__ = ["model_verdict", "plan_json", "plan_markdown", "plan_report"]

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
        "stations_needed": s.stations_needed,
        "shortfall": s.shortfall,
        "built_up": yr.built_up,
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
        "verdict": c.verdict,
        "precision_m": spec.precision_m,
    }


def _station_years(ev: PlanEvaluation) -> list[dict[str, Any]]:
    """One entry per station and evaluated year it is in service (issue 12)."""
    out = []
    for yr in ev.years:
        specs = {s.name: s for s in yr.stations}
        for c in yr.run.checks:
            spec = specs[c.name]
            gain = ev.gains.get(c.name)
            out.append({
                "year": yr.year, "name": c.name, "class": spec.class_name,
                "class_key": c.class_key, "status": spec.status,
                "build_type": spec.build_type_zh, "approximate_location": spec.approximate,
                "jurisdiction_km2": _r(c.jurisdiction_km2), "limit_km2": _r(c.limit_km2),
                "max_arrival_min": _r(c.max_arrival_min, 3), "budget_min": c.budget_min,
                "compliant": c.compliant, "verdict": c.verdict, "reasons": list(c.reasons),
                "warnings": list(c.warnings), "barriers_crossed": list(c.barriers_crossed),
                "enters": gain is not None and gain.year == yr.year,
                "marginal_covered_km2": (_r(gain.covered_km2) if gain is not None
                                         and gain.year == yr.year else None),
            })  # fmt: skip
    return out


def _public(value: Any) -> Any:
    """``value`` without the private (``_``-prefixed) keys of its dicts, e.g. layers."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    return value


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
        "optimum": _public(ev.optimum),
        "compliant": ev.compliant,
        "station_years": _station_years(ev),
        "built_up": [{"year": y.year, **y.built_up} for y in ev.years if y.built_up is not None],
        "travel_model": ev.travel or {"model": "network"},
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
        "| 覆盖率 Share | 空白 Gaps | 应建 Needed | 缺 Shortfall | 不达标 Non-compliant |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for y in doc["years"]:
        b = y.get("built_up")
        needed, short = (y["stations_needed"], y["shortfall"]) if b is None else (
            b["stations_needed"], b["shortfall"])  # fmt: skip
        where = "" if b is None else " (建成区 built-up)"
        rows.append(
            f"| {y['year']} | {len(y['stations'])} | {figure(y['area_km2'])} "
            f"| {figure(y['covered_km2'])} | {pct(y['covered_share'], decimals=1)} "
            f"| {y['gaps']} | {needed}{where} | {short} "
            f"| {', '.join(y['noncompliant']) or '无 none'} |"
        )
    return rows


_VERDICT = {"pass": "达标 pass", "fail": "不达标 FAIL", "no_district": "无辖区 no district",
            "outside": "规划区外 outside the planning area"}  # fmt: skip


def _verdict_cell(r: dict[str, Any]) -> str:
    text = _VERDICT[r["verdict"]]
    if r["verdict"] == "fail":
        text += ": " + "; ".join(r["reasons"])
    return text


def _mark(r: dict[str, Any]) -> str:
    return r["name"] + (" ≈" if r["approximate_location"] else "")


def _stations_table(doc: dict[str, Any]) -> list[str]:
    """Each station in each year it is in service; stations outside the planning area apart."""
    rows = ["| 年份 Year | 消防站 Station | 类别 Class | 状态 Status | 建设 Build "
            "| 辖区 District km² | 限值 Limit km² | 最远到达 Slowest (min) "
            "| 新增覆盖 Adds km² | 结论 Result |",
            "|---:|---|---|---|---|---:|---:|---:|---:|---|"]  # fmt: skip
    outside = [r for r in doc["station_years"] if r["verdict"] == "outside"]
    for r in doc["station_years"]:
        if r["verdict"] == "outside":
            continue
        district = r["verdict"] != "no_district"
        rows.append(
            f"| {r['year']} | {_mark(r)} | {r['class']} "
            f"| {_STATUS_ZH.get(r['status'], r['status'])} {r['status']} "
            f"| {r['build_type'] or '—'} "
            f"| {at_most(r['jurisdiction_km2'], r['limit_km2']) if district else '—'} "
            f"| {figure(r['limit_km2']) if district else '—'} "
            f"| {at_most(r['max_arrival_min'], r['budget_min']) if district else '—'} "
            f"| {figure(r['marginal_covered_km2']) if r['enters'] else ''} "
            f"| {_verdict_cell(r)} |"
        )
    if outside:
        rows += ["", "规划区外的站 Stations outside the planning area (0 km² of district inside "
                 "the boundary; not counted as passing):", ""]  # fmt: skip
        rows += ["| 年份 Year | 消防站 Station | 类别 Class | 状态 Status |", "|---:|---|---|---|"]
        rows += [f"| {r['year']} | {_mark(r)} | {r['class']} | {r['status']} |" for r in outside]
    return rows


def _built_up_lines(doc: dict[str, Any]) -> list[str]:
    if not doc["built_up"]:
        return []
    last = doc["built_up"][-1]
    covered = ("" if last["covered_km2"] is None else
               f"; reached within budget 5分钟覆盖 {figure(last['covered_km2'])} km² "
               f"({pct(last['covered_share'], decimals=1)})")  # fmt: skip
    return [
        "## 建成区 Built-up area\n",
        f"- 建成区面积 Built-up area: **{figure(last['area_km2'])} km²** ({last['source']}), "
        "separate from the administrative boundary",
        f"- {last['year']}: 应建 **{last['stations_needed']}** stations needed "
        f"(ceil({figure(last['area_km2'])} / {figure(last['limit_km2'])} km²)), "
        f"{last['stations_counted']} with a district, shortfall 缺 **{last['shortfall']}**"
        + covered,
        f"- Method: {last['method']}",
        "",
    ]


def _pct1(share: float | None) -> str:
    return "—" if share is None else pct(share, decimals=1)


def model_verdict(m: dict[str, Any], spec: str = "d") -> str:
    """One model's answer as a planner reads it: ``44 (optimal)`` or, when the time ran out,
    ``≥ 41, found 44, gap 6.8 %`` (``≤`` for a maximisation), or the error."""
    if m.get("status") == "error" or m.get("status") is None:
        return f"not available ({m.get('error', 'not solved')})"
    if m.get("status") == "infeasible":
        return f"none possible (infeasible: {m.get('error', 'proven by the solver')})"
    maximise = spec != "d"
    value = m.get("objective") if maximise else m.get("new")
    if m.get("status") == "optimal":
        return f"{_fmt(value, spec)} (proven optimal)"
    bound = m.get("bound")
    if bound is None:
        return f"{_fmt(value, spec)} (no bound)"
    b = bound if maximise else math.ceil(bound - 1e-6)
    gap = m.get("gap")
    pct = ".3%" if isinstance(gap, float) and gap < 0.01 else ".1%"
    return (f"{'≤' if maximise else '≥'} {_fmt(b, spec)}, found {_fmt(value, spec)}, "
            f"gap {_fmt(gap, pct)} (time limit)")  # fmt: skip


def _optimum_lines(opt: dict[str, Any] | None) -> list[str]:
    if opt is None:
        return ["Optimum not computed 未计算最优方案 (--no-optimum)."]
    share, plan = opt.get("covered_share"), opt.get("plan_covered_share")
    lines = [
        f"- 同样新增 {opt['new_stations']} 座站时的最优覆盖 Best coverage with the same "
        f"{opt['new_stations']} new site(s) (MCLP on {opt['candidates']} candidate sites "
        f"{_spacing(opt)}, first-year stations fixed): "
        f"**{_pct1(share)}** vs plan 规划 **{_pct1(plan)}**"
        + (
            f" (gap 差距 {(share - plan) * 100:+.1f} points)"
            if share is not None and plan is not None
            else ""
        )
        + f"; covered km² 覆盖面积: {model_verdict(opt['mclp'], '.2f')}",
        f"- 全部达标所需最少新增站 Fewest new {opt['new_class']} stations for full compliance "
        f"(area-limited model{', within barrier zones' if opt.get('barrier_zones') else ''}): "
        f"**{model_verdict(opt['area_model'])}**",
        f"- 全覆盖所需最少新增站 Fewest new stations for full {''}coverage (LSCP): "
        f"**{model_verdict(opt['lscp'])}**",
        f"- 任何候选站都无法按时到达 Not reachable from any candidate in time: "
        f"{_fmt(opt.get('uncoverable_km2'))} km²",
    ]
    if opt.get("time_budget_s") is not None:
        lines.append(f"- 计算用时 Time: {_fmt(opt.get('seconds'), '.1f')} s of the "
                     f"{_fmt(opt['time_budget_s'], '.0f')} s budget (--optimum-time); a model "
                     "stopped by it shows its certified bound and gap")  # fmt: skip
    if opt["mclp"].get("sites"):
        lines.append(
            f"- Optimum sites 最优站址 (MCLP): {', '.join(opt['mclp']['sites'])} "
            "(see optimum_sites.geojson)"
        )
    if opt["mclp"].get("tie_break"):
        from firecover.site.zones import zones_markdown

        lines += zones_markdown(
            opt["mclp"]["tie_break"], opt["mclp"].get("search_zones", []), drawn=False
        )
    return lines


def _spacing(opt: dict[str, Any]) -> str:
    dense, rural = opt.get("candidate_spacing_m"), opt.get("candidate_rural_spacing_m")
    if dense is None:
        return ""
    if rural is None or abs(rural - dense) < 0.5:
        return f"every {dense:.0f} m"
    return f"every {dense:.0f} m in built-up areas, {rural:.0f} m elsewhere"


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
    from firecover.plan.travel import travel_markdown

    out += travel_markdown(ev.travel)
    out += [
        f"**{final['year']}: {verdict}.** {len(final['stations'])} stations reach "
        f"{pct(final['covered_share'], decimals=1)} of the {figure(final['area_km2'])} km² "
        f"planning area within {b['turnout'] + b['driving']:g} min.\n",
        f"Response budget 响应时间: {b['turnout']:g} min turnout 出动 + {b['driving']:g} min "
        "driving 行车 from the dispatch order (GB 51080-2015 §4.1.3; 建标152-2017). "
        f"Planning area 规划范围: {ev.boundary_note or 'scenario boundary'}.\n",
        "## 逐年覆盖 Year by year\n",
        *_years_table(doc),
        "",
        "## 各站 Stations\n",
        "Each station in each year it is in service. 'Adds' is the area it newly reaches "
        "within budget in the year it enters (first-year stations: the area only it reaches). "
        "≈ = location approximate (see the scenario's `source` / `precision_m`). Figures are "
        "rounded towards their verdict: a failing km² or minute up, a passing one down, shares "
        "down (100% only when everything is reached).\n",
        *_stations_table(doc),
        "",
        *_built_up_lines(doc),
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
