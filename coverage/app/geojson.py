"""GeoDataFrames in a metric CRS as GeoJSON FeatureCollections in WGS-84 for the page."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["to_geojson"]


def _json_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


def to_geojson(
    gdf: gpd.GeoDataFrame | None, columns: Sequence[str], simplify_m: float = 0.0
) -> dict[str, Any]:
    """A FeatureCollection of ``gdf`` (simplified by ``simplify_m`` metres, then in WGS-84).

    Parameters
    ----------
    gdf : GeoDataFrame or None
        Any projected layer; ``None`` or empty gives an empty collection.
    columns : sequence of str
        Properties to keep (missing columns are skipped).
    simplify_m : float
        Douglas–Peucker tolerance applied in the metric CRS (topology preserved).
    """
    if gdf is None or len(gdf) == 0:
        return {"type": "FeatureCollection", "features": []}
    geoms = gdf.geometry.to_numpy()
    if simplify_m > 0:
        geoms = shapely.simplify(geoms, simplify_m, preserve_topology=True)
    wgs = gpd.GeoSeries(geoms, crs=gdf.crs).to_crs("EPSG:4326").to_numpy()
    cols = [c for c in columns if c in gdf.columns]
    values = {c: gdf[c].to_numpy() for c in cols}
    features = []
    for i, g in enumerate(wgs):
        if g is None or g.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {c: _json_value(values[c][i]) for c in cols},
                "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 1e-6))),
            }
        )
    return {"type": "FeatureCollection", "features": features}
