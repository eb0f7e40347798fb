"""What the HTML map draws: one drawer per layer kind, their styles, and the legend entries
that describe exactly those styles (one source for both, so the legend cannot drift).

Per year: demand cells, jurisdictions (non-compliant ones outlined red), gaps, one service-area
layer per time break of the run (the response budget bold), search zones and stations
(marker size by class, fill by status). Common to every year: roads, barriers, boundary.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import matplotlib
import shapely
from folium.utilities import JsCode
from matplotlib.colors import Normalize, to_hex

from firecover.outputs.glossary import Glossary
from firecover.outputs.incident_draw import add_incident_markers
from firecover.outputs.layers import CoverageLayers
from firecover.outputs.maps import station_colours
from firecover.outputs.webmap_legend import LegendEntry
from firecover.outputs.webmap_popups import (
    Rows,
    _barrier_rows,
    _cell_rows,
    _gap_rows,
    _jurisdiction_rows,
    _missing,
    _service_rows,
    _station_rows,
    _text,
    _zone_rows,
)
from firecover.outputs.webmap_risk import risk_drawer, risk_legend
from firecover.outputs.zones_draw import ZONE_COLOUR, zone_style

__all__ = ["Theme", "legend_entries", "shared_themes", "year_themes"]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
STATION_RED = "#c62828"
_GAP_RED = "#d32f2f"
_FAIL_RED = "#b71c1c"
#: Marker radius (px) by station class (建标152-2017): larger stations, larger markers.
CLASS_RADIUS = {"special": 9.0, "level1": 8.0, "level2": 6.5, "small": 5.0, "logistics": 6.0}
_DEFAULT_RADIUS = 6.5
#: Time breaks below / above the budget: blues / oranges; the budget itself dark green.
_BELOW = ("#0d47a1", "#1976d2", "#64b5f6")
_ABOVE = ("#ef6c00", "#8d6e63", "#6a1b9a")
_BUDGET_GREEN = "#1b5e20"
_RAMP = "RdYlGn_r"
_MAJOR = frozenset({"motorway", "trunk", "primary", "secondary"})
_WATER = frozenset({"river", "water", "lake", "canal"})
#: Permanent name label on every station (a group-level permanent tooltip shows only one).
_LABEL_JS = """function (feature, layer) {
    layer.bindTooltip(feature.properties._tip, {permanent: true, direction: "top",
                      offset: [0, -8], className: "fc-station-label"});
}"""

#: Larger layers are left out of (cells) or thinned in (roads) the HTML map, which would
#: otherwise grow to hundreds of megabytes on a city-sized graph; layers.gpkg has them all.
MAX_WEB_CELLS = 20_000
MAX_WEB_ROADS = 30_000

Drawer = Callable[[folium.FeatureGroup, gpd.GeoDataFrame], None]


@dataclass(frozen=True)
class Theme:
    """One layer kind: switch key and label, shown at start, which frame, how drawn."""

    key: str
    label: str
    shown: bool
    frame: Callable[[CoverageLayers], gpd.GeoDataFrame]
    draw: Drawer


def wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in WGS-84 with coordinates rounded to 1e-6° (about 0.1 m)."""
    out = frame.to_crs(WGS84)
    geoms = shapely.set_precision(out.geometry.to_numpy(), 1e-6, mode="pointwise")
    return out.set_geometry(geoms, crs=WGS84)


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


def _polygons(popup: Callable[[Any], Rows], style: Callable[[Any], dict[str, Any]],
              tip: Callable[[Any], str] | None = None) -> Drawer:  # fmt: skip
    def draw(group: folium.FeatureGroup, frame: gpd.GeoDataFrame) -> None:
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

    return draw


def _stations(g: Glossary) -> Drawer:
    def draw(group: folium.FeatureGroup, stations: gpd.GeoDataFrame) -> None:
        rows = [row for _, row in stations.iterrows()]
        props, labels = _popup_columns([_station_rows(r, g) for r in rows])
        props["_tip"] = [_text(r["name"]) for r in rows]
        styles = [{"fillColor": "#ffffff" if str(r["status"]).lower() == "proposed"
                   else STATION_RED,
                   "radius": CLASS_RADIUS.get(str(r["class_key"]), _DEFAULT_RADIUS)}
                  for r in rows]  # fmt: skip
        layer = folium.GeoJson(
            _geojson(stations, props),
            marker=folium.CircleMarker(
                radius=_DEFAULT_RADIUS, weight=2.5, color=STATION_RED, fill=True, fill_opacity=1.0
            ),
            style_function=lambda feature: styles[int(feature["id"])],
            on_each_feature=JsCode(_LABEL_JS),
        )
        folium.GeoJsonPopup(fields=list(props)[: len(labels)], aliases=labels,
                            localize=False).add_to(layer)  # fmt: skip
        layer.add_to(group)
        _approximate(group, stations, g)

    return draw


