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
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from . import _grid
from ._csr import CSRNetwork
from ._errors import CoordinateError, DataFormatError, InputFileError, UnsupportedCRSError
from ._io import require_file
from .settings import resolve
from .snapping import Snapped, snap_points

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
LayerInput: TypeAlias = "gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"
BoundaryInput: TypeAlias = (
    "BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"
)

#: Canonical risk classes, lowest first (GB 51080 fire-risk assessment wording in Chinese).
RISK_CLASSES = ("low", "medium", "high", "extreme")
#: Default weight multiplier per risk class.
DEFAULT_RISK_WEIGHTS: Mapping[str, float] = {"low": 1.0, "medium": 1.5, "high": 2.0,
                                             "extreme": 3.0}
#: Accepted spellings of the risk classes (matched case- and space-insensitively).
RISK_ALIASES: Mapping[str, str] = {
    "low": "low", "一般": "low", "低": "low", "general": "low", "normal": "low",
    "medium": "medium", "较高": "medium", "中": "medium", "moderate": "medium",
    "high": "high", "高": "high",
    "extreme": "extreme", "极高": "extreme", "veryhigh": "extreme", "very high": "extreme",
}
_POP_COLUMNS = ("population", "pop", "人口", "value", "count")
_RISK_COLUMNS = ("risk", "risk_class", "风险", "风险等级", "class", "level")
_RASTER_SUFFIXES = {".tif", ".tiff", ".img", ".vrt", ".asc"}


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


# --------------------------------------------------------------------------- reading layers


def read_layer(layer: LayerInput, crs: str, what: str = "layer") -> gpd.GeoDataFrame:
    """A vector layer (GeoDataFrame, GeoSeries or file) reprojected to ``crs``.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    UnsupportedCRSError
        The layer has no CRS.
    """
    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame(geometry=layer)
    if not isinstance(layer, gpd.GeoDataFrame):
        path = require_file(layer, f"{what} file")
        try:
            layer = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several types for unreadable files
            raise InputFileError(f"cannot read {what} file {path}: {exc}; check the file") from exc
    if layer.crs is None:
        raise UnsupportedCRSError(
            f"the {what} has no CRS; set one (e.g. gdf.set_crs('EPSG:4326')) or save the file "
            "with its projection"
        )
    return layer.to_crs(crs) if not layer.crs.equals(crs) else layer


def _areal_boundary(geom: BaseGeometry | None) -> BaseGeometry:
    if geom is None or geom.is_empty:
        raise DataFormatError("the planning boundary is empty; give a polygon with an area")
    if not geom.is_valid:
        logger.warning("the planning boundary is not a valid polygon; repairing it with make_valid")
        geom = shapely.make_valid(geom)
    geom = _grid.areal(np.array([geom], dtype=object))[0]
    if geom.is_empty or geom.area <= 0:
        raise DataFormatError(
            "the planning boundary has no area (not a polygon); give a Polygon or MultiPolygon"
        )
    return geom


def read_boundary(boundary: BoundaryInput, crs: str) -> BaseGeometry:
    """The planning boundary as one valid (Multi)Polygon in ``crs``.

    A bare shapely geometry is taken to be in ``crs`` already; layers are reprojected and
    their features unioned.
    """
    if isinstance(boundary, BaseGeometry):
        return _areal_boundary(boundary)
    layer = read_layer(boundary, crs, "boundary")
    geoms = layer.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms)]
    if geoms.size == 0:
        raise DataFormatError("the boundary layer has no features; give a polygon layer")
    return _areal_boundary(shapely.union_all(shapely.make_valid(geoms)))


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


# --------------------------------------------------------------------------- population


def _value_column(layer: gpd.GeoDataFrame, column: str | None, candidates: tuple[str, ...],
                  what: str) -> str:
    cols = [c for c in layer.columns if c != layer.geometry.name]
    if column is not None:
        if column not in cols:
            raise DataFormatError(f"the {what} layer has no column {column!r}; it has {cols}")
        return column
    lower = {str(c).lower(): c for c in cols}
    for name in candidates:
        if name in lower:
            return str(lower[name])
    numeric = [c for c in cols if pd.api.types.is_numeric_dtype(layer[c])]
    if what == "population" and len(numeric) == 1:
        return str(numeric[0])
    raise DataFormatError(
        f"cannot tell which column of the {what} layer to use (columns: {cols}); name it with "
        f"{what}_column="
    )


