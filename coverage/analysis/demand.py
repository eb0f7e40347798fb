"""The demand surface: a grid of cells over the planning area, each with a snapped demand point.

:func:`build_demand` covers the planning boundary with square (default) or hexagonal cells of
``cell_size_m`` (settings: 100 m), clips them to the boundary — so each cell's ``area_km2`` is its
clipped area and the areas sum to the boundary area — and snaps one demand point per cell to the
road network.

* **Boundary.** A shapely (Multi)Polygon in the network's CRS, a GeoDataFrame/GeoSeries (any
  CRS, reprojected) or a vector file. ``None`` = the convex hull of the road network (nodes and
  edge geometries) buffered by ``service_buffer_m`` (settings: 100 m). Invalid polygons are
  repaired with ``make_valid``; an empty or non-areal boundary raises DataFormatError.
* **Demand point.** The centroid of the clipped cell, or a point on its surface when the
  centroid falls outside it (a cell cut by a concave boundary). Points farther than
  ``snap_max_m`` (settings: 500 m) from any road are flagged ``far_from_road`` and kept; their
  arrival times include the access leg at ``access_speed_kph`` (settings: 15 km/h).
* **Weight.** ``area_km2`` by default, or the population in the cell when ``population`` is
  given: points add their value to the cell holding them (points outside the boundary are
  dropped); polygons give each cell the area-weighted share of their value (the share outside
  the boundary is dropped); a raster is read with the optional ``rasterio`` package (each pixel
  counts as a point at its centre). The weight is then multiplied by the cell's risk multiplier.
* **Risk.** Polygons (or points) with a class column: 一般/较高/高/极高 or
  low/medium/high/extreme (see :data:`RISK_ALIASES`), or numeric multipliers. A cell takes the
  highest class overlapping it (a polygon must share area with the cell); cells outside every
  risk feature are ``low``. Default multipliers: :data:`DEFAULT_RISK_WEIGHTS` (1 / 1.5 / 2 / 3),
  overridable with ``risk_weights``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

import firecover.analysis.grid as _grid
from firecover._errors import CoordinateError, DataFormatError
from firecover.analysis.area import BoundaryInput, LayerInput, read_boundary, read_layer
from firecover.analysis.weights import (
    DEFAULT_RISK_WEIGHTS,
    RISK_ALIASES,
    RISK_CLASSES,
    _population,
    _risk,
    _risk_weights,
)
from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped, snap_points
from firecover.settings import resolve

__all__ = [
    "DEFAULT_RISK_WEIGHTS",
    "RISK_ALIASES",
    "RISK_CLASSES",
    "DemandSurface",
    "build_demand",
    "read_boundary",
    "read_layer",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class DemandSurface:
    """Demand cells over the planning area and their demand points on the roads.

    Attributes
    ----------
    cells : GeoDataFrame
        ``cell_id``, ``area_km2`` (clipped), ``weight``, ``risk``, ``far_from_road``, geometry.
    points : Snapped
        One demand point per cell (same order as ``cells``).
    boundary : shapely geometry
        The planning area (metric CRS).
    total_area_km2 : float
        Area of the boundary, km² (equals the sum of ``cells.area_km2`` up to rounding).
    cell_size_m : float
        Side of the square (or of the equal-area square for hexagons), metres.
    shape : str
        ``"square"`` or ``"hex"``.
    crs : str
        The network's CRS.
    population : ndarray or None
        Population per cell before the risk multiplier (``None`` when none was given).
    n_edges : int
        Edges of the network the points were snapped to (guards against mixing networks).
    """

    cells: gpd.GeoDataFrame
    points: Snapped
    boundary: BaseGeometry
    total_area_km2: float
    cell_size_m: float
    shape: str
    crs: str
    population: FloatArray | None = None
    n_edges: int = -1

    def __len__(self) -> int:
        return len(self.cells)

    def point_geometry(self) -> gpd.GeoSeries:
        """The demand points (before snapping) as a GeoSeries."""
        return gpd.GeoSeries(shapely.points(self.points.x, self.points.y), crs=self.crs)

    def to_frame(self) -> gpd.GeoDataFrame:
        """The cells plus their demand points: ``x``, ``y``, ``snap_m``, ``access_s`` (and
        ``population`` when given)."""
        out = self.cells.copy()
        out["x"], out["y"] = self.points.x, self.points.y
        out["snap_m"], out["access_s"] = self.points.distance_m, self.points.access_s
        if self.population is not None:
            out["population"] = self.population
        cols = [c for c in out.columns if c != "geometry"] + ["geometry"]
        return gpd.GeoDataFrame(out[cols], geometry="geometry", crs=self.crs)


def _default_boundary(net: CSRNetwork) -> BaseGeometry:
    pts = np.concatenate([np.c_[net.x, net.y], shapely.get_coordinates(net.edge_geom)])
    hull = shapely.convex_hull(shapely.multipoints(pts))
    return shapely.buffer(hull, float(resolve(None, "service_buffer_m")))


def _check_overlap(net: CSRNetwork, boundary: BaseGeometry, snap_max: float) -> None:
    reach = shapely.buffer(shapely.box(*net.bounds), snap_max)
    if not shapely.intersects(reach, boundary):
        raise CoordinateError(
            "the planning boundary does not overlap the road network; give it in the network's "
            f"CRS ({net.crs}) or as a layer with its own CRS"
        )


# --------------------------------------------------------------------------- build


def _as_net(net: CSRNetwork | nx.MultiDiGraph) -> CSRNetwork:
    return net if isinstance(net, CSRNetwork) else CSRNetwork.from_graph(net)


def _make_cells(boundary: BaseGeometry, size: float, shape: str) -> ObjArray:
    if shape not in ("square", "hex"):
        raise DataFormatError(f"cell shape must be 'square' or 'hex', not {shape!r}")
    maker = _grid.square_cells if shape == "square" else _grid.hex_cells
    candidates = maker(tuple(boundary.bounds), size)
    cells, _ = _grid.clip_cells(candidates, boundary)
    if len(cells) == 0:
        raise DataFormatError("no demand cell lies inside the boundary; check the boundary")
    return cells


def build_demand(
    net: CSRNetwork | nx.MultiDiGraph,
    boundary: BoundaryInput | None = None,
    *,
    cell_size_m: float | None = None,
    shape: str = "square",
    snap_max_m: float | None = None,
    access_speed_kph: float | None = None,
    population: LayerInput | None = None,
    population_column: str | None = None,
    risk: LayerInput | None = None,
    risk_column: str | None = None,
    risk_weights: Mapping[str, float] | None = None,
) -> DemandSurface:
    """Build the demand surface: clipped grid cells, weights, risk and snapped demand points.

    Parameters
    ----------
    net : CSRNetwork or networkx.MultiDiGraph
        The prepared road network (metric CRS).
    boundary : shapely geometry, GeoDataFrame, GeoSeries, path or None
        Planning area; a bare geometry must be in ``net.crs``. ``None``: the convex hull of
        the road network buffered by ``service_buffer_m``.
    cell_size_m : float, optional
        Cell side in metres (hexagons: same area as that square); default ``cell_size_m``.
    shape : {"square", "hex"}
        Cell shape. Hexagons are flat-topped and built in the metric CRS (no H3 needed).
    snap_max_m, access_speed_kph : float, optional
        Flag points farther than this from a road; speed on the access leg.
    population : GeoDataFrame, GeoSeries or path, optional
        Points, polygons or (with rasterio) a raster; the weight becomes the population.
    population_column : str, optional
        Value column; default one of ``population``/``pop``/``人口``/``value``/``count`` or
        the only numeric column.
    risk : GeoDataFrame, GeoSeries or path, optional
        Risk polygons (or points) with a class column.
    risk_column : str, optional
        Class column; default one of ``risk``/``risk_class``/``风险``/``风险等级``/``class``.
    risk_weights : mapping, optional
        Multipliers by class overriding :data:`DEFAULT_RISK_WEIGHTS`.

    Returns
    -------
    DemandSurface

    Raises
    ------
    DataFormatError
        Empty or non-areal boundary, bad cell size or shape, unreadable columns or values.
    UnsupportedCRSError
        A layer without CRS.
    CoordinateError
        The boundary does not overlap the network (usually a geometry in the wrong CRS).
    InputFileError
        A missing input file.
    """
    net = _as_net(net)
    size = _grid.check_cell_size(resolve(cell_size_m, "cell_size_m"))
    snap_max = float(resolve(snap_max_m, "snap_max_m"))
    region = _default_boundary(net) if boundary is None else read_boundary(boundary, net.crs)
    _check_overlap(net, region, snap_max)
    cells = _make_cells(region, size, shape)
    x, y = _grid.cell_points(cells)
    points = snap_points(net, x, y, max_m=snap_max, access_speed_kph=access_speed_kph)
    area_km2 = shapely.area(cells) / 1e6
    pop = None if population is None else _population(cells, population, population_column, net.crs)
    weights = _risk_weights(risk_weights)
    if risk is None:
        labels, mult = np.full(len(cells), "low", dtype=object), np.full(len(cells), weights["low"])
    else:
        labels, mult = _risk(cells, risk, risk_column, net.crs, weights)
    frame = gpd.GeoDataFrame(
        {
            "cell_id": np.arange(len(cells), dtype=np.int64),
            "area_km2": area_km2,
            "weight": (area_km2 if pop is None else pop) * mult,
            "risk": labels,
            "far_from_road": points.too_far,
        },
        geometry=cells,
        crs=net.crs,
    )
    total = float(region.area) / 1e6
    logger.info(
        "demand: %d %s cells of %g m over %.3f km² (%d far from roads)",
        len(frame),
        shape,
        size,
        total,
        int(points.too_far.sum()),
    )
    return DemandSurface(frame, points, region, total, size, shape, net.crs, pop, net.n_edges)