def _approximate(group: folium.FeatureGroup, stations: gpd.GeoDataFrame, g: Glossary) -> None:
    """Approximate locations: a dashed hollow ring, and a dashed circle of ``precision_m``."""
    if "approximate" not in stations.columns or not stations["approximate"].fillna(False).any():
        return
    for _, row in stations.iterrows():
        if not bool(row["approximate"]):
            continue
        lat, lon = row.geometry.y, row.geometry.x
        tip = f"{_text(row['name'])}: {g('wm_approximate')}"
        folium.CircleMarker([lat, lon], radius=12, weight=1.5, color=STATION_RED, fill=False,
                            dash_array="4 3", tooltip=tip).add_to(group)  # fmt: skip
        prec = row.get("precision_m")
        if not _missing(prec) and float(prec) > 0:
            folium.Circle([lat, lon], radius=float(prec), weight=1.2, color=STATION_RED,
                          fill=False, dash_array="6 4", tooltip=tip).add_to(group)  # fmt: skip


def _cell_style(response: float) -> Callable[[Any], dict[str, Any]]:
    cmap = matplotlib.colormaps[_RAMP]
    norm = Normalize(0.0, 2.0 * response, clip=True)

    def style(row: Any) -> dict[str, Any]:
        value = float(row["best_min"])
        colour = "#9e9e9e" if not math.isfinite(value) else to_hex(cmap(norm(value)))
        return {"fillColor": colour, "fillOpacity": 0.55, "weight": 0, "color": colour}

    return style


def _barrier_style(row: Any) -> dict[str, Any]:
    water = str(row["kind"]).lower() in _WATER
    colour = "#64b5f6" if water else "#546e7a"
    return {"fillColor": colour, "fillOpacity": 0.6, "color": colour,
            "weight": 1 if water else 3, "dashArray": None if water else "6 3"}  # fmt: skip


def _is_major(roads: gpd.GeoDataFrame) -> Any:
    return roads["road_class"].astype(str).str.removesuffix("_link").isin(_MAJOR)


_ROAD_STYLE = {True: {"color": "#616161", "weight": 3, "opacity": 0.9},
               False: {"color": "#9e9e9e", "weight": 1.2, "opacity": 0.9}}  # fmt: skip


def _roads(group: folium.FeatureGroup, roads: gpd.GeoDataFrame) -> None:
    if len(roads) > MAX_WEB_ROADS:
        logger.info("web map: %d roads > %d, only arterials drawn", len(roads), MAX_WEB_ROADS)
        roads = roads[_is_major(roads)]
    for is_major, part in roads.groupby(_is_major(roads)):
        style = _ROAD_STYLE[bool(is_major)]
        folium.GeoJson(_geojson(part, {}), style_function=lambda _f, s=style: s,
                       interactive=False).add_to(group)  # fmt: skip


_GAP_STYLE = {"fillColor": _GAP_RED, "fillOpacity": 0.35, "color": _GAP_RED, "weight": 1.5,
              "dashArray": "4 3"}  # fmt: skip
_BOUNDARY_STYLE = {"fill": False, "color": "#000000", "weight": 2.5, "dashArray": "10 4 2 4"}


def _boundary(group: folium.FeatureGroup, frame: gpd.GeoDataFrame) -> None:
    folium.GeoJson(_geojson(frame, {}), style_function=lambda _f: _BOUNDARY_STYLE,
                   interactive=False).add_to(group)  # fmt: skip


def break_colours(breaks: Sequence[float], budget: float) -> dict[float, str]:
    """One colour per time break: the budget dark green, shorter breaks blue, longer orange."""
    below = [b for b in breaks if b < budget and not math.isclose(b, budget)]
    above = [b for b in breaks if b > budget and not math.isclose(b, budget)]
    out = {b: _BELOW[(len(below) - 1 - i) % len(_BELOW)] for i, b in enumerate(below)}
    out |= {b: _ABOVE[i % len(_ABOVE)] for i, b in enumerate(above)}
    out |= {b: _BUDGET_GREEN for b in breaks if math.isclose(b, budget)}
    return dict(sorted(out.items()))


def _break_style(colour: str, is_budget: bool) -> dict[str, Any]:
    if is_budget:
        return {"fill": False, "color": colour, "weight": 2.5}
    return {"fill": False, "color": colour, "weight": 1.5, "dashArray": "5 4", "opacity": 0.85}