def _population_values(layer: gpd.GeoDataFrame, column: str) -> FloatArray:
    values = pd.to_numeric(layer[column], errors="coerce").to_numpy(np.float64)
    bad = np.isnan(values) & layer[column].notna().to_numpy()
    if bad.any():
        raise DataFormatError(
            f"population column {column!r} has {int(bad.sum())} non-numeric value(s); fix them"
        )
    if np.any(values < 0) or np.isinf(values).any():
        raise DataFormatError(f"population column {column!r} has negative or infinite values")
    if np.isnan(values).any():
        logger.warning("%d population value(s) are empty; counted as 0",
                       int(np.isnan(values).sum()))
    return np.nan_to_num(values, nan=0.0)


def _raster_as_points(path: Path, crs: str) -> gpd.GeoDataFrame:
    """Every non-empty pixel of band 1 as a point at its centre (needs ``rasterio``)."""
    try:
        import rasterio  # optional dependency
        from rasterio.transform import xy
    except ImportError:
        raise DataFormatError(
            f"reading the raster {path.name} needs the optional package rasterio; install it "
            "(pip install rasterio) or convert the raster to a point or polygon layer"
        ) from None
    with rasterio.open(path) as src:
        if src.crs is None:
            raise UnsupportedCRSError(f"the raster {path.name} has no CRS; set its projection")
        band = src.read(1, masked=True)
        values = np.ma.filled(band.astype(np.float64), 0.0)
        rows, cols = np.nonzero(values)
        xs, ys = xy(src.transform, rows, cols, offset="center")
        layer = gpd.GeoDataFrame({"population": values[rows, cols]},
                                 geometry=gpd.points_from_xy(xs, ys), crs=src.crs)
    return layer.to_crs(crs)


def _read_population(population: LayerInput, crs: str) -> gpd.GeoDataFrame:
    if isinstance(population, str | os.PathLike):
        path = require_file(population, "population file")
        if path.suffix.lower() in _RASTER_SUFFIXES:
            return _raster_as_points(path, crs)
    return read_layer(population, crs, "population")


