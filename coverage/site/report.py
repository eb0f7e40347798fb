"""Reports of a siting run: a JSON summary, a bilingual Markdown page and the site tables."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from firecover._display import at_most, figure, pct
from firecover._version import __version__
from firecover.analysis.report import coverage_markdown
from firecover.outputs.text import markdown_safe
from firecover.site.zones import tie_break_summary, zones_markdown, zones_summary
from firecover.standards.check import station_class

if TYPE_CHECKING:
    from firecover.analysis.run import CoverageRun
    from firecover.site.problem import SitingRun

_OBJECTIVE = {
    "lscp": "new stations 新增站数",
    "mclp": "covered weight 覆盖权重",
    "backup": "twice-covered weight 双重覆盖权重",
    "pmedian": "weighted total driving seconds 加权总行车时间 (s)",
    "pcenter": "largest driving time 最大行车时间 (s)",
    "area": "new stations 新增站数 (or assigned area 分配面积 km² with --p)",
    "mexclp": "expected covered weight 期望覆盖权重 (a busy station's cover discounted)",
}


_VERDICT = {"pass": "达标 pass", "fail": "不达标 FAIL", "no_district": "无辖区 no district",
            "outside": "规划区外 outside the planning area"}  # fmt: skip


def _r(x: float, nd: int = 4) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def _state(run: CoverageRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    s = run.summary
    return {
        "stations": len(run.stations),
        "covered_km2": _r(s.covered_km2),
        "covered_share": _r(s.covered_share),
        "noncompliant": [c.name for c in run.checks if not c.compliant],
        "crossing_barriers": [c.name for c in run.checks if c.checks.get("barrier") is False],
    }


def _unique_km2(srun: SitingRun) -> dict[int, float]:
    """Per open site: area only it covers among the open sites (km²)."""
    pb = srun.problem
    cov = sp.csr_array(pb.coverage[:, srun.result.sites])
    alone = _rows_alone(cov)
    area = pb.area
    return {int(j): float(area[alone == k].sum()) for k, j in enumerate(srun.result.sites)}


def _rows_alone(cov: sp.csr_array) -> np.ndarray:
    """For each row covered by exactly one column, that column's position; else -1."""
    alone = np.full(cov.shape[0], -1, dtype=np.int64)
    single = np.diff(cov.indptr) == 1
    alone[single] = cov.indices[cov.indptr[:-1][single]]
    return alone


def _designed(srun: SitingRun) -> list[dict[str, Any]]:
    """Area model: the designed districts (assigned km² per open site vs its limit)."""
    res, pb = srun.result, srun.problem
    if srun.model != "area" or res.assignment is None:
        return []
    assigned = np.bincount(res.assignment[res.assignment >= 0],
                           weights=pb.area[srun.rows][res.assignment >= 0],
                           minlength=pb.coverage.shape[1])  # fmt: skip
    return [{"station": pb.site_name(int(j)), "assigned_km2": _r(assigned[j]),
             "limit_km2": _r(pb.limits[j])} for j in res.sites]  # fmt: skip


