"""The layers of the static map, each drawn on a matplotlib axes (roads, barriers,
jurisdictions, gaps, service areas, demand cells, stations), and the legend they fill."""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch
from shapely.ops import polylabel

from firecover.outputs.glossary import Glossary, glossary
from firecover.outputs.map_labels import (
    PRIORITY_FAILING,
    PRIORITY_OTHER,
    PRIORITY_STATION,
    MapLabel,
)

logger = logging.getLogger(__name__)

_STATION_RED = "#c62828"
_GAP_RED = "#d32f2f"
_SERVICE_GREEN = "#1b5e20"
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]
#: road_class → (line width in points, colour); ``*_link`` uses its base class, thinner.
_ROAD_STYLE: dict[str, tuple[float, str]] = {
    "motorway": (2.6, "#616161"), "trunk": (2.3, "#686868"), "primary": (1.8, "#757575"),
    "secondary": (1.3, "#858585"), "tertiary": (1.0, "#969696"),
    "residential": (0.6, "#aaaaaa"), "unclassified": (0.6, "#aaaaaa"),
    "service": (0.4, "#bdbdbd"),
}  # fmt: skip
_MAJOR = frozenset({"motorway", "trunk", "primary", "secondary"})
_BARRIER_STYLE: dict[str, str] = {  # kind → colour (the label is the glossary term)
    "river": "#90caf9", "water": "#90caf9", "railway": "#424242", "rail": "#424242",
    "expressway": "#546e7a", "motorway": "#546e7a",
}  # fmt: skip


