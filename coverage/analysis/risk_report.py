"""Risk objects and reinforcements (增援) in a report: loading ``--risk``, timing, Markdown.

:func:`load_risk_layer` reads ``--risk FILE|osm`` (a planner's file, an ``.osm``/``.pbf``
file, or ``osm``: the OpenStreetMap file the road graph came from) and keeps the objects inside
the planning area. :func:`risk_summary` times every object for each labelled coverage run (plan
years in ``evaluate``; before / after in ``site``) with
:func:`firecover.analysis.reinforce.risk_response`, and the 2nd / 3rd arrival of every demand
cell for the last run. Its dict is ``report.json``'s ``risk`` entry:

* ``source``, ``n_objects``, ``classes`` (per class: counts, required time and station class,
  reinforcement standard, basis, how many are late / short of reinforcement in the last run);
* ``years``: per run ``late`` and ``reinforce_short`` counts (``year`` is the run's label);
* ``late``: every object outside its required time in the last run and which station reaches
  it first; ``reinforce_short``: every object short of its reinforcement standard;
* ``cells``: km² reached by the 1st / 2nd / 3rd station within the budget (last run).

The last run's timed layer is kept under the private key ``_layer`` and the cells' third
arrival under ``_third_min`` (for maps and files; left out of report.json).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from firecover._display import TOL, at_most, figure
from firecover._errors import DataFormatError
from firecover.analysis.demand import DemandSurface
from firecover.analysis.reinforce import cell_reinforcement, risk_response, risk_targets
from firecover.analysis.risk import read_risk_objects
from firecover.analysis.risk_classes import load_risk_classes
from firecover.analysis.risk_osm import is_osm_file, osm_risk_objects
from firecover.analysis.run import CoverageRun
from firecover.network.csr import CSRNetwork
from firecover.outputs.glossary import Glossary

__all__ = ["load_risk_layer", "risk_markdown", "risk_summary"]

log = logging.getLogger(__name__)


def load_risk_layer(
    risk: str | os.PathLike[str],
    crs: str,
    *,
    graph_file: str | os.PathLike[str] | None = None,
    boundary: Any = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """The risk objects of ``--risk`` in ``crs`` (inside ``boundary``) and a source note.

    ``risk`` = ``"osm"`` derives them from ``graph_file`` (the road graph's .osm/.pbf).
    """
    if str(risk).strip().lower() == "osm":
        if graph_file is None or not is_osm_file(graph_file):
            raise DataFormatError(
                "--risk osm reads the OpenStreetMap file the road graph came from, but the "
                "graph is not an .osm/.pbf file; give --risk FILE (CSV/GPKG/SHP/GeoJSON or .pbf)"
            )
        risk = graph_file
    if is_osm_file(risk):
        layer = osm_risk_objects(risk, crs, clip=boundary)
        return layer, f"OpenStreetMap tags of {Path(risk).name} (rules: data/risk_rules.toml)"
    layer = read_risk_objects(risk, crs)
    if boundary is not None and len(layer):
        inside = layer.intersects(boundary)
        if not inside.all():
            log.warning(
                "%d risk object(s) outside the planning area are left out", int((~inside).sum())
            )
        layer = layer[inside].reset_index(drop=True)
    return layer, f"file {Path(risk).name}"


def _num(x: float) -> float | None:
    return round(float(x), 3) if math.isfinite(float(x)) else None


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.risk_id,
        "name": r["name"],
        "class": r.risk_class,
        "class_zh": r.class_zh,
        "required_min": _num(r.required_min),
        "required_station": r.required_station,
        "required_by": r.required_by or None,
        "required_by_min": _num(r.required_by_min),
        "first_station": r.first_station or None,
        "first_min": _num(r.first_min),
        "second_station": r.second_station or None,
        "second_min": _num(r.second_min),
        "third_station": r.third_station or None,
        "third_min": _num(r.third_min),
        "reinforce_stations": int(r.reinforce_stations),
        "reinforce_min": _num(r.reinforce_min),
        "reinforce_count": int(r.reinforce_count),
        "on_time": bool(r.on_time),
        "reinforce_ok": bool(r.reinforce_ok),
    }


def _timed(
    net: CSRNetwork, run: CoverageRun, objects: gpd.GeoDataFrame, targets: Any
) -> gpd.GeoDataFrame:
    return risk_response(
        net,
        [s.name for s in run.stations],
        [s.class_key for s in run.stations],
        run.snapped,
        objects,
        turnout_min=float(run.layers.meta.turnout_min),
        targets=targets,
    )


def risk_summary(
    net: CSRNetwork,
    runs: Sequence[tuple[Any, CoverageRun]],
    demand: DemandSurface,
    objects: gpd.GeoDataFrame,
    source: str,
) -> dict[str, Any]:
    """The ``risk`` entry for ``runs`` = ``[(label, CoverageRun), …]`` (see the module notes)."""
    if not runs:
        raise ValueError("risk_summary needs at least one coverage run")
    targets = risk_targets(net, objects) if len(objects) else None
    years, final = [], None
    for label, run in runs:
        timed = _timed(net, run, objects, targets)
        years.append(
            {
                "year": label,
                "late": int((~timed["on_time"]).sum()),
                "reinforce_short": int((~timed["reinforce_ok"]).sum()),
            }
        )
        final = timed
    assert final is not None
    classes = load_risk_classes()
    per_class = []
    for key, grp in final.groupby("risk_class", sort=False):
        c = classes.get(str(key))
        per_class.append(
            {
                "class": str(key),
                "zh": c.zh,
                "en": c.en,
                "count": len(grp),
                "required_min": c.required_min,
                "required_station": c.required_station,
                "reinforce_stations": c.reinforce_stations,
                "reinforce_min": c.reinforce_min,
                "late": int((~grp["on_time"]).sum()),
                "reinforce_short": int((~grp["reinforce_ok"]).sum()),
                "basis": c.basis,
                "basis_zh": c.basis_zh,
            }
        )
    run = runs[-1][1]
    budget = float(run.layers.meta.turnout_min + run.layers.meta.driving_min)
    mins, _ = cell_reinforcement(
        net, run.snapped, demand.points, turnout_min=float(run.layers.meta.turnout_min)
    )
    area = demand.cells["area_km2"].to_numpy(np.float64)
    ok = mins <= budget + TOL
    cells = {
        "budget_min": budget,
        "area_km2": round(float(area.sum()), 4),
        **{
            f"{w}_within_budget_km2": round(float(area[ok[:, i]].sum()), 4)
            for i, w in enumerate(("first", "second", "third"))
        },
    }
    return {
        "source": source,
        "n_objects": len(final),
        "point_rule": "polygons timed at a point inside them (shapely point_on_surface)",
        "classes": per_class,
        "years": years,
        "late": [_row(r) for _, r in final[~final["on_time"]].iterrows()],
        "reinforce_short": [_row(r) for _, r in final[~final["reinforce_ok"]].iterrows()],
        "cells": cells,
        "_layer": final,
        "_third_min": mins[:, 2],
    }


def _station_label(key: str, g: Glossary) -> str:
    if not key:
        return g("risk_any_station")
    from firecover.standards.check import station_class

    try:
        return station_class(key).zh_short if g.lang != "en" else key
    except Exception:
        return key


def risk_markdown(risk: dict[str, Any] | None, g: Glossary) -> list[str]:
    """Markdown lines of the section (nothing without ``--risk``)."""
    if not risk:
        return []
    out = [
        f"## {g('risk_heading')}\n",
        g("risk_source", n=risk["n_objects"], source=risk["source"]) + "\n",
        f"| {g('risk_class')} | {g('risk_count')} | {g('risk_required')} | "
        f"{g('risk_late')} | {g('risk_reinforce')} | {g('risk_short')} | {g('risk_basis')} |",
        "|---|---:|---|---:|---|---:|---|",
    ]
    for c in risk["classes"]:
        req = f"{c['required_min']:g} min, {_station_label(c['required_station'], g)}"
        rf = (
            g("risk_reinforce_std", k=c["reinforce_stations"], m=c["reinforce_min"])
            if c["reinforce_stations"]
            else "—"
        )
        out.append(
            f"| {g.join(c['zh'], c['en'])} | {c['count']} | {req} | {c['late']} | {rf} "
            f"| {c['reinforce_short']} | {g.join(c['basis_zh'], c['basis'])} |"
        )
    head = g(risk.get("run_label", "year"))
    out += ["", f"| {head} | {g('risk_late')} | {g('risk_short')} |", "|---|---:|---:|"]
    out += [f"| {y['year']} | {y['late']} | {y['reinforce_short']} |" for y in risk["years"]]
    out += ["", f"### {g('risk_late_heading')}\n"]
    if not risk["late"]:
        out.append(g("risk_none") + "\n")
    else:
        out += [
            f"| {g('risk_object')} | {g('risk_class')} | {g('risk_required')} | "
            f"{g('risk_first')} | {g('risk_required_by')} |",
            "|---|---|---|---|---|",
        ]
        for r in risk["late"]:
            first = f"{r['first_station'] or '—'} {_minutes(r['first_min'], None)}"
            by = (
                f"{r['required_by']} {_minutes(r['required_by_min'], r['required_min'])}"
                if r["required_by"]
                else g("risk_no_required")
            )
            out.append(
                f"| {r['name']} | {r['class_zh']} | {r['required_min']:g} min "
                f"{_station_label(r['required_station'], g)} | {first} | {by} |"
            )
    out += ["", f"### {g('risk_short_heading')}\n"]
    if not risk["reinforce_short"]:
        out.append(g("risk_none") + "\n")
    else:
        out += [
            f"| {g('risk_object')} | {g('risk_class')} | {g('risk_reinforce')} | "
            f"{g('risk_arrivals')} |",
            "|---|---|---|---|",
        ]
        for r in risk["reinforce_short"]:
            arr = " / ".join(
                f"{s or '—'} {_minutes(m, r['reinforce_min'])}"
                for s, m in (
                    (r["first_station"], r["first_min"]),
                    (r["second_station"], r["second_min"]),
                    (r["third_station"], r["third_min"]),
                )
            )
            std = g("risk_reinforce_std", k=r["reinforce_stations"], m=r["reinforce_min"])
            out.append(
                f"| {r['name']} | {r['class_zh']} | {std} ({r['reinforce_count']}) | {arr} |"
            )
    c = risk["cells"]
    out += [
        "",
        g(
            "risk_cells",
            budget=c["budget_min"],
            area=figure(c["area_km2"]),
            second=figure(c["second_within_budget_km2"]),
            third=figure(c["third_within_budget_km2"]),
        ),
        "",
    ]
    return out


def _minutes(x: float | None, limit: float | None) -> str:
    if x is None:
        return "—"
    return f"{at_most(x, limit)} min"


def _objects_table(rows: list[dict[str, Any]], g: Glossary, caption: str, sheet: str) -> Any:
    from firecover.outputs.document import Table

    cols = (
        g("risk_object"),
        g("risk_class"),
        g.join("要求时间（分钟）", "Required (min)"),
        g("risk_first"),
        g.join("首到（分钟）", "First (min)"),
        g.join("第二到场（分钟）", "2nd (min)"),
        g.join("第三到场（分钟）", "3rd (min)"),
        g("risk_required_by"),
        g.join("要求站类到达（分钟）", "Required class (min)"),
        g.join("增援站数", "Reinforcing stations"),
    )
    body = tuple(
        (
            r["name"],
            r["class_zh"],
            r["required_min"],
            r["first_station"],
            r["first_min"],
            r["second_min"],
            r["third_min"],
            r["required_by"] or g("risk_no_required"),
            r["required_by_min"],
            r["reinforce_count"],
        )
        for r in rows
    )
    fmt = (None, None, "0.0", None, "0.00", "0.00", "0.00", None, "0.00", "0")
    return Table(caption, cols, body, fmt, sheet=sheet, word_columns=(0, 1, 2, 3, 4, 7, 8))


def risk_tables(risk: dict[str, Any] | None, g: Glossary) -> tuple[Any, ...]:
    """Workbook-only tables: every risk object with its arrivals (sheet 风险对象)."""
    if not risk or "_layer" not in risk:
        return ()
    rows = [_row(r) for _, r in risk["_layer"].iterrows()]
    sheet = g.join("风险对象", "Risk objects")
    return (_objects_table(rows, g, g("risk_layer"), sheet),)


def risk_sections(
    risk: dict[str, Any] | None, g: Glossary, figures: Sequence[tuple[Path, str]] = ()
) -> list[Any]:
    """The Word / Excel section (document model, :mod:`firecover.outputs.document`)."""
    if not risk:
        return []
    from firecover.outputs.document import Figure, Paragraph, Section, Table

    classes = Table(
        g("risk_heading"),
        (
            g("risk_class"),
            g("risk_count"),
            g.join("要求时间（分钟）", "Required (min)"),
            g.join("要求站类", "Required class"),
            g("risk_late"),
            g("risk_reinforce"),
            g("risk_short"),
            g("risk_basis"),
        ),
        tuple(
            (
                g.join(c["zh"], c["en"]),
                c["count"],
                c["required_min"],
                _station_label(c["required_station"], g),
                c["late"],
                g("risk_reinforce_std", k=c["reinforce_stations"], m=c["reinforce_min"])
                if c["reinforce_stations"]
                else None,
                c["reinforce_short"],
                g.join(c["basis_zh"], c["basis"]),
            )
            for c in risk["classes"]
        ),
        (None, "0", "0.0", None, "0", None, "0", None),
        sheet=g.join("风险类别", "Risk classes"),
    )
    years = Table(
        g.join("超时与增援不足", "Late and short of reinforcement"),
        (g(risk.get("run_label", "year")), g("risk_late"), g("risk_short")),
        tuple((str(y["year"]), y["late"], y["reinforce_short"]) for y in risk["years"]),
        (None, "0", "0"),
    )
    blocks: list[Any] = [
        Paragraph(g("risk_source", n=risk["n_objects"], source=risk["source"])),
        classes,
        years,
    ]
    for key, heading, sheet in (
        ("late", "risk_late_heading", ("超时对象", "Late objects")),
        ("reinforce_short", "risk_short_heading", ("增援不足", "Short of reinforcement")),
    ):
        if risk[key]:
            blocks.append(_objects_table(risk[key], g, g(heading), g.join(*sheet)))
        else:
            blocks.append(Paragraph(f"{g(heading)}：{g('risk_none')}"))
    c = risk["cells"]
    blocks.append(
        Paragraph(
            g(
                "risk_cells",
                budget=c["budget_min"],
                area=figure(c["area_km2"]),
                second=figure(c["second_within_budget_km2"]),
                third=figure(c["third_within_budget_km2"]),
            )
        )
    )
    blocks += [Figure(p, caption) for p, caption in figures if Path(p).is_file()]
    return [Section(g("risk_heading"), tuple(blocks))]
