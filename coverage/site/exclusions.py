"""Exclusion zones for candidate sites: schools, hospitals, assembly and hazardous sites,
with their buffers (建标152-2017 siting rules)."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from firecover._errors import DataFormatError
from firecover.analysis.area import read_layer

__all__ = ["EXCLUSION_BUFFERS_M", "EXCLUSION_KINDS", "ExclusionInput", "read_exclusions"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ExclusionInput: TypeAlias = "gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"

#: Default buffer (m) per exclusion kind. 建标152-2017 siting rules: the main vehicle exit
#: ≥ 50 m from the main evacuation exits of schools, hospitals and places of public assembly;
#: ≥ 300 m from hazardous-chemical plants and stores. The 2011 edition said 200 m; the current
#: edition's 300 m is the default because it is the rule in force (and the safe end of 200–300 m).
EXCLUSION_BUFFERS_M: Mapping[str, float] = {
    "school": 50.0, "hospital": 50.0, "assembly": 50.0, "hazardous": 300.0,
}  # fmt: skip
#: Accepted spellings of the exclusion kinds (matched case-insensitively, ignoring spaces,
#: ``_`` and ``-``). Kindergartens count as schools; theatres, malls, stadiums and exhibition
#: halls as places of public assembly (the list in 建标152-2017).
EXCLUSION_KINDS: Mapping[str, str] = {
    "school": "school", "学校": "school", "中小学": "school", "kindergarten": "school",
    "幼儿园": "school", "托儿所": "school",
    "hospital": "hospital", "医院": "hospital",
    "assembly": "assembly", "publicassembly": "assembly", "theatre": "assembly",
    "theater": "assembly", "mall": "assembly", "shoppingmall": "assembly",
    "stadium": "assembly", "exhibition": "assembly", "exhibitionhall": "assembly",
    "公共聚集场所": "assembly", "人员密集场所": "assembly", "剧院": "assembly",
    "影剧院": "assembly", "商场": "assembly", "体育场": "assembly", "体育馆": "assembly",
    "展览馆": "assembly",
    "hazardous": "hazardous", "hazmat": "hazardous", "chemical": "hazardous",
    "hazardouschemical": "hazardous", "hazardouschemicals": "hazardous",
    "危化品": "hazardous", "危险化学品": "hazardous", "危险品": "hazardous",
}  # fmt: skip


def _kind_key(value: Any) -> str:
    return str(value).strip().lower().replace(" ", "").replace("_", "").replace("-", "")


def _column(layer: gpd.GeoDataFrame, name: str) -> str | None:
    lower = {str(c).lower(): str(c) for c in layer.columns if c != layer.geometry.name}
    return lower.get(name)


def _label(layer: gpd.GeoDataFrame, i: int) -> str:
    col = _column(layer, "name")
    name = layer[col].iloc[i] if col is not None else None
    return f"exclusion feature {i + 1}" + ("" if pd.isna(name) else f" ({name})")


def _buffers(layer: gpd.GeoDataFrame, kinds: list[str]) -> FloatArray:
    col = _column(layer, "buffer_m")
    raw = layer[col] if col is not None else pd.Series([None] * len(layer), index=layer.index)
    given = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    out = np.empty(len(layer))
    for i, value in enumerate(given):
        if (math.isnan(value) and not pd.isna(raw.iloc[i])) or value < 0 or math.isinf(value):
            raise DataFormatError(
                f"{_label(layer, i)}: buffer_m {raw.iloc[i]!r} is not a distance; give metres ≥ 0"
            )
        if not math.isnan(value):
            out[i] = value
        elif kinds[i] in EXCLUSION_BUFFERS_M:
            out[i] = EXCLUSION_BUFFERS_M[kinds[i]]
        else:
            what = f"unknown kind {kinds[i]!r}" if kinds[i] else "no kind"
            raise DataFormatError(
                f"{_label(layer, i)} has {what} and no buffer_m; give buffer_m in metres or a "
                "kind of school, hospital, assembly or hazardous (危险化学品)"
            )
    return out


def read_exclusions(layer: ExclusionInput, crs: str) -> gpd.GeoDataFrame:
    """Read exclusion zones for candidate sites (points, lines or polygons).

    Each feature needs a ``buffer_m`` (metres) or a ``kind`` with a default buffer
    (:data:`EXCLUSION_BUFFERS_M`; spellings in :data:`EXCLUSION_KINDS`): ``school``,
    ``hospital``, ``assembly`` 50 m and ``hazardous`` 300 m (建标152-2017 siting rules; see the
    module docstring). A given ``buffer_m`` wins over the kind's default.

    Parameters
    ----------
    layer : GeoDataFrame, GeoSeries or path
        Any vector layer with a CRS (reprojected to ``crs``).
    crs : str
        The road network's metric CRS.

    Returns
    -------
    GeoDataFrame
        ``kind`` (canonical, or as written when unknown, ``""`` when absent), ``buffer_m`` and
        geometry in ``crs``; features without geometry are dropped with a warning.

    Raises
    ------
    DataFormatError
        A feature with neither ``buffer_m`` nor a known ``kind``, or a negative ``buffer_m``.
    InputFileError, UnsupportedCRSError
        A missing file or a layer without CRS.
    """
    gdf = read_layer(layer, crs, "exclusion")
    missing = shapely.is_missing(gdf.geometry.to_numpy()) | gdf.geometry.is_empty.to_numpy()
    if missing.any():
        logger.warning(
            "%d exclusion feature(s) have no geometry and are ignored", int(missing.sum())
        )
    gdf = gdf.loc[~missing].reset_index(drop=True)
    col = _column(gdf, "kind")
    raw = gdf[col].tolist() if col is not None else [None] * len(gdf)
    kinds = ["" if pd.isna(v) or not str(v).strip()
             else EXCLUSION_KINDS.get(_kind_key(v), str(v).strip()) for v in raw]  # fmt: skip
    buffers = _buffers(gdf, kinds)
    return gpd.GeoDataFrame(
        {"kind": kinds, "buffer_m": buffers}, geometry=gdf.geometry.to_numpy(), crs=crs
    )


def _in_zones(zones: gpd.GeoDataFrame, x: FloatArray, y: FloatArray) -> BoolArray:
    """True where a point is inside a zone or closer than its ``buffer_m``."""
    hit = np.zeros(x.size, dtype=bool)
    if x.size == 0 or zones.empty:
        return hit
    pts = shapely.points(x, y)
    geoms = zones.geometry.to_numpy()
    buf = zones["buffer_m"].to_numpy(np.float64)
    iz, ip = shapely.STRtree(pts).query(geoms, predicate="dwithin", distance=buf)
    d = shapely.distance(geoms[iz], pts[ip])
    hit[ip[(d < buf[iz]) | (d == 0.0)]] = True
    return hit
