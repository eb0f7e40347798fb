"""Incident density on the maps: every call lands in one hexagon, and the map draws it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from firecover.outputs.incident_draw import draw_incident_density


class _Legend:
    def __init__(self) -> None:
        self.items: list[tuple[Any, str]] = []

    def add(self, handle: Any, key: str, zh: str | None = None, **_: Any) -> None:
        self.items.append((handle, f"{zh} {key}"))


def test_every_incident_is_counted_once() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1000, 57), rng.uniform(0, 500, 57)
    pts = gpd.GeoDataFrame({"type": ["火灾"] * 57}, geometry=gpd.points_from_xy(x, y),
                           crs="EPSG:32650")  # fmt: skip
    fig, ax = plt.subplots()
    legend = _Legend()
    draw_incident_density(ax, pts, legend, (0.0, 0.0, 1000.0, 500.0))
    counts = ax.collections[0].get_array()
    assert counts is not None and int(np.sum(counts)) == 57
    assert "57" in legend.items[0][1]
    plt.close(fig)


def test_evaluate_map_shows_the_density(tmp_path: Path) -> None:
    from tests.layer_data import make_layers  # hand-made coverage layers

    layers = make_layers()
    b = layers.total_bounds()
    pts = gpd.GeoDataFrame({"type": ["火灾", "救援"]},
                           geometry=gpd.points_from_xy([b[0] + 10, b[2] - 10],
                                                       [b[1] + 10, b[3] - 10]),
                           crs=layers.crs)  # fmt: skip
    from firecover.outputs.maps import render_map

    without = render_map(layers, tmp_path / "a.png", lang="en").read_bytes()
    layers.incidents = pts
    with_inc = render_map(layers, tmp_path / "b.png", lang="en").read_bytes()
    assert without != with_inc


def test_webmap_has_the_incident_layer(tmp_path: Path) -> None:
    from firecover.outputs.webmap import render_webmap
    from tests.layer_data import make_layers

    layers = make_layers()
    b = layers.total_bounds()
    layers.incidents = gpd.GeoDataFrame({"type": ["社会救助"]},
                                        geometry=gpd.points_from_xy([b[0] + 5], [b[1] + 5]),
                                        crs=layers.crs)  # fmt: skip
    page = render_webmap(layers, tmp_path / "m.html", offline=True).read_text(encoding="utf-8")
    assert "警情 Incidents" in page and "社会救助" in page
