"""The right-hand column of an atlas page: the title block and the legend, and what every
page of one atlas shares (:class:`AtlasContext`).

The title block is ``label：value`` rows in the atlas's language (district, plan, year,
response budget; on district pages the station, class, status, area vs limit, slowest
arrival, reached share, verdict and reasons), wrapped to the column by display width
(Chinese runs, which have no spaces, break between characters). Every figure shown goes
through :mod:`firecover._display` (rounded towards its verdict).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from firecover._display import at_most, pct
from firecover.outputs.glossary import Glossary
from firecover.outputs.layers import CoverageLayers
from firecover.outputs.map_layers import _isna, _Legend
from firecover.outputs.maps import station_colours
from firecover.outputs.scalebar import metres_per_unit
from firecover.outputs.text import display_width, wrap_display

__all__ = ["AtlasContext"]

_COLUMN_CHARS = 44  # display width of a title-block line at 9 pt in the column


@dataclass
class AtlasContext:
    """What every page of one atlas shares.

    Attributes
    ----------
    layers : CoverageLayers
    g : Glossary
    bold : str
        Font weight for bold text (``"normal"`` when the CJK family has no bold face).
    plan : str
        The plan's name for the title block.
    total_pages : int
    reasons : dict of str to list of str
        Station → its check's reasons (``"中文 / English"`` each); without an entry the
        layer's joined ``reasons`` string is shown.
    note : str
        A line for the overview's title block.
    colours : dict of str to str
        Station → district colour (the PNG map's palette).
    """

    layers: CoverageLayers
    g: Glossary
    bold: str
    plan: str
    total_pages: int
    reasons: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""
    colours: dict[str, str] = field(default_factory=dict)
    _outline: Any = None

    def __post_init__(self) -> None:
        jur = self.layers.jurisdictions
        names = jur["station"] if self.layers.has("jurisdictions") else self.layers.stations.get(
            "name", [])  # fmt: skip
        self.colours = station_colours(names)

    @property
    def mpu(self) -> float:
        """Metres per CRS unit."""
        return metres_per_unit(self.layers.crs)

    @property
    def budget(self) -> str:
        """The response budget in minutes, as shown (``"5"``)."""
        return f"{self.layers.meta.response_min:g}"

    def outline(self) -> gpd.GeoDataFrame:
        """The jurisdictions simplified for the locator maps (computed once)."""
        if self._outline is None:
            jur = self.layers.jurisdictions
            minx, miny, maxx, maxy = self.layers.total_bounds()
            tol = max(maxx - minx, maxy - miny) / 600.0
            jur = jur[~jur.geometry.is_empty]
            self._outline = jur.assign(geometry=jur.geometry.simplify(tol))
        return self._outline


def _wrap(text: str, width: float, indent: str = "  ") -> list[str]:
    """Lines of at most ``width`` display cells: broken at spaces, and a longer run (Chinese
    has no spaces) broken between characters."""
    out: list[str] = []
    for line in wrap_display(text, width, indent):
        current = ""
        for ch in line:
            if current and display_width(current + ch) > width:
                out.append(current)
                current = indent
            current += ch
        out.append(current)
    return out


def _block(col: Axes, title: str, rows: list[tuple[str, str]], ctx: AtlasContext,
           top: float = 1.0) -> float:  # fmt: skip
    """The title block: a bold title, then ``label: value`` rows; returns the y below it."""
    heads = _wrap(title, _COLUMN_CHARS * 9 / 15, indent="")  # 15 pt in the column
    col.text(0.0, top, "\n".join(heads), transform=col.transAxes, ha="left", va="top",
             fontsize=15, fontweight=ctx.bold, linespacing=1.2)  # fmt: skip
    y = top - 0.055 - 0.03 * (len(heads) - 1)
    for label, value in rows:
        lines = _wrap(f"{label}：{value}" if ctx.g.chinese else f"{label}: {value}",
                      _COLUMN_CHARS)  # fmt: skip
        red = value.startswith(ctx.g("fail"))
        col.text(0.0, y, "\n".join(lines), transform=col.transAxes, ha="left", va="top",
                 fontsize=9, linespacing=1.45, color="#b71c1c" if red else "#212121",
                 fontweight=ctx.bold if red else "normal")  # fmt: skip
        y -= 0.026 * len(lines) + 0.008
    col.plot([0, 1], [y + 0.004, y + 0.004], transform=col.transAxes, color="#9e9e9e", lw=0.6)
    return y - 0.012


def _legend(col: Axes, legend: _Legend, top: float) -> float:
    """The legend below ``top``; returns an estimate of its bottom (axes fraction)."""
    seen: dict[str, Any] = {}
    for handle, text in legend.items:
        seen.setdefault(text, handle)
    # two columns when the labels fit in half the column (display width at 8 pt)
    ncol = 2 if max((display_width(t) for t in seen), default=0) <= 26 else 1
    col.legend(list(seen.values()), list(seen.keys()), loc="upper left", ncol=ncol,
               bbox_to_anchor=(0.0, top), frameon=False, fontsize=8, title=legend.text("legend"),
               title_fontsize=10, alignment="left", borderaxespad=0.0, labelspacing=0.55,
               handlelength=2.0, columnspacing=1.0)  # fmt: skip
    fig = col.get_figure(root=True)
    assert isinstance(fig, Figure)
    col_h_pt = col.get_position().height * fig.get_size_inches()[1] * 72.0
    rows = -(-len(seen) // ncol)
    return top - (16.0 + rows * 8.0 * 1.75) / col_h_pt  # title + rows of 8 pt at 0.55 spacing


def _common_rows(ctx: AtlasContext) -> list[tuple[str, str]]:
    g, meta = ctx.g, ctx.layers.meta
    budget = g("budget_short", total=meta.response_min, turnout=meta.turnout_min,
               driving=meta.driving_min)  # fmt: skip
    title = meta.title_zh if g.lang == "zh" and meta.title_zh else (
        meta.title if g.lang == "en" else meta.display_title())  # fmt: skip
    rows = [(g("cover_district"), title), (g("cover_plan"), ctx.plan)]
    if meta.year is not None:
        rows.append((g("atlas_year"), str(meta.year)))
    rows.append((g("response_budget"), budget))
    return rows


def _index(col: Axes, index: list[tuple[int, str]], ctx: AtlasContext) -> None:
    """The page index at the bottom of the column, in two columns when long."""
    if not index:
        return
    per = 26 if len(index) > 26 else len(index)
    fs = 8.0 if len(index) <= 52 else 6.5
    chunks = [index[i : i + per] for i in range(0, len(index), per)][:3]
    col.text(0.0, 0.43, ctx.g("atlas_index"), transform=col.transAxes, ha="left", va="top",
             fontsize=10, fontweight=ctx.bold)  # fmt: skip
    for k, chunk in enumerate(chunks):
        text = "\n".join(f"{n:>3}  {name}" for n, name in chunk)
        col.text(k / max(len(chunks), 2), 0.405, text, transform=col.transAxes, ha="left",
                 va="top", fontsize=fs, linespacing=1.35)  # fmt: skip


def _district_rows(ctx: AtlasContext, row: Any, station: Any) -> list[tuple[str, str]]:
    g = ctx.g
    rows = _common_rows(ctx)
    name = str(row["station"])
    rows.append((g("atlas_station"), name))
    rows.append((g("atlas_class"), g.value(str(row["class_key"]))))
    if station is not None:
        status = g.value(str(station["status"]))
        year = station.get("year")
        rows.append((g("atlas_status"), status if _isna(year) else
                     g("atlas_built", status=status, year=int(year))))  # fmt: skip
    limit = None if _isna(row["limit_km2"]) else float(row["limit_km2"])
    area = float(row["area_km2"])
    rows.append((g("atlas_area"), g("atlas_area_value", area=at_most(area, limit),
                                    limit=g("atlas_no_limit") if limit is None
                                    else f"{limit:g}")))  # fmt: skip
    slowest = float(row["max_arrival_min"]) if not _isna(row["max_arrival_min"]) else None
    rows.append((g("atlas_slowest"), g("atlas_minutes", min=at_most(
        slowest, ctx.layers.meta.response_min))))  # fmt: skip
    share = float(row["reached_share"]) if not _isna(row["reached_share"]) else float("nan")
    rows.append((g("atlas_reached", budget=ctx.budget), pct(share)))
    ok = bool(row["compliant"]) if not _isna(row["compliant"]) else True
    rows.append((g("atlas_verdict"), g("pass") if ok else g("fail")))
    given = ctx.reasons.get(name)
    if given is None:  # the layer's one "; "-joined string
        given = [] if _isna(row["reasons"]) or not str(row["reasons"]) else [str(row["reasons"])]
    if not ok and given:
        rows.append((g("atlas_reasons"), "; ".join(g.message(r) for r in given)))
    return rows
