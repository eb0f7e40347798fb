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

import matplotlib
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

import firecover.outputs.fonts as _fonts
from firecover._display import figure, pct
from firecover._io import atomic_path, check_not_input
from firecover._version import __version__
from firecover.outputs.glossary import Glossary, check_lang, glossary
from firecover.outputs.incident_draw import draw_incident_density
from firecover.outputs.layers import SYNTHETIC_LABEL, CoverageLayers, CoverageMeta
from firecover.outputs.map_labels import draw_map_labels
from firecover.outputs.map_layers import (
    _HALO,
    _draw_barriers,
    _draw_cells,
    _draw_gaps,
    _draw_jurisdictions,
    _draw_roads,
    _draw_service_areas,
    _draw_stations,
    _Legend,
)
from firecover.outputs.png import save_png
from firecover.outputs.text import wrap_display
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

_PANEL_W, _TITLE_H, _FOOT_H, _PAD = 3.3, 1.05, 0.4, 0.25
#: Summary lines in the side panel wrap at this display width (8.5 pt text in _PANEL_W inches).
_SUMMARY_WIDTH = 50


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
    # wrapped to the panel: long bilingual lines ran off the figure's right edge
    lines = [part for line in _summary(layers, budget, legend)
             for part in wrap_display(line, _SUMMARY_WIDTH)]  # fmt: skip
    panel.text(0.0, 0.0, "\n".join(lines), transform=panel.transAxes, ha="left", va="bottom",
               fontsize=8.5, linespacing=1.6)  # fmt: skip
    if cbar is not None:
        fig = panel.get_figure()
        assert isinstance(fig, Figure)
        box = panel.get_position()
        cax = fig.add_axes((box.x0, box.y0 + 0.30 * box.height, 0.8 * box.width, 0.025))
        bar = fig.colorbar(cbar, cax=cax, orientation="horizontal")
        bar.set_label(legend.text(getattr(legend, "cbar_key", "fastest")), fontsize=8)
        bar.ax.tick_params(labelsize=7.5)


def _check_show(show: Sequence[str]) -> set[str]:
    unknown = set(show) - THEMATIC_LAYERS
    if unknown:
        raise ValueError(
            f"unknown map layer(s) {', '.join(sorted(unknown))}; choose from "
            f"{', '.join(sorted(THEMATIC_LAYERS))} (roads, boundary and barriers are always drawn)"
        )
    return set(show)


def _draw(layers: CoverageLayers, title: str, show: set[str], g: Glossary,
          overlay: Any = None) -> Figure:  # fmt: skip
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
    if layers.incidents is not None and len(layers.incidents):
        draw_incident_density(ax, layers.incidents.to_crs(layers.crs), legend,
                              layers.total_bounds())  # fmt: skip
    if layers.boundary is not None:
        layers.boundary.boundary.plot(ax=ax, color="black", linewidth=1.8,
                                      linestyle=(0, (8, 3, 2, 3)), zorder=6)  # fmt: skip
        legend.add(Line2D([], [], color="black", lw=1.8, ls=(0, (8, 3, 2, 3))),
                   "boundary")  # fmt: skip
    if layers.has("search_zones"):
        draw_search_zones(ax, layers.search_zones, legend)
    if overlay is not None:  # e.g. risk objects (firecover.outputs.risk_draw)
        overlay(ax, legend)
    if "stations" in show and layers.has("stations"):
        _draw_stations(ax, layers.stations, legend)
    marks = None if stations is None else (stations.x, stations.y)
    draw_map_labels(ax, legend.labels, avoid=marks, zorder=9, path_effects=_HALO)
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
    overlay: Any = None,
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
    overlay : callable, optional
        ``overlay(ax, legend)`` draws extra layers under the stations (risk objects).

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
        fig = _draw(layers, text, wanted, g, overlay)
        with atomic_path(dest) as tmp:
            save_png(fig, tmp, dpi=dpi)
    logger.info("wrote map %s", dest)
    return dest
