"""Incident density on the PNG maps: the call records as hexagons shaded by count.

A layer of incident points (``CoverageLayers.incidents``, not a GeoPackage layer: the call
records stay in the planner's own file) is binned into hexagons about 1/18 of the map's width
across and drawn under the stations, pale yellow (one call) to dark brown (the most), outlined
in brown so they read apart from the district fills, so a
planner sees where the calls come from beside the districts and gaps. The HTML map shows
the calls as dots (:func:`add_incident_markers`), a layer the planner can switch off.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import RegularPolygon

__all__ = ["add_incident_markers", "draw_incident_density"]

#: Hexagons across the map's width.
GRIDSIZE = 18
#: At most this many calls are drawn as dots on the HTML map (the page stays small).
MAX_WEB_INCIDENTS = 5000
logger = logging.getLogger(__name__)


def draw_incident_density(
    ax: Axes, incidents: gpd.GeoDataFrame, legend: Any, extent: tuple[float, float, float, float]
) -> None:
    """Bin ``incidents`` (points) into hexagons over ``extent`` and add a legend entry."""
    pts = incidents.geometry
    x, y = np.asarray(pts.x, dtype=float), np.asarray(pts.y, dtype=float)
    if x.size == 0:
        return
    minx, miny, maxx, maxy = extent
    hb = ax.hexbin(
        x,
        y,
        gridsize=GRIDSIZE,
        extent=(minx, maxx, miny, maxy),
        mincnt=1,
        cmap="YlOrBr",
        alpha=0.6,
        linewidths=0.5,
        edgecolors="#8c510a",
        zorder=5.5,
    )
    counts = hb.get_array()
    top = 1 if counts is None else int(np.max(np.asarray(counts)))
    handle = RegularPolygon(
        (0, 0), 6, radius=1, facecolor="#fe9929", edgecolor="#8c510a", alpha=0.6
    )
    legend.add(
        handle,
        f"Incident density ({len(x)} calls, up to {top} per hexagon)",
        f"警情密度（{len(x)} 起，每格最多 {top} 起）",
    )


def add_incident_markers(group: Any, incidents: gpd.GeoDataFrame) -> None:
    """The HTML map's incident layer: one small brown dot per call (type in the tooltip);
    ``incidents`` in WGS-84, ``group`` a folium ``FeatureGroup``."""
    import folium

    if len(incidents) > MAX_WEB_INCIDENTS:
        logger.info("web map: %d incidents, the first %d drawn", len(incidents), MAX_WEB_INCIDENTS)
        incidents = incidents.iloc[:MAX_WEB_INCIDENTS]
    for geom, kind in zip(incidents.geometry, incidents["type"].astype(str), strict=True):
        if geom is None or geom.is_empty:
            continue
        folium.CircleMarker(location=[geom.y, geom.x], radius=3, weight=0.6, color="#8c510a",
                            fill=True, fill_color="#fe9929", fill_opacity=0.7,
                            tooltip=kind).add_to(group)  # fmt: skip
