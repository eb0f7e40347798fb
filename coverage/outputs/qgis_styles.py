"""QGIS styles for the GeoPackage: a ``layer_styles`` table with one QML per layer.

QGIS opens a layer with the row of ``layer_styles`` whose ``f_table_name`` names it and
``useAsDefault`` is true, so ``layers.gpkg`` shows the map as the PNG does: jurisdictions
coloured by station (the PNG's colours), gaps hatched red, service areas as green outlines,
stations red (existing) or white with a red outline (proposed) and labelled, roads by class,
the boundary dashed, demand cells by fastest response. Field aliases come from the glossary
(:mod:`firecover.outputs.glossary`) in the run's language. The table is an ordinary
attribute table of the GeoPackage (GDAL's ``ogrinfo`` lists it).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd
from matplotlib.colors import to_rgb

from firecover.outputs.glossary import glossary
from firecover.outputs.labels import road_class_label
from firecover.outputs.zones_draw import ZONE_COLOUR

__all__ = ["FIELD_TERMS", "layer_qml", "layer_styles_table"]

#: Field → glossary term used as its alias in QGIS.
FIELD_TERMS: dict[str, str] = {
    "name": "station", "station": "station", "class_zh": "class", "status": "status",
    "year": "year", "area_km2": "district_km2", "limit_km2": "limit_km2",
    "max_arrival_min": "slowest_min", "compliant": "verdict", "reasons": "reasons",
    "road_class": "road_class", "site": "site",
}  # fmt: skip
#: Per-layer exceptions to :data:`FIELD_TERMS` (a road's ``name`` is not a station's).
LAYER_FIELD_TERMS: dict[str, dict[str, str]] = {
    "roads": {"name": "wm_road_name", "oneway": "wm_oneway"},
}
_RED = "#c62828"
_GAP_RED = "#d32f2f"
_GREEN = "#1b5e20"
_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
_ROAD_WIDTH_MM = {"motorway": 0.9, "trunk": 0.8, "primary": 0.6, "secondary": 0.45,
                  "tertiary": 0.35}  # fmt: skip


def _rgba(colour: str, alpha: float = 1.0) -> str:
    r, g, b = (round(255 * c) for c in to_rgb(colour))
    return f"{r},{g},{b},{round(255 * alpha)}"


def _props(**values: Any) -> str:
    return "".join(f"<prop k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in values.items())


def _fill(colour: str, alpha: float, outline: str, width: float = 0.26, style: str = "solid",
          outline_style: str = "solid") -> str:  # fmt: skip
    return ('<layer class="SimpleFill" enabled="1" locked="0" pass="0">'
            + _props(color=_rgba(colour, alpha), outline_color=_rgba(outline),
                     outline_width=width, outline_width_unit="MM", style=style,
                     outline_style=outline_style)
            + "</layer>")  # fmt: skip


def _line(colour: str, width: float, style: str = "solid") -> str:
    return ('<layer class="SimpleLine" enabled="1" locked="0" pass="0">'
            + _props(line_color=_rgba(colour), line_width=width, line_width_unit="MM",
                     line_style=style, capstyle="round")
            + "</layer>")  # fmt: skip


def _marker(fill: str, outline: str) -> str:
    return ('<layer class="SimpleMarker" enabled="1" locked="0" pass="0">'
            + _props(name="square", color=_rgba(fill), outline_color=_rgba(outline), size=3.2,
                     size_unit="MM", outline_width=0.5, outline_width_unit="MM")
            + "</layer>")  # fmt: skip


def _symbol(kind: str, name: str, layers: Iterable[str]) -> str:
    return (f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            + "".join(layers) + "</symbol>")  # fmt: skip


def _categorized(attr: str, kind: str, cats: list[tuple[str, str, str]]) -> str:
    """``cats``: (value, label, symbol layer XML)."""
    c = "".join(f"<category value={quoteattr(v)} symbol=\"{i}\" label={quoteattr(lab)} "
                'render="true"/>' for i, (v, lab, _) in enumerate(cats))  # fmt: skip
    s = "".join(_symbol(kind, str(i), [xml]) for i, (_, _, xml) in enumerate(cats))
    return (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attr)} symbollevels="0" '
            f'enableorderby="0" forceraster="0"><categories>{c}</categories>'
            f"<symbols>{s}</symbols></renderer-v2>")  # fmt: skip


def _single(kind: str, layers: Iterable[str]) -> str:
    return (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
        f'forceraster="0"><symbols>{_symbol(kind, "0", layers)}</symbols></renderer-v2>'
    )


def _graduated(attr: str, response: float) -> str:
    """Cells by fastest response: green within the budget, orange within 2×, red beyond."""
    bands = [(0.0, response, "#66bb6a"), (response, 2 * response, "#ffa726"),
             (2 * response, 1e9, "#e53935")]  # fmt: skip
    ranges = "".join(f'<range lower="{lo:g}" upper="{hi:g}" symbol="{i}" '
                     f'label="{lo:g} – {hi:g}" render="true"/>'
                     for i, (lo, hi, _) in enumerate(bands))  # fmt: skip
    syms = "".join(_symbol("fill", str(i), [_fill(c, 0.55, c, 0.0, outline_style="no")])
                   for i, (_, _, c) in enumerate(bands))  # fmt: skip
    return (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(attr)} '
            'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><ranges>{ranges}</ranges><symbols>{syms}</symbols>'
            "</renderer-v2>")  # fmt: skip


def _labels(field: str, colour: str, size: float = 9.0) -> str:
    return ('<labeling type="simple"><settings calloutType="simple">'
            f'<text-style fieldName={quoteattr(field)} fontFamily="Noto Sans CJK SC" '
            f'fontSize="{size:g}" textColor="{_rgba(colour)}" isExpression="0">'
            '<text-buffer bufferDraw="1" bufferSize="1" bufferColor="255,255,255,255"/>'
            '</text-style><placement placement="0" dist="1.5"/>'
            '<rendering obstacle="1" displayAll="0"/></settings></labeling>')  # fmt: skip


def _aliases(frame: gpd.GeoDataFrame, lang: str, layer: str = "") -> str:
    g = glossary(lang)
    terms = FIELD_TERMS | LAYER_FIELD_TERMS.get(layer, {})
    cols = [c for c in frame.columns if c != frame.geometry.name]
    items = "".join(f'<alias field={quoteattr(c)} index="{i}" '
                    f"name={quoteattr(g(terms[c]))}/>"
                    for i, c in enumerate(cols) if c in terms)  # fmt: skip
    return f"<aliases>{items}</aliases>"


def layer_qml(name: str, frame: gpd.GeoDataFrame, *, colours: dict[str, str],
              response_min: float, lang: str = "both") -> str:  # fmt: skip
    """The QML document of one coverage layer (``name`` as in :class:`CoverageLayers`)."""
    g = glossary(lang)
    labels = ""
    if name == "jurisdictions":
        cats = [(s, s, _fill(colours.get(s, "#9e9e9e"), 0.30, "#37474f", 0.35))
                for s in frame["station"].astype(str)]  # fmt: skip
        body = _categorized("station", "fill", cats)
    elif name == "stations":
        body = _categorized("status", "marker", [
            ("existing", g("existing_station"), _marker(_RED, "#ffffff")),
            ("proposed", g("proposed_station"), _marker("#ffffff", _RED))])  # fmt: skip
        labels = _labels("name", "#b71c1c")
    elif name == "gaps":
        body = _single(
            "fill",
            [
                _fill(_GAP_RED, 0.10, _GAP_RED, 0.3, outline_style="no"),
                _fill(_GAP_RED, 1.0, _GAP_RED, 0.3, style="b_diagonal"),
            ],
        )
    elif name == "service_areas":
        body = _single("fill", [_fill(_GREEN, 0.0, _GREEN, 0.5, style="no")])
    elif name == "roads":
        cats = [(c, road_class_label(c, g), _line("#757575", w))
                for c, w in _ROAD_WIDTH_MM.items()]  # fmt: skip
        cats.append(("", g("local_road"), _line("#aaaaaa", 0.2)))
        body = _categorized("road_class", "line", cats)
    elif name == "boundary":
        body = _single("fill", [_fill("#000000", 0.0, "#000000", 0.6, style="no",
                                      outline_style="dash dot")])  # fmt: skip
    elif name == "cells":
        body = _graduated("best_min", response_min)
    elif name == "search_zones":  # as on the PNG: dashed purple outline, light fill, site name
        body = _single("fill", [_fill(ZONE_COLOUR, 0.12, ZONE_COLOUR, 0.4,
                                      outline_style="dash")])  # fmt: skip
        labels = _labels("site", ZONE_COLOUR, 7.0)
    elif name == "barriers":
        body = _single("fill", [_fill("#90caf9", 0.8, "#546e7a", 0.4)])
    else:
        raise ValueError(f"no QGIS style for layer {name!r}")
    return (_HEAD + '<qgis version="3.28" styleCategories="Symbology|Labeling|Fields">'
            + body + labels + _aliases(frame, lang, name) + "</qgis>\n")  # fmt: skip


def layer_styles_table(layers: Iterable[tuple[str, str, gpd.GeoDataFrame]], *,
                       colours: dict[str, str], response_min: float,
                       lang: str = "both") -> pd.DataFrame:  # fmt: skip
    """The ``layer_styles`` rows (QGIS's schema) for ``(name, gpkg_name, frame)`` layers."""
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for name, gpkg_name, frame in layers:
        if name == "barriers" and not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            continue  # line barriers: QGIS's default line style is fine
        rows.append({
            "f_table_catalog": "", "f_table_schema": "", "f_table_name": gpkg_name,
            "f_geometry_column": "geom", "styleName": f"firecover {gpkg_name}",
            "styleQML": layer_qml(name, frame, colours=colours, response_min=response_min,
                                  lang=lang),
            "styleSLD": "", "useAsDefault": True,
            "description": f"firecover style of {gpkg_name} (as map.png)", "owner": "",
            "ui": None, "update_time": now,
        })  # fmt: skip
    return pd.DataFrame(rows)
