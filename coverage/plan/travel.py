"""Travel models of a plan run: the road network (default) or the straight-line estimate.

``--travel-model radius`` (or ``[scenario.travel] model = "radius"``) evaluates a plan without
a road graph: :func:`firecover.network.radius.radius_graph` builds a straight-line lattice over
the planning boundary, and the whole pipeline (coverage, jurisdictions = nearest station by
the chosen metric, the standards check, the optimum) runs on it. :func:`label_radius` then
makes every output say what it is: the map and GeoPackage titles carry
:data:`~firecover.network.radius.RADIUS_LABEL`, the roads layer (the lattice) is left out,
and the service areas are replaced by the exact diamonds / circles of radius ``P = S / λ``
clipped to the boundary. ``--travel-model both`` runs the network and the straight-line
estimate on the same district and adds a ``compare`` section (:func:`compare_runs`).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from firecover.network.radius import RADIUS_LABEL, RADIUS_LABEL_ZH, RadiusModel
from firecover.plan.results import PlanEvaluation

__all__ = ["TRAVEL_MODELS", "compare_runs", "label_radius", "travel_markdown"]

log = logging.getLogger(__name__)

TRAVEL_MODELS = ("network", "radius", "both")


def _shape(x: float, y: float, radius: float, shape: str) -> Any:
    return shapely.buffer(shapely.points(x, y), radius, quad_segs=1 if shape == "diamond" else 32)


def _service_areas(layers: Any, run: Any, model: RadiusModel) -> gpd.GeoDataFrame:
    turnout = layers.meta.turnout_min
    old = layers.service_areas
    breaks = sorted(set(old["minutes"].astype(float))) if len(old) else [layers.meta.response_min]
    clip = layers.boundary.geometry.union_all() if layers.boundary is not None else None
    rows: list[tuple[str, float, Any]] = []
    for m in breaks:
        r = model.radius_m(max(m - turnout, 0.0))
        shapes = [_shape(x, y, r, model.shape) for x, y in zip(run.snapped.x, run.snapped.y,
                                                               strict=True)]  # fmt: skip
        if clip is not None:
            shapes = [shapely.intersection(s, clip) for s in shapes]
        rows += [(st.name, m, s) for st, s in zip(run.stations, shapes, strict=True)]
        rows.append(("(all)", m, shapely.union_all(shapes)))
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [g for _, _, g in rows]
    return gpd.GeoDataFrame(
        {"station": [s for s, _, _ in rows], "minutes": [m for _, m, _ in rows],
         "driving_min": [m - turnout for _, m, _ in rows],
         "area_km2": shapely.area(geoms) / 1e6},
        geometry=geoms, crs=layers.crs,
    )  # fmt: skip


def label_radius(
    ev: PlanEvaluation, model: RadiusModel, *, cell_size_m: float | None = None
) -> PlanEvaluation:
    """Label a plan evaluated on the straight-line lattice (see the module notes)."""
    for yr in ev.years:
        lay = yr.run.layers
        lay.roads = gpd.GeoDataFrame(geometry=[], crs=lay.crs)
        lay.service_areas = _service_areas(lay, yr.run, model)
        lay.meta = dataclasses.replace(
            lay.meta, title=f"{lay.meta.title} ({RADIUS_LABEL})",
            title_zh=f"{lay.meta.title_zh} · {RADIUS_LABEL_ZH}",
        )  # fmt: skip
    travel = model.describe(ev.scenario.budget.driving_min)
    if cell_size_m is not None:
        travel["cell_size_m"] = cell_size_m
    return dataclasses.replace(ev, travel=travel)


def _year_figures(ev: PlanEvaluation) -> dict[int, dict[str, Any]]:
    out = {}
    for yr in ev.years:
        s = yr.run.summary
        out[yr.year] = {
            "covered_share": round(float(s.covered_share), 4),
            "noncompliant": [c.name for c in yr.run.checks if not c.compliant],
            "district_km2": {c.name: round(float(c.jurisdiction_km2), 3) for c in yr.run.checks},
        }
    return out


def compare_runs(network: PlanEvaluation, radius: PlanEvaluation) -> dict[str, Any]:
    """The ``compare`` section: the same district by road network and by straight line."""
    net, rad = _year_figures(network), _year_figures(radius)
    years = []
    for y in sorted(set(net) & set(rad)):
        a, b = net[y], rad[y]
        years.append({
            "year": y,
            "covered_share_network": a["covered_share"],
            "covered_share_radius": b["covered_share"],
            "noncompliant_network": a["noncompliant"],
            "noncompliant_radius": b["noncompliant"],
            "district_km2": {k: {"network": v, "radius": b["district_km2"].get(k)}
                             for k, v in a["district_km2"].items()},
        })  # fmt: skip
    return {"radius_model": radius.travel, "years": years}


def travel_markdown(travel: dict[str, Any] | None) -> list[str]:
    """Markdown lines on the travel model (and the comparison, when both were run)."""
    if not travel:
        return []
    lines = []
    if travel.get("model") == "radius":
        lines += [
            f"> **{RADIUS_LABEL} / {RADIUS_LABEL_ZH}.** Reach is the protection radius "
            f"P = S / λ = {travel['distance_driven_km']:g} km / {travel['curvature']:g} = "
            f"{travel['radius_km']:g} km (S = {travel['speed_kph']:g} km/h × "
            f"{travel['driving_min']:g} min, λ road curvature; {travel['shape']} "
            f"{travel['area_km2']:g} km²), not travel on roads: rivers, one-way streets and "
            "missing links are ignored. 按保护半径估算，未考虑实际道路。"
            + (
                f" Demand cells 需求网格 {travel['cell_size_m']:g} m."
                if "cell_size_m" in travel
                else ""
            )
            + "\n",
        ]
    cmp = travel.get("compare")
    if cmp:
        rm = cmp["radius_model"]
        lines += [
            "## 路网与直线距离比较 Road network vs straight-line estimate\n",
            f"The same district and stations with the straight-line estimate ({rm['shape']}, "
            f"P = {rm['radius_km']:g} km: {rm['speed_kph']:g} km/h, λ = {rm['curvature']:g}); "
            "its full outputs are in `radius/` 直线距离估算结果见 radius/ 目录.\n",
            "| 年份 Year | 覆盖 Covered (network) | 覆盖 Covered (straight line) "
            "| 不达标 Failing (network) | 不达标 Failing (straight line) |",
            "|---|---:|---:|---|---|",
        ]
        for y in cmp["years"]:
            lines.append(
                f"| {y['year']} | {y['covered_share_network']:.1%} "
                f"| {y['covered_share_radius']:.1%} "
                f"| {', '.join(y['noncompliant_network']) or '—'} "
                f"| {', '.join(y['noncompliant_radius']) or '—'} |"
            )
        lines.append("")
    return lines
