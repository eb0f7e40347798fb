"""Interactive HTML coverage map (folium / Leaflet), offline by default.

One page for a whole run: a *year switch* (one layer group per plan year, the last shown at
start), one box per layer kind (jurisdictions, gaps, every service-area time break of the run,
search zones, stations, demand cells; roads, barriers and boundary common to every year), a
legend drawn from the drawers' own styles, and titles, popups and legend in the run's language
(``lang``, terms from ``data/glossary.toml``). Text uses a CJK font stack that falls back to
the planner's system fonts (微软雅黑 / Microsoft YaHei, PingFang SC, Noto Sans CJK SC).

``offline=True`` (default) writes a page that makes no network request: Leaflet's JavaScript
and CSS are inlined from the PyPI package ``xstatic-leaflet`` (Leaflet 1.9.3, the version
folium 0.20 loads from its CDN) and folium's other CDN assets (jQuery, Bootstrap, Font Awesome;
not needed by the elements used here) are dropped. A basemap is drawn only when ``tiles`` names
a tile server (:func:`~firecover.outputs.webmap_tiles.check_tiles`); the roads are then hidden
at start (their box stays).
"""

from __future__ import annotations

import base64
import html
import importlib
import logging
import os
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from firecover._errors import OutputError
from firecover._io import check_not_input, write_text_atomic
from firecover.outputs import webmap_layers
from firecover.outputs.glossary import Glossary, check_lang
from firecover.outputs.layers import SYNTHETIC_LABEL, CoverageLayers
from firecover.outputs.webmap_layers import (
    WGS84,
    has_theme,
    legend_entries,
    shared_themes,
    wgs84,
    year_themes,
)
from firecover.outputs.webmap_legend import Switch, legend_html, page_css, switch_script
from firecover.outputs.webmap_tiles import TileSource

__all__ = ["leaflet_assets", "render_webmap"]

logger = logging.getLogger(__name__)

#: Remote (http, https or protocol-relative) script and stylesheet tags.
_SCRIPT_RE = re.compile(
    r"<script\b[^>]*\bsrc=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>", re.I
)
_LINK_RE = re.compile(r"<link\b[^>]*\bhref=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>", re.I)
#: A ``\\uXXXX`` escape (not itself escaped) of a non-ASCII character in folium's JSON.
_UNICODE_ESCAPE_RE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")
_CSS_IMAGE_RE = re.compile(r"url\(\s*['\"]?images/([\w.-]+\.png)['\"]?\s*\)")


def _cells_fit(years: Sequence[CoverageLayers]) -> list[bool]:
    """Which years' demand cells the page carries: every year's if all fit in
    ``MAX_WEB_CELLS``, else the last year's if it fits, else none (layers.gpkg has them)."""
    sizes = [len(lay.cells) if lay.has("cells") else 0 for lay in years]
    limit = webmap_layers.MAX_WEB_CELLS
    if sum(sizes) <= limit:
        return [n > 0 for n in sizes]
    last = 0 < sizes[-1] <= limit
    what = "final year's only" if last else "cells left out (see layers.gpkg)"
    logger.info("web map: %d demand cells over %d years > %d; %s", sum(sizes), len(years),
                limit, what)  # fmt: skip
    return [False] * (len(years) - 1) + [last]


def _header(meta_layers: CoverageLayers, title: str, g: Glossary, tiles: TileSource | None) -> str:
    meta = meta_layers.meta
    stamp = (f"<div class='fc-stamp'>{html.escape(SYNTHETIC_LABEL)}</div>"
             if meta.synthetic else "")  # fmt: skip
    note = "" if tiles is not None else f"<div class='fc-note'>{html.escape(g('wm_offline'))}</div>"
    budget = g("budget_short", total=meta.response_min, turnout=meta.turnout_min,
               driving=meta.driving_min)  # fmt: skip
    colon = "：" if g.lang == "zh" else ": "
    return f"""<div class="fc-title" id="fc-title"><b>{html.escape(title)}</b><br>
  {html.escape(g("response_budget"))}{colon}{html.escape(budget)}<br>{stamp}{note}</div>
"""


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (images inlined) from the ``xstatic-leaflet`` package.

    Raises
    ------
    OutputError
        The package is not installed.
    """
    try:
        importlib.import_module("xstatic.pkg.leaflet")
        data = resources.files("xstatic.pkg.leaflet").joinpath("data")
        js = data.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = data.joinpath("leaflet.css").read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError, TypeError) as exc:
        raise OutputError(
            "an offline web map needs Leaflet's files from the PyPI package xstatic-leaflet; "
            "install it (pip install xstatic-leaflet) or write the map without offline"
        ) from exc

    def inline(match: re.Match[str]) -> str:
        png = data.joinpath("images", match.group(1))
        if not png.is_file():
            return "none"
        return "url(data:image/png;base64," + base64.b64encode(png.read_bytes()).decode() + ")"

    return js, _CSS_IMAGE_RE.sub(inline, css)


def _unescape_unicode(page: str) -> str:
    """Write non-ASCII characters of folium's JSON as UTF-8 (readable, searchable, smaller).

    ASCII, surrogates and the line separators U+2028/U+2029 stay escaped, so every JavaScript
    string literal keeps its meaning.
    """

    def repl(match: re.Match[str]) -> str:
        code = int(match.group(2), 16)
        if code < 0x80 or 0xD800 <= code <= 0xDFFF or code in (0x2028, 0x2029):
            return match.group(0)
        return match.group(1) + chr(code)

    return _UNICODE_ESCAPE_RE.sub(repl, page)


def _make_offline(page: str) -> str:
    """Inline Leaflet and drop every other remote script or stylesheet."""
    js, css = leaflet_assets()
    js = js.replace("</script", "<\\/script")

    def script(match: re.Match[str]) -> str:
        tag = match.group(0)
        return f"<script>{js}</script>" if "leaflet.js" in tag else ""

    def link(match: re.Match[str]) -> str:
        tag = match.group(0)
        return f"<style>{css}</style>" if "leaflet.css" in tag else ""

    page = _SCRIPT_RE.sub(script, page)  # a function's result is inserted literally
    return _LINK_RE.sub(link, page)


class _SwitchScript(MacroElement):
    """The layer switch's script, rendered after every group of the map (added last)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "FirecoverSwitch"
        self.code = code


