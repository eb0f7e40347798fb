"""``firecover quota`` from files: zones from a polygon layer or a scenario, reports.

The arithmetic is :mod:`firecover.standards.quota`; this adapter measures built-up areas (in the
layer's local UTM zone), counts the existing stations of a station file inside each zone, and
writes ``quota.md`` / ``quota.json``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from firecover._errors import DataFormatError, ScenarioError
from firecover._io import check_not_input, write_text_atomic
from firecover._version import __version__
from firecover.analysis.area import read_layer
from firecover.analysis.station_spec import StationSpec
from firecover.analysis.stations import read_stations_file
from firecover.network.coords import to_wgs84
from firecover.standards.check import load_standards
from firecover.standards.quota import QuotaReport, QuotaZone, consistent_required

__all__ = [
    "count_district_stations",
    "quota_json",
    "quota_markdown",
    "scenario_zones",
    "write_quota",
    "zones_from_layer",
]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]


def count_district_stations(stations: Sequence[StationSpec]) -> int:
    """Existing stations that serve a district (战勤保障 and proposed stations are not counted)."""
    std = load_standards()
    return sum(1 for s in stations if s.status == "existing" and std.classes[s.class_key].district)


def zones_from_layer(
    path: PathLike,
    *,
    name_column: str | None = None,
    class_column: str | None = None,
    existing_column: str | None = None,
    default_class: str = "level1",
    stations: PathLike | None = None,
) -> list[QuotaZone]:
    """Quota zones from a polygon layer: area in the local UTM zone, stations counted inside.

    Parameters
    ----------
    path : path
        Polygon layer (GPKG / SHP / GeoJSON) with a CRS.
    name_column, class_column, existing_column : str, optional
        Columns with the zone name, its class (一级 / 二级 / 小型站 / edge) and its count of
        existing stations. Without ``existing_column`` the stations of ``stations`` are counted
        per zone (point in polygon, WGS-84 after datum conversion).

    Raises
    ------
    DataFormatError
        A named column is missing, or a zone has no area.
    """
    layer = read_layer(path, "EPSG:4326", "zones")
    for col in (name_column, class_column, existing_column):
        if col is not None and col not in layer.columns:
            raise DataFormatError(
                f"{path}: no column {col!r}; columns are {', '.join(map(str, layer.columns))}"
            )
    utm = layer.estimate_utm_crs()
    metric = layer.to_crs(utm)
    points = None
    if stations is not None and existing_column is None:
        import geopandas as gpd

        specs = [s for s in read_stations_file(stations) if s.status == "existing"]
        std = load_standards()
        specs = [s for s in specs if std.classes[s.class_key].district]
        lon, lat = [], []
        for s in specs:
            x, y = to_wgs84([s.lon], [s.lat], s.datum)
            lon.append(float(x[0]))
            lat.append(float(y[0]))
        points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(utm)
    zones = []
    for i, (row, geom) in enumerate(
        zip(layer.itertuples(index=False), metric.geometry, strict=True)
    ):
        d = row._asdict()
        name = str(d[name_column]) if name_column else f"zone {i + 1}"
        area = float(geom.area) / 1e6 if geom is not None else 0.0
        if area <= 0:
            raise DataFormatError(f"{path}: zone {name!r} has no area; give polygons")
        if existing_column is not None:
            existing = int(d[existing_column])
        elif points is not None:
            existing = int(points.within(geom).sum())
        else:
            existing = 0
        cls = str(d[class_column]) if class_column else default_class
        zones.append(QuotaZone(name, area, cls, existing=existing, source=str(path)))
    return zones


def scenario_zones(scenario: Any) -> tuple[list[QuotaZone], dict[str, float]]:
    """The quota zones of a loaded scenario and their reported rates (percent) by zone name.

    Raises
    ------
    ScenarioError
        The scenario has no ``[scenario.quota]`` table, or a zone still has template blanks.
    """
    if not scenario.quota:
        raise ScenarioError(
            f"{scenario.path}: no [scenario.quota] zones; add [[scenario.quota.zone]] with name, "
            "area_km2, class, existing and source (or call quota --area-km2 … --existing …)"
        )
    blanks = []
    for z in scenario.quota:
        if not z.blanks:
            continue
        text = f"{z.zone.name}: {', '.join(z.blanks)}"
        if z.reported_rate is not None and "existing" not in z.blanks:
            fits = consistent_required(z.reported_rate, z.zone.existing)
            text += (
                f" (the plan's {z.reported_rate:g} % with 已建 {z.zone.existing} fits 应建数 "
                f"{', '.join(map(str, fits[:5])) or 'none'})"
            )
        blanks.append(text)
    if blanks:
        raise ScenarioError(
            f"{scenario.path}: template blanks (XX) still to fill in — {'; '.join(blanks)}; "
            "write the plan's figures in place of XX"
        )
    rates = {z.zone.name: z.reported_rate for z in scenario.quota if z.reported_rate is not None}
    return [z.zone for z in scenario.quota], rates


def _rate_notes(report: QuotaReport, reported: dict[str, float]) -> list[str]:
    notes = []
    for z in report.zones:
        if z.name not in reported:
            continue
        r = reported[z.name]
        fits = consistent_required(r, z.existing)
        shown = ", ".join(map(str, fits[:5])) or "none 无"
        notes.append(
            f"{z.name}: the plan reports 缺建率 {r:g} %; with 已建 {z.existing} that fits "
            f"应建数 {shown} (rounded to whole percent); this report computes {z.rate:.0%}"
        )
    return notes


def quota_json(report: QuotaReport, *, title: str, notes: Sequence[str] = ()) -> str:
    """The JSON document: ``title``, ``firecover_version`` and the report's keys, ``notes``."""
    doc = {
        "title": title,
        "firecover_version": __version__,
        **report.to_dict(),
        "notes": list(notes),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _fmt_area(a: float | None) -> str:
    return "—" if a is None else f"{a:.2f}"


def quota_markdown(report: QuotaReport, *, title: str, notes: Sequence[str] = ()) -> str:
    """A bilingual Markdown page in the style of the ``evaluate`` report."""
    lines = [
        f"# {title}\n",
        f"规则 Rule: {report.rule} ({'; '.join(report.clauses)}). 按面积应建数是规划常用估算，"
        "并非国家公式 — the area-based count is the planners' working estimate, not an official "
        "formula.\n",
        "| 分区 Zone | 建成区 Built-up km² | 类别 Class | 上限 Limit km² | 应建 Required "
        "| 已建 Existing | 缺建 Shortfall | 缺建率 Rate | 依据 Basis |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for z in (*report.zones, report.total):
        limit = "—" if z.limit_km2 is None else f"{z.limit_km2:g}"
        basis = {"area": "面积 area", "given": "规划给定 given", "total": "合计 sum"}[z.basis]
        lines.append(
            f"| {z.name} | {_fmt_area(z.area_km2)} | {z.class_key or '—'} | {limit} | "
            f"{z.required} | {z.existing} | {z.shortfall} | {z.rate:.0%} | {basis} |"
        )
    t = report.total
    lines += [
        "",
        f"- 合计 Total: 应建 **{t.required}**, 已建 **{t.existing}**, 缺建 **{t.shortfall}**, "
        f"缺建率 **{t.rate:.0%}** (zone shortfalls summed; netting surpluses against gaps gives "
        f"{report.net_shortfall})",
    ]
    srcs = [f"- {z.name}: {z.source}" for z in report.zones if z.source]
    if srcs:
        lines += ["", "来源 Sources:", "", *srcs]
    if notes:
        lines += ["", "说明 Notes:", "", *[f"- {n}" for n in notes]]
    lines.append(f"\n_firecover {__version__}_\n")
    return "\n".join(lines)


def write_quota(
    report: QuotaReport,
    out_dir: PathLike,
    *,
    title: str,
    reported: dict[str, float] | None = None,
    inputs: Sequence[PathLike] = (),
) -> dict[str, Path]:
    """Write ``quota.md`` and ``quota.json`` into ``out_dir`` (never over an input)."""
    out = Path(out_dir)
    notes = _rate_notes(report, reported or {})
    paths = {"md": out / "quota.md", "json": out / "quota.json"}
    for p in paths.values():
        check_not_input(p, inputs)
    write_text_atomic(paths["json"], quota_json(report, title=title, notes=notes))
    write_text_atomic(paths["md"], quota_markdown(report, title=title, notes=notes))
    return paths
