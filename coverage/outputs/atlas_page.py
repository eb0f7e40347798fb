"""One A3 page of the atlas: the overview map, or the map of one station district.

Page layout (A3 landscape, 420 × 297 mm): the map on the left at a round scale 1:N
(:func:`~firecover.outputs.scalebar.fit_view`), a column on the right with the title block,
the legend and (district pages) a locator map. Map layers are drawn by the PNG map's layer
code (:mod:`firecover.outputs.map_layers`); labels are placed by
:func:`~firecover.outputs.atlas_labels.place_labels`. Area fills, roads and district outlines
(everything below ``zorder`` :data:`RASTER_BELOW`) are rasterised at the page's dpi; gaps
(hatched: a vector pattern is a few bytes, a rasterised one compresses badly), service areas,
the district's outline, the boundary, stations, labels, scale bar and text stay vector, cut
to the page's view, so they print sharp and the text layer holds every name.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from firecover._version import __version__
from firecover.outputs.atlas_block import (
    AtlasContext,
    _block,
    _common_rows,
    _district_rows,
    _index,
    _legend,
)
from firecover.outputs.atlas_labels import place_labels
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.map_layers import (
    _at_budget,
    _draw_barriers,
    _draw_gaps,
    _draw_jurisdictions,
    _draw_roads,
    _draw_stations,
    _Legend,
)
from firecover.outputs.scalebar import (
    draw_north_arrow,
    draw_scale_bar,
    fit_view,
    ratio_text,
    view_ratio,
)

__all__ = ["A3_LANDSCAPE_IN", "RASTER_BELOW", "AtlasContext", "district_page", "overview_page"]

#: A3 landscape in inches (420 × 297 mm).
A3_LANDSCAPE_IN: tuple[float, float] = (420 / 25.4, 297 / 25.4)
#: Artists below this zorder are rasterised in the PDF (fills, roads, district outlines).
RASTER_BELOW = 3.9
_M, _COL_W = 0.45, 4.2  # page margin, right column width (inches)
_FOCUS = "#0d47a1"
_OWN_REACH = "#1b5e20"
#: A white box behind labels instead of the PNG's stroke halo: matplotlib draws text with
#: path effects as outlines, which would leave the names out of the PDF's text layer.
_LABEL_BOX: dict[str, Any] = {"boxstyle": "round,pad=0.12", "facecolor": "white", "alpha": 0.8,
                              "edgecolor": "none"}  # fmt: skip


def _page(ctx: AtlasContext) -> tuple[Figure, Axes, Axes]:
    w, h = A3_LANDSCAPE_IN
    fig = Figure(figsize=(w, h), facecolor="white")
    map_w, map_h = w - 3 * _M - _COL_W, h - 2 * _M - 0.25
    ax = fig.add_axes((_M / w, (_M + 0.25) / h, map_w / w, map_h / h))
    col = fig.add_axes(((2 * _M + map_w) / w, (_M + 0.25) / h, _COL_W / w, map_h / h))
    for a in (ax, col):
        a.set_xticks([])
        a.set_yticks([])
    ax.set_facecolor("#fafafa")
    col.axis("off")
    ax.set_rasterization_zorder(RASTER_BELOW)
    return fig, ax, col


def _clip(frame: gpd.GeoDataFrame | None, box: tuple[float, float, float, float]) -> Any:
    """Rows of ``frame`` whose geometry meets the view box (spatial index)."""
    if frame is None or not len(frame):
        return frame
    idx = frame.sindex.query(shapely.box(*box), predicate="intersects")
    return frame.iloc[np.sort(idx)]


def _cut(frame: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The rows of ``frame`` in the view, geometries cut to it (grown by 2 %, so the cut
    edges fall outside the page): vector layers carry only what the page shows."""
    part = _clip(frame, box)
    x0, y0, x1, y1 = box
    gx, gy = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    cut = part.geometry.clip_by_rect(x0 - gx, y0 - gy, x1 + gx, y1 + gy)
    keep = ~cut.is_empty & cut.geom_type.isin(["Polygon", "MultiPolygon"])
    return part.assign(geometry=cut)[keep.to_numpy()]


