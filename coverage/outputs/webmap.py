"""Interactive HTML coverage map (folium / Leaflet).

Layers are converted to WGS-84 and drawn as GeoJSON with bilingual popups (times, station
class, jurisdiction limit and compliance) and a layer control. Stations carry permanent name
labels.

``offline=True`` writes a page that works without internet: no tile layer (a plain
background, the roads drawn as vectors instead) and Leaflet's JavaScript and CSS inlined from
the PyPI package ``xstatic-leaflet`` (Leaflet 1.9.3, the version folium 0.20 loads from its CDN).
folium's other CDN assets (jQuery, Bootstrap, Font Awesome) are not needed by the elements used
here and are dropped.
"""

from __future__ import annotations

import base64
import html
import importlib
import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import matplotlib
import shapely
from branca.element import Element, Figure
from folium.utilities import JsCode
from matplotlib.colors import Normalize, to_hex

from firecover._errors import OutputError
from firecover._io import check_not_input, write_text_atomic
from firecover.outputs.incident_draw import add_incident_markers
from firecover.outputs.layers import SYNTHETIC_LABEL, CoverageLayers
from firecover.outputs.maps import station_colours
from firecover.outputs.webmap_popups import (
    Rows,
    _cell_rows,
    _gap_rows,
    _jurisdiction_rows,
    _missing,
    _service_rows,
    _station_rows,
    _text,
)
from firecover.outputs.zones_draw import zone_popup, zone_style

__all__ = ["leaflet_assets", "render_webmap"]

logger = logging.getLogger(__name__)

_WGS84 = "EPSG:4326"
_STATION_RED = "#c62828"
_GAP_RED = "#d32f2f"
#: Remote (http, https or protocol-relative) script and stylesheet tags.
_SCRIPT_RE = re.compile(
    r"<script\b[^>]*\bsrc=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>", re.I
)
_LINK_RE = re.compile(r"<link\b[^>]*\bhref=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>", re.I)
#: Permanent name label on every station (a group-level permanent tooltip shows only one).
_LABEL_JS = """function (feature, layer) {
    layer.bindTooltip(feature.properties._tip, {permanent: true, direction: "top",
                      offset: [0, -8], className: "fc-station-label"});
}"""
#: A ``\\uXXXX`` escape (not itself escaped) of a non-ASCII character in folium's JSON.
_UNICODE_ESCAPE_RE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")
_CSS_IMAGE_RE = re.compile(r"url\(\s*['\"]?images/([\w.-]+\.png)['\"]?\s*\)")


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.to_crs(_WGS84)
    geoms = shapely.set_precision(out.geometry.to_numpy(), 1e-6, mode="pointwise")
    return out.set_geometry(geoms, crs=_WGS84)


