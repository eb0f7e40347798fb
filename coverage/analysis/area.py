"""The planning area and other map layers read from files, in the run's metric CRS.

:func:`read_layer` reads a vector layer (GeoPackage, Shapefile, GeoJSON … or a GeoDataFrame) and
reprojects it; :func:`read_boundary` reads the planning boundary as one areal geometry.
"""

from __future__ import annotations

import logging
import os
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

import firecover.analysis.grid as _grid
from firecover._errors import DataFormatError, InputFileError, UnsupportedCRSError
from firecover._io import require_file

__all__ = ["BoundaryInput", "LayerInput", "read_boundary", "read_layer"]

logger = logging.getLogger(__name__)

LayerInput: TypeAlias = "gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"
BoundaryInput: TypeAlias = (
    "BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"
)


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
