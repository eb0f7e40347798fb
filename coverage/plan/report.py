"""Plan evaluation reports: ``report.json`` (a stable contract) and a bilingual ``report.md``."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from firecover._display import at_most, figure, pct
from firecover._version import __version__
from firecover.outputs.glossary import Glossary, check_lang, default_lang, glossary
from firecover.outputs.labels import source_note, travel_model_label
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.text import markdown_safe
from firecover.plan.incident_section import demand_report, plan_demand_markdown
from firecover.plan.unreachable import unreachable_note

if TYPE_CHECKING:
    from firecover.analysis.station_spec import StationSpec
    from firecover.plan.results import PlanEvaluation, YearResult
    from firecover.standards.check import StationCheck

__all__ = [
    "model_verdict",
    "optimum_rows",
    "plan_json",
    "plan_lang",
    "plan_markdown",
    "plan_report",
    "plan_title",
    "plan_verdict",
    "station_verdict",
]

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
                "reasons": ["not in service in any evaluated year"], "clauses": [],
                "warnings": []}  # fmt: skip
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
        "clauses": list(c.clauses),
        "warnings": list(c.warnings),
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
        "travel_time_model": ev.final.run.layers.meta.travel_model,
        "risk": _public(ev.risk),  # evaluate --risk (firecover.plan.risk_section)
        **demand_report(ev),
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


def _budget(doc: dict[str, Any]) -> float:
    return float(doc["budget_minutes"]["turnout"] + doc["budget_minutes"]["driving"])


def _years_table(doc: dict[str, Any], g: Glossary) -> list[str]:
    budget = _budget(doc)
    heads = [g("year"), g("stations_n"), g("area_km2"), g("covered_km2", budget=budget),
             g("covered_share"), g("gaps"), g("needed"), g("shortfall"),
             g("noncompliant")]  # fmt: skip
    rows = ["| " + " | ".join(heads) + " |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for y in doc["years"]:
        b = y.get("built_up")
        needed, short = (y["stations_needed"], y["shortfall"]) if b is None else (
            b["stations_needed"], b["shortfall"])  # fmt: skip
        where = "" if b is None else f" ({g('built_up_mark')})"
        rows.append(
            f"| {y['year']} | {len(y['stations'])} | {figure(y['area_km2'])} "
            f"| {figure(y['covered_km2'])} | {pct(y['covered_share'], decimals=1)} "
            f"| {y['gaps']} | {needed}{where} | {short} "
            f"| {'、'.join(y['noncompliant']) or g('none')} |"
        )
    return rows


def station_verdict(s: dict[str, Any], g: Glossary) -> str:
    """A station entry's verdict in ``g``'s language: pass, no district, outside the planning
    area, or FAIL with the reasons (entries of ``stations`` or ``station_years``)."""
    if s["compliant"] is None:
        return "—"
    verdict = s.get("verdict") or ("pass" if s["compliant"] else "fail")
    if verdict != "fail":
        return g.value(verdict)
    return g("fail") + ": " + "; ".join(g.message(r) for r in s["reasons"])


def _mark(r: dict[str, Any]) -> str:
    return r["name"] + (" ≈" if r["approximate_location"] else "")


def _stations_table(doc: dict[str, Any], g: Glossary) -> list[str]:
    """Each station in each year it is in service; stations outside the planning area apart."""
    heads = [g("year"), g("station"), g("class"), g("status"), g("build"), g("district_km2"),
             g("limit_km2"), g("slowest_min"), g("adds_km2"), g("verdict")]  # fmt: skip
    rows = ["| " + " | ".join(heads) + " |", "|---:|---|---|---|---|---:|---:|---:|---:|---|"]
    outside = [r for r in doc["station_years"] if r["verdict"] == "outside"]
    for r in doc["station_years"]:
        if r["verdict"] == "outside":
            continue
        district = r["verdict"] != "no_district"
        rows.append(
            f"| {r['year']} | {_mark(r)} | {g.value(r['class_key'])} | {g.value(r['status'])} "
            f"| {r['build_type'] or '—'} "
            f"| {at_most(r['jurisdiction_km2'], r['limit_km2']) if district else '—'} "
            f"| {figure(r['limit_km2']) if district else '—'} "
            f"| {at_most(r['max_arrival_min'], r['budget_min']) if district else '—'} "
            f"| {figure(r['marginal_covered_km2']) if r['enters'] else ''} "
            f"| {station_verdict(r, g)} |"
        )
    if outside:
        heads = [g("year"), g("station"), g("class"), g("status")]
        rows += ["", g("outside_note"), "", "| " + " | ".join(heads) + " |", "|---:|---|---|---|"]
        rows += [f"| {r['year']} | {_mark(r)} | {g.value(r['class_key'])} "
                 f"| {g.value(r['status'])} |" for r in outside]  # fmt: skip
    return rows


def _built_up_source(source: str, g: Glossary) -> str:
    head, sep, tail = str(source).partition(" (file ")
    if head.startswith("stated area_km2 = "):
        head = g("bu_stated", v=head.removeprefix("stated area_km2 = "))
    return source_note(head, g) + (f" ({source_note('file ' + tail, g)}" if sep else "")


def _built_up_lines(doc: dict[str, Any], g: Glossary) -> list[str]:
    if not doc["built_up"]:
        return []
    last = doc["built_up"][-1]
    b = doc["budget_minutes"]
    covered = ""
    if last["covered_km2"] is not None:
        covered = g("bu_covered", budget=f"{b['turnout'] + b['driving']:g}",
                    km2=figure(last["covered_km2"]),
                    share=pct(last["covered_share"], decimals=1))  # fmt: skip
    method = str(last["method"])
    if method.startswith("stations_needed = ceil("):
        method = g("bu_method_text")
    return [
        f"## {g('bu_heading')}\n",
        "- " + g("bu_area", area=figure(last["area_km2"]),
                 source=_built_up_source(last["source"], g)),
        "- " + g("bu_needed", year=last["year"], needed=last["stations_needed"],
                 area=figure(last["area_km2"]), limit=figure(last["limit_km2"]),
                 counted=last["stations_counted"], short=last["shortfall"]) + covered,
        "- " + g("bu_method", m=method),
        "",
    ]  # fmt: skip


def _pct1(share: float | None) -> str:
    return "—" if share is None else pct(share, decimals=1)


def model_verdict(m: dict[str, Any], spec: str = "d", g: Glossary | None = None) -> str:
    """One model's answer as a planner reads it: ``44 (optimal)`` or, when the time ran out,
    ``≥ 41, found 44, gap 6.8 %`` (``≤`` for a maximisation), or the error; in ``g``'s
    language (default English)."""
    g = g or Glossary("en")
    if m.get("status") == "error" or m.get("status") is None:
        return g("verdict_na", why=g.message(str(m.get("error", "not solved"))))
    if m.get("status") == "infeasible":
        return g("verdict_infeasible",
                 why=g.message(str(m.get("error", "proven by the solver"))))  # fmt: skip
    maximise = spec != "d"
    value = m.get("objective") if maximise else m.get("new")
    if m.get("status") == "optimal":
        return g("verdict_optimal", v=_fmt(value, spec))
    bound = m.get("bound")
    if bound is None:
        return g("verdict_no_bound", v=_fmt(value, spec))
    b = bound if maximise else math.ceil(bound - 1e-6)
    gap = m.get("gap")
    pct = ".3%" if isinstance(gap, float) and gap < 0.01 else ".1%"
    return g("verdict_gap", op="≤" if maximise else "≥", b=_fmt(b, spec), v=_fmt(value, spec),
             gap=_fmt(gap, pct))  # fmt: skip


def optimum_rows(opt: dict[str, Any], g: Glossary) -> list[tuple[str, str]]:
    """The optimum comparison as (label, value) pairs in ``g``'s language."""
    share, plan = opt.get("covered_share"), opt.get("plan_covered_share")
    diff = None if share is None or plan is None else f"{(share - plan) * 100:+.1f}"
    gap = "" if diff is None else g.join(f"（{diff} 个百分点）", f" ({diff} pp)")
    zones = g("within_barrier_zones") if opt.get("barrier_zones") else ""
    rows = [
        (g("same_n", n=opt["new_stations"], cands=opt["candidates"],
           spacing=opt["candidate_spacing_m"]),
         f"{g('best_share')} {_pct1(share)} · {g('plan_share')} {_pct1(plan)}{gap}"),
        (g("min_compliance", cls=opt["new_class"]) + zones,
         model_verdict(opt["area_model"], g=g)
         + unreachable_note(opt["area_model"].get("unreachable_km2"), g)),
        (g("min_coverage"),
         model_verdict(opt["lscp"], g=g) + unreachable_note(opt["lscp"].get("unreachable_km2"), g)),
        (g("uncoverable"), _fmt(opt.get("uncoverable_km2"))),
    ]  # fmt: skip
    if opt.get("time_budget_s") is not None:
        used, budget = _fmt(opt.get("seconds"), ".1f"), _fmt(opt["time_budget_s"], ".0f")
        rows.append((g("opt_time"), g("opt_time_value", used=used, budget=budget)))
    if opt["mclp"].get("sites"):
        rows.append((g("sites"), ", ".join(opt["mclp"]["sites"]) + " (optimum_sites.geojson)"))
    return rows


