"""Risk objects on the HTML map: a circle per object in its class colour, late ones ringed.

The colours are the PNG map's (:data:`firecover.outputs.risk_draw.CLASS_STYLE`); an object
outside its required time (``on_time`` false) gets a thick dark-red ring, as on the PNG map.
Popups give the class, the required time, the first station's arrival and the station, in the
glossary's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import shapely

from firecover.outputs.glossary import Glossary
from firecover.outputs.layers import CoverageLayers
from firecover.outputs.risk_draw import CLASS_STYLE
from firecover.outputs.webmap_legend import LegendEntry

__all__ = ["LATE_RED", "risk_drawer", "risk_legend"]

#: Ring colour of an object outside its required time (the PNG map's).
LATE_RED = "#7f0000"


def _minutes(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(v) else f"{v:.1f} min"


def _class_text(row: Any, g: Glossary) -> str:
    zh, en = str(row.get("class_zh", "")), str(row.get("class_en", row["risk_class"]))
    return g.join(zh, en) if zh else en


def _popup_rows(row: Any, g: Glossary) -> list[tuple[str, str]]:
    rows = [(g("risk_object"), str(row.get("name", "") or "—")),
            (g("risk_class"), _class_text(row, g)),
            (g("risk_required"), _minutes(row.get("required_min"))),
            (g("risk_first"), f"{row.get('first_station') or '—'} "
                              f"{_minutes(row.get('first_min'))}")]  # fmt: skip
    if "on_time" in row:
        rows.append((g("risk_late"), g("wm_risk_late") if not bool(row["on_time"]) else "—"))
    return rows


def risk_drawer(g: Glossary) -> Callable[[Any, gpd.GeoDataFrame], None]:
    """The drawer of the ``risk_objects`` theme (``objects`` in WGS-84, ``group`` a folium
    ``FeatureGroup``): one GeoJSON layer of circle markers with a popup table per object
    (folium's ``GeoJsonPopup``, which needs no script library, so the page stays offline)."""

    def draw(group: Any, objects: gpd.GeoDataFrame) -> None:
        import folium

        rows = [row for _, row in objects.iterrows()]
        table = [_popup_rows(r, g) for r in rows]
        aliases = [k for k, _ in table[0]]
        props: dict[str, list[str]] = {f"p{i}": [t[i][1] for t in table]
                                       for i in range(len(aliases))}  # fmt: skip
        props["_tip"] = [_class_text(r, g) for r in rows]
        pts = shapely.point_on_surface(objects.geometry.to_numpy())
        frame = gpd.GeoDataFrame(props, geometry=pts, crs=objects.crs).reset_index(drop=True)
        styles = []
        for r in rows:
            late = "on_time" in r and not bool(r["on_time"])
            colour = CLASS_STYLE.get(str(r["risk_class"]), CLASS_STYLE["_user"])[1]
            styles.append({"fillColor": colour, "color": LATE_RED if late else "#ffffff",
                           "weight": 3 if late else 1, "radius": 6 if late else 5})  # fmt: skip
        layer = folium.GeoJson(
            frame.to_json(),
            marker=folium.CircleMarker(
                radius=5, weight=1, color="#ffffff", fill=True, fill_opacity=0.9
            ),
            style_function=lambda feature: styles[int(feature["id"])],
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
        )
        folium.GeoJsonPopup(fields=list(props)[: len(aliases)], aliases=aliases,
                            localize=False).add_to(layer)  # fmt: skip
        layer.add_to(group)

    return draw


def risk_legend(years: Sequence[CoverageLayers], g: Glossary) -> list[LegendEntry]:
    """A legend row per risk class drawn, and one for late objects if any."""
    frames = [lay.risk_objects for lay in years
              if lay.risk_objects is not None and lay.has("risk_objects")]  # fmt: skip
    out: list[LegendEntry] = []
    seen: set[str] = set()
    late = False
    for frame in frames:
        for _, row in frame.iterrows():
            key = str(row["risk_class"])
            if key not in seen:
                seen.add(key)
                colour = CLASS_STYLE.get(key, CLASS_STYLE["_user"])[1]
                out.append(LegendEntry("point", _class_text(row, g), colour, "#ffffff", 1.0))
            late = late or ("on_time" in row and not bool(row["on_time"]))
    if late:
        out.append(LegendEntry("point", g("wm_risk_late"), "none", LATE_RED, 3.0, size=8))
    return out
