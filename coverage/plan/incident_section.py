"""Incidents, busy stations and population in the plan reports (``evaluate --incidents FILE
--population FILE``).

Each evaluated year's station set is measured against the same call records and population
(:func:`firecover.site.demand_figures.demand_figures`): the share of the calls reached in time
and the 90th-percentile arrival, the busy fractions and expected coverage, the population
reached and stations per 100,000 people. ``report.json`` gets ``incidents``, ``busy`` and
``population`` (final year, with the tables) and ``demand_by_year`` (one summary row per year);
report.md, report.docx and tables.xlsx show the same.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from firecover._display import pct
from firecover.analysis.demand import DemandSurface
from firecover.analysis.incidents import IncidentRecords, read_incidents
from firecover.outputs.document import Section, Table
from firecover.outputs.glossary import Glossary
from firecover.plan.results import PlanEvaluation
from firecover.plan.scenario import Scenario
from firecover.site.demand_figures import demand_figures, demand_markdown, demand_sections
from firecover.traveltime.search import CSRNetwork

__all__ = [
    "DEMAND_OPTIONS",
    "add_demand_figures",
    "demand_report",
    "plan_demand_markdown",
    "plan_demand_sections",
    "with_population",
]

#: The keyword arguments of ``evaluate_scenario`` this module handles.
DEMAND_OPTIONS = ("incidents", "population", "period_hours", "job_min")


def with_population(scenario: Scenario, population: str | os.PathLike[str] | None) -> Scenario:
    """``scenario`` with its ``[scenario.layers] population`` replaced by ``population``."""
    if population is None:
        return scenario
    layers = dataclasses.replace(scenario.layers, population=Path(population))
    return dataclasses.replace(scenario, layers=layers)


def _summary(year: int, fig: dict[str, Any]) -> dict[str, Any]:
    inc, busy, pop = fig["incidents"], fig["busy"], fig["population"]
    return {
        "year": year,
        "incidents_reached_share": None if inc is None else inc["reached_share"],
        "incidents_p90_min": None if inc is None else inc["p90_min"],
        "busy_fraction": None if busy is None else busy["system"],
        "expected_coverage": None if busy is None else busy["expected_coverage"]["independent"],
        "expected_coverage_hypercube": (
            None if busy is None else busy["expected_coverage"]["hypercube"]
        ),
        "population_reached_share": None if pop is None else pop["reached_share"],
        "stations_per_100k": None if pop is None else pop["stations_per_100k"],
    }


def add_demand_figures(
    ev: PlanEvaluation,
    net: CSRNetwork,
    demand: DemandSurface,
    *,
    incidents: str | os.PathLike[str] | IncidentRecords | None = None,
    population: Any = None,
    period_hours: float | None = None,
    job_min: float | None = None,
) -> PlanEvaluation:
    """``ev`` with :attr:`PlanEvaluation.demand_figures` filled (unchanged without incidents
    and without a population layer)."""
    calls = incidents
    if incidents is not None and not isinstance(incidents, IncidentRecords):
        calls = read_incidents(incidents, net.crs, net.bounds)
    if calls is None and demand.population is None:
        return ev
    assert calls is None or isinstance(calls, IncidentRecords)
    years = [
        (
            yr.year,
            demand_figures(net, demand, yr.run, calls, period_hours=period_hours, job_min=job_min),
        )
        for yr in ev.years
    ]
    if calls is not None:  # drawn as a density on every year's map
        frame = calls.to_frame()
        for yr in ev.years:
            yr.run.layers.incidents = frame
    figures = {"final": years[-1][1], "by_year": [_summary(y, f) for y, f in years]}
    return dataclasses.replace(ev, demand_figures=figures)


def demand_report(ev: PlanEvaluation) -> dict[str, Any]:
    """The ``report.json`` keys (empty without figures)."""
    if ev.demand_figures is None:
        return {}
    return {**ev.demand_figures["final"], "demand_by_year": ev.demand_figures["by_year"]}


def _years_table(ev: PlanEvaluation, g: Glossary) -> Table:
    assert ev.demand_figures is not None
    rows = tuple(
        (
            r["year"],
            r["incidents_reached_share"],
            r["incidents_p90_min"],
            r["busy_fraction"],
            r["expected_coverage"],
            r["population_reached_share"],
            r["stations_per_100k"],
        )
        for r in ev.demand_figures["by_year"]
    )
    cols = (
        "dcol_year",
        "dcol_share",
        "dcol_p90",
        "dcol_q",
        "dcol_expected",
        "dcol_pop_share",
        "dcol_per100k",
    )
    return Table(
        g("demand_years_caption"),
        tuple(g(c) for c in cols),
        rows,
        ("0", "0.0%", "0.0", "0.000", "0.0%", "0.0%", "0.00"),
        "警情人口_逐年",
    )


def _md_cell(v: Any, fmt: str | None) -> str:
    if v is None:
        return "—"
    if fmt == "0.0%":
        return pct(float(v), decimals=1)
    if fmt in ("0.0", "0.000", "0.00"):
        return f"{float(v):.{len(fmt) - 2}f}"
    return str(v)


def plan_demand_markdown(ev: PlanEvaluation, g: Glossary) -> list[str]:
    """The report.md section: the final year's figures and tables, then the years' table."""
    if ev.demand_figures is None:
        return []
    out = demand_markdown(ev.demand_figures["final"], g)
    t = _years_table(ev, g)
    out += [
        f"**{t.caption}**",
        "",
        "| " + " | ".join(t.columns) + " |",
        "|" + "---|" * len(t.columns),
    ]
    out += [
        "| " + " | ".join(_md_cell(v, t.format_of(i)) for i, v in enumerate(r)) + " |"
        for r in t.rows
    ]
    return [*out, ""]


def plan_demand_sections(ev: PlanEvaluation, g: Glossary) -> list[Section]:
    """The Word / Excel section (its tables become sheets of tables.xlsx)."""
    if ev.demand_figures is None:
        return []
    sections = demand_sections(ev.demand_figures["final"], g)
    table = _years_table(ev, g)
    if sections:
        s = sections[0]
        return [dataclasses.replace(s, blocks=(*s.blocks, table))]
    return [Section(g("demand_heading"), (table,))]
