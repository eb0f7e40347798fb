"""``firecover audit`` from files: drawn districts in, ``audit.md`` / ``audit.json`` /
``audit.gpkg`` / ``audit.png`` out (the report formats of ``evaluate``)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from firecover._errors import DataFormatError
from firecover._io import check_not_input, write_text_atomic
from firecover._version import __version__
from firecover.analysis.area import read_boundary, read_layer
from firecover.analysis.audit import AuditResult, audit_districts
from firecover.analysis.files import load_inputs
from firecover.analysis.stations import read_stations_file
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.panels import Overlay, Panel, render_panels

__all__ = ["NAME_COLUMNS", "audit_from_files", "audit_json", "audit_markdown", "write_audit"]

PathLike = str | os.PathLike[str]
#: Column names tried, in order, for the station a drawn district belongs to.
NAME_COLUMNS = ("station", "站名", "name", "名称", "消防站", "辖区")


def _f(x: float | None, spec: str = ".2f") -> str:
    if x is None or not math.isfinite(x):
        return "—" if x is None or math.isnan(x) else "∞"
    return format(x, spec)


def _json_num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def audit_json(res: AuditResult, *, title: str) -> str:
    """The JSON report: budget, per-district findings, overlaps, holes, ``compliant``."""
    doc = {
        "title": title,
        "firecover_version": __version__,
        "synthetic": res.synthetic,
        "budget_minutes": {"turnout": res.turnout_min, "driving": res.driving_min},
        "planning_km2": round(res.planning_km2, 6),
        "compliant": res.compliant,
        "districts": [
            {
                "station": d.station,
                "drawn_km2": round(d.drawn_km2, 6),
                "limit_km2": d.check.limit_km2,
                "reached_km2": round(d.reached_km2, 6),
                "reached_share": _json_num(d.reached_share),
                "unreachable_km2": round(d.unreachable_km2, 6),
                "max_arrival_min": _json_num(d.max_arrival_min),
                "sooner_km2": {k: round(v, 6) for k, v in d.sooner.items()},
                "barriers_m": {k: round(v, 1) for k, v in d.barriers.items()},
                "across_barrier_km2": round(d.across_barrier_km2, 6),
                "check": d.check.to_dict(),
            }
            for d in res.districts
        ],
        "overlaps": [
            {"a": r.a, "b": r.b, "area_km2": round(r.area_km2, 6)}
            for r in res.layers["overlaps"].itertuples()
        ],
        "holes": {"parts": len(res.layers["holes"]), "km2": round(res.hole_km2, 6)},
        "stations_without_district": res.without_district,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def audit_markdown(res: AuditResult, *, title: str) -> str:
    """A bilingual Markdown page: the district table, then overlaps, holes and barriers."""
    out = [f"# {title}\n"]
    if res.synthetic:
        out.append(f"> **{SYNTHETIC_LABEL}** — this report describes invented data.\n")
    out.append(
        f"Response budget 响应时间: {res.turnout_min:g} min turnout 出动 + {res.driving_min:g} min "
        f"driving 行车 = {res.budget_min:g} min (GB 51080-2015 §4.1.3; 建标152-2017). Drawn "
        "districts 手绘辖区 audited on the road network; planning area "
        f"{res.planning_km2:.2f} km². "
        f"Result 结论: **{'达标 pass' if res.compliant else '不达标 FAIL'}**.\n"
    )
    out += [
        "| 消防站 Station | 辖区 Drawn km² | 限值 Limit km² | 本站可达 Own reach "
        f"({res.budget_min:g} min) | 不可达 Unreachable km² | 最远到达 Slowest (min) "
        "| 他站更快 Reached sooner by | 结论 Result |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for d in res.districts:
        sooner = ", ".join(
            f"{k} {v:.2f} km²" for k, v in sorted(d.sooner.items(), key=lambda kv: -kv[1])
        )
        verdict = "达标 pass" if d.check.compliant else "不达标 FAIL: " + "; ".join(d.check.reasons)
        out.append(
            f"| {d.station} | {d.drawn_km2:.2f} | {_f(d.check.limit_km2, 'g')} | "
            f"{_f(100 * d.reached_share, '.0f')} % | {d.unreachable_km2:.2f} | "
            f"{_f(d.max_arrival_min)} | {sooner or '—'} | {verdict} |"
        )
    ov = res.layers["overlaps"]
    out += [
        "",
        f"## 重叠 Overlaps between drawn districts: {len(ov)} ({res.overlap_km2:.3f} km²)",
        "",
    ]
    out += [f"- {r.a} ∩ {r.b}: {r.area_km2:.3f} km²" for r in ov.itertuples()] or ["- none 无"]
    holes = res.layers["holes"]
    out += [
        "",
        f"## 空白 Holes (planning area in no district): {len(holes)} part(s), "
        f"{res.hole_km2:.3f} km²",
        "",
    ]
    out += [
        f"- {r.area_km2:.3f} km²"
        for r in holes.sort_values("area_km2", ascending=False).itertuples()
    ]
    if holes.empty:
        out.append("- none 无")
    out += ["", "## 跨越障碍 Barriers crossed (GB 51080-2015 §4.1.3-4)", ""]
    crossed = [d for d in res.districts if d.barriers or d.across_barrier_km2 > 0]
    for d in crossed:
        names = ", ".join(f"{k} ({v:.0f} m inside)" for k, v in d.barriers.items()) or "—"
        out.append(
            f"- {d.station}: {names}; area across a barrier from the station "
            f"{d.across_barrier_km2:.2f} km²"
        )
    if not crossed:
        out.append("- none 无 (or no barriers layer given)")
    if res.without_district:
        out += [
            "",
            "Stations without a drawn district 无辖区的消防站: " + ", ".join(res.without_district),
        ]
    notes = [f"{d.station}: {w}" for d in res.districts for w in d.check.warnings]
    if notes:
        out += ["", "Notes 说明:", ""] + [f"- {w}" for w in notes]
    out.append(f"\n_firecover {__version__}_\n")
    return "\n".join(out)


def _map(res: AuditResult, path: Path, title: str, inputs: list[Path]) -> Path:
    lay = res.layers
    overlays = [
        Overlay(
            lay["districts"],
            "Drawn district",
            "手绘辖区",
            kind="outline",
            color="#283593",
            width=1.6,
            zorder=6,
        ),
        Overlay(
            lay["unreachable"],
            f"Own station not within {res.budget_min:g} min",
            f"本站{res.budget_min:g}分钟不可达",
            color="#d32f2f",
            alpha=0.45,
            hatch="//",
        ),
        Overlay(
            lay["sooner"], "Another station is sooner", "他站更快到达", color="#ff9800", alpha=0.4
        ),
        Overlay(lay["overlaps"], "Overlap", "辖区重叠", color="#6a1b9a", alpha=0.55),
        Overlay(
            lay["holes"], "Hole (no district)", "辖区空白", color="#212121", alpha=0.35, hatch="xx"
        ),
    ]
    if "barriers" in lay:
        overlays.append(
            Overlay(
                lay["barriers"],
                "Barrier",
                "障碍",
                kind="line",
                color="#1e88e5",
                width=2.2,
                zorder=5,
            )
        )
    overlays.append(
        Overlay(
            lay["stations"],
            "Station",
            "消防站",
            kind="point",
            color="#c62828",
            size=40,
            label_column="name",
            zorder=8,
        )
    )
    return render_panels(
        path,
        [Panel("辖区审核 District audit", overlays)],
        title=title,
        subtitle=f"{res.budget_min:g} min from the dispatch order",
        roads=lay["roads"],
        synthetic=res.synthetic,
        crs=res.crs,
        inputs=inputs,
    )


def write_audit(
    res: AuditResult, out_dir: PathLike, *, title: str, inputs: list[Path]
) -> dict[str, Path]:
    """Write ``audit.json``, ``audit.md``, ``audit.gpkg`` and ``audit.png``."""
    out = Path(out_dir)
    paths = {k: out / f"audit.{k}" for k in ("json", "md", "gpkg", "png")}
    for p in paths.values():
        check_not_input(p, inputs)
    write_text_atomic(paths["json"], audit_json(res, title=title))
    write_text_atomic(paths["md"], audit_markdown(res, title=title))
    from firecover._io import atomic_path

    with atomic_path(paths["gpkg"]) as tmp:
        for name, frame in res.layers.items():
            if len(frame):
                frame.to_file(tmp, layer=name, driver="GPKG")
        if not tmp.exists():
            res.layers["boundary"].to_file(tmp, layer="boundary", driver="GPKG")
    _map(res, paths["png"], title, inputs)
    return paths


def audit_from_files(
    graph: PathLike,
    stations: PathLike,
    districts: PathLike,
    out_dir: PathLike,
    *,
    name_column: str | None = None,
    boundary: PathLike | None = None,
    barriers: PathLike | None = None,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    cell_size_m: float | None = None,
) -> tuple[AuditResult, dict[str, Path]]:
    """The ``audit`` command: files in, report, layers and map out."""
    specs = read_stations_file(stations)
    inp = load_inputs(graph, cell_size_m=cell_size_m)
    layer = read_layer(districts, inp.net.crs, "districts")
    col = name_column or next((c for c in NAME_COLUMNS if c in layer.columns), None)
    if col is None:
        raise DataFormatError(
            f"{districts}: no station-name column ({', '.join(NAME_COLUMNS)}); "
            "name it with --name-column"
        )
    area = None if boundary is None else read_boundary(boundary, inp.net.crs)
    res = audit_districts(
        inp.net,
        specs,
        layer,
        name_column=col,
        boundary=area,
        barriers=barriers,
        turnout_min=turnout_min,
        driving_min=driving_min,
        cell_size_m=cell_size_m,
        synthetic=inp.synthetic,
    )
    inputs = [Path(p) for p in (graph, stations, districts, boundary, barriers) if p is not None]
    title = f"辖区审核 District audit — {Path(districts).stem}"
    return res, write_audit(res, out_dir, title=title, inputs=inputs)
