"""Search zones (选址范围) on the PNG and HTML maps: where each chosen site could go instead.

Drawn as a purple outline with a light fill and the site's name, under the stations, so a
planner sees the land each new station may take without losing more than the zone loss.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

__all__ = ["ZONE_COLOUR", "draw_search_zones", "zone_popup", "zone_style"]

ZONE_COLOUR = "#6a1b9a"


def draw_search_zones(ax: Axes, zones: gpd.GeoDataFrame, legend: Any) -> None:
    """Draw ``zones`` on ``ax`` and add one legend entry (``legend`` is the map's legend)."""
    style: dict[str, Any] = {"facecolor": (0.42, 0.11, 0.60, 0.12), "edgecolor": ZONE_COLOUR,
                             "linewidth": 1.4, "linestyle": "--"}  # fmt: skip
    zones.plot(ax=ax, zorder=6.5, **style)
    loss = float(zones["loss"].iloc[0]) if len(zones) else 0.0
    for geom, site in zip(zones.geometry, zones["site"], strict=True):
        if geom is None or geom.is_empty:
            continue
        pt = geom.representative_point()
        ax.annotate(f"{site}", (pt.x, pt.y), fontsize=6.5, color=ZONE_COLOUR, zorder=6.6,
                    ha="center", va="center", alpha=0.9)  # fmt: skip
    legend.add(Patch(**style), f"Search zone (≤ {loss:.0%} loss)", f"选址范围（损失 ≤ {loss:.0%}）")


def zone_style(_row: Any) -> dict[str, Any]:
    """Leaflet style of a search zone."""
    return {"fillColor": ZONE_COLOUR, "fillOpacity": 0.12, "color": ZONE_COLOUR, "weight": 2,
            "dashArray": "6 4"}  # fmt: skip


def zone_popup(row: Any) -> list[tuple[str, str]]:
    """Popup rows of a search zone."""
    return [
        ("选址范围 search zone", str(row["site"])),
        ("可替代候选点 candidates", f"{int(row['n_candidates'])}"),
        ("允许损失 loss allowed", f"{float(row['loss']):.1%}"),
    ]