def _optimum_lines(opt: dict[str, Any] | None, g: Glossary) -> list[str]:
    if opt is None:
        return [g("not_computed")]
    lines = [f"- {label}: **{value}**" for label, value in optimum_rows(opt, g)]
    if opt["mclp"].get("tie_break"):
        from firecover.site.zones import zones_markdown

        lines += zones_markdown(
            opt["mclp"]["tie_break"], opt["mclp"].get("search_zones", []), drawn=False, g=g
        )
    return lines


def plan_verdict(doc: dict[str, Any], g: Glossary) -> str:
    """The final year's verdict sentence of a :func:`plan_report` document."""
    final = doc["years"][-1]
    if doc["compliant"]:
        return g("verdict_all_ok")
    return g("verdict_fail", n=len(final["noncompliant"]), names="、".join(final["noncompliant"]))


def plan_title(doc: dict[str, Any], g: Glossary) -> str:
    """The scenario's name in ``g``'s language (Chinese name when there is one)."""
    zh, en = doc.get("scenario_zh") or doc["scenario"], doc["scenario"]
    return g.join(zh, en) if g.lang != "both" or zh == en else f"{zh} / {en}"


def plan_lang(ev: PlanEvaluation, lang: str | None = None) -> str:
    """``lang`` checked, or the scenario's default (``zh`` for a Chinese scenario, else ``en``)."""
    return check_lang(lang) if lang is not None else default_lang(ev.scenario.name_zh)


