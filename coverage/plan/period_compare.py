"""``evaluate --periods``: the plan's coverage under each time-of-day period, side by side.

Each period re-runs the year-by-year evaluation (no optimum comparison: that stays with the
main run) with :func:`firecover.network.periods.use_travel`, so the road graph is prepared with
that period's speed factors (and cached apart). The result goes into ``report.json`` under
``travel_model.periods`` — one entry per period: ``period``, ``description``, ``hours``,
``compliant``, ``years`` [{``year``, ``covered_share``, ``covered_km2``, ``noncompliant``}] —
and into report.md, the Word report and the Excel workbook (sheet 分时段 / Periods) as one table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from firecover._display import pct
from firecover.network.periods import current_travel, use_travel
from firecover.network.speeds import load_profile
from firecover.outputs.document import Paragraph, Section, Table
from firecover.outputs.glossary import Glossary
from firecover.plan.results import PlanEvaluation

__all__ = ["evaluate_periods", "period_entry", "periods_markdown", "periods_section",
           "resolve_periods"]  # fmt: skip


def resolve_periods(spec: str | Sequence[str], profile: str | None) -> tuple[str, ...]:
    """``"all"`` → every period of the profile (in its order); a list is checked against it.

    Raises
    ------
    DataFormatError
        The profile has no periods, or not one of those named.
    """
    from firecover.network.periods import with_period

    prof = load_profile(current_travel().speeds or profile, period=None)
    names = tuple(prof.periods) if spec == "all" else tuple(spec)
    if not names:
        from firecover._errors import DataFormatError

        raise DataFormatError(
            f"speed profile {prof.name} defines no [periods]; use a profile that has them "
            "(china_urban) or add [periods.NAME] tables"
        )
    for name in names:
        with_period(prof, name)  # raises naming the periods the profile has
    return names


def period_entry(name: str, ev: PlanEvaluation, profile: str | None) -> dict[str, Any]:
    """One period's ``report.json`` entry (see the module notes)."""
    prof = load_profile(current_travel().speeds or profile, period=None)
    p = prof.periods[name]
    return {
        "period": name,
        "description": p.description,
        "hours": p.hours,
        "compliant": ev.compliant,
        "years": [
            {
                "year": yr.year,
                "covered_share": round(float(yr.run.summary.covered_share), 6),
                "covered_km2": round(float(yr.run.summary.covered_km2), 4),
                "noncompliant": [c.name for c in yr.run.checks if not c.compliant],
            }
            for yr in ev.years
        ],
    }


def evaluate_periods(
    ev: PlanEvaluation,
    periods: str | Sequence[str],
    profile: str | None,
    run: Callable[[], PlanEvaluation],
) -> PlanEvaluation:
    """``ev`` with ``travel["periods"]``: ``run()`` evaluated once under each period."""
    names = resolve_periods(periods, profile)
    rows = []
    for name in names:
        with use_travel(period=name):
            rows.append(period_entry(name, run(), profile))
    travel = dict(ev.travel or {"model": "network"})
    travel["periods"] = rows
    return dataclasses.replace(ev, travel=travel)


def _cell(y: dict[str, Any]) -> str:
    mark = "✓" if not y["noncompliant"] else "✗ " + ", ".join(y["noncompliant"])
    return f"{pct(y['covered_share'], decimals=1)} {mark}"


def _finding(rows: list[dict[str, Any]], g: Glossary) -> str:
    ok = [r["period"] for r in rows if r["compliant"]]
    bad = [r["period"] for r in rows if not r["compliant"]]
    if ok and bad:
        return g("periods_mixed", ok=", ".join(ok), bad=", ".join(bad))
    return g("periods_all_pass") if ok else g("periods_all_fail")


def periods_markdown(travel: dict[str, Any] | None, g: Glossary) -> list[str]:
    """report.md lines: years × periods (covered share, ✓ or the failing stations)."""
    rows = (travel or {}).get("periods")
    if not rows:
        return []
    years = [y["year"] for y in rows[0]["years"]]
    head = "| " + g("year") + " | " + " | ".join(r["period"] for r in rows) + " |"
    out = [f"## {g('periods_heading')}\n", g("periods_note") + "\n",
           "**" + _finding(rows, g) + "**\n", head,
           "|---|" + "---|" * len(rows)]  # fmt: skip
    for i, year in enumerate(years):
        out.append(f"| {year} | " + " | ".join(_cell(r["years"][i]) for r in rows) + " |")
    out.append("")
    return out


def periods_section(doc: dict[str, Any], g: Glossary) -> Section | None:
    """The Word / Excel section (sheet 分时段 / Periods); ``None`` without periods."""
    rows = (doc.get("travel_model") or {}).get("periods")
    if not rows:
        return None
    cells = tuple(
        (r["period"], r["hours"], y["year"], y["covered_share"],
         g("fail") if y["noncompliant"] else g("pass"), ", ".join(y["noncompliant"]))
        for r in rows for y in r["years"]
    )  # fmt: skip
    flag = tuple(i for i, c in enumerate(cells) if c[4] != g("pass"))
    table = Table(
        g("periods_heading"),
        (g("period"), g("period_hours"), g("year"), g("covered_share"), g("compliant"),
         g("noncompliant_stations")),
        cells, (None, None, "0", "0.0%", None, None), sheet=g("periods_sheet"), flag_rows=flag,
    )  # fmt: skip
    return Section(
        g("periods_heading"),
        (
            Paragraph(_finding(rows, g), emphasis=True),
            Paragraph(g("periods_note"), note=True),
            table,
        ),
    )