def time_breaks(years: Sequence[CoverageLayers]) -> list[float]:
    """Every service-area time break of the run (minutes), ascending."""
    found = {float(m) for lay in years if lay.has("service_areas")
             for m in lay.service_areas["minutes"]}  # fmt: skip
    return sorted(found)


def _fmt_min(value: float) -> str:
    return f"{value:g}"


def _break_label(g: Glossary, minutes: float, budget: float) -> str:
    label = g("reached", budget=_fmt_min(minutes))
    return label + g("wm_budget_break") if math.isclose(minutes, budget) else label


def year_themes(years: Sequence[CoverageLayers], g: Glossary, cells: bool) -> list[Theme]:
    """Per-year layer kinds, bottom to top (only those present in some year)."""
    base = years[-1]
    response = base.meta.response_min
    budget = _fmt_min(response)
    names = sorted({str(s) for lay in years if lay.has("jurisdictions")
                    for s in lay.jurisdictions["station"]})  # fmt: skip
    colours = station_colours(names)

    def jurisdiction_style(row: Any) -> dict[str, Any]:
        fill = colours.get(str(row["station"]), "#9e9e9e")
        ok = _missing(row["compliant"]) or bool(row["compliant"])
        return {"fillColor": fill, "fillOpacity": 0.3, "color": "#37474f" if ok else _FAIL_RED,
                "weight": 1.2 if ok else 2.5}  # fmt: skip

    themes = [
        Theme("cells", g("wm_cells"), False, lambda lay: lay.cells,
              _polygons(lambda r: _cell_rows(r, g), _cell_style(response))),
        Theme("jurisdictions", g("wm_district"), True, lambda lay: lay.jurisdictions,
              _polygons(lambda r: _jurisdiction_rows(r, budget, g), jurisdiction_style,
                        tip=lambda r: _text(r["station"]))),
        Theme("gaps", g("gap", budget=budget), True, lambda lay: lay.gaps,
              _polygons(lambda r: _gap_rows(r, budget, g), lambda _r: _GAP_STYLE)),
    ]  # fmt: skip
    if not cells:
        themes = themes[1:]
    palette = break_colours(time_breaks(years), response)
    for minutes, colour in palette.items():
        is_budget = math.isclose(minutes, response)
        style = _break_style(colour, is_budget)
        themes.append(Theme(
            f"service_{_fmt_min(minutes)}", _break_label(g, minutes, response), is_budget,
            functools.partial(_break_frame, minutes=minutes),
            _polygons(lambda r: _service_rows(r, g), functools.partial(_fixed, style)),
        ))  # fmt: skip
    themes += [
        Theme("search_zones", g("wm_search_zones"), True, lambda lay: lay.search_zones,
              _polygons(lambda r: _zone_rows(r, g), zone_style)),
        Theme("incidents", g("wm_incidents"), True, lambda lay: lay.incidents,
              add_incident_markers),
        Theme("risk_objects", g("risk_layer"), True, lambda lay: lay.risk_objects, risk_drawer(g)),
        Theme("stations", g("map_stations"), True, lambda lay: lay.stations, _stations(g)),
    ]  # fmt: skip
    present = [t for t in themes if any(_has(lay, t) for lay in years)]
    return present


def _fixed(style: dict[str, Any], _row: Any) -> dict[str, Any]:
    return style


def _break_frame(lay: CoverageLayers, minutes: float) -> gpd.GeoDataFrame:
    sa = lay.service_areas
    return sa[[math.isclose(float(m), minutes) for m in sa["minutes"]]]


def _has(lay: CoverageLayers, theme: Theme) -> bool:
    if theme.key.startswith("service_"):
        return lay.has("service_areas") and len(theme.frame(lay)) > 0
    return lay.has(theme.key)


def has_theme(lay: CoverageLayers, theme: Theme) -> bool:
    """Whether ``lay`` holds features of ``theme``."""
    return _has(lay, theme)


def shared_themes(base: CoverageLayers, g: Glossary, basemap: bool) -> list[Theme]:
    """Layers common to every year, bottom to top: roads (hidden under a basemap), barriers,
    boundary."""
    themes = [
        Theme("roads", g("wm_roads"), not basemap, lambda lay: lay.roads, _roads),
        Theme("barriers", g("wm_barriers"), True, lambda lay: lay.barriers,
              _polygons(lambda r: _barrier_rows(r, g), _barrier_style)),
        Theme("boundary", g("boundary"), True, lambda lay: lay.boundary, _boundary),
    ]  # fmt: skip
    return [t for t in themes if base.has(t.key)]


