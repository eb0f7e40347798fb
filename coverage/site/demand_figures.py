"""Incident, busy-station and population figures of one coverage run, for every report.

:func:`demand_figures` gathers, for a station set already analysed (:class:`CoverageRun`):

* **incidents** — share of the calls reached within the budget and the 90th-percentile arrival
  (:mod:`firecover.analysis.incidents`), overall, per station district and per incident type;
* **busy** — each station's busy fraction and the system's ``q``
  (:mod:`firecover.analysis.busy`), and the expected coverage of the cells (weight share) under
  Daskin's independence assumption and with the hypercube correction
  (:mod:`firecover.siting.mexclp`), beside the plain coverage;
* **population** — people reached within the budget and stations per 100,000 people (the
  indicator of the Liangping plan, 0.16 → 0.31), when the demand has a population layer.

The result is a JSON-ready dict (``None`` for a figure that does not exist); the Markdown lines
and the Word / Excel sections are built from it here, so ``site``, ``evaluate`` and the
deliverables show the same figures. It lives in ``site`` because it needs both ``analysis``
and ``siting``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from firecover._display import figure, pct
from firecover.analysis.busy import busy_fractions, reach_counts
from firecover.analysis.demand import DemandSurface
from firecover.analysis.incidents import SEARCH_FACTOR, IncidentRecords, incident_response
from firecover.analysis.run import CoverageRun
from firecover.outputs.document import Paragraph, Section, Table
from firecover.outputs.glossary import Glossary
from firecover.siting.mexclp import expected_coverage
from firecover.traveltime.search import CSRNetwork

__all__ = [
    "check_demand_options",
    "demand_figures",
    "demand_markdown",
    "demand_sections",
    "incident_demand",
    "siting_busy_fraction",
    "system_busy",
]


def check_demand_options(
    *,
    period_hours: float | None = None,
    job_min: float | None = None,
    busy_fraction: float | None = None,
    variant: str | None = None,
) -> None:
    """Refuse bad values before any work (the rules of ``--period-hours``, ``--job-min``,
    ``--busy-fraction`` and ``--mexclp-variant``)."""
    from firecover._schema import check_value
    from firecover.siting.mexclp import MEXCLP_VARIANTS, level_values

    check_value(period_hours, "positive_hours", "period_hours")
    check_value(job_min, "positive_minutes", "job_min")
    check_value(busy_fraction, "busy_share", "busy_fraction")
    if variant is not None and variant not in MEXCLP_VARIANTS:
        level_values(0.0, 1, variant)  # raises the one message for an unknown variant
    if busy_fraction is not None:
        level_values(busy_fraction, 1)  # raises for q >= 1


def _num(x: Any, nd: int = 6) -> float | None:
    if x is None:
        return None
    v = float(x)
    return round(v, nd) if math.isfinite(v) else None


def _rows(table: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    return [
        {
            key: str(k),
            **{
                c: (_num(v) if c.endswith(("share", "min", "fraction")) else int(v))
                for c, v in row.items()
            },
        }
        for k, row in table.iterrows()
    ]


def system_busy(
    n_calls: int, n_stations: int, period_hours: float, job_min: npt.ArrayLike | float
) -> float:
    """``q`` = engine hours of ``n_calls`` ÷ (``period_hours`` × ``n_stations``)."""
    job = np.broadcast_to(np.asarray(job_min, dtype=np.float64), (n_calls,))
    return float(job.sum()) / 60.0 / (float(period_hours) * max(int(n_stations), 1))


def _population(demand: DemandSurface, run: CoverageRun) -> dict[str, Any] | None:
    if demand.population is None:
        return None
    pop = np.asarray(demand.population, dtype=np.float64)
    total = float(pop.sum())
    covered = run.layers.cells["covered"].to_numpy(bool)
    reached = float(pop[covered].sum())
    n = len(run.stations)
    return {
        "total": _num(total, 1),
        "reached": _num(reached, 1),
        "reached_share": _num(reached / total) if total > 0 else None,
        "stations": n,
        "stations_per_100k": _num(n / total * 1e5, 4) if total > 0 else None,
        "budget_min": run.budget_min,
    }


def demand_figures(
    net: CSRNetwork,
    demand: DemandSurface,
    run: CoverageRun,
    incidents: IncidentRecords | None = None,
    *,
    period_hours: float | None = None,
    job_min: float | None = None,
) -> dict[str, Any]:
    """The ``incidents``, ``busy`` and ``population`` figures of ``run`` (module notes).

    ``period_hours`` (default: the whole days the call times span) and ``job_min`` (default:
    the call file's job-minutes column, else the setting ``incident_job_min``) feed the busy
    fractions.
    """
    out: dict[str, Any] = {"incidents": None, "busy": None, "population": None}
    out["population"] = _population(demand, run)
    if incidents is None:
        return out
    jur = run.jurisdictions
    names = [str(n) for n in jur.stations["station"]]
    has = [bool(h) for h in jur.stations["has_district"]]
    resp = incident_response(
        net,
        run.snapped,
        names,
        incidents,
        turnout_min=jur.turnout_min,
        driving_min=jur.driving_min,
        has_district=has,
    )
    out["incidents"] = {
        "source": incidents.source,
        "n": len(incidents),
        "budget_min": jur.budget_min,
        "reached_share": _num(resp.reached_share),
        "p90_min": _num(resp.p90_min),
        "unreached": int(np.sum(~np.isfinite(resp.arrival_min))),
        "search_driving_min": SEARCH_FACTOR * jur.driving_min,
        "by_district": _rows(resp.by_district.drop(index="all"), "station"),
        "by_type": _rows(resp.by_type.drop(index="all"), "type"),
    }
    hours = period_hours if period_hours is not None else incidents.period_hours()
    if hours is None:
        return out
    members = [n for n, h in zip(names, has, strict=True) if h]
    per_call = incidents.job_min if job_min is None else float(job_min)
    busy = busy_fractions(members, resp.district, period_hours=hours, job_min=per_call)
    idx = np.flatnonzero(has)
    counts = reach_counts(net, run.snapped[idx], demand, jur.driving_min)
    w = demand.cells["weight"].to_numpy(np.float64)
    q = busy.system
    out["busy"] = {
        "period_hours": hours,
        "job_min_source": busy.job_min_source,
        "system": _num(q),
        "stations": _rows(busy.table, "station"),
        "expected_coverage": {
            "independent": _num(expected_coverage(counts, w, q)),
            "hypercube": _num(expected_coverage(counts, w, q, "hypercube", max(len(idx), 1))),
            "plain": _num(expected_coverage(counts, w, 0.0)),
        },
    }
    return out


# ------------------------------------------------------------------------------- text ---


def _p(x: float | None) -> str:
    return "—" if x is None else pct(x, decimals=1)


def _m(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _lines(fig: dict[str, Any], g: Glossary) -> list[str]:
    """The section's sentences (without tables)."""
    lines: list[str] = []
    inc, busy, pop = fig.get("incidents"), fig.get("busy"), fig.get("population")
    if inc is not None:
        p90 = "—" if inc["p90_min"] is None else _m(inc["p90_min"])
        lines.append(
            g(
                "inc_line",
                n=inc["n"],
                source=inc["source"],
                budget=inc["budget_min"],
                share=_p(inc["reached_share"]),
                p90=p90,
            )
        )
        if inc["unreached"]:
            lines.append(g("inc_unreached", n=inc["unreached"], limit=inc["search_driving_min"]))
    if busy is not None:
        n = len(busy["stations"])
        q = float(busy["system"] or 0.0)
        zh_src, en_src = g.pair(f"busy_job_{busy['job_min_source']}")
        calls = sum(int(s["calls"]) for s in busy["stations"])
        job = sum(float(s["job_min"]) * int(s["calls"]) for s in busy["stations"]) / max(calls, 1)
        kw = {
            "q": f"{q:.3f}",
            "hours": busy["period_hours"],
            "n": n,
            "job": f"{job:.0f}",
            "engine_h": f"{q * busy['period_hours']:.1f}",
        }
        zh, _ = g.pair("busy_line", job_source=zh_src, **kw)
        _, en = g.pair("busy_line", job_source=en_src, **kw)
        lines.append(g.join(zh, en))
        e = busy["expected_coverage"]
        lines.append(
            g(
                "expected_line",
                independent=_p(e["independent"]),
                hypercube=_p(e["hypercube"]),
                plain=_p(e["plain"]),
            )
        )
        lines.append(g("expected_note"))
    if pop is not None and pop["total"]:
        lines.append(
            g(
                "pop_line",
                total=figure(pop["total"], 0),
                reached=figure(pop["reached"], 0),
                share=_p(pop["reached_share"]),
                budget=pop["budget_min"],
                per100k=f"{pop['stations_per_100k']:.2f}",
                n=pop["stations"],
            )
        )
    return lines


def _tables(fig: dict[str, Any], g: Glossary) -> list[Table]:
    tables: list[Table] = []
    inc, busy = fig.get("incidents"), fig.get("busy")
    cols = (g("inc_col_n"), g("inc_col_reached"), g("inc_col_share"), g("inc_col_p90"))
    fmts = ("0", "0", "0.0%", "0.0")
    if inc is not None:
        for key, caption, head, sheet in (
            ("by_district", "inc_by_district", "inc_col_station", "警情_辖区"),
            ("by_type", "inc_by_type", "inc_col_type", "警情_类型"),
        ):
            rows = tuple(
                (
                    r["station" if key == "by_district" else "type"],
                    r["n"],
                    r["reached"],
                    r["reached_share"],
                    r["p90_min"],
                )
                for r in inc[key]
            )
            tables.append(Table(g(caption), (g(head), *cols), rows, ("@", *fmts), sheet))
    if busy is not None:
        brows = tuple(
            (r["station"], r["calls"], r["job_min"], r["busy_fraction"]) for r in busy["stations"]
        )
        tables.append(
            Table(
                g("busy_caption"),
                (g("inc_col_station"), g("busy_col_calls"), g("busy_col_job"), g("busy_col_busy")),
                brows,
                ("@", "0", "0", "0.0%"),
                "忙碌率",
            )
        )
    return tables


def _md_table(t: Table) -> list[str]:
    def cell(v: Any, fmt: str | None) -> str:
        if v is None:
            return "—"
        if fmt == "0.0%":
            return pct(float(v), decimals=1)
        if fmt == "0.0":
            return f"{float(v):.1f}"
        return str(v)

    out = [
        f"**{t.caption}**",
        "",
        "| " + " | ".join(t.columns) + " |",
        "|" + "---|" * len(t.columns),
    ]
    out += [
        "| " + " | ".join(cell(v, t.format_of(i)) for i, v in enumerate(r)) + " |" for r in t.rows
    ]
    return [*out, ""]


def demand_markdown(fig: dict[str, Any] | None, g: Glossary, level: int = 2) -> list[str]:
    """Markdown lines of the section (nothing when there is no figure)."""
    if not fig or not any(fig.get(k) for k in ("incidents", "busy", "population")):
        return []
    out = [f"{'#' * level} {g('demand_heading')}", ""]
    out += [f"{line}\n" for line in _lines(fig, g)]
    for t in _tables(fig, g):
        out += _md_table(t)
    return out


def demand_sections(fig: dict[str, Any] | None, g: Glossary) -> list[Section]:
    """The section for the Word / Excel deliverables (empty without figures)."""
    if not fig or not any(fig.get(k) for k in ("incidents", "busy", "population")):
        return []
    blocks: list[Any] = [Paragraph(line) for line in _lines(fig, g)]
    blocks += _tables(fig, g)
    return [Section(g("demand_heading"), tuple(blocks))]


def incident_demand(demand: DemandSurface, incidents: IncidentRecords) -> DemandSurface:
    """``demand`` with the incidents per cell as its weights (siting on the call records)."""
    import dataclasses

    from firecover.analysis.incidents import incident_weights

    cells = demand.cells.copy()
    cells["weight"] = incident_weights(demand, incidents)
    return dataclasses.replace(demand, cells=cells)


def siting_busy_fraction(
    incidents: IncidentRecords | None,
    n_open: int,
    *,
    busy_fraction: float | None = None,
    period_hours: float | None = None,
    job_min: float | None = None,
) -> float | None:
    """MEXCLP's ``q``: ``busy_fraction`` if given, else the calls' engine hours ÷ (period ×
    ``n_open`` stations) (``None`` without either)."""
    from firecover._errors import DataFormatError
    from firecover.settings import resolve

    if busy_fraction is not None or incidents is None:
        return busy_fraction
    hours = period_hours if period_hours is not None else incidents.period_hours()
    if hours is None:
        raise DataFormatError(
            f"{incidents.source}: the calls have no times to measure the period; give "
            "--period-hours or --busy-fraction"
        )
    default = float(resolve(None, "incident_job_min"))
    job = np.where(np.isfinite(incidents.job_min), incidents.job_min, default)
    if job_min is not None:
        job = np.full(len(incidents), float(job_min))
    return system_busy(len(incidents), n_open, hours, job)
