"""Risk objects (重点风险对象): a planner's layer of points or polygons with a risk class.

Sources:

* CSV (UTF-8 or GBK, like station files): ``lon``/``lat`` (经度/纬度, or ``x``/``y``) with an
  optional ``datum`` (坐标系: wgs84, gcj02, bd09, cgcs2000) or ``crs`` (an EPSG code; projected
  CRSs take metres in ``x``/``y``), a class column (``class``/类别/类型/风险类别) and optionally
  ``name`` (名称) and ``required_min`` (要求时间, minutes, overrides the class default);
* GeoPackage / shapefile / GeoJSON (any CRS; points or polygons), same column names;
* OpenStreetMap tags (:mod:`firecover.analysis.risk_osm`).

The result is the ``risk_objects`` layer, in the road graph's metric CRS: ``risk_id``,
``name``, ``risk_class`` (canonical key), ``class_zh``, ``class_en``, ``required_min``,
``required_station``, ``weight``, ``reinforce_stations``, ``reinforce_min``, ``user_class``,
geometry. Times are minutes from the dispatch order. A polygon is reached at its
representative point (inside it; :func:`shapely.point_on_surface`), documented in the reports.

Cell weights from risk classes (:func:`risk_cell_multiplier`): a cell's weight is multiplied by
the largest class ``weight`` among the objects that touch it (1 where none does).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from firecover._errors import DataFormatError
from firecover._io import require_file
from firecover.analysis.area import read_layer
from firecover.analysis.risk_classes import RiskClasses, load_risk_classes

__all__ = ["RISK_COLUMNS", "read_risk_objects", "risk_cell_multiplier", "risk_frame"]

log = logging.getLogger(__name__)

#: Column name → accepted spellings (matched case-insensitively).
RISK_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "单位名称", "对象名称", "名字"),
    "class": ("class", "risk_class", "类别", "类型", "风险类别", "type", "category", "risk"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "datum": ("datum", "坐标系", "crs"),
    "required_min": ("required_min", "要求时间", "到场时间", "响应时间", "minutes"),
}
_VECTOR = {".gpkg", ".shp", ".geojson", ".json", ".zip"}


def _find(columns: Any, key: str, *, required: bool, where: str) -> str | None:
    lower = {str(c).strip().lower(): str(c) for c in columns}
    for alias in RISK_COLUMNS[key]:
        if alias.lower() in lower:
            return lower[alias.lower()]
    if required:
        raise DataFormatError(
            f"{where}: no {key} column (accepted: {', '.join(RISK_COLUMNS[key])}); add one"
        )
    return None


def _csv_points(p: Path, crs: str) -> gpd.GeoDataFrame:
    from firecover.analysis.stations import _csv_rows
    from firecover.network.coords import datum_word, project_points

    _, rows = _csv_rows(p)
    if not rows:
        raise DataFormatError(f"{p}: no risk objects in the file; add rows")
    frame = pd.DataFrame(rows)
    lon_c = _find(frame.columns, "lon", required=True, where=str(p))
    lat_c = _find(frame.columns, "lat", required=True, where=str(p))
    datum_c = _find(frame.columns, "datum", required=False, where=str(p))
    lon = pd.to_numeric(frame[lon_c], errors="coerce").to_numpy(np.float64)
    lat = pd.to_numeric(frame[lat_c], errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(~(np.isfinite(lon) & np.isfinite(lat)))
    if bad.size:
        raise DataFormatError(
            f"{p}: row {int(bad[0]) + 2} has no numeric {lon_c}/{lat_c}; "
            "give the coordinates in degrees"
        )
    labels = (
        frame[datum_c].fillna("wgs84").astype(str).str.strip()
        if datum_c
        else pd.Series(["wgs84"] * len(frame))
    )
    x, y = np.empty(len(frame)), np.empty(len(frame))
    for label in sorted(set(labels)):
        idx = np.flatnonzero((labels == label).to_numpy())
        word = datum_word(label)
        if word is not None:
            x[idx], y[idx] = project_points(lon[idx], lat[idx], crs, datum=word)
        else:
            x[idx], y[idx] = project_points(lon[idx], lat[idx], crs, input_crs=label)
    drop = [c for c in (lon_c, lat_c, datum_c) if c is not None]
    return gpd.GeoDataFrame(frame.drop(columns=drop), geometry=gpd.points_from_xy(x, y), crs=crs)


def _vector(source: Any, crs: str) -> gpd.GeoDataFrame:
    return read_layer(source, crs, "risk objects")


def risk_frame(
    layer: gpd.GeoDataFrame,
    classes: RiskClasses | None = None,
    *,
    class_column: str | None = None,
    where: str = "risk objects",
) -> gpd.GeoDataFrame:
    """Turn a layer with a class column into the ``risk_objects`` schema (see module notes)."""
    classes = classes or load_risk_classes()
    cols = [c for c in layer.columns if c != layer.geometry.name]
    cls_c = class_column or _find(cols, "class", required=True, where=where)
    if cls_c not in layer.columns:
        raise DataFormatError(f"{where}: no column {cls_c!r}; it has {cols}")
    geoms = layer.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    areal = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    pointy = (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT)
    bad = np.flatnonzero(~np.isin(kinds, (*areal, *pointy)) | shapely.is_empty(geoms))
    if bad.size:
        raise DataFormatError(
            f"{where}: feature {int(bad[0]) + 1} is not a point or polygon; "
            "risk objects are points or polygons"
        )
    name_c = _find(cols, "name", required=False, where=where)
    req_c = _find(cols, "required_min", required=False, where=where)
    found = [classes.resolve(v) for v in layer[cls_c]]
    user = sorted({c.key for c in found if c.user})
    if user:
        log.info("%s: user risk class(es) %s take the default figures", where, ", ".join(user))
    required = np.array([c.required_min for c in found], dtype=np.float64)
    if req_c is not None:
        given = pd.to_numeric(layer[req_c], errors="coerce").to_numpy(np.float64)
        if np.any(given[np.isfinite(given)] <= 0):
            raise DataFormatError(
                f"{where}: column {req_c!r} has a time of 0 or less; give "
                "minutes from the dispatch order"
            )
        required = np.where(np.isfinite(given), given, required)
    n = len(layer)
    names = (
        layer[name_c].fillna("").astype(str).to_numpy() if name_c else np.full(n, "", dtype=object)
    )
    ids = [f"R{i + 1}" for i in range(n)]
    names = np.array([nm.strip() or rid for nm, rid in zip(names, ids, strict=True)], dtype=object)
    return gpd.GeoDataFrame(
        {
            "risk_id": ids,
            "name": names,
            "risk_class": [c.key for c in found],
            "class_zh": [c.zh for c in found],
            "class_en": [c.en for c in found],
            "required_min": required,
            "required_station": [c.required_station for c in found],
            "weight": [c.weight for c in found],
            "reinforce_stations": np.array([c.reinforce_stations for c in found], dtype=np.int64),
            "reinforce_min": [c.reinforce_min for c in found],
            "user_class": [c.user for c in found],
        },
        geometry=list(geoms),
        crs=layer.crs,
    )


def read_risk_objects(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    crs: str,
    *,
    classes: RiskClasses | None = None,
    class_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a risk-object file (CSV / GPKG / SHP / GeoJSON) or frame into ``crs``.

    Parameters
    ----------
    source : path or GeoDataFrame
    crs : str
        The road graph's metric CRS.
    classes : RiskClasses, optional
        Classes and defaults (``data/risk_rules.toml`` when omitted).
    class_column : str, optional
        The class column when its name is none of :data:`RISK_COLUMNS` ``["class"]``.

    Raises
    ------
    InputFileError, DataFormatError, UnsupportedCRSError, CoordinateError
    """
    if isinstance(source, gpd.GeoDataFrame):
        return risk_frame(_vector(source, crs), classes, class_column=class_column)
    p = require_file(source, "risk objects file")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        layer = _csv_points(p, crs)
    elif suffix in _VECTOR:
        layer = _vector(p, crs)
    else:
        raise DataFormatError(
            f"{p}: risk objects must be .csv, .gpkg, .shp or .geojson (or 'osm'); convert the file"
        )
    if layer.empty:
        raise DataFormatError(f"{p}: no risk objects in the file; add features")
    out = risk_frame(layer, classes, class_column=class_column, where=str(p))
    log.info("%s: %d risk object(s)", p.name, len(out))
    return out


def risk_cell_multiplier(cells: Any, objects: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    """Largest class ``weight`` among the objects touching each cell polygon (1 elsewhere)."""
    polys = np.asarray(cells)
    out = np.ones(polys.size)
    if objects.empty:
        return out
    tree = shapely.STRtree(polys)
    iobj, icell = tree.query(objects.geometry.to_numpy(), predicate="intersects")
    w = objects["weight"].to_numpy(np.float64)
    np.maximum.at(out, icell, w[iobj])
    return out
