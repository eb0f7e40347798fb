"""``firecover sequence``: scenario in; ``sequence.md`` / ``sequence.json`` and a year-by-year map
strip (``sequence_strip.png``) out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from firecover._io import check_not_input, write_text_atomic
from firecover._version import __version__
from firecover.analysis.run import roads_layer
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.panels import Overlay, Panel, render_panels
from firecover.plan.sequence import SequenceResult, sequence_scenario
from firecover.siting.multiperiod import NEVER

__all__ = ["sequence_from_files", "sequence_json", "sequence_markdown"]

PathLike = str | os.PathLike[str]


def _starts(r: SequenceResult) -> dict[str, dict[str, int | None]]:
    out: dict[str, dict[str, int | None]] = {}
    ps = r.plan.start() if r.plan is not None else None
    bs = r.best.start()
    for j, (name, kind) in enumerate(zip(r.names, r.kinds, strict=True)):
        if kind not in ("project", "candidate"):
            continue
        plan_y = None if ps is None or ps[j] == NEVER else r.years[ps[j]]
        best_y = None if bs[j] == NEVER else r.years[bs[j]]
        if kind == "candidate" and best_y is None:
            continue
        out[name] = {"plan": plan_y, "best": best_y}
    return out


def sequence_json(r: SequenceResult, *, title: str) -> str:
    """The JSON report: years, capacity, per-year coverage, both schedules, the headline."""
    doc = {
        "title": title,
        "firecover_version": __version__,
        "synthetic": r.synthetic,
        "mode": "multi-period siting" if r.free else "sequencing",
        "unit": f"{r.unit}·years",
        "years": r.years,
        "capacity_per_year": r.capacity,
        "plan_total": None if r.plan is None else round(r.plan.objective, 6),
        "best_total": round(r.best.objective, 6),
        "status": r.best.status,
        "plan_by_year": None if r.plan is None else [round(v, 6) for v in r.by_year(r.plan)],
        "best_by_year": [round(v, 6) for v in r.by_year(r.best)],
        "sites": _starts(r),
        "headline": r.headline(),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def sequence_markdown(r: SequenceResult, *, title: str) -> str:
    """Bilingual Markdown: the headline, the per-year table and the project years."""
    out = [f"# {title}\n"]
    if r.synthetic:
        out.append(f"> **{SYNTHETIC_LABEL}** — this report describes invented data.\n")
    mode = (
        "多期选址 Multi-period siting (free candidates, existing fixed)"
        if r.free
        else "建设时序 Sequencing the plan's projects"
    )
    out.append(
        f"{mode}; objective: {r.unit} reached within the driving budget, summed over "
        f"{r.years[0]}–{r.years[-1]}; at most {', '.join(f'{c:g}' for c in r.capacity)} "
        f"new station(s) per year; exact MILP ({r.best.status}).\n"
    )
    out.append(f"**{r.headline()}**\n")
    out += [
        "| 年份 Year | 规划顺序 Plan order | 最优 Best | 新增 Opened (best) |",
        "|---|---:|---:|---|",
    ]
    plan_y = r.by_year(r.plan) if r.plan is not None else [float("nan")] * len(r.years)
    best_y = r.by_year(r.best)
    bs = r.best.start()
    for t, y in enumerate(r.years):
        opened = [
            r.names[j]
            for j in range(len(r.names))
            if bs[j] == t and r.kinds[j] in ("project", "candidate")
        ]
        out.append(f"| {y} | {plan_y[t]:.2f} | {best_y[t]:.2f} | {', '.join(opened) or '—'} |")
    out += ["", "| 项目 Project | 规划年份 Plan year | 最优年份 Best year |", "|---|---:|---:|"]
    for name, s in _starts(r).items():
        out.append(f"| {name} | {s['plan'] or '—'} | {s['best'] or '—'} |")
    out.append(f"\n_firecover {__version__}_\n")
    return "\n".join(out)


def _strip(r: SequenceResult, path: Path, title: str, roads: Any, inputs: list[Path]) -> None:
    cells = r.cells
    cov = (r.coverage.astype(np.int64) @ r.best.x.astype(np.int64)) > 0
    bs = r.best.start()
    xs, ys = r.sites_xy
    panels = []
    for t, y in enumerate(r.years):
        on = r.best.x[:, t]
        new = on & np.array(
            [bs[j] == t and r.kinds[j] in ("project", "candidate") for j in range(len(r.names))]
        )
        st = gpd.GeoDataFrame(
            {"name": np.array(r.names, dtype=object)[on & ~new]},
            geometry=shapely.points(xs[on & ~new], ys[on & ~new]),
            crs=r.crs,
        )
        nw = gpd.GeoDataFrame(
            {"name": np.array(r.names, dtype=object)[new]},
            geometry=shapely.points(xs[new], ys[new]),
            crs=r.crs,
        )
        panels.append(
            Panel(
                f"{y}",
                [
                    Overlay(
                        cells[cov[:, t]], "Reached in time", "按时可达", color="#66bb6a", alpha=0.45
                    ),
                    Overlay(
                        cells[~cov[:, t] & (r.weights[:, t] > 0)],
                        "Not reached",
                        "未覆盖",
                        color="#ef5350",
                        alpha=0.35,
                    ),
                    Overlay(
                        st,
                        "Station in service",
                        "在役消防站",
                        kind="point",
                        color="#37474f",
                        size=18,
                    ),
                    Overlay(
                        nw,
                        "Opens this year",
                        "当年新建",
                        kind="point",
                        color="#c62828",
                        marker="*",
                        size=90,
                        label_column="name",
                        zorder=9,
                    ),
                ],
            )
        )
    render_panels(
        path,
        panels,
        title=title,
        subtitle=r.headline(),
        roads=roads,
        synthetic=r.synthetic,
        crs=r.crs,
        inputs=inputs,
    )


def sequence_from_files(
    scenario: PathLike,
    out_dir: PathLike,
    *,
    graph: PathLike | None = None,
    boundary: PathLike | None = None,
    cell_size_m: float | None = None,
    **kw: Any,
) -> tuple[SequenceResult, dict[str, Path]]:
    """The ``sequence`` command: load the scenario's inputs, solve, write the reports."""
    from firecover.plan.files import _prepare

    sc, inp, _, srcs = _prepare(scenario, graph, boundary, cell_size_m)
    res = sequence_scenario(sc, inp, **kw)
    out = Path(out_dir)
    inputs = [*srcs, *(Path(p) for p in (kw.get("candidates"), kw.get("new_area")) if p)]
    paths = {
        "json": out / "sequence.json",
        "md": out / "sequence.md",
        "png": out / "sequence_strip.png",
    }
    for p in paths.values():
        check_not_input(p, inputs)
    title = f"{sc.name_zh or sc.name} — 建设时序 Build order"
    write_text_atomic(paths["json"], sequence_json(res, title=title))
    write_text_atomic(paths["md"], sequence_markdown(res, title=title))
    _strip(res, paths["png"], title, roads_layer(inp.net), inputs)
    return res, paths
