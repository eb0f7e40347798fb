"""Demand weights from a population layer (vector counts or a raster) and a risk layer.

Population is spread over the demand cells by area (vector polygons), by point (vector points)
or by raster cell centre; risk classes (:data:`RISK_CLASSES`, Chinese and English aliases in
:data:`RISK_ALIASES`) multiply a cell's weight by :data:`DEFAULT_RISK_WEIGHTS` or the run's own.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

import firecover.analysis.grid as _grid
from firecover._errors import DataFormatError, UnsupportedCRSError
from firecover._io import require_file
from firecover.analysis.area import LayerInput, read_layer

__all__ = ["DEFAULT_RISK_WEIGHTS", "RISK_ALIASES", "RISK_CLASSES"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

#: Canonical risk classes, lowest first (GB 51080 fire-risk assessment wording in Chinese).
RISK_CLASSES = ("low", "medium", "high", "extreme")
#: Default weight multiplier per risk class.
DEFAULT_RISK_WEIGHTS: Mapping[str, float] = {"low": 1.0, "medium": 1.5, "high": 2.0, "extreme": 3.0}
#: Accepted spellings of the risk classes (matched case- and space-insensitively).
RISK_ALIASES: Mapping[str, str] = {
    "low": "low",
    "一般": "low",
    "低": "low",
    "general": "low",
    "normal": "low",
    "medium": "medium",
    "较高": "medium",
    "中": "medium",
    "moderate": "medium",
    "high": "high",
    "高": "high",
    "extreme": "extreme",
    "极高": "extreme",
    "veryhigh": "extreme",
    "very high": "extreme",
}
_POP_COLUMNS = ("population", "pop", "人口", "value", "count")
_RISK_COLUMNS = ("risk", "risk_class", "风险", "风险等级", "class", "level")
_RASTER_SUFFIXES = {".tif", ".tiff", ".img", ".vrt", ".asc"}


# --------------------------------------------------------------------------- population


def _value_column(
    layer: gpd.GeoDataFrame, column: str | None, candidates: tuple[str, ...], what: str
) -> str:
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
        logger.warning(
            "%d population value(s) are empty; counted as 0", int(np.isnan(values).sum())
        )
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
        layer = gpd.GeoDataFrame(
            {"population": values[rows, cols]}, geometry=gpd.points_from_xy(xs, ys), crs=src.crs
        )
    return layer.to_crs(crs)


def _read_population(population: LayerInput, crs: str) -> gpd.GeoDataFrame:
    if isinstance(population, str | os.PathLike):
        path = require_file(population, "population file")
        if path.suffix.lower() in _RASTER_SUFFIXES:
            return _raster_as_points(path, crs)
    return read_layer(population, crs, "population")


def _population(
    cells: ObjArray, population: LayerInput, column: str | None, crs: str
) -> FloatArray:
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
            logger.info(
                "%d population point(s) lie outside the boundary and are not counted",
                pts.size - ipt.size,
            )
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


def _risk(
    cells: ObjArray, risk: LayerInput, column: str | None, crs: str, weights: dict[str, float]
) -> tuple[ObjArray, FloatArray]:
    """Highest risk class overlapping each cell and its multiplier."""
    labels = np.full(len(cells), "low", dtype=object)
    mult = np.full(len(cells), weights["low"])
    layer = read_layer(risk, crs, "risk")
    if layer.empty:
        return labels, mult
    col = _value_column(layer, column, _RISK_COLUMNS, "risk")
    feat_labels, feat_mult = _risk_labels(layer[col], weights)
    geoms = shapely.make_valid(layer.geometry.to_numpy())
    areal_feat = np.isin(
        shapely.get_type_id(geoms),
        (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON),
    )
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