def _view(ax: Axes) -> tuple[float, float, float, float]:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return x0, y0, x1, y1


def _base(ax: Axes, ctx: AtlasContext, legend: _Legend) -> None:
    """Districts, barriers, roads, gaps and the boundary inside the view."""
    layers, box = ctx.layers, _view(ax)
    if layers.has("jurisdictions"):
        _draw_jurisdictions(ax, _clip(layers.jurisdictions, box), ctx.colours, legend, None,
                            labels=False)  # fmt: skip
    if layers.barriers is not None:
        bar = _clip(layers.barriers, box)
        if len(bar):
            _draw_barriers(ax, bar, legend)
    if layers.has("roads"):
        roads = _clip(layers.roads, box)
        if len(roads):
            _draw_roads(ax, roads, legend)
    if layers.has("gaps"):
        gaps = _cut(layers.gaps, box)
        if len(gaps):
            _draw_gaps(ax, gaps, ctx.budget, legend)
    if layers.boundary is not None:
        layers.boundary.boundary.plot(ax=ax, color="black", linewidth=1.8,
                                      linestyle=(0, (8, 3, 2, 3)), zorder=6)  # fmt: skip
        legend.add(Line2D([], [], color="black", lw=1.8, ls=(0, (8, 3, 2, 3))), "boundary")


def _stations_in(ctx: AtlasContext, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    st = ctx.layers.stations
    if not ctx.layers.has("stations"):
        return st
    x0, y0, x1, y1 = box
    inside = st.geometry.x.between(x0, x1) & st.geometry.y.between(y0, y1)
    return st[inside.to_numpy()]


def _frame_text(fig: Figure, ax: Axes, ctx: AtlasContext, n: int, legend: _Legend) -> None:
    """Scale bar, north arrow, synthetic stamp and the page footer."""
    g, meta = ctx.g, ctx.layers.meta
    ax.set_xlabel("")
    ax.set_ylabel("")
    ratio = view_ratio(ax, ctx.mpu)
    draw_scale_bar(ax, ctx.mpu, caption=g("atlas_scale", ratio=ratio_text(ratio)))
    draw_north_arrow(ax, ctx.bold)
    if meta.synthetic:
        stamp = SYNTHETIC_LABEL if g.chinese else SYNTHETIC_LABEL.split(" — ")[0]
        ax.text(0.5, 0.985, stamp, transform=ax.transAxes, ha="center", va="top", fontsize=12,
                fontweight=ctx.bold, color="#b71c1c", zorder=12,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "alpha": 0.9,
                      "edgecolor": "#b71c1c", "linewidth": 1.5})  # fmt: skip
    w, h = fig.get_size_inches()
    fig.text(_M / w, 0.22 / h, g("footer", crs=meta.crs, version=__version__), fontsize=7,
             color="#616161", ha="left", va="bottom")  # fmt: skip
    fig.text(1 - _M / w, 0.22 / h, g("atlas_pages", n=n, total=ctx.total_pages), fontsize=8,
             color="#212121", ha="right", va="bottom")  # fmt: skip


def _station_labels(ax: Axes, ctx: AtlasContext, stations: gpd.GeoDataFrame,
                    focus: str | None, extra: list[tuple[float, float, str]],
                    markers: list[Any]) -> None:  # fmt: skip
    """Station names (the focus station first and larger) and ``extra`` district names."""
    xs = list(stations.geometry.x)
    ys = list(stations.geometry.y)
    names = list(stations["name"].astype(str))
    prio = [2.0 if n == focus else 1.0 for n in names]
    sizes = [11.0 if n == focus else 8.5 for n in names]
    for x, y, text in extra:
        xs.append(x)
        ys.append(y)
        names.append(text)
        prio.append(0.0)
        sizes.append(7.5)
    place_labels(ax, xs, ys, names, priority=prio, sizes=sizes, colour="#b71c1c",
                 marker_pt=6.0 if markers else 0.0, offset_pt=12.0, fontweight=ctx.bold, zorder=9,
                 bbox=_LABEL_BOX)  # fmt: skip