def plan_markdown(ev: PlanEvaluation, *, lang: str | None = None) -> str:
    """The Markdown report in ``lang`` (``zh``, ``en`` or ``both``; default: the scenario's,
    :func:`plan_lang`): verdict, years, stations, what still fails, the optimum.

    Names are escaped (:func:`~firecover.outputs.text.markdown_safe`).
    """
    return markdown_safe(_plan_markdown(ev, lang))


def _plan_markdown(ev: PlanEvaluation, lang: str | None) -> str:
    g = glossary(plan_lang(ev, lang))
    doc = plan_report(ev)
    b = doc["budget_minutes"]
    budget = _budget(doc)
    final = doc["years"][-1]
    out = [f"# {plan_title(doc, g)} — {g('plan_title')}\n"]
    if ev.synthetic:
        out.append(f"> **{SYNTHETIC_LABEL}** — {g('synthetic_note')}\n")
    from firecover.plan.travel import travel_markdown

    out += travel_markdown(ev.travel)
    if ev.final.run.layers.meta.travel_model:
        out.append(travel_model_label(ev.final.run.layers.meta.travel_model, g) + "\n")
    from firecover.plan.period_compare import periods_markdown

    periods_md = periods_markdown(ev.travel, g)
    out += [
        f"**{g('verdict_line', year=final['year'], verdict=plan_verdict(doc, g))}** "
        + g("headline", n=len(final["stations"]), share=pct(final["covered_share"], decimals=1),
            area=figure(final["area_km2"]), budget=budget) + "\n",
        g("cover_budget") + ": " + g("budget_text", turnout=b["turnout"], driving=b["driving"],
                                     total=budget) + "; "
        + g("planning_area_note", note=source_note(ev.boundary_note or "scenario boundary", g))
        + "\n",
        f"## {g('years_heading')}\n",
        *_years_table(doc, g),
        "",
        f"## {g('stations_heading')}\n",
        g("station_years_note", budget=budget) + "\n",
        *_stations_table(doc, g),
        "",
        *_built_up_lines(doc, g),
        *periods_md,
        *plan_demand_markdown(ev, g),
        f"## {g('optimum_heading')}\n",
        *_optimum_lines(doc["optimum"], g),
        "",
    ]  # fmt: skip
    from firecover.analysis.risk_report import risk_markdown

    out += risk_markdown(doc["risk"], g)
    notes = [f"- Road graph 路网: {w}" for w in ev.final.run.layers.meta.notes]
    notes += [f"- {g.message(w)}" for yr in ev.years for w in yr.run.jurisdictions.warnings]
    if notes:
        out += [f"## {g('notes_heading')}\n", *dict.fromkeys(notes), ""]
    out.append(f"_firecover {__version__}_\n")
    return "\n".join(out)
