"""Thematic PNG maps in one or more side-by-side panels (audit findings, hydrant gaps, a
year-by-year strip), on the same road base, fonts, scale bar and north arrow as
:mod:`firecover.outputs.maps`.

A panel is a list of :class:`Overlay` (a GeoDataFrame with a style and a bilingual legend
label); every panel shares the extent. Invented data gets the red synthetic stamp.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import matplotlib
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import firecover.outputs.fonts as _fonts
from firecover._io import atomic_path, check_not_input
from firecover._version import __version__
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.map_layers import _draw_roads, _Legend
from firecover.outputs.maps import _north_arrow, _scale_bar
from firecover.outputs.png import save_png

__all__ = ["Overlay", "Panel", "render_panels"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overlay:
    """One styled layer of a panel.

    ``kind`` is ``"fill"`` (polygons), ``"line"`` or ``"point"``; ``label_column`` names a column
    whose text is written beside each feature (station names).
    """

    frame: gpd.GeoDataFrame
    en: str
    zh: str
    kind: str = "fill"
    color: str = "#1565c0"
    alpha: float = 0.45
    width: float = 1.5
    hatch: str | None = None
    marker: str = "o"
    size: float = 30.0
    label_column: str | None = None
    zorder: int = 4


@dataclass(frozen=True)
class Panel:
    """One map panel: a subtitle and its overlays (drawn in order over the roads)."""

    title: str
    overlays: Sequence[Overlay] = field(default_factory=tuple)


def _bounds(roads: gpd.GeoDataFrame | None, panels: Sequence[Panel]) -> tuple[float, ...]:
    frames = [o.frame for p in panels for o in p.overlays if len(o.frame)]
    if roads is not None and len(roads):
        frames.append(roads)
    if not frames:
        return (0.0, 0.0, 1.0, 1.0)
    b = [f.total_bounds for f in frames]
    minx, miny = min(x[0] for x in b), min(x[1] for x in b)
    maxx, maxy = max(x[2] for x in b), max(x[3] for x in b)
    pad = 0.04 * max(maxx - minx, maxy - miny, 1.0)
    return (minx - pad, miny - pad, maxx + pad, maxy + pad)


def _draw_overlay(ax: Any, o: Overlay, legend: _Legend) -> None:
    if not len(o.frame):
        return
    if o.kind == "fill":
        o.frame.plot(
            ax=ax,
            color=o.color,
            alpha=o.alpha,
            edgecolor=o.color,
            linewidth=0.0 if len(o.frame) > 200 else 0.6,  # many cells: no outlines
            hatch=o.hatch,
            zorder=o.zorder,
        )
        legend.add(
            Patch(facecolor=o.color, alpha=o.alpha, hatch=o.hatch, edgecolor=o.color), o.en, o.zh
        )
    elif o.kind == "outline":
        o.frame.boundary.plot(ax=ax, color=o.color, linewidth=o.width, zorder=o.zorder)
        legend.add(Line2D([], [], color=o.color, lw=o.width), o.en, o.zh)
    elif o.kind == "line":
        o.frame.plot(ax=ax, color=o.color, linewidth=o.width, zorder=o.zorder)
        legend.add(Line2D([], [], color=o.color, lw=o.width), o.en, o.zh)
    else:
        o.frame.plot(
            ax=ax,
            color=o.color,
            markersize=o.size,
            marker=o.marker,
            edgecolor="white",
            linewidth=0.6,
            zorder=o.zorder,
        )
        legend.add(Line2D([], [], color=o.color, marker=o.marker, ls="", ms=7), o.en, o.zh)
    if o.label_column is not None:
        for text, geom in zip(o.frame[o.label_column], o.frame.geometry, strict=True):
            p = geom.representative_point()
            ax.text(
                p.x,
                p.y,
                f" {text}",
                fontsize=7.5,
                zorder=o.zorder + 1,
                va="bottom",
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
            )


def _figure(
    panels: Sequence[Panel],
    roads: gpd.GeoDataFrame | None,
    title: str,
    subtitle: str,
    synthetic: bool,
    cjk: bool,
    crs: str,
) -> Figure:
    x0, y0, x1, y1 = _bounds(roads, panels)
    n = len(panels)
    w_each = 7.0 if n == 1 else max(3.2, min(5.0, 16.0 / n))
    h = w_each * (y1 - y0) / max(x1 - x0, 1e-9)
    h = min(max(h, 2.5), 9.0)
    legend_w = 3.2
    fig = Figure(figsize=(n * w_each + legend_w + 0.4, h + 1.3), facecolor="white")
    fig_w, fig_h = fig.get_figwidth(), fig.get_figheight()
    bold = _fonts.bold_weight()
    legend = _Legend(cjk, bold)
    for i, p in enumerate(panels):
        ax = fig.add_axes(
            ((0.2 + i * w_each) / fig_w, 0.35 / fig_h, (w_each - 0.1) / fig_w, h / fig_h)
        )
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#fafafa")
        if roads is not None and len(roads):
            _draw_roads(ax, roads, legend)
        for o in p.overlays:
            _draw_overlay(ax, o, legend)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_title(p.title, fontsize=10, fontweight=bold)
        if i == 0:
            _scale_bar(ax, 1.0)
            _north_arrow(ax, bold)
        if synthetic:
            stamp = SYNTHETIC_LABEL if cjk else SYNTHETIC_LABEL.split(" — ")[0]
            ax.text(
                0.5,
                0.02,
                stamp,
                transform=ax.transAxes,
                ha="center",
                va="bottom",
                fontsize=8 if n > 1 else 11,
                color="#b71c1c",
                fontweight=bold,
                zorder=12,
                bbox={
                    "boxstyle": "round,pad=0.3",
                    "facecolor": "white",
                    "alpha": 0.9,
                    "edgecolor": "#b71c1c",
                },
            )
    lax = fig.add_axes(
        ((0.3 + n * w_each) / fig_w, 0.35 / fig_h, (legend_w - 0.2) / fig_w, h / fig_h)
    )
    lax.axis("off")
    seen: dict[str, Any] = {}
    for handle, label in legend.items:
        seen.setdefault(label, handle)
    handles, labels = list(seen.values()), list(seen)
    if handles:
        lax.legend(handles, labels, loc="upper left", fontsize=8, frameon=False)
    fig.text(
        0.2 / fig_w, 1 - 0.12 / fig_h, title, ha="left", va="top", fontsize=13, fontweight=bold
    )
    fig.text(
        0.2 / fig_w, 1 - 0.5 / fig_h, subtitle, ha="left", va="top", fontsize=9, color="#37474f"
    )
    fig.text(
        0.2 / fig_w,
        0.08 / fig_h,
        f"CRS {crs} (metres) · firecover {__version__}",
        fontsize=7,
        color="#616161",
        ha="left",
        va="bottom",
    )
    return fig


def render_panels(
    path: str | os.PathLike[str],
    panels: Sequence[Panel],
    *,
    title: str,
    subtitle: str = "",
    roads: gpd.GeoDataFrame | None = None,
    synthetic: bool = False,
    crs: str = "",
    dpi: int = 130,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Draw ``panels`` side by side into a PNG (written atomically, never over an input).

    Parameters
    ----------
    path : path-like
        Destination ``.png``.
    panels : sequence of Panel
        One or more panels sharing the extent.
    title, subtitle : str
        Figure title and a second line (the rule or the budget).
    roads : GeoDataFrame, optional
        The ``roads`` layer for the base.
    synthetic : bool
        Stamp every panel as invented data.
    crs : str
        Named in the footer.
    """
    dest = Path(path)
    check_not_input(dest, inputs)
    font = _fonts.find_cjk_font()
    rc: dict[str, Any] = {
        "font.family": _fonts.font_families(),
        "axes.unicode_minus": False,
        "hatch.linewidth": 0.6,
    }
    with matplotlib.rc_context(cast(Any, rc)), warnings.catch_warnings():
        if font is None:
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig = _figure(panels, roads, title, subtitle, synthetic, font is not None, crs)
        with atomic_path(dest) as tmp:
            save_png(fig, tmp, dpi=dpi)
    log.info("wrote map %s", dest)
    return dest
