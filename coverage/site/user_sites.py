"""Read user-listed candidate sites (private helper of :mod:`firecover.site.candidates`).

The conventions are those of station files (:mod:`~firecover.analysis.stations`, whose row readers
are reused): ``.csv``, ``.geojson``/``.json`` and ``.toml`` files give ``name`` (optional here),
``lon``/``lat`` in degrees on ``datum`` (``wgs84`` by default; ``gcj02``, ``bd09``,
``cgcs2000``) or ``x``/``y`` with a ``crs`` column. Any other vector file (``.gpkg``,
``.shp`` ...) and GeoDataFrames/GeoSeries are read as point layers in their own CRS. Other
columns (``class``, ``status`` ...) are ignored, so a station file can be used as is.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from firecover._errors import DataFormatError
from firecover._io import require_file
from firecover.analysis.area import read_layer
from firecover.analysis.stations import _apply_crs, _csv_rows, _geojson_rows, _number, _toml_rows
from firecover.network.coords import project_points
from firecover.network.csr import CSRNetwork

__all__ = ["SitesInput", "read_user_sites"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
SitesInput: TypeAlias = "gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"

_ROW_READERS = {".csv": _csv_rows, ".geojson": _geojson_rows, ".json": _geojson_rows,
                ".toml": _toml_rows}  # fmt: skip


def _default_name(i: int) -> str:
    return f"U{i:04d}"


def _check_names(names: Sequence[str], where: str) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        if name in seen:
            raise DataFormatError(
                f"{where}: candidate sites {seen[name]} and {i} are both named {name!r}; "
                "give each site a unique name"
            )
        seen[name] = i


def _row_point(row: dict[str, Any], i: int, p: Path) -> tuple[str, float, float, str]:
    """(name, lon, lat, datum) of one file row; projected x/y are converted to WGS-84."""
    name = str(row.get("name") or "").strip() or _default_name(i)
    out: dict[str, Any] = {"name": name}
    if "x" in row and "y" in row:
        out["lon"], out["lat"] = _number(row["x"]), _number(row["y"])
    else:
        out["lon"], out["lat"] = _number(row.get("lon")), _number(row.get("lat"))
    if row.get("datum"):
        out["datum"] = str(row["datum"]).strip()
    crs = str(row.get("crs") or "").strip()
    if crs:
        _apply_crs(out, crs, p)
    lon, lat = out["lon"], out["lat"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise DataFormatError(
            f"{p}: candidate site {i} ({name!r}) has no numeric lon/lat; give lon and lat in "
            "degrees (or x, y and a crs column)"
        )
    return name, float(lon), float(lat), str(out.get("datum", "wgs84"))


def _from_rows(p: Path, net: CSRNetwork) -> tuple[list[str], FloatArray, FloatArray]:
    _, rows = _ROW_READERS[p.suffix.lower()](p)
    if not rows:
        raise DataFormatError(f"{p}: no candidate sites found; add rows with name, lon, lat")
    parsed = [_row_point(r, i, p) for i, r in enumerate(rows, 1)]
    names = [r[0] for r in parsed]
    x, y = np.empty(len(parsed)), np.empty(len(parsed))
    datums = np.array([r[3] for r in parsed], dtype=object)
    for datum in sorted(set(datums.tolist())):
        idx = np.flatnonzero(datums == datum)
        x[idx], y[idx] = project_points(
            [parsed[i][1] for i in idx], [parsed[i][2] for i in idx], net.crs,
            datum=datum, extent=net.bounds,
        )  # fmt: skip
    return names, x, y


def _from_layer(sites: SitesInput, net: CSRNetwork) -> tuple[list[str], FloatArray, FloatArray]:
    layer = read_layer(sites, net.crs, "candidate sites")
    if layer.empty:
        raise DataFormatError("the candidate-site layer has no features; add points")
    geoms = layer.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    bad = np.flatnonzero(~is_point | shapely.is_empty(geoms))
    if bad.size:
        kind = "empty" if geoms[bad[0]] is None else geoms[bad[0]].geom_type
        raise DataFormatError(
            f"candidate site {int(bad[0]) + 1} is {kind}, not a point; give each site as a Point"
        )
    lower = {str(c).lower(): c for c in layer.columns if c != layer.geometry.name}
    col = lower.get("name")
    raw = layer[col].tolist() if col is not None else [None] * len(layer)
    names = [
        str(v).strip() if not pd.isna(v) and str(v).strip() else _default_name(i)
        for i, v in enumerate(raw, 1)
    ]  # fmt: skip
    return names, shapely.get_x(geoms).astype(np.float64), shapely.get_y(geoms).astype(np.float64)


def read_user_sites(sites: SitesInput, net: CSRNetwork) -> tuple[list[str], FloatArray, FloatArray]:
    """Names and coordinates (in ``net.crs``) of user-listed candidate sites, in input order.

    Unnamed sites are called ``U0001``, ``U0002`` ... by position.

    Raises
    ------
    InputFileError
        The file does not exist or cannot be read.
    DataFormatError
        No sites, a non-point feature, missing coordinates or duplicate names.
    CoordinateError, UnsupportedCRSError
        Impossible or swapped coordinates, a site outside the road graph's extent, an unknown
        CRS or datum.
    """
    if isinstance(sites, gpd.GeoDataFrame | gpd.GeoSeries):
        names, x, y = _from_layer(sites, net)
        where = "candidate sites"
    else:
        p = require_file(sites, "candidate-site file")
        reader = _from_rows if p.suffix.lower() in _ROW_READERS else _from_layer
        names, x, y = reader(p, net)
        where = str(p)
    _check_names(names, where)
    log.info("read %d user candidate site(s) from %s", len(names), where)
    return names, x, y