def _title(layers: CoverageLayers, g: Glossary) -> str:
    meta = layers.meta
    if g.lang == "zh":
        return meta.title_zh or meta.title or "firecover"
    if g.lang == "en":
        return meta.title or meta.title_zh or "firecover"
    return meta.display_title()


def _draw_group(fmap: folium.Map, frame: gpd.GeoDataFrame, draw: webmap_layers.Drawer,
                name: str) -> str:  # fmt: skip
    group = folium.FeatureGroup(name=name, show=False, control=False)
    draw(group, wgs84(frame))
    group.add_to(fmap)
    return group.get_name()


def _build(years: Sequence[CoverageLayers], title: str, offline: bool, g: Glossary,
           tiles: TileSource | None) -> str:  # fmt: skip
    base = years[-1]
    minx, miny, maxx, maxy = (
        gpd.GeoSeries([shapely.box(*base.total_bounds())], crs=base.crs).to_crs(WGS84).total_bounds
    )
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13,
                      tiles=None, control_scale=False, prefer_canvas=True)  # fmt: skip
    if tiles is not None:
        folium.TileLayer(tiles=tiles.url, attr=html.escape(tiles.attribution), name="basemap",
                         max_zoom=19, control=False).add_to(fmap)  # fmt: skip
    cells = _cells_fit(years)
    themes = year_themes(years, g, cells=any(cells))
    keys = [str(lay.meta.year) if lay.meta.year is not None else "" for lay in years]
    groups: dict[str, dict[str, str]] = {}
    shared = shared_themes(base, g, basemap=tiles is not None)
    shared_vars = [(t.key, t.label, t.shown, _draw_group(fmap, t.frame(base), t.draw, t.label),
                    t.key == "boundary") for t in shared]  # fmt: skip
    for key, lay, with_cells in zip(keys, years, cells, strict=True):
        per: dict[str, str] = {}
        for t in themes:
            if (t.key == "cells" and not with_cells) or not has_theme(lay, t):
                continue
            per[t.key] = _draw_group(fmap, t.frame(lay), t.draw, f"{key} {t.label}")
        groups[key] = per
    switch = Switch(keys, [(t.key, t.label, t.shown) for t in themes], groups, shared_vars)
    # room on the right for the layer switch and the legend
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding_bottom_right=(250, 10))
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    root.header.add_child(Element(page_css()))
    root.html.add_child(Element(_header(base, title, g, tiles)))
    root.html.add_child(Element(legend_html(g("legend"), legend_entries(years, g, themes,
                                                                        shared))))  # fmt: skip
    _SwitchScript(switch_script(fmap.get_name(), switch, g("wm_year"), g("wm_layers"))).add_to(fmap)
    page = _unescape_unicode(root.render())
    return _make_offline(page) if offline else page


def render_webmap(
    layers: CoverageLayers | Sequence[CoverageLayers],
    path: str | os.PathLike[str],
    *,
    offline: bool = True,
    title: str | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
    lang: str = "both",
    tiles: TileSource | None = None,
) -> Path:
    """Write an interactive HTML map of the coverage layers, atomically.

    Parameters
    ----------
    layers : CoverageLayers or sequence of CoverageLayers
        One run, or one per plan year in order (the year switch; each ``meta.year`` names
        its year and the last is shown at start and supplies roads, barriers and boundary).
        Metric CRS (converted to WGS-84 here).
    path : path-like
        Destination ``.html``.
    offline : bool
        Inline Leaflet (needs the ``xstatic-leaflet`` package) and drop folium's CDN assets, so
        the page makes no network request without ``tiles`` (default). ``False``: folium's CDN
        assets.
    title : str, optional
        Page title; default the (last) layers' title in ``lang``.
    inputs : iterable of path-like, optional
        Input files; writing over one of them is refused.
    lang : str
        ``"zh"``, ``"en"`` or ``"both"``: title, legend, layer switch and popups.
    tiles : TileSource, optional
        A basemap tile server (:func:`~firecover.outputs.webmap_tiles.check_tiles`); default
        none (no basemap, no request).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        The path is an input, cannot be written, or ``offline`` without ``xstatic-leaflet``.
    DataFormatError
        ``lang`` is not one of zh, en, both.
    """
    dest = Path(path)
    check_not_input(dest, inputs)
    years = [layers] if isinstance(layers, CoverageLayers) else list(layers)
    if not years:
        raise OutputError("no layers to draw on the web map; pass at least one CoverageLayers")
    g = Glossary(check_lang(lang))
    text = title if title is not None else _title(years[-1], g)
    page = _build(years, text, offline, g, tiles)
    write_text_atomic(dest, page)
    logger.info("wrote web map %s (%d year(s), %s)", dest, len(years),
                "basemap " + tiles.url if tiles else "no basemap")  # fmt: skip
    return dest