def _geojson(frame: gpd.GeoDataFrame, props: dict[str, list[str]]) -> dict[str, Any]:
    """GeoJSON with only ``props`` as properties and short feature ids (for folium's styler)."""
    slim = gpd.GeoDataFrame(props, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    data: dict[str, Any] = json.loads(slim.to_json(drop_id=True, ensure_ascii=False))
    for i, feature in enumerate(data["features"]):
        feature["id"] = i
    return data


def _popup_columns(rows: list[Rows]) -> tuple[dict[str, list[str]], list[str]]:
    """Per-feature popup values as columns ``p0``, ``p1``, ... and their (shared) labels."""
    labels = [label for label, _ in rows[0]] if rows else []
    columns = {f"p{i}": [r[i][1] for r in rows] for i in range(len(labels))}
    return columns, labels


def _add_polygons(
    group: folium.FeatureGroup,
    frame: gpd.GeoDataFrame,
    popup: Callable[[Any], Rows],
    style: Callable[[Any], dict[str, Any]],
    tip: Callable[[Any], str] | None = None,
) -> None:
    rows = [row for _, row in frame.iterrows()]
    props, labels = _popup_columns([popup(r) for r in rows])
    styles = [style(r) for r in rows]
    if tip is not None:
        props["_tip"] = [tip(r) for r in rows]
    layer = folium.GeoJson(
        _geojson(frame, props),
        style_function=lambda feature: styles[int(feature["id"])],
        highlight_function=lambda _f: {"weight": 3},
    )
    folium.GeoJsonPopup(fields=list(props)[: len(labels)], aliases=labels, localize=False,
                        max_width=380).add_to(layer)  # fmt: skip
    if tip is not None:
        folium.GeoJsonTooltip(fields=["_tip"], labels=False, localize=False).add_to(layer)
    layer.add_to(group)


def _add_stations(group: folium.FeatureGroup, stations: gpd.GeoDataFrame) -> None:
    rows = [row for _, row in stations.iterrows()]
    props, labels = _popup_columns([_station_rows(r) for r in rows])
    props["_tip"] = [_text(r["name"]) for r in rows]
    fills = ["#ffffff" if str(r["status"]).lower() == "proposed" else _STATION_RED for r in rows]
    layer = folium.GeoJson(
        _geojson(stations, props),
        marker=folium.CircleMarker(
            radius=7, weight=2.5, color=_STATION_RED, fill=True, fill_opacity=1.0
        ),
        style_function=lambda feature: {"fillColor": fills[int(feature["id"])]},
        on_each_feature=JsCode(_LABEL_JS),
    )
    folium.GeoJsonPopup(fields=list(props)[: len(labels)], aliases=labels,
                        localize=False).add_to(layer)  # fmt: skip
    layer.add_to(group)
    _add_approximate(group, stations)


def _add_approximate(group: folium.FeatureGroup, stations: gpd.GeoDataFrame) -> None:
    """Approximate locations: a dashed hollow ring, and a dashed circle of ``precision_m``."""
    if "approximate" not in stations.columns or not stations["approximate"].fillna(False).any():
        return
    for _, row in _wgs84(stations).iterrows():
        if not bool(row["approximate"]):
            continue
        lat, lon = row.geometry.y, row.geometry.x
        tip = f"{_text(row['name'])}: 位置为近似 location approximate"
        folium.CircleMarker([lat, lon], radius=12, weight=1.5, color=_STATION_RED, fill=False,
                            dash_array="4 3", tooltip=tip).add_to(group)  # fmt: skip
        prec = row.get("precision_m")
        if not _missing(prec) and float(prec) > 0:
            folium.Circle([lat, lon], radius=float(prec), weight=1.2, color=_STATION_RED,
                          fill=False, dash_array="6 4", tooltip=tip).add_to(group)  # fmt: skip


def _cell_colour(response: float) -> Callable[[Any], dict[str, Any]]:
    cmap = matplotlib.colormaps["RdYlGn_r"]
    norm = Normalize(0.0, 2.0 * response, clip=True)

    def style(row: Any) -> dict[str, Any]:
        value = float(row["best_min"])
        colour = "#9e9e9e" if not math.isfinite(value) else to_hex(cmap(norm(value)))
        return {"fillColor": colour, "fillOpacity": 0.55, "weight": 0, "color": colour}

    return style


def _barrier_style(row: Any) -> dict[str, Any]:
    water = str(row["kind"]).lower() in {"river", "water", "lake", "canal"}
    colour = "#64b5f6" if water else "#546e7a"
    return {
        "fillColor": colour,
        "fillOpacity": 0.6,
        "color": colour,
        "weight": 1 if water else 3,
        "dashArray": None if water else "6 3",
    }


def _add_roads(group: folium.FeatureGroup, roads: gpd.GeoDataFrame) -> None:
    major = {"motorway", "trunk", "primary", "secondary"}
    if len(roads) > MAX_WEB_ROADS:
        logger.info("web map: %d roads > %d, only arterials drawn", len(roads), MAX_WEB_ROADS)
        roads = roads[roads["road_class"].astype(str).str.removesuffix("_link").isin(major)]
    for is_major, part in roads.groupby(
        roads["road_class"].astype(str).str.removesuffix("_link").isin(major)
    ):
        style = {"color": "#616161" if is_major else "#9e9e9e",
                 "weight": 3 if is_major else 1.2, "opacity": 0.9}  # fmt: skip
        folium.GeoJson(
            _geojson(part, {}),
            style_function=lambda _f, s=style: s,
            interactive=False,
        ).add_to(group)


Drawer = Callable[[folium.FeatureGroup, gpd.GeoDataFrame], None]
_GAP_STYLE = {"fillColor": _GAP_RED, "fillOpacity": 0.35, "color": _GAP_RED, "weight": 1.5,
              "dashArray": "4 3"}  # fmt: skip
_SERVICE_STYLE = {"fill": False, "color": "#1b5e20", "weight": 2}
_BOUNDARY_STYLE = {"fill": False, "color": "#000000", "weight": 2.5, "dashArray": "10 4 2 4"}


def _polygons(
    popup: Callable[[Any], Rows],
    style: Callable[[Any], dict[str, Any]],
    tip: Callable[[Any], str] | None = None,
) -> Drawer:
    def draw(group: folium.FeatureGroup, frame: gpd.GeoDataFrame) -> None:
        _add_polygons(group, frame, popup, style, tip)

    return draw


def _service_style(row: Any, response: float) -> dict[str, Any]:
    """The budget isochrone bold; other time breaks thin and dashed."""
    if math.isclose(float(row["minutes"]), response):
        return _SERVICE_STYLE
    return {**_SERVICE_STYLE, "weight": 1, "dashArray": "2 4", "opacity": 0.7}


def _add_boundary(group: folium.FeatureGroup, frame: gpd.GeoDataFrame) -> None:
    folium.GeoJson(_geojson(frame, {}), style_function=lambda _f: _BOUNDARY_STYLE,
                   interactive=False).add_to(group)  # fmt: skip


def _barrier_rows(row: Any) -> Rows:
    return [("阻隔 barrier", _text(row["kind"]))]


def _groups(layers: CoverageLayers, offline: bool) -> list[tuple[str, str, bool, Drawer]]:
    """(layer, control label, shown at start, drawer) for each present layer, bottom to top."""
    budget = f"{layers.meta.response_min:g}"
    names = layers.jurisdictions["station"] if layers.has("jurisdictions") else []
    colours = station_colours(names)

    def jurisdiction_style(row: Any) -> dict[str, Any]:
        fill = colours.get(str(row["station"]), "#9e9e9e")
        return {"fillColor": fill, "fillOpacity": 0.3, "color": "#37474f", "weight": 1.2}

    specs: list[tuple[str, str, bool, Drawer]] = [
        ("cells", "需求网格 response time (cells)", False,
         _polygons(_cell_rows, _cell_colour(layers.meta.response_min))),
        ("jurisdictions", "辖区 jurisdictions", True,
         _polygons(lambda r: _jurisdiction_rows(r, budget), jurisdiction_style,
                   tip=lambda r: _text(r["station"]))),
        ("roads", "道路 roads", offline, _add_roads),
        ("gaps", f"{budget}分钟未覆盖 gaps", True,
         _polygons(lambda r: _gap_rows(r, budget), lambda _r: _GAP_STYLE)),
        ("service_areas", f"{budget}分钟可达范围 service areas", False,
         _polygons(_service_rows, lambda r: _service_style(r, layers.meta.response_min))),
        ("barriers", "河流/铁路 barriers", True, _polygons(_barrier_rows, _barrier_style)),
        ("boundary", "区界 boundary", True, _add_boundary),
        ("search_zones", "选址范围 search zones", True, _polygons(zone_popup, zone_style)),
        ("incidents", "警情 incidents", True, add_incident_markers),
        ("stations", "消防站 stations", True, _add_stations),
    ]  # fmt: skip
    return [spec for spec in specs if layers.has(spec[0]) and _fits_web(layers, spec[0])]


#: Larger layers are left out of (cells) or thinned in (roads) the HTML map, which would
#: otherwise grow to hundreds of megabytes on a city-sized graph; layers.gpkg has them all.
MAX_WEB_CELLS = 20_000
MAX_WEB_ROADS = 30_000


def _fits_web(layers: CoverageLayers, name: str) -> bool:
    if name == "cells" and len(layers.cells) > MAX_WEB_CELLS:
        logger.info("web map: %d cells > %d, cells layer left out (see layers.gpkg)",
                 len(layers.cells), MAX_WEB_CELLS)  # fmt: skip
        return False
    return True


def _header(layers: CoverageLayers, title: str, offline: bool) -> str:
    meta = layers.meta
    stamp = (f"<div class='fc-stamp'>{html.escape(SYNTHETIC_LABEL)}</div>"
             if meta.synthetic else "")  # fmt: skip
    note = "" if not offline else "<div class='fc-note'>offline map · 离线地图（无底图）</div>"
    return f"""
<style>
  .folium-map {{ background: #f4f2ee; }}
  .fc-title {{ position: fixed; top: 10px; left: 60px; z-index: 1000; background: white;
    padding: 6px 12px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
    font: 14px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }}
  .fc-title b {{ font-size: 16px; }}
  .fc-stamp {{ color: #b71c1c; font-weight: bold; border: 2px solid #b71c1c;
    padding: 1px 6px; margin-top: 4px; display: inline-block; }}
  .fc-note {{ color: #616161; font-size: 12px; }}
  .fc-station-label {{ font-weight: bold; color: #b71c1c; }}
</style>
<div class="fc-title"><b>{html.escape(title)}</b><br>
  响应时间 {html.escape(meta.budget_label_zh())} · {html.escape(meta.budget_label())}
  {f" · {meta.year}" if meta.year else ""}<br>{stamp}{note}</div>
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


def _build(layers: CoverageLayers, title: str, offline: bool) -> str:
    minx, miny, maxx, maxy = (
        gpd.GeoSeries([shapely.box(*layers.total_bounds())], crs=layers.crs)
        .to_crs(_WGS84)
        .total_bounds
    )
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13,
                      tiles=None if offline else "OpenStreetMap", control_scale=True,
                      prefer_canvas=True)  # fmt: skip
    for name, label, shown, draw in _groups(layers, offline):
        group = folium.FeatureGroup(name=label, show=shown)
        draw(group, _wgs84(getattr(layers, name)))
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    root.html.add_child(Element(_header(layers, title, offline)))
    page = _unescape_unicode(root.render())
    return _make_offline(page) if offline else page


def render_webmap(
    layers: CoverageLayers,
    path: str | os.PathLike[str],
    *,
    offline: bool = False,
    title: str | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write an interactive HTML map of the coverage layers, atomically.

    Parameters
    ----------
    layers : CoverageLayers
        Layers in their metric CRS (converted to WGS-84 here).
    path : path-like
        Destination ``.html``.
    offline : bool
        Make the page work without internet: no tile layer and Leaflet inlined (needs the
        ``xstatic-leaflet`` package). Otherwise OpenStreetMap tiles and folium's CDN assets.
    title : str, optional
        Page title; default the layers' title (Chinese · English).
    inputs : iterable of path-like, optional
        Input files; writing over one of them is refused.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        The path is an input, cannot be written, or ``offline`` without ``xstatic-leaflet``.
    """
    dest = Path(path)
    check_not_input(dest, inputs)
    text = title if title is not None else layers.meta.display_title()
    page = _build(layers, text, offline)
    write_text_atomic(dest, page)
    logger.info("wrote web map %s (%s)", dest, "offline" if offline else "online tiles")
    return dest