def _population(cells: ObjArray, population: LayerInput, column: str | None,
                crs: str) -> FloatArray:
    """Population per cell: point values summed, polygon values shared by area."""
    layer = _read_population(population, crs)
    col = _value_column(layer, column, _POP_COLUMNS, "population")
    values = _population_values(layer, col)
    geoms = layer.geometry.to_numpy()
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    geoms, values = geoms[ok], values[ok]
    kinds = shapely.get_type_id(geoms)
    out = np.zeros(len(cells))
    is_pt = np.isin(kinds, (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT))
    if is_pt.any():
        pts, owner = shapely.get_parts(geoms[is_pt], return_index=True)
        counts = np.bincount(owner, minlength=int(is_pt.sum()))
        share = values[is_pt][owner] / counts[owner]  # a MultiPoint's value split over its parts
        ipt, icell = _grid.points_in_polygons(cells, pts)
        out += np.bincount(icell, weights=share[ipt], minlength=len(cells))
        if ipt.size < pts.size:
            logger.info("%d population point(s) lie outside the boundary and are not counted",
                        pts.size - ipt.size)
    is_poly = np.isin(kinds, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    if is_poly.any():
        polys = shapely.make_valid(geoms[is_poly])
        icell, ipoly, area = _grid.polygon_overlaps(cells, polys)
        density = values[is_poly] / np.maximum(shapely.area(polys), 1e-300)
        out += np.bincount(icell, weights=density[ipoly] * area, minlength=len(cells))
    if not (is_pt | is_poly).all():
        raise DataFormatError("the population layer must hold points or polygons, not lines")
    return out


# --------------------------------------------------------------------------- risk


def _canonical_risk(label: Any) -> str:
    key = str(label).strip().lower()
    found = RISK_ALIASES.get(key) or RISK_ALIASES.get(key.replace(" ", "").replace("_", ""))
    if found is None:
        raise DataFormatError(
            f"unknown risk class {label!r}; use one of {', '.join(RISK_CLASSES)} "
            "(一般/较高/高/极高) or numeric multipliers"
        )
    return found


def _risk_weights(overrides: Mapping[str, float] | None) -> dict[str, float]:
    weights = dict(DEFAULT_RISK_WEIGHTS)
    for key, value in (overrides or {}).items():
        v = float(value)
        if not (math.isfinite(v) and v > 0):
            raise DataFormatError(
                f"risk weight for {key!r} must be a positive number, not {value!r}"
            )
        weights[_canonical_risk(key)] = v
    return weights


def _risk_labels(raw: pd.Series, weights: dict[str, float]) -> tuple[list[str], FloatArray]:
    """(label, multiplier) per feature: class names through the aliases, numbers as is."""
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all():
        mult = numeric.to_numpy(np.float64)
        if not (np.isfinite(mult).all() and (mult > 0).all()):
            raise DataFormatError("numeric risk multipliers must be positive and finite")
        return [f"{m:g}" for m in mult], mult
    if raw.isna().any():
        raise DataFormatError("the risk layer has features without a risk class; fill them")
    labels = [_canonical_risk(v) for v in raw]
    return labels, np.array([weights[k] for k in labels], dtype=np.float64)


def _risk(cells: ObjArray, risk: LayerInput, column: str | None, crs: str,
          weights: dict[str, float]) -> tuple[ObjArray, FloatArray]:
    """Highest risk class overlapping each cell and its multiplier."""
    labels = np.full(len(cells), "low", dtype=object)
    mult = np.full(len(cells), weights["low"])
    layer = read_layer(risk, crs, "risk")
    if layer.empty:
        return labels, mult
    col = _value_column(layer, column, _RISK_COLUMNS, "risk")
    feat_labels, feat_mult = _risk_labels(layer[col], weights)
    geoms = shapely.make_valid(layer.geometry.to_numpy())
    areal_feat = np.isin(shapely.get_type_id(geoms),
                         (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    icell, ifeat, _ = _grid.polygon_overlaps(cells, geoms[areal_feat])
    ifeat = np.flatnonzero(areal_feat)[ifeat]
    if (~areal_feat).any():  # points (e.g. a hazardous-chemical site) or lines touch a cell
        tree = shapely.STRtree(cells)
        other = np.flatnonzero(~areal_feat)
        jf, jc = tree.query(geoms[other], predicate="intersects")
        icell, ifeat = np.concatenate([icell, jc]), np.concatenate([ifeat, other[jf]])
    order = np.lexsort((ifeat, -feat_mult[ifeat], icell))  # highest multiplier first per cell
    icell, ifeat = icell[order], ifeat[order]
    first = np.ones(icell.size, dtype=bool)
    first[1:] = icell[1:] != icell[:-1]
    top, feat = icell[first], ifeat[first]
    labels[top] = np.asarray(feat_labels, dtype=object)[feat]
    mult[top] = feat_mult[feat]
    return labels, mult


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
    pop = None if population is None else _population(cells, population, population_column,
                                                      net.crs)
    weights = _risk_weights(risk_weights)
    if risk is None:
        labels, mult = np.full(len(cells), "low", dtype=object), np.full(len(cells),
                                                                         weights["low"])
    else:
        labels, mult = _risk(cells, risk, risk_column, net.crs, weights)
    frame = gpd.GeoDataFrame(
        {"cell_id": np.arange(len(cells), dtype=np.int64), "area_km2": area_km2,
         "weight": (area_km2 if pop is None else pop) * mult, "risk": labels,
         "far_from_road": points.too_far},
        geometry=cells, crs=net.crs,
    )
    total = float(region.area) / 1e6
    logger.info("demand: %d %s cells of %g m over %.3f km² (%d far from roads)",
                len(frame), shape, size, total, int(points.too_far.sum()))
    return DemandSurface(frame, points, region, total, size, shape, net.crs, pop, net.n_edges)