def site_summary(srun: SitingRun) -> dict[str, Any]:
    """JSON-ready summary of a siting run (model, solver status, new sites, before/after)."""
    res, pb = srun.result, srun.problem
    checks = {c.name: c for c in srun.run.checks}
    unique = _unique_km2(srun)
    new = []
    for j, spec in zip(res.new_sites, srun.chosen, strict=True):
        c = checks[spec.name]
        new.append({
            "name": spec.name, "class": spec.class_name, "lon": spec.lon, "lat": spec.lat,
            "origin": str(pb.candidates.origin[int(j) - pb.n_fixed]),
            "jurisdiction_km2": _r(c.jurisdiction_km2), "limit_km2": c.limit_km2,
            "compliant": c.compliant, "only_station_reaching_km2": _r(unique[int(j)]),
            "verdict": c.verdict,
        })  # fmt: skip
    return {
        "model": srun.model,
        "objective": _r(res.objective, 6),
        "objective_meaning": _OBJECTIVE[srun.model],
        "status": res.status,
        "mip_gap": _r(res.mip_gap, 6),
        "bound": _r(res.stats.get("bound", math.nan), 6),
        "solve_seconds": round(res.solve_seconds, 3),
        "matrix_seconds": round(srun.stats.get("matrix_seconds", 0.0), 3),
        "synthetic": srun.run.layers.meta.synthetic,
        "budget_minutes": {"turnout": pb.turnout_min, "driving": pb.driving_min},
        "new_class": station_class(pb.new_class).zh_short,
        "existing": [s.name for s in pb.existing],
        "candidates": len(pb.candidates),
        "cells": len(pb.demand),
        "area_km2": _r(pb.demand.total_area_km2),
        "uncoverable_km2": _r(srun.uncoverable_km2),
        "new_stations": new,
        "before": _state(srun.baseline),
        "after": _state(srun.run),
        "designed_districts": _designed(srun),
        "tie_break": tie_break_summary(
            res.stats, "time" if "weighted_time_s" in res.stats else None
        ),
        "search_zones": zones_summary(srun.zones),
        **_demand_keys(srun),
        "firecover_version": __version__,
    }


def _demand_keys(srun: SitingRun) -> dict[str, Any]:
    """``incidents`` / ``busy`` / ``population`` (:mod:`firecover.site.demand_figures`) and,
    for MEXCLP, the busy fraction and variant it used."""
    keys = dict(srun.figures or {})
    if srun.model == "mexclp":
        st = srun.result.stats
        keys["mexclp"] = {"busy_fraction": st.get("q"),
                          "variant": "hypercube" if st.get("hypercube") else "independent",
                          "covered_weight": st.get("covered_weight")}  # fmt: skip
    return keys


def _mexclp_line(d: dict[str, Any]) -> list[str]:
    m = d.get("mexclp")
    if not m:
        return []
    how = ("hypercube-corrected 超立方修正 (Batta, Dolan & Krishnamurthy 1989)"
           if m["variant"] == "hypercube" else
           "stations busy independently 各站忙碌相互独立 (Daskin 1983)")  # fmt: skip
    return [f"- Expected coverage 期望覆盖 (MEXCLP): busy fraction 忙碌率 q = "
            f"{m['busy_fraction']:.3f}, {how}; plain cover 不计忙碌的覆盖权重 "
            f"{m['covered_weight']:.6g}"]  # fmt: skip


