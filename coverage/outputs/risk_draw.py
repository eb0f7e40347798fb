"""Risk objects on the PNG maps: one marker per class, late objects ringed.

:func:`risk_overlay` returns the ``overlay(ax, legend)`` callable that
:func:`firecover.outputs.maps.render_map` draws under the stations. Points are markers;
polygons are outlined in the class colour and marked at a point inside them. An object outside
its required time gets a dark-red ring; one short of its reinforcement standard a dashed ring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

__all__ = ["CLASS_STYLE", "risk_overlay"]

#: class key → (marker, colour); user classes take the last entry's style.
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "high_rise": ("^", "#6a1b9a"),
    "complex": ("D", "#ef6c00"),
    "underground": ("v", "#5d4037"),
    "hazmat": ("X", "#d50000"),
    "key_unit": ("P", "#1565c0"),
    "heritage": ("h", "#827717"),
    "_user": ("o", "#37474f"),
}
_LATE = "#7f0000"


def risk_overlay(
    objects: gpd.GeoDataFrame,
    *,
    cbar_key: str | None = None,
) -> Callable[[Axes, Any], None]:
    """The overlay drawing ``objects`` (a ``risk_objects`` layer, optionally timed).

    ``cbar_key``: glossary term for the colour bar (e.g. the third station's arrival).
    """

    def draw(ax: Axes, legend: Any) -> None:
        if cbar_key is not None:
            legend.cbar_key = cbar_key
        if objects.empty:
            return
        geoms = objects.geometry.to_numpy()
        pts = shapely.point_on_surface(geoms)
        xs, ys = shapely.get_x(pts), shapely.get_y(pts)
        areal = shapely.area(geoms) > 0
        for key, idx in objects.groupby("risk_class", sort=False).indices.items():
            marker, colour = CLASS_STYLE.get(str(key), CLASS_STYLE["_user"])
            sel = np.asarray(idx)
            poly = sel[areal[sel]]
            if poly.size:
                gpd.GeoSeries(geoms[poly], crs=objects.crs).boundary.plot(
                    ax=ax, color=colour, linewidth=0.9, zorder=7
                )
            ax.scatter(
                xs[sel],
                ys[sel],
                marker=marker,
                s=34,
                c=colour,
                edgecolors="white",
                linewidths=0.6,
                zorder=7.5,
            )
            row = objects.iloc[int(sel[0])]
            legend.add(
                Line2D([], [], marker=marker, ls="", mfc=colour, mec="white", ms=7),
                f"{row['class_en']} ({sel.size})",
                zh=f"{row['class_zh']}（{sel.size}）",
            )
        if "on_time" in objects.columns:
            late = ~objects["on_time"].to_numpy(bool)
            if late.any():
                ax.scatter(
                    xs[late],
                    ys[late],
                    marker="o",
                    s=130,
                    facecolors="none",
                    edgecolors=_LATE,
                    linewidths=1.4,
                    zorder=7.6,
                )
                legend.add(
                    Line2D([], [], marker="o", ls="", mfc="none", mec=_LATE, ms=10, mew=1.4),
                    "outside its required time",
                    zh="超出要求时间",
                )
            short = ~objects["reinforce_ok"].to_numpy(bool)
            if short.any():
                ax.scatter(
                    xs[short],
                    ys[short],
                    marker="o",
                    s=260,
                    facecolors="none",
                    edgecolors=_LATE,
                    linewidths=1.0,
                    linestyle="--",
                    zorder=7.6,
                )
                legend.add(
                    Line2D([], [], marker="o", ls="", mfc="none", mec=_LATE, ms=13, mew=1.0),
                    "short of reinforcement",
                    zh="增援不足",
                )

    return draw