def _isna(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _road_style(road_class: str) -> tuple[float, str]:
    base = road_class.removesuffix("_link")
    width, colour = _ROAD_STYLE.get(base, _ROAD_STYLE["residential"])
    return (width * 0.7, colour) if base != road_class else (width, colour)


class _Legend:
    """Collects legend handles while layers are drawn; words come from the glossary."""

    def __init__(self, g: Glossary | bool, bold: str = "bold") -> None:
        # a bool (a CJK font is available) means the bilingual style, or English without one
        self.g = g if isinstance(g, Glossary) else glossary("both" if g else "en")
        self.cjk = self.g.chinese
        self.bold = bold
        self.items: list[tuple[Any, str]] = []
        #: labels queued by the layers, placed together by ``map_labels.draw_map_labels``
        self.labels: list[MapLabel] = []

    def text(self, key: str, **fields: Any) -> str:
        return self.g(key, **fields)

    def add(self, handle: Any, key: str, zh: str | None = None, **fields: Any) -> None:
        """A glossary term ``key``, or (with ``zh``) the texts ``key`` (English) and ``zh``."""
        text = self.g.join(zh, key) if zh is not None else self.text(key, **fields)
        self.items.append((handle, text))


def _polyline(lines: Any) -> tuple[Any, Any]:
    """All lines as one NaN-separated vertex run ``(x, y)``: one matplotlib artist per road
    class instead of one path per road (a Binhai-sized district has 288,000 roads)."""
    parts = shapely.get_parts(lines)
    xy, idx = shapely.get_coordinates(parts, return_index=True)
    if not xy.size:
        return np.empty(0), np.empty(0)
    cuts = np.flatnonzero(np.diff(idx)) + 1
    out = np.insert(xy, cuts, np.nan, axis=0)
    return out[:, 0], out[:, 1]


#: Road polylines by class of the roads frames drawn lately (a plan draws the same roads
#: every year): ``id(frame) -> (frame, {class: (x, y)})``, the frame kept to check identity.
_ROAD_CACHE: dict[int, tuple[Any, dict[str, tuple[Any, Any]]]] = {}
_ROAD_CACHE_SIZE = 2


def _road_lines(roads: gpd.GeoDataFrame) -> dict[str, tuple[Any, Any]]:
    hit = _ROAD_CACHE.get(id(roads))
    if hit is not None and hit[0] is roads:
        return hit[1]
    classes = roads["road_class"].astype(str).fillna("residential")
    geoms = roads.geometry.to_numpy()
    lines = {c: _polyline(geoms[(classes == c).to_numpy()]) for c in classes.unique()}
    while len(_ROAD_CACHE) >= _ROAD_CACHE_SIZE:
        _ROAD_CACHE.pop(next(iter(_ROAD_CACHE)))
    _ROAD_CACHE[id(roads)] = (roads, lines)
    return lines


def _draw_roads(ax: Axes, roads: gpd.GeoDataFrame, legend: _Legend) -> None:
    lines = _road_lines(roads)
    for road_class in sorted(lines, key=lambda c: -_road_style(c)[0]):
        width, colour = _road_style(road_class)
        x, y = lines[road_class]
        ax.plot(x, y, linewidth=width, color=colour, zorder=2.0 + width / 10,
                solid_capstyle="round", solid_joinstyle="round")  # fmt: skip
    classes = pd.Series(list(lines), dtype=object)
    if classes.str.removesuffix("_link").isin(_MAJOR).any():
        legend.add(Line2D([], [], color="#757575", lw=1.8), "arterial")
    legend.add(Line2D([], [], color="#aaaaaa", lw=0.6), "local_road")


def _draw_barriers(ax: Axes, barriers: gpd.GeoDataFrame, legend: _Legend) -> None:
    for kind, part in barriers.groupby(barriers["kind"].astype(str)):
        colour = _BARRIER_STYLE.get(str(kind), "#607d8b")
        label = legend.g.value(str(kind)) if str(kind) in _BARRIER_STYLE else str(kind)
        polys = part[part.geom_type.isin(["Polygon", "MultiPolygon"])]
        lines = part[~part.geom_type.isin(["Polygon", "MultiPolygon"])]
        if len(polys):
            polys.plot(ax=ax, facecolor=colour, edgecolor="none", alpha=0.8, zorder=1.5)
            legend.items.append((Patch(facecolor=colour, alpha=0.8), label))
        if len(lines):
            lines.plot(ax=ax, color=colour, linewidth=2.0, linestyle=(0, (4, 2)), zorder=2.6)
            legend.items.append((Line2D([], [], color=colour, lw=2.0, ls=(0, (4, 2))), label))


def _label_point(geom: Any, station: str, stations: Any) -> tuple[float, float, float]:
    """Label anchor: under the jurisdiction's own station, else the polygon's visual centre.

    Returns ``(x, y, dy)`` with ``dy`` a vertical offset in points.
    """
    if stations is not None:
        own = stations[stations.index == station]
        if len(own):
            return float(own.iloc[0].x), float(own.iloc[0].y), -11.0
    polys = getattr(geom, "geoms", [geom])
    largest = max(polys, key=lambda g: g.area)
    point = polylabel(largest, tolerance=max(math.sqrt(largest.area) / 100, 1.0))
    return point.x, point.y, 0.0


def _draw_jurisdictions(
    ax: Axes,
    gdf: gpd.GeoDataFrame,
    colours: dict[str, str],
    legend: _Legend,
    stations: Any,
    fill: bool = True,
    labels: bool = True,
) -> None:
    fills = [colours.get(str(s), "#9e9e9e") for s in gdf["station"]]
    if fill:  # not over the response-time colouring of the cells
        gdf.plot(ax=ax, color=fills, alpha=0.30, edgecolor="none", zorder=1.0)
    gdf.boundary.plot(ax=ax, color="#37474f", linewidth=0.9, zorder=3.5)
    for _, row in gdf.iterrows() if labels else ():  # the atlas places its own labels
        x, y, dy = _label_point(row.geometry, str(row["station"]), stations)
        text = f"{float(row['area_km2']):.1f} km²"
        ok = bool(row["compliant"]) if not _isna(row["compliant"]) else True
        if not ok:
            text += "\n" + legend.text("not_compliant")
        legend.labels.append(MapLabel(
            x, y, text, dy_pt=dy, priority=PRIORITY_OTHER if ok else PRIORITY_FAILING, size=7.5,
            colour="#212121" if ok else "#b71c1c", weight="normal" if ok else legend.bold,
        ))  # fmt: skip
    face = "#90a4ae" if fill else "none"
    legend.add(Patch(facecolor=face, alpha=0.45 if fill else 1.0, edgecolor="#37474f"),
               "district")  # fmt: skip


def _draw_gaps(ax: Axes, gaps: gpd.GeoDataFrame, budget: str, legend: _Legend) -> None:
    style: dict[str, Any] = {"facecolor": (0.83, 0.18, 0.18, 0.10), "edgecolor": _GAP_RED,
                             "hatch": "////", "linewidth": 0.8}  # fmt: skip
    gaps.plot(ax=ax, zorder=4.0, **style)
    legend.add(Patch(**style), "gap", budget=budget)


def _at_budget(areas: gpd.GeoDataFrame, response: float) -> gpd.GeoDataFrame:
    """The rows for the response budget when the layer holds several time breaks."""
    minutes = areas["minutes"].astype(float)
    match = areas[np.isclose(minutes, response)]
    return match if len(match) else areas


def _draw_service_areas(
    ax: Axes, areas: gpd.GeoDataFrame, colours: dict[str, str], budget: str, legend: _Legend
) -> None:
    areas = _at_budget(areas, float(budget))
    union = areas[areas["station"].astype(str) == "(all)"]
    if len(union):
        halo = [patheffects.withStroke(linewidth=4.0, foreground="white", alpha=0.9)]
        union.boundary.plot(ax=ax, color=_SERVICE_GREEN, linewidth=1.6, zorder=4.5,
                            path_effects=halo)  # fmt: skip
        handle = Line2D([], [], color=_SERVICE_GREEN, lw=1.6)
    else:
        edge = [colours.get(str(s), _SERVICE_GREEN) for s in areas["station"]]
        areas.boundary.plot(ax=ax, color=edge, linewidth=1.1, linestyle="--", zorder=4.5)
        handle = Line2D([], [], color=_SERVICE_GREEN, lw=1.1, ls="--")
    legend.add(handle, "reached", budget=budget)


def _draw_cells(ax: Axes, cells: gpd.GeoDataFrame, response: float) -> Any:
    """Colour cells by fastest response; return the mappable for the colour bar."""
    values = cells["best_min"].astype(float).to_numpy()
    first = len(ax.collections)
    cells.assign(_v=np.where(np.isfinite(values), values, np.nan)).plot(
        ax=ax, column="_v", cmap="RdYlGn_r", vmin=0.0, vmax=2.0 * response, alpha=0.55,
        edgecolor="none", zorder=0.8, missing_kwds={"color": "#bdbdbd", "alpha": 0.55},
    )  # fmt: skip
    mapped = [c for c in ax.collections[first:] if c.get_array() is not None]
    return mapped[0] if mapped else None


def _draw_stations(ax: Axes, stations: gpd.GeoDataFrame, legend: _Legend,
                   labels: bool = True) -> None:  # fmt: skip
    proposed = stations["status"].astype(str).str.lower().eq("proposed").to_numpy()
    xs, ys = stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy()
    common: dict[str, Any] = {"marker": "s", "s": 70, "zorder": 8, "linewidths": 1.6}
    if (~proposed).any():
        ax.scatter(xs[~proposed], ys[~proposed], c=_STATION_RED, edgecolors="white", **common)
        legend.add(Line2D([], [], marker="s", ls="", mfc=_STATION_RED, mec="white", ms=8),
                   "existing_station")  # fmt: skip
    if proposed.any():
        ax.scatter(xs[proposed], ys[proposed], c="white", edgecolors=_STATION_RED, **common)
        legend.add(Line2D([], [], marker="s", ls="", mfc="white", mec=_STATION_RED, ms=8,
                          mew=1.6), "proposed_station")  # fmt: skip
    _draw_approximate(ax, stations, xs, ys, legend)
    for x, y, name in zip(xs, ys, stations["name"].astype(str), strict=True) if labels else ():
        legend.labels.append(MapLabel(float(x), float(y), name, dy_pt=8.0,
                                      priority=PRIORITY_STATION, colour="#b71c1c",
                                      weight=legend.bold))  # fmt: skip


def _draw_approximate(ax: Axes, stations: gpd.GeoDataFrame, xs: Any, ys: Any,
                      legend: _Legend) -> None:  # fmt: skip
    """Approximate locations (optional ``approximate`` / ``precision_m`` columns): a dashed
    hollow ring around the marker and, with a precision, a dashed circle of that radius."""
    if "approximate" not in stations.columns:
        return
    approx = stations["approximate"].fillna(False).astype(bool).to_numpy()
    if not approx.any():
        return
    ax.scatter(xs[approx], ys[approx], marker="o", s=260, facecolors="none",
               edgecolors=_STATION_RED, linewidths=1.2, linestyles="--", zorder=8)  # fmt: skip
    radius = (stations["precision_m"].to_numpy(dtype=float) if "precision_m" in stations.columns
              else np.full(len(stations), np.nan))  # fmt: skip
    for x, y, r in zip(xs[approx], ys[approx], radius[approx], strict=True):
        if np.isfinite(r) and r > 0:
            ax.add_patch(Circle((x, y), r, fill=False, ec=_STATION_RED, lw=1.0, ls="--",
                                alpha=0.8, zorder=7))  # fmt: skip
    legend.add(
        Line2D([], [], marker="o", ls="", mfc="none", mec=_STATION_RED, ms=12, mew=1.2),
        "Approximate location",
        "位置为近似",
    )