def summary_json(srun: SitingRun) -> str:
    """:func:`site_summary` as JSON text."""
    return json.dumps(site_summary(srun), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _headline(d: dict[str, Any]) -> str:
    n, cls = len(d["new_stations"]), d["new_class"]
    after = d["after"]
    budget = d["budget_minutes"]["turnout"] + d["budget_minutes"]["driving"]
    crossing = after.get("crossing_barriers", [])
    if after["noncompliant"]:
        ok = f"still non-compliant 仍不达标: {', '.join(after['noncompliant'])}"
    elif crossing:  # barrier_rule = "warn": never "全部达标" while a district crosses a barrier
        ok = (f"areas and times comply, but districts cross a barrier 辖区跨越障碍 "
              f"(GB 51080-2015 §4.1.3-4, warning): {', '.join(crossing)}")  # fmt: skip
    else:
        ok = "all stations comply 全部达标"
    return (f"**{n} new station(s) 新增 {n} 座 ({cls})** → {budget:g}-min coverage "
            f"{pct(after['covered_share'], decimals=1)}; {ok}.")  # fmt: skip


def _site_rows(d: dict[str, Any]) -> list[str]:
    rows = ["| 新站 New site | 经度 Lon | 纬度 Lat | 来源 Origin | 辖区 District km² "
            "| 限值 Limit km² | 仅此站可达 Only it reaches km² | 结论 Result |",
            "|---|---:|---:|---|---:|---:|---:|---|"]  # fmt: skip
    for s in d["new_stations"]:
        rows.append(
            f"| {s['name']} | {s['lon']:.5f} | {s['lat']:.5f} | {s['origin']} "
            f"| {at_most(s['jurisdiction_km2'] or 0.0, s['limit_km2'])} "
            f"| {figure(s['limit_km2'])} | {figure(s['only_station_reaching_km2'] or 0.0)} "
            f"| {_VERDICT[s['verdict']]} |"
        )
    return rows


def site_markdown(srun: SitingRun, *, title: str) -> str:
    """A bilingual Markdown page: the answer, the new sites, then the coverage before/after.

    Names are escaped (:func:`~firecover.outputs.text.markdown_safe`).
    """
    return markdown_safe(_site_markdown(srun, title=title))


def _site_markdown(srun: SitingRun, *, title: str) -> str:
    d = site_summary(srun)
    lines = [
        f"# {title}: siting 选址 ({d['model']})\n",
        _headline(d) + "\n",
        f"- Model 模型: `{d['model']}`, objective 目标值 {d['objective']} "
        f"({d['objective_meaning']}); solver status {d['status']}, gap {d['mip_gap']}, "
        f"{d['solve_seconds']} s (matrices {d['matrix_seconds']} s)",
        *(
            [f"- Upper bound 目标上界 ≤ {d['bound']} (gap {d['mip_gap']})"]
            if d["bound"] is not None
            else []
        ),
        f"- Sites 站点: {len(d['existing'])} existing (fixed 固定) + {d['candidates']} candidates "
        f"候选; {d['cells']} demand cells 需求单元 over {d['area_km2']} km²",
        "- Unreachable by any site within budget 任何站点都无法按时到达: "
        f"{d['uncoverable_km2']} km²",
        *_mexclp_line(d),
        "",
        *_site_rows(d),
        "",
        *zones_markdown(d["tie_break"], d["search_zones"]),
    ]
    if d["designed_districts"]:
        lines += [
            "Designed districts 设计辖区 (area model assignment):",
            "",
            "| 消防站 Station | 分配面积 Assigned km² | 限值 Limit km² |",
            "|---|---:|---:|",
        ]
        lines += [f"| {r['station']} | {r['assigned_km2']} | {r['limit_km2']} |"
                  for r in d["designed_districts"]]  # fmt: skip
        lines.append("")
        if d["after"]["noncompliant"]:
            lines += [
                "> The designed districts above meet every area limit and the 5-minute rule, but "
                "the nearest-station jurisdictions below do not (a station's nearest area can be "
                "larger than its designed district). Adopt the designed districts as the 辖区 "
                "boundaries, or add stations. 设计辖区满足面积与5分钟要求；"
                "按最近站划分的辖区仍有超限，应按设计辖区划定管辖范围或增设消防站。",
                "",
            ]
    runs = [("Before 现状", srun.baseline)] if srun.baseline is not None else []
    runs.append(("After 新增后", srun.run))
    body = coverage_markdown(runs, title=f"{title}: coverage 覆盖")
    from firecover.outputs.glossary import glossary
    from firecover.site.demand_figures import demand_markdown

    lines += demand_markdown(srun.figures, glossary("both"))
    return "\n".join(lines) + "\n#" + body


def sites_frame(srun: SitingRun) -> gpd.GeoDataFrame:
    """The chosen new sites (WGS-84 points) with name, class, lon, lat and origin."""
    d = site_summary(srun)["new_stations"]
    df = pd.DataFrame(
        d,
        columns=[
            "name",
            "class",
            "lon",
            "lat",
            "origin",
            "jurisdiction_km2",
            "limit_km2",
            "compliant",
            "only_station_reaching_km2",
        ],
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                            crs="EPSG:4326")  # fmt: skip
