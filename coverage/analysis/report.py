"""Coverage reports: a JSON document and a bilingual Markdown page for one or more runs."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from firecover._display import at_most, figure, pct
from firecover._version import __version__
from firecover.analysis.run import CoverageRun
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.text import markdown_safe

__all__ = ["coverage_markdown", "coverage_report", "report_json"]


def _num(x: float | None, spec: str = ".2f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return format(x, spec)


def coverage_report(run: CoverageRun, *, label: str | None = None) -> dict[str, Any]:
    """JSON-ready facts of one run: budget, district summary, station checks, gaps.

    Keys: ``label``, ``synthetic``, ``budget_minutes`` {``turnout``, ``driving``},
    ``district`` (:meth:`DistrictSummary.to_dict`), ``stations`` (one
    :meth:`StationCheck.to_dict` each, plus ``status``, ``year`` and ``snap_m``),
    ``gaps`` {``parts``, ``km2``, ``largest_km2``}, ``warnings``.
    """
    meta = run.layers.meta
    gaps = run.layers.gaps
    stations = []
    for spec, check, snap in zip(run.stations, run.checks, run.snapped.distance_m, strict=True):
        d = check.to_dict()
        d.update(status=spec.status, year=spec.year, snap_m=round(float(snap), 1))
        stations.append(d)
    return {
        "label": label or meta.title,
        "synthetic": meta.synthetic,
        "budget_minutes": {"turnout": meta.turnout_min, "driving": meta.driving_min},
        "district": run.summary.to_dict(),
        "stations": stations,
        "gaps": {
            "parts": len(gaps),
            "km2": round(float(gaps["area_km2"].sum()), 4) if len(gaps) else 0.0,
            "largest_km2": round(float(gaps["area_km2"].max()), 4) if len(gaps) else 0.0,
        },
        "warnings": list(run.jurisdictions.warnings),
        "turn_model": meta.turn_model,
        "travel_time_model": meta.travel_model,
    }


def report_json(runs: Sequence[tuple[str, CoverageRun]], *, title: str) -> str:
    """Serialise several labelled runs (e.g. one per plan year) as one JSON document."""
    doc = {
        "title": title,
        "firecover_version": __version__,
        "synthetic": any(r.layers.meta.synthetic for _, r in runs),
        "runs": [coverage_report(r, label=label) for label, r in runs],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _station_head(budget_min: float) -> str:
    """Header of the station table; the share column names the run's response budget."""
    return (
        "| 消防站 Station | 类别 Class | 状态 Status | 辖区 District km² | 限值 Limit km² "
        f"| 最远到达 Slowest arrival (min) | {budget_min:g}分钟到达 Reached share | 结论 Result |\n"
        "|---|---|---|---:|---:|---:|---:|---|\n"
    )


def _station_rows(run: CoverageRun) -> str:
    rows = []
    for spec, c in zip(run.stations, run.checks, strict=True):
        verdict = c.verdict_label + (": " + "; ".join(c.reasons) if c.verdict == "fail" else "")
        share = "—" if not math.isfinite(c.reached_share) else pct(c.reached_share)
        name = c.name + (" ≈" if spec.approximate else "")
        rows.append(
            f"| {name} | {c.class_zh} | {spec.status} "
            f"| {at_most(c.jurisdiction_km2, c.limit_km2)} | {figure(c.limit_km2)} "
            f"| {at_most(c.max_arrival_min, c.budget_min)} | {share} | {verdict} |"
        )
    return "\n".join(rows) + "\n"


def _run_section(label: str, run: CoverageRun) -> str:
    s = run.summary
    gaps = run.layers.gaps
    lines = [
        f"## {label}\n",
        f"- 规划面积 Planning area: **{figure(s.area_km2)} km²**",
        f"- {run.budget_min:g} 分钟可达 Reached within {run.budget_min:g} min: "
        f"**{figure(s.covered_km2)} km² ({pct(s.covered_share, decimals=1)})**; "
        f"未覆盖 uncovered {figure(s.uncovered_km2)} km² in {len(gaps)} gap(s), "
        f"largest {figure(float(gaps['area_km2'].max()) if len(gaps) else 0.0)} km²",
        f"- 按面积应建站数 Stations needed by area alone (ceil(area / {s.limit_km2:g} km²)): "
        f"**{s.stations_needed}**; counted stations {s.stations_counted}, "
        f"shortfall {s.shortfall}",
        f"- 不达标站 Non-compliant stations: "
        f"{', '.join(c.name for c in run.checks if not c.compliant) or 'none 无'}",
        "",
        _station_head(run.budget_min) + _station_rows(run),
        "≈ = location approximate. Figures are rounded towards their verdict (a failing km² or "
        "minute up, a passing one down, shares down).\n",
    ]
    notes = run.layers.meta.notes
    if notes or run.jurisdictions.warnings or any(c.warnings for c in run.checks):
        lines.append("Notes 说明:\n")
        lines += [f"- Road graph 路网: {w}" for w in notes]
        lines += [f"- {w}" for w in run.jurisdictions.warnings]
        lines += [f"- {c.name}: {w}" for c in run.checks for w in c.warnings]
        lines.append("")
    return "\n".join(lines) + "\n"


def coverage_markdown(runs: Sequence[tuple[str, CoverageRun]], *, title: str,
                      escape: bool = True) -> str:  # fmt: skip
    """A bilingual Markdown report of several labelled runs.

    Names are escaped (:func:`~firecover.outputs.text.markdown_safe`) unless ``escape`` is
    false (for a page that embeds this one and escapes itself).
    """
    text = _coverage_markdown(runs, title=title)
    return markdown_safe(text) if escape else text


def _coverage_markdown(runs: Sequence[tuple[str, CoverageRun]], *, title: str) -> str:
    first = runs[0][1].layers.meta
    head = [f"# {title}\n"]
    if any(r.layers.meta.synthetic for _, r in runs):
        head.append(f"> **{SYNTHETIC_LABEL}** — this report describes invented data.\n")
    head.append(
        f"Response budget 响应时间: {first.turnout_min:g} min turnout 出动 + "
        f"{first.driving_min:g} min driving 行车 = {first.turnout_min + first.driving_min:g} min "
        "from the dispatch order (GB 51080-2015 §4.1.3; 建标152-2017). "
        "Arrival times are measured to demand-cell centres on the road network.\n"
    )
    if first.travel_model:
        head.append(f"{first.travel_model}\n")
    body = [_run_section(label, run) for label, run in runs]
    foot = f"\n_firecover {__version__}_\n"
    return "\n".join(head) + "\n" + "".join(body) + foot
