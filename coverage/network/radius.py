"""The straight-line travel model (直线距离估算) as a lattice "road" graph.

Where no road graph can be had, the standards' own approximation stands in for it: a station
reaches every point within the **protection radius** ``P = S / λ``, where ``S`` is the road
distance driven in the driving budget at the stated speed and ``λ`` the road curvature
coefficient (1.3–1.5; ``../shared/reference/standards.md``). With the standard's diamond,
the area reached is ``A = 2 P²`` (4 min at 40 km/h, λ = 1.4: ``S`` = 2.67 km, ``P`` = 1.90 km,
``A`` = 7.26 km², the 7 km² of 建标152-2017).

:func:`radius_graph` builds a square lattice in the interchange format whose edges are driven
at ``speed / λ`` along the straight line, so that travel times on it are straight-line times:

* ``shape="diamond"``: 4-neighbour lattice; its shortest paths are the L1 (|dx| + |dy|)
  distance exactly, so what a budget reaches is the standard's diamond (axis-aligned);
* ``shape="circle"``: 16-direction lattice (steps (1,0), (1,1), (2,1) and their symmetries);
  its shortest paths over-estimate the straight-line distance by at most 2.7 % (the reach is
  a 16-sided polygon inside the circle, ≥ 94.7 % of its area).

Nodes sit on the centres of the demand cells (the cell lattice is anchored at the CRS origin,
:mod:`firecover.analysis.grid`), so a cell's demand point is a node and its time is exact;
a station off a node pays an access leg of at most half a spacing. Every edge has road class
``residential`` (so candidate sites may be generated on the lattice) and the graph attribute
``travel_model = "radius"``; the layers drawn from it must be labelled as an estimate
(:data:`RADIUS_LABEL`).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np

from firecover._errors import DataFormatError
from firecover.settings import resolve

__all__ = [
    "MAX_AUTO_CELLS",
    "RADIUS_LABEL",
    "RADIUS_LABEL_ZH",
    "RadiusModel",
    "auto_cell_size",
    "radius_graph",
]

log = logging.getLogger(__name__)

#: The label every output of the straight-line model carries.
RADIUS_LABEL = "straight-line estimate, not a road-network result"
RADIUS_LABEL_ZH = "直线距离估算，非路网结果"

_STEPS = {
    "diamond": [(1, 0), (0, 1)],
    "circle": [(1, 0), (0, 1), (1, 1), (1, -1), (2, 1), (1, 2), (2, -1), (1, -2)],
}


#: Without an explicit cell size, the straight-line model keeps a district under this many
#: demand cells by coarsening them in 50 m steps (never finer than ``cell_size_m``).
MAX_AUTO_CELLS = 50_000


def auto_cell_size(area: Any, max_cells: int = MAX_AUTO_CELLS) -> float:
    """The cell size (m) for ``area``: the setting ``cell_size_m``, coarsened in 50 m steps
    until the district has at most ``max_cells`` cells (Binhai, 2,366 km²: 250 m)."""
    frame = area if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries) else gpd.GeoSeries(area)
    utm = frame.to_crs(frame.estimate_utm_crs()) if not frame.crs.is_projected else frame
    km2 = float(utm.geometry.area.sum()) / 1e6
    size = float(resolve(None, "cell_size_m"))
    need = math.sqrt(km2 * 1e6 / max_cells)
    if need > size:
        size = 50.0 * math.ceil(need / 50.0)
        log.info("straight-line model: %.0f km² district, cells of %g m (≤ %d cells)", km2,
                 size, max_cells)  # fmt: skip
    return size


class RadiusModel:
    """Parameters of the straight-line model (``None`` = settings ``radius_*``)."""

    def __init__(self, speed_kph: float | None = None, curvature: float | None = None,
                 shape: str | None = None) -> None:  # fmt: skip
        self.speed_kph = float(resolve(speed_kph, "radius_speed_kph"))
        self.curvature = float(resolve(curvature, "radius_curvature"))
        self.shape = str(resolve(shape, "radius_shape"))
        if self.shape not in _STEPS:
            raise DataFormatError(f"radius shape {self.shape!r}: use 'diamond' or 'circle'")
        if not self.speed_kph > 0 or not 1.0 <= self.curvature <= 3.0:
            raise DataFormatError(
                f"radius model: speed {self.speed_kph} km/h must be > 0 and curvature "
                f"{self.curvature} within 1–3 (the standard uses 1.3–1.5)"
            )

    def radius_m(self, driving_min: float) -> float:
        """Protection radius ``P = S / λ`` in metres for ``driving_min`` minutes."""
        return self.speed_kph * 1000.0 / 60.0 * driving_min / self.curvature

    def area_km2(self, driving_min: float) -> float:
        """Area reached in ``driving_min``: ``2 P²`` (diamond) or ``π P²`` (circle), km²."""
        p = self.radius_m(driving_min) / 1000.0
        return 2 * p * p if self.shape == "diamond" else math.pi * p * p

    def describe(self, driving_min: float) -> dict[str, Any]:
        """JSON-ready parameters and the derived radius and area."""
        return {
            "model": "radius",
            "label": RADIUS_LABEL,
            "label_zh": RADIUS_LABEL_ZH,
            "shape": self.shape,
            "speed_kph": self.speed_kph,
            "curvature": self.curvature,
            "driving_min": driving_min,
            "distance_driven_km": round(self.speed_kph / 60.0 * driving_min, 3),
            "radius_km": round(self.radius_m(driving_min) / 1000.0, 3),
            "area_km2": round(self.area_km2(driving_min), 3),
        }


def radius_graph(
    area: Any, model: RadiusModel | None = None, *, spacing_m: float | None = None,
    margin_m: float = 500.0, name: str = "straight-line model",
) -> nx.MultiDiGraph:  # fmt: skip
    """A lattice graph over ``area`` (GeoDataFrame / GeoSeries with a CRS) whose travel times
    are the straight-line model's (see the module notes).

    ``spacing_m`` defaults to the demand cell size (setting ``cell_size_m``); the lattice covers
    the bounding box of ``area`` plus ``margin_m`` and is in the local UTM zone.
    """
    model = model or RadiusModel()
    step = float(resolve(spacing_m, "cell_size_m"))
    frame = area if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries) else gpd.GeoSeries(area)
    if frame.crs is None:
        raise DataFormatError("the straight-line model's area has no CRS; set it (EPSG:4326)")
    crs = frame.estimate_utm_crs() if not frame.crs.is_projected else frame.crs
    minx, miny, maxx, maxy = frame.to_crs(crs).total_bounds
    i = np.arange(math.floor((minx - margin_m) / step), math.ceil((maxx + margin_m) / step) + 1)
    j = np.arange(math.floor((miny - margin_m) / step), math.ceil((maxy + margin_m) / step) + 1)
    ni, nj = i.size, j.size
    if ni * nj > 2_000_000:
        raise DataFormatError(
            f"the straight-line lattice would have {ni * nj:,} nodes; use a coarser cell size "
            "(--cell-size) for a district this large"
        )
    ii, jj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    node = ii * nj + jj
    xs, ys = (i[ii] + 0.5) * step, (j[jj] + 0.5) * step
    speed = model.speed_kph / model.curvature
    g = nx.MultiDiGraph(crs=crs.to_string(), name=name, synthetic=False,
                        speed_profile=f"straight line {model.speed_kph:g} km/h / λ "
                        f"{model.curvature:g}", congestion_factor=1.0,
                        source=f"{RADIUS_LABEL} ({model.shape})",
                        travel_model="radius")  # fmt: skip
    nodes = zip(node.ravel(), xs.ravel(), ys.ravel(), strict=True)
    g.add_nodes_from((int(n), {"x": float(x), "y": float(y)}) for n, x, y in nodes)
    for di, dj in _STEPS[model.shape]:
        a_i = slice(max(0, -di), ni - max(0, di))
        a_j = slice(max(0, -dj), nj - max(0, dj))
        u = node[a_i, a_j].ravel()
        v = node[max(0, di) : ni - max(0, -di), max(0, dj) : nj - max(0, -dj)].ravel()
        length = step * math.hypot(di, dj)
        secs = length / (speed / 3.6)
        attrs = {"length": length, "road_class": "residential", "highway": "straight_line",
                 "speed_kph": speed, "travel_time": secs, "oneway": False}  # fmt: skip
        g.add_edges_from((int(a), int(b), dict(attrs)) for a, b in zip(u, v, strict=True))
        g.add_edges_from((int(b), int(a), dict(attrs)) for a, b in zip(u, v, strict=True))
    log.info("straight-line lattice: %d nodes, %d edges (%s, %g m)", g.number_of_nodes(),
             g.number_of_edges(), model.shape, step)  # fmt: skip
    return g