def legend_entries(
    years: Sequence[CoverageLayers], g: Glossary, themes: Sequence[Theme], shared: Sequence[Theme]
) -> list[LegendEntry]:
    """Legend rows for the drawn layers, with the drawers' own colours."""
    keys = {t.key for t in themes} | {t.key for t in shared}
    base = years[-1]
    out: list[LegendEntry] = []
    if "stations" in keys:
        status = {str(s).lower() for lay in years if lay.has("stations")
                  for s in lay.stations["status"]}  # fmt: skip
        if status - {"proposed"}:
            out.append(LegendEntry("point", g("existing_station"), STATION_RED, STATION_RED, 2.5))
        if "proposed" in status:
            out.append(LegendEntry("point", g("proposed_station"), "#ffffff", STATION_RED, 2.5))
        classes = [c for c in CLASS_RADIUS if any(
            lay.has("stations") and (lay.stations["class_key"].astype(str) == c).any()
            for lay in years)]  # fmt: skip
        for c in classes:
            out.append(LegendEntry("point", g(c), "#ffcdd2", STATION_RED, 1.5,
                                   size=CLASS_RADIUS[c]))  # fmt: skip
        if any(lay.has("stations") and "approximate" in lay.stations.columns
               and lay.stations["approximate"].fillna(False).astype(bool).any()
               for lay in years):  # fmt: skip
            out.append(LegendEntry("point", g("wm_approx_legend"), "none", STATION_RED, 1.5,
                                   dash="4 3", size=9))  # fmt: skip
    if "risk_objects" in keys:
        out += risk_legend(years, g)
    if "jurisdictions" in keys:
        out.append(LegendEntry("patch", g("compliant_districts"), "#90caf9", "#37474f", 1.2,
                               opacity=0.5))  # fmt: skip
        out.append(LegendEntry("patch", g("wm_failing_district"), "#90caf9", _FAIL_RED, 2.5,
                               opacity=0.5))  # fmt: skip
    if "gaps" in keys:
        budget = _fmt_min(base.meta.response_min)
        out.append(LegendEntry("patch", g("gap", budget=budget), _GAP_RED, _GAP_RED, 1.5,
                               dash="4 3", opacity=0.35))  # fmt: skip
    palette = break_colours(time_breaks(years), base.meta.response_min)
    for minutes, colour in palette.items():
        if f"service_{_fmt_min(minutes)}" not in keys:
            continue
        is_budget = math.isclose(minutes, base.meta.response_min)
        style = _break_style(colour, is_budget)
        out.append(LegendEntry("line", _break_label(g, minutes, base.meta.response_min),
                               stroke=colour, weight=float(style["weight"]),
                               dash=style.get("dashArray")))  # fmt: skip
    if "search_zones" in keys:
        loss = next((float(lay.search_zones["loss"].iloc[0]) for lay in years
                     if lay.has("search_zones")), 0.0)  # fmt: skip
        out.append(LegendEntry("patch", g("wm_search_zone_legend", loss=f"{loss:.0%}"),
                               ZONE_COLOUR, ZONE_COLOUR, 2, dash="6 4", opacity=0.12))  # fmt: skip
    if "cells" in keys:
        cmap = matplotlib.colormaps[_RAMP]
        ramp = tuple(to_hex(cmap(i / 4)) for i in range(5))
        top = _fmt_min(2 * base.meta.response_min)
        out.append(LegendEntry("ramp", f"{g('wm_ramp')} {g('wm_ramp_ends', top=top)}",
                               ramp=ramp))  # fmt: skip
    if "roads" in keys:
        out.append(LegendEntry("line", g("arterial"), stroke="#616161", weight=3))
        out.append(LegendEntry("line", g("local_road"), stroke="#9e9e9e", weight=1.2))
    if "barriers" in keys:
        barriers: gpd.GeoDataFrame = base.barriers
        kinds = {str(k).lower() for k in barriers["kind"]}
        if kinds & _WATER:
            out.append(LegendEntry("patch", g("river"), "#64b5f6", "#64b5f6", 1, opacity=0.6))
        for kind in sorted(kinds - _WATER):
            try:
                label = g(kind)
            except KeyError:
                label = g("wm_barrier") + f" ({kind})"
            out.append(LegendEntry("line", label, stroke="#546e7a", weight=3, dash="6 3"))
    if "boundary" in keys:
        out.append(LegendEntry("line", g("boundary"), stroke="#000000", weight=2.5,
                               dash="10 4 2 4"))  # fmt: skip
    return out
