"""Static PNG coverage map (matplotlib, Agg; no internet tiles).

Layout: the map on the left (roads as the base, jurisdictions coloured, gaps hatched, service
area outlines, stations labelled with their Chinese names, district boundary, scale bar, north
arrow), a side panel with the legend and a summary, the title and response budget on top and,
for invented data, a red "SYNTHETIC DEMO DATA — 虚构示例数据" stamp on the map.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle
from shapely.ops import polylabel

import firecover.outputs.fonts as _fonts
from firecover._display import figure, pct
from firecover._io import atomic_path, check_not_input
from firecover._version import __version__
from firecover.outputs.glossary import Glossary, check_lang, glossary
from firecover.outputs.layers import SYNTHETIC_LABEL, CoverageLayers, CoverageMeta
from firecover.outputs.zones_draw import draw_search_zones

__all__ = [
    "DEFAULT_SHOW",
    "THEMATIC_LAYERS",
    "map_title",
    "nice_scale_length",
    "render_map",
    "station_colours",
]

logger = logging.getLogger(__name__)

#: Thematic layers drawn by default (roads, boundary and barriers are always drawn).
DEFAULT_SHOW: tuple[str, ...] = ("jurisdictions", "gaps", "stations", "service_areas")
#: Every thematic layer :func:`render_map` can show.
THEMATIC_LAYERS: frozenset[str] = frozenset({*DEFAULT_SHOW, "cells"})

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
_PANEL_W, _TITLE_H, _FOOT_H, _PAD = 3.3, 1.05, 0.4, 0.25


def map_title(meta: CoverageMeta, lang: str) -> str:
    """The map title in ``lang``: the Chinese title, the English one, or both joined."""
    if lang == "zh" and meta.title_zh:
        return meta.title_zh
    if lang == "en" and meta.title:
        return meta.title
    return meta.display_title()


def station_colours(names: Iterable[str]) -> dict[str, str]:
    """Distinct qualitative colours (hex) for station names, stable for a given name set.

    Red is left out: it marks stations and gaps.
    """
    tab10 = [to_hex(c) for c in matplotlib.colormaps["tab10"].colors]  # type: ignore[attr-defined]
    tab20 = [to_hex(c) for c in matplotlib.colormaps["tab20"].colors]  # type: ignore[attr-defined]
    palette = [c for i, c in enumerate(tab10) if i not in (3, 7)] + tab20[1::2]
    unique = sorted({str(n) for n in names})
    return {name: palette[i % len(palette)] for i, name in enumerate(unique)}


def nice_scale_length(width_m: float) -> float:
    """A round scale-bar length (1, 2, 2.5 or 5 × 10^k metres) near a fifth of ``width_m``."""
    target = max(width_m / 5.0, 1e-9)
    exp = math.floor(math.log10(target))
    best = 10.0**exp
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * 10.0**exp <= target:
            best = step * 10.0**exp
    return best


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
) -> None:
    fills = [colours.get(str(s), "#9e9e9e") for s in gdf["station"]]
    if fill:  # not over the response-time colouring of the cells
        gdf.plot(ax=ax, color=fills, alpha=0.30, edgecolor="none", zorder=1.0)
    gdf.boundary.plot(ax=ax, color="#37474f", linewidth=0.9, zorder=3.5)
    for _, row in gdf.iterrows():
        x, y, dy = _label_point(row.geometry, str(row["station"]), stations)
        text = f"{float(row['area_km2']):.1f} km²"
        ok = bool(row["compliant"]) if not _isna(row["compliant"]) else True
        if not ok:
            text += "\n" + legend.text("not_compliant")
        ax.annotate(
            text, (x, y), xytext=(0, dy), textcoords="offset points", ha="center",
            va="top" if dy else "center", fontsize=7.5, zorder=7,
            color="#212121" if ok else "#b71c1c", fontweight="normal" if ok else legend.bold,
            path_effects=_HALO,
        )  # fmt: skip
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


def _draw_stations(ax: Axes, stations: gpd.GeoDataFrame, legend: _Legend) -> None:
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
    for x, y, name in zip(xs, ys, stations["name"].astype(str), strict=True):
        ax.annotate(name, (x, y), xytext=(0, 8), textcoords="offset points", ha="center",
                    va="bottom", fontsize=8.5, fontweight=legend.bold, color="#b71c1c", zorder=9,
                    path_effects=_HALO)  # fmt: skip


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


def _metres_per_unit(layers: CoverageLayers) -> float:
    try:
        factor = layers.crs.axis_info[0].unit_conversion_factor
    except (IndexError, AttributeError):
        return 1.0
    return float(factor) if factor else 1.0


def _scale_bar(ax: Axes, metres_per_unit: float) -> None:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    length_m = nice_scale_length((x1 - x0) * metres_per_unit)
    length = length_m / metres_per_unit
    left, bottom, h = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0), 0.012 * (y1 - y0)
    ax.add_patch(Rectangle((left - 0.015 * (x1 - x0), bottom - 0.035 * (y1 - y0)),
                           length + 0.05 * (x1 - x0), 0.075 * (y1 - y0), facecolor="white",
                           edgecolor="none", alpha=0.8, zorder=10))  # fmt: skip
    for i in range(2):
        ax.add_patch(Rectangle((left + i * length / 2, bottom), length / 2, h, zorder=11,
                               facecolor="black" if i == 0 else "white", edgecolor="black",
                               linewidth=0.8))  # fmt: skip
    unit, div = ("km", 1000.0) if length_m >= 1000 else ("m", 1.0)
    for frac in (0.0, 0.5, 1.0):
        label = f"{length_m * frac / div:g}" + (f" {unit}" if frac == 1.0 else "")
        ax.text(left + frac * length, bottom - 0.6 * h, label, ha="center", va="top",
                fontsize=7.5, zorder=11)  # fmt: skip


def _north_arrow(ax: Axes, bold: str) -> None:
    ax.annotate("", xy=(0.955, 0.95), xytext=(0.955, 0.86), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "lw": 1.8,
                            "color": "black"}, zorder=11)  # fmt: skip
    ax.text(0.955, 0.845, "N", transform=ax.transAxes, ha="center", va="top", fontsize=11,
            fontweight=bold, zorder=11, path_effects=_HALO)  # fmt: skip


def _summary(layers: CoverageLayers, budget: str, legend: _Legend) -> list[str]:
    lines = [legend.text("summary")]
    if layers.has("stations"):
        status = layers.stations["status"].astype(str).str.lower()
        n_new = int((status == "proposed").sum())
        lines.append(
            legend.text("map_stations")
            + f": {len(status)}"
            + (legend.text("stations_split", old=len(status) - n_new, new=n_new) if n_new else "")
        )
    if layers.has("cells"):
        area = layers.cells["area_km2"].astype(float)
        share = float(area[layers.cells["covered"].astype(bool)].sum() / max(area.sum(), 1e-12))
        lines.append(legend.text("map_reached", budget=budget) + ": "
                     + legend.text("share_of", share=pct(share, decimals=1),
                                   area=figure(float(area.sum()))))  # fmt: skip
    if layers.has("gaps"):
        gap = float(layers.gaps["area_km2"].astype(float).sum())
        lines.append(legend.text("map_gaps") + ": "
                     + legend.text("gap_parts", km2=gap, n=len(layers.gaps)))  # fmt: skip
    if layers.has("jurisdictions"):
        ok = int(layers.jurisdictions["compliant"].fillna(False).astype(bool).sum())
        lines.append(legend.text("compliant_districts")
                     + f": {ok} / {len(layers.jurisdictions)}")  # fmt: skip
    return lines


def _layout(bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    """Map box size in inches for the data bounds (aspect kept, clamped to a sane page)."""
    dx, dy = max(bounds[2] - bounds[0], 1.0), max(bounds[3] - bounds[1], 1.0)
    aspect = dy / dx
    map_w = 8.0
    map_h = min(max(map_w * aspect, 5.0), 10.0)
    if map_w * aspect > 10.0:
        map_w = max(map_h / aspect, 4.5)
    return map_w, map_h


def _frame(layers: CoverageLayers) -> tuple[Figure, Axes, Axes]:
    minx, miny, maxx, maxy = layers.total_bounds()
    pad = 0.04 * max(maxx - minx, maxy - miny, 1.0)
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    map_w, map_h = _layout(bounds)
    fig_w, fig_h = _PAD + map_w + _PAD + _PANEL_W, _TITLE_H + map_h + _FOOT_H
    fig = Figure(figsize=(fig_w, fig_h), facecolor="white")
    ax = fig.add_axes((_PAD / fig_w, _FOOT_H / fig_h, map_w / fig_w, map_h / fig_h))
    panel = fig.add_axes(((2 * _PAD + map_w) / fig_w, _FOOT_H / fig_h,
                          (_PANEL_W - _PAD) / fig_w, map_h / fig_h))  # fmt: skip
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fafafa")
    panel.axis("off")
    return fig, ax, panel


def _decorate(fig: Figure, ax: Axes, layers: CoverageLayers, title: str, legend: _Legend) -> None:
    meta = layers.meta
    budget = legend.text("budget_short", total=meta.response_min, turnout=meta.turnout_min,
                         driving=meta.driving_min)  # fmt: skip
    top = 1.0 - 0.18 / fig.get_figheight()
    fig.text(_PAD / fig.get_figwidth(), top, title, ha="left", va="top", fontsize=15,
             fontweight=legend.bold)  # fmt: skip
    fig.text(_PAD / fig.get_figwidth(), top - 0.42 / fig.get_figheight(),
             legend.text("response_budget") + f": {budget}"
             + (f" · {meta.year}" if meta.year else ""), ha="left", va="top", fontsize=10.5,
             color="#37474f")  # fmt: skip
    if meta.synthetic:
        stamp = SYNTHETIC_LABEL if legend.cjk else SYNTHETIC_LABEL.split(" — ")[0]
        ax.text(0.5, 0.975, stamp, transform=ax.transAxes, ha="center", va="top", fontsize=12,
                fontweight=legend.bold, color="#b71c1c", zorder=12,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "alpha": 0.9,
                      "edgecolor": "#b71c1c", "linewidth": 1.5})  # fmt: skip
    foot = legend.text("footer", crs=meta.crs, version=__version__)
    fig.text(_PAD / fig.get_figwidth(), 0.12 / fig.get_figheight(), foot, fontsize=7,
             color="#616161", ha="left", va="bottom")  # fmt: skip


def _panel(panel: Axes, layers: CoverageLayers, legend: _Legend, cbar: Any) -> None:
    budget = f"{layers.meta.response_min:g}"
    handles, labels = zip(*legend.items, strict=True) if legend.items else ((), ())
    panel.legend(list(handles), list(labels), loc="upper left", frameon=False, fontsize=8.5,
                 title=legend.text("legend"), title_fontsize=10, alignment="left",
                 borderaxespad=0.0, labelspacing=0.7, handlelength=2.2)  # fmt: skip
    lines = _summary(layers, budget, legend)
    panel.text(0.0, 0.0, "\n".join(lines), transform=panel.transAxes, ha="left", va="bottom",
               fontsize=8.5, linespacing=1.6)  # fmt: skip
    if cbar is not None:
        fig = panel.get_figure()
        assert isinstance(fig, Figure)
        box = panel.get_position()
        cax = fig.add_axes((box.x0, box.y0 + 0.30 * box.height, 0.8 * box.width, 0.025))
        bar = fig.colorbar(cbar, cax=cax, orientation="horizontal")
        bar.set_label(legend.text("fastest"), fontsize=8)
        bar.ax.tick_params(labelsize=7.5)


def _check_show(show: Sequence[str]) -> set[str]:
    unknown = set(show) - THEMATIC_LAYERS
    if unknown:
        raise ValueError(
            f"unknown map layer(s) {', '.join(sorted(unknown))}; choose from "
            f"{', '.join(sorted(THEMATIC_LAYERS))} (roads, boundary and barriers are always drawn)"
        )
    return set(show)


def _draw(layers: CoverageLayers, title: str, show: set[str], g: Glossary) -> Figure:
    fig, ax, panel = _frame(layers)
    legend = _Legend(g, _fonts.bold_weight())
    stations = None
    if layers.has("stations") and "stations" in show:
        stations = layers.stations.set_index(layers.stations["name"].astype(str)).geometry
    budget = f"{layers.meta.response_min:g}"
    colours = station_colours(layers.jurisdictions["station"]) if layers.has(
        "jurisdictions") else station_colours(layers.stations.get("name", []))  # fmt: skip
    cbar = None
    if "cells" in show and layers.has("cells"):
        cbar = _draw_cells(ax, layers.cells, layers.meta.response_min)
    if "jurisdictions" in show and layers.has("jurisdictions"):
        _draw_jurisdictions(ax, layers.jurisdictions, colours, legend, stations,
                            fill=cbar is None)  # fmt: skip
    if layers.barriers is not None:
        _draw_barriers(ax, layers.barriers, legend)
    if layers.has("roads"):
        _draw_roads(ax, layers.roads, legend)
    if "gaps" in show and layers.has("gaps"):
        _draw_gaps(ax, layers.gaps, budget, legend)
    if "service_areas" in show and layers.has("service_areas"):
        _draw_service_areas(ax, layers.service_areas, colours, budget, legend)
    if layers.boundary is not None:
        layers.boundary.boundary.plot(ax=ax, color="black", linewidth=1.8,
                                      linestyle=(0, (8, 3, 2, 3)), zorder=6)  # fmt: skip
        legend.add(Line2D([], [], color="black", lw=1.8, ls=(0, (8, 3, 2, 3))),
                   "boundary")  # fmt: skip
    if layers.has("search_zones"):
        draw_search_zones(ax, layers.search_zones, legend)
    if "stations" in show and layers.has("stations"):
        _draw_stations(ax, layers.stations, legend)
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, _metres_per_unit(layers))
    _north_arrow(ax, legend.bold)
    _decorate(fig, ax, layers, title, legend)
    _panel(panel, layers, legend, cbar)
    return fig


def render_map(
    layers: CoverageLayers,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    show: Sequence[str] = DEFAULT_SHOW,
    dpi: int = 150,
    inputs: Iterable[str | os.PathLike[str]] = (),
    lang: str = "both",
) -> Path:
    """Draw the coverage layers to a PNG, written atomically.

    Parameters
    ----------
    layers : CoverageLayers
        Layers in their metric CRS.
    path : path-like
        Destination ``.png``; an existing file is replaced only when the new one is complete.
    title : str, optional
        Map title; default ``layers.meta`` title (Chinese · English) and year.
    show : sequence of str
        Thematic layers to draw, from :data:`THEMATIC_LAYERS` (``"cells"`` adds a response-time
        colouring). Roads, boundary and barriers are always drawn when present.
    dpi : int
        Resolution of the PNG.
    inputs : iterable of path-like, optional
        Input files; writing over one of them is refused.
    lang : {"zh", "en", "both"}
        Language of the title, legend and summary (``both``: Chinese and English); without a
        CJK font the map falls back to English.

    Returns
    -------
    Path
        The written file.
    """
    wanted = _check_show(show)
    lang = check_lang(lang)
    dest = Path(path)
    check_not_input(dest, inputs)
    font = _fonts.find_cjk_font()
    g = glossary(lang if font is not None else "en")
    text = title if title is not None else map_title(layers.meta, g.lang)
    # text.parse_math off: names are text, never matplotlib math-text ("$\\frac{1$" is a name)
    rc: dict[str, Any] = {"font.family": _fonts.font_families(), "axes.unicode_minus": False,
                          "hatch.linewidth": 0.6, "text.parse_math": False,
                          "agg.path.chunksize": 20000}  # fmt: skip
    with matplotlib.rc_context(cast(Any, rc)), warnings.catch_warnings():
        if font is None:  # already warned once; do not repeat per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig = _draw(layers, text, wanted, g)
        with atomic_path(dest) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png", facecolor="white")
    logger.info("wrote map %s", dest)
    return dest