def _markers(ax: Axes, stations: gpd.GeoDataFrame, legend: _Legend) -> list[Any]:
    """Draw the station markers (the PNG map's symbols); return their collections."""
    before = len(ax.collections)
    _draw_stations(ax, stations, legend, labels=False)
    return list(ax.collections[before:])


def overview_page(ctx: AtlasContext, index: list[tuple[int, str]]) -> Figure:
    """Page 1: the whole planning area, every district and station, and the page index."""
    fig, ax, col = _page(ctx)
    layers, g = ctx.layers, ctx.g
    legend = _Legend(g, ctx.bold)
    minx, miny, maxx, maxy = layers.total_bounds()
    pad = 0.01 * max(maxx - minx, maxy - miny, 1.0)
    fit_view(ax, (minx - pad, miny - pad, maxx + pad, maxy + pad), ctx.mpu)
    _base(ax, ctx, legend)
    areas = layers.service_areas
    if layers.has("service_areas"):
        union = _at_budget(areas, layers.meta.response_min)
        union = union[union["station"].astype(str) == "(all)"]
        union = _cut(union, _view(ax)) if len(union) else union
        if len(union):
            union.boundary.plot(ax=ax, color=_OWN_REACH, linewidth=1.4, zorder=4.5)
            legend.add(Line2D([], [], color=_OWN_REACH, lw=1.4), "reached", budget=ctx.budget)
    stations = _stations_in(ctx, _view(ax))
    markers = _markers(ax, stations, legend) if len(stations) else []
    _frame_text(fig, ax, ctx, 1, legend)
    rows = _common_rows(ctx)
    if layers.has("jurisdictions"):
        ok = int(layers.jurisdictions["compliant"].fillna(False).astype(bool).sum())
        rows.append((g("compliant_districts"), f"{ok} / {len(layers.jurisdictions)}"))
    if layers.has("gaps"):
        gap = float(layers.gaps["area_km2"].astype(float).sum())
        rows.append((g("map_gaps"), g("gap_parts", km2=gap, n=len(layers.gaps))))
    if ctx.note:
        rows.append((g("notes_heading"), ctx.note))
    y = _block(col, g("atlas_title") + " · " + g("overview"), rows, ctx)
    _legend(col, legend, y)
    _index(col, index, ctx)
    if len(stations):  # last (see district_page)
        _station_labels(ax, ctx, stations, None, [], markers)
    return fig


def _veil(ax: Axes, geom: Any) -> None:
    """Whiten everything outside the focus district a little (neighbours stay readable)."""
    outside = shapely.box(*_view(ax)).difference(geom)
    if not outside.is_empty:
        gpd.GeoSeries([outside]).plot(ax=ax, facecolor="white", edgecolor="none", alpha=0.45,
                                      zorder=1.2)  # fmt: skip


def _neighbour_labels(ctx: AtlasContext, ax: Axes, focus: str,
                      shown: set[str]) -> list[tuple[float, float, str]]:  # fmt: skip
    """Labels for neighbouring districts whose station is off the page."""
    view = shapely.box(*_view(ax))
    out = []
    for _, r in _clip(ctx.layers.jurisdictions, _view(ax)).iterrows():
        name = str(r["station"])
        if name == focus or name in shown:
            continue
        part = r.geometry.intersection(view)
        if part.is_empty or part.area < 0.002 * view.area:
            continue
        p = part.representative_point()
        out.append((p.x, p.y, ctx.g("atlas_towards", station=name)))
    return out


