"""The straight-line lattice: travel times against the L1 / Euclidean formulas (networkx)."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from firecover._errors import DataFormatError
from firecover.network.radius import RadiusModel, auto_cell_size, radius_graph


def _square(km: float) -> gpd.GeoSeries:
    # a square in UTM 50N (metres), corners on the 100 m cell lattice
    return gpd.GeoSeries([shapely.box(500_000, 4_300_000, 500_000 + km * 1000,
                                      4_300_000 + km * 1000)], crs="EPSG:32650")  # fmt: skip


def test_radius_and_area_by_hand() -> None:
    m = RadiusModel(40.0, 1.4, "diamond")
    # S = 40 km/h × 4 min = 2.6667 km; P = S / 1.4 = 1.9048 km; A = 2 P² = 7.2562 km²
    assert m.radius_m(4.0) == pytest.approx(2666.667 / 1.4, rel=1e-6)
    assert m.area_km2(4.0) == pytest.approx(2 * (2.666667 / 1.4) ** 2, rel=1e-6)
    assert RadiusModel(40.0, 1.4, "circle").area_km2(4.0) == pytest.approx(
        math.pi * (2.666667 / 1.4) ** 2, rel=1e-6
    )


@pytest.mark.parametrize("shape", ["diamond", "circle"])
def test_lattice_times_are_straight_line_times(shape: str) -> None:
    model = RadiusModel(36.0, 1.5, shape)
    g = radius_graph(_square(1.5), model, spacing_m=100.0, margin_m=0.0)
    assert g.graph["crs"] == "EPSG:32650" and g.graph["travel_model"] == "radius"
    src = min(g.nodes, key=lambda n: (g.nodes[n]["x"], g.nodes[n]["y"]))
    t = nx.single_source_dijkstra_path_length(g, src, weight="travel_time")
    v = 36.0 / 1.5 / 3.6  # m/s along the straight line
    x0, y0 = g.nodes[src]["x"], g.nodes[src]["y"]
    for n, secs in t.items():
        dx, dy = abs(g.nodes[n]["x"] - x0), abs(g.nodes[n]["y"] - y0)
        if shape == "diamond":
            assert secs == pytest.approx((dx + dy) / v, abs=1e-6)
        else:
            euclid = math.hypot(dx, dy) / v
            assert euclid - 1e-6 <= secs <= 1.0275 * euclid + 1e-6


def test_nodes_sit_on_cell_centres() -> None:
    g = radius_graph(_square(1.0), spacing_m=100.0)
    xs = np.array([d["x"] for _, d in g.nodes(data=True)])
    assert np.allclose((xs / 100.0) % 1.0, 0.5)


def test_auto_cell_size_and_bad_input() -> None:
    assert auto_cell_size(_square(10.0)) == 100.0  # 100 km² → 10,000 cells of 100 m
    # 2,366 km² (Binhai): sqrt(2366e6 / 50,000) = 217.5 m → 250 m in 50 m steps
    assert auto_cell_size(_square(math.sqrt(2366.0))) == 250.0
    with pytest.raises(DataFormatError, match="shape"):
        RadiusModel(shape="hexagon")
    with pytest.raises(DataFormatError, match="curvature"):
        RadiusModel(curvature=0.5)
    with pytest.raises(DataFormatError, match="CRS"):
        radius_graph(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]))
