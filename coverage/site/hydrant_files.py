"""``firecover hydrants`` from files: a hydrant CSV and a road graph in; the radius and spacing
findings, the fewest new hydrants, a map and a CSV for the water utility out."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from firecover._errors import DataFormatError, SnapError
from firecover._io import check_not_input, require_file, write_text_atomic
from firecover._version import __version__
from firecover.analysis.files import load_inputs
from firecover.analysis.run import roads_layer
from firecover.network.coords import project_points
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.panels import Overlay, Panel, render_panels
from firecover.site.hydrants import (
    HydrantAnalysis,
    HydrantSiting,
    RoadPoints,
    analyse_hydrants,
    check_siting,
    roads_of,
    site_hydrants,
    snap_to_roads,
)
from firecover.traveltime.search import CSRNetwork

__all__ = ["hydrants_from_files", "read_hydrants"]

PathLike = str | os.PathLike[str]
CLAUSE = (
    "GB 50974-2014 §7.2.5 (as quoted in the Laiyuan plan: 保护半径不超过150米、间距不大于120米)"
)


def read_hydrants(
    path: PathLike, net: CSRNetwork, *, max_m: float = 50.0
) -> tuple[list[str], RoadPoints]:
    """Read ``id``/``name``, ``lon``, ``lat`` [, ``datum``] rows and place them on the roads.

    Raises
    ------
    DataFormatError
        Missing columns or non-numeric coordinates.
    SnapError
        A hydrant farther than ``max_m`` from every road.
    """
    p = require_file(path, "hydrant file")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk", errors="strict")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        return [], RoadPoints(np.empty(0, np.int64), np.empty(0))
    cols = {c.strip().lower(): c for c in rows[0]}
    if "lon" not in cols or "lat" not in cols:
        raise DataFormatError(f"{p}: needs lon and lat columns (and optionally id, datum)")
    idcol = cols.get("id") or cols.get("name") or cols.get("编号")
    try:
        lon = np.array([float(r[cols["lon"]]) for r in rows])
        lat = np.array([float(r[cols["lat"]]) for r in rows])
    except (TypeError, ValueError) as exc:
        raise DataFormatError(
            f"{p}: a lon/lat value is not a number ({exc}); fix the row"
        ) from None
    datum = rows[0].get(cols.get("datum", ""), "wgs84") or "wgs84"
    x, y = project_points(lon, lat, net.crs, datum=datum, extent=net.bounds)
    pts, dist = snap_to_roads(net, x, y)
    if (dist > max_m).any():
        i = int(np.flatnonzero(dist > max_m)[0])
        raise SnapError(
            f"{p}: hydrant row {i + 2} is {dist[i]:.0f} m from the nearest street "
            f"(limit {max_m:g} m); check its coordinates"
        )
    ids = [str(r[idcol]) if idcol else str(i + 1) for i, r in enumerate(rows)]
    return ids, pts


def _stretches(
    net: CSRNetwork, roads: np.ndarray, items: list[tuple[Any, ...]]
) -> gpd.GeoDataFrame:
    geoms, cls, length, extra = [], [], [], []
    for it in items:
        k, a, b = it[0], it[1], it[2]
        e = roads[k]
        geoms.append(shapely.ops.substring(net.edge_geom[e], a, b))
        cls.append(str(net.edge_class[e]))
        length.append(b - a)
        extra.append(it[3] if len(it) > 3 else np.nan)
    return gpd.GeoDataFrame(
        {"road_class": cls, "length_m": length, "gap_m": extra}, geometry=geoms, crs=net.crs
    )


def _points(net: CSRNetwork, roads: np.ndarray, pts: RoadPoints) -> gpd.GeoDataFrame:
    e = roads[pts.road]
    geoms = shapely.line_interpolate_point(net.edge_geom[e], pts.s)
    to_wgs = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(shapely.get_x(geoms), shapely.get_y(geoms))
    return gpd.GeoDataFrame(
        {
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "road_class": [str(c) for c in net.edge_class[e]],
        },
        geometry=geoms,
        crs=net.crs,
    )


def _markdown(
    an: HydrantAnalysis,
    st: HydrantSiting | None,
    n_h: int,
    title: str,
    synthetic: bool,
    worst: float | None,
) -> str:
    out = [f"# {title}\n"]
    if synthetic:
        out.append(f"> **{SYNTHETIC_LABEL}** — this report describes invented data.\n")
    out.append(
        f"Rule 规则: {CLAUSE}: protection radius {an.radius_m:g} m, spacing "
        f"{an.spacing_m:g} m, both measured along the roads. Existing hydrants: {n_h}.\n"
    )
    out += [
        "| 道路等级 Road class | 道路 Road km | 超出保护半径 Beyond radius km "
        "| 间距超限 In spacing gaps km |",
        "|---|---:|---:|---:|",
    ]
    for c in sorted(an.road_m, key=lambda c: -an.road_m[c]):
        out.append(
            f"| {c} | {an.road_m[c] / 1000:.2f} | {an.uncovered_m[c] / 1000:.2f} | "
            f"{an.gap_m[c] / 1000:.2f} |"
        )
    tot = (sum(an.road_m.values()), sum(an.uncovered_m.values()), sum(an.gap_m.values()))
    out.append(f"| 合计 total | {tot[0] / 1000:.2f} | {tot[1] / 1000:.2f} | {tot[2] / 1000:.2f} |")
    out.append(
        f"\n- {len(an.uncovered)} stretch(es) beyond {an.radius_m:g} m of every hydrant; "
        f"{len(an.spacing_gaps)} stretch(es) between hydrants more than {an.spacing_m:g} m "
        "apart (dead-end tails are left to the radius rule)."
    )
    if st is not None:
        out.append(
            f"- 新增消火栓 New hydrants (fewest, set covering, {st.status}): **{st.new.road.size}**"
            f" — every sampled road point within {st.cover_radius_m:g} m (half the spacing) "
            f"of a hydrant; checked: farthest sampled point {worst:.1f} m. Positions in "
            "`new_hydrants.csv` (WGS-84)."
        )
    out.append(f"\n_firecover {__version__}_\n")
    return "\n".join(out)


def hydrants_from_files(
    graph: PathLike,
    hydrants: PathLike,
    out_dir: PathLike,
    *,
    radius_m: float | None = None,
    spacing_m: float | None = None,
    site: bool = True,
    time_limit: float | None = None,
) -> tuple[HydrantAnalysis, HydrantSiting | None, dict[str, Path]]:
    """The ``hydrants`` command: findings, new positions, map, CSV, report."""
    inp = load_inputs(graph)
    net = inp.net
    ids, hyd = read_hydrants(hydrants, net)
    an = analyse_hydrants(net, hyd, radius_m=radius_m, spacing_m=spacing_m)
    st = site_hydrants(net, hyd, spacing_m=an.spacing_m, time_limit=time_limit) if site else None
    worst = check_siting(net, hyd, st) if st is not None else None
    if st is not None and worst is not None and worst > st.cover_radius_m + 1e-3:
        raise DataFormatError(f"hydrant covering check failed ({worst:.1f} m); this is a bug")
    roads = roads_of(net)
    out = Path(out_dir)
    inputs = [Path(graph), Path(hydrants)]
    paths = {
        k: out / n
        for k, n in (
            ("md", "hydrants.md"),
            ("json", "hydrants.json"),
            ("gpkg", "hydrants.gpkg"),
            ("png", "hydrants.png"),
            ("csv", "new_hydrants.csv"),
        )
    }
    for p in paths.values():
        check_not_input(p, inputs)
    unc = _stretches(net, roads, an.uncovered)
    gaps = _stretches(net, roads, an.spacing_gaps)
    existing = _points(net, roads, hyd)
    existing.insert(0, "id", ids)
    new = (
        _points(net, roads, st.new)
        if st is not None
        else _points(net, roads, RoadPoints(np.empty(0, np.int64), np.empty(0)))
    )
    new.insert(0, "id", [f"N{i + 1:03d}" for i in range(len(new))])
    title = f"消火栓覆盖 Hydrant coverage — {Path(hydrants).stem}"
    doc = {
        "title": title,
        "firecover_version": __version__,
        "synthetic": inp.synthetic,
        "rule": {"clause": CLAUSE, "radius_m": an.radius_m, "spacing_m": an.spacing_m},
        "hydrants": len(ids),
        "by_class_m": {
            c: {
                "road": round(an.road_m[c], 1),
                "beyond_radius": round(an.uncovered_m[c], 1),
                "spacing_gaps": round(an.gap_m[c], 1),
            }
            for c in an.road_m
        },
        "beyond_radius_m": round(sum(an.uncovered_m.values()), 1),
        "spacing_gap_m": round(sum(an.gap_m.values()), 1),
        "new_hydrants": None
        if st is None
        else {
            "count": int(st.new.road.size),
            "status": st.status,
            "cover_radius_m": st.cover_radius_m,
            "checked_max_m": worst,
            "candidates": st.candidates,
            "road_points": int(st.demand.road.size),
        },
    }
    write_text_atomic(paths["json"], json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(paths["md"], _markdown(an, st, len(ids), title, inp.synthetic, worst))
    write_text_atomic(paths["csv"], pd.DataFrame(new.drop(columns="geometry")).to_csv(index=False))
    from firecover._io import atomic_path

    with atomic_path(paths["gpkg"]) as tmp:
        for name, frame in (
            ("beyond_radius", unc),
            ("spacing_gaps", gaps),
            ("hydrants", existing),
            ("new_hydrants", new),
            ("roads", roads_layer(net)),
        ):
            if len(frame):
                frame.to_file(tmp, layer=name, driver="GPKG")
    overlays = [
        Overlay(
            unc,
            f"Beyond {an.radius_m:g} m of a hydrant",
            f"超出{an.radius_m:g}米保护半径",
            kind="line",
            color="#d32f2f",
            width=2.4,
            zorder=5,
        ),
        Overlay(
            gaps,
            f"Hydrants > {an.spacing_m:g} m apart",
            f"间距大于{an.spacing_m:g}米",
            kind="line",
            color="#ff9800",
            width=1.4,
            zorder=6,
        ),
        Overlay(
            existing,
            "Existing hydrant",
            "现状消火栓",
            kind="point",
            color="#1565c0",
            size=14,
            zorder=7,
        ),
        Overlay(
            new,
            "New hydrant",
            "新增消火栓",
            kind="point",
            color="#2e7d32",
            marker="^",
            size=20,
            zorder=8,
        ),
    ]
    render_panels(
        paths["png"],
        [Panel("消火栓 Hydrants", overlays)],
        title=title,
        subtitle=CLAUSE,
        roads=roads_layer(net),
        synthetic=inp.synthetic,
        crs=net.crs,
        inputs=inputs,
    )
    return an, st, paths