def _locator(fig: Figure, col: Axes, ctx: AtlasContext, focus: str, top: float) -> None:
    """The locator map at the foot of the column, below ``top`` (axes fraction); left out
    when the title block and legend leave too little room."""
    box = col.get_position()
    height = min(0.26, top - 0.04)
    if height < 0.10:
        return
    loc = fig.add_axes((box.x0, box.y0, box.width, box.height * height))
    loc.set_xticks([])
    loc.set_yticks([])
    loc.set_rasterization_zorder(RASTER_BELOW)
    out = ctx.outline()
    out.plot(ax=loc, facecolor="#eceff1", edgecolor="#90a4ae", linewidth=0.3, zorder=1)
    mine = out[(out["station"].astype(str) == focus).to_numpy() & ~out.geometry.is_empty]
    if len(mine):
        mine.plot(ax=loc, facecolor=_FOCUS, edgecolor=_FOCUS, linewidth=0.6, zorder=2)
    if ctx.layers.boundary is not None:
        ctx.layers.boundary.boundary.plot(ax=loc, color="black", linewidth=0.6, zorder=3)
    loc.set_aspect("equal", adjustable="datalim")
    loc.set_xlabel("")
    loc.set_ylabel("")
    loc.set_title(ctx.g("atlas_locator"), fontsize=8.5, loc="left")


def _focus_bounds(ctx: AtlasContext, row: Any) -> tuple[float, float, float, float]:
    """The district's bounds; for an empty one (a station outside the planning area) its
    station's position, else the whole area."""
    geom = row.geometry
    if geom is not None and not geom.is_empty:
        return tuple(float(v) for v in geom.bounds)  # type: ignore[return-value]
    st = ctx.layers.stations
    if ctx.layers.has("stations"):
        own = st[st["name"].astype(str) == str(row["station"])]
        if len(own):
            p = own.geometry.iloc[0]
            return p.x, p.y, p.x, p.y
    return ctx.layers.total_bounds()


def district_page(ctx: AtlasContext, row: Any, n: int) -> Figure:
    """Page ``n``: the district of the jurisdictions row ``row`` and its surroundings."""
    fig, ax, col = _page(ctx)
    layers, g = ctx.layers, ctx.g
    focus = str(row["station"])
    legend = _Legend(g, ctx.bold)
    minx, miny, maxx, maxy = _focus_bounds(ctx, row)
    span = max(maxx - minx, maxy - miny, 1500.0 / ctx.mpu)
    pad = 0.18 * span
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = span / 2 + pad
    fit_view(ax, (min(minx, cx - half) - pad / 4, min(miny, cy - half) - pad / 4,
                  max(maxx, cx + half) + pad / 4, max(maxy, cy + half) + pad / 4),
             ctx.mpu)  # fmt: skip
    _base(ax, ctx, legend)
    if row.geometry is not None and not row.geometry.is_empty:
        _veil(ax, row.geometry)
        gpd.GeoSeries([row.geometry]).boundary.plot(ax=ax, color=_FOCUS, linewidth=2.6,
                                                    zorder=5.0)  # fmt: skip
    legend.items.insert(0, (Patch(facecolor="none", edgecolor=_FOCUS, lw=2.6), g("atlas_focus")))
    if layers.has("service_areas"):
        areas = _at_budget(layers.service_areas, layers.meta.response_min)
        own = _cut(areas[areas["station"].astype(str) == focus], _view(ax))
        if len(own):
            own.boundary.plot(ax=ax, color=_OWN_REACH, linewidth=1.6, linestyle="--", zorder=4.6)
            legend.add(Line2D([], [], color=_OWN_REACH, lw=1.6, ls="--"), "atlas_own_reach",
                       budget=ctx.budget)  # fmt: skip
    stations = _stations_in(ctx, _view(ax))
    own_station, markers = None, []
    if len(stations):
        markers = _markers(ax, stations, legend)
        mine = stations[stations["name"].astype(str) == focus]
        own_station = mine.iloc[0] if len(mine) else None
    _frame_text(fig, ax, ctx, n, legend)
    y = _block(col, g("district_page", station=focus), _district_rows(ctx, row, own_station), ctx)
    bottom = _legend(col, legend, y)
    if layers.has("jurisdictions"):
        _locator(fig, col, ctx, focus, bottom)
    # last: the placement measures text on an Agg canvas, and geopandas redraws a figure
    # with a real canvas after every layer it plots
    shown = set(stations["name"].astype(str)) if len(stations) else set()
    _station_labels(ax, ctx, stations, focus, _neighbour_labels(ctx, ax, focus, shown),
                    markers)  # fmt: skip
    return fig
