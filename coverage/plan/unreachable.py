"""Area that no candidate site reaches in time: a number beside every model's answer, and where.

The optimum comparison (:mod:`firecover.plan.optimum`) solves full compliance (area model) and
full coverage (LSCP) on the cells that *some* candidate site or station reaches within the
budget. Cells that none reaches cannot be helped by any choice of sites; rather than calling
the whole model infeasible, the answer is the count for everything else plus the area left
out, e.g. "7 (proven optimal); 4.2 km² cannot be reached from any candidate site", and the
cells themselves are written as ``optimum_unreachable.geojson`` (dissolved, WGS-84 or the
output datum) so a planner sees where: usually the far ends of the boundary or cells with no
road within the budget.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from firecover.outputs.datum import check_output_datum, lonlat_in_datum
from firecover.outputs.glossary import Glossary

__all__ = [
    "UNREACHABLE_EPS_KM2",
    "unreachable_frame",
    "unreachable_layer",
    "unreachable_note",
]

#: Unreachable area below this (km²) is float noise, not area to report.
UNREACHABLE_EPS_KM2 = 1e-6


def unreachable_layer(cells: gpd.GeoDataFrame, coverable: Any) -> gpd.GeoDataFrame | None:
    """The cells no site reaches, dissolved into one (multi)polygon in the cells' CRS.

    Columns ``n_cells`` and ``area_km2`` (the cells' clipped area); ``None`` when every cell
    is reachable.
    """
    lost = ~np.asarray(coverable, dtype=bool)
    if not lost.any():
        return None
    part = cells[lost]
    geom = shapely.union_all(np.asarray(part.geometry.values))
    return gpd.GeoDataFrame(
        {"n_cells": [int(lost.sum())], "area_km2": [round(float(part["area_km2"].sum()), 6)]},
        geometry=[geom],
        crs=cells.crs,
    )


def unreachable_frame(layer: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    """``layer`` in WGS-84 with its coordinates in the output ``datum`` (as the other optimum
    files; the GeoJSON keeps its ``EPSG:4326`` label and a ``datum`` column says which)."""
    key = check_output_datum(datum)
    out = layer.to_crs("EPSG:4326")

    def shift(xy: Any) -> Any:
        return np.asarray(lonlat_in_datum([tuple(p) for p in xy], key), dtype=np.float64)

    out["geometry"] = [shapely.transform(geom, shift) for geom in out.geometry]
    out["datum"] = key
    return out


def unreachable_note(km2: float | None, g: Glossary) -> str:
    """``"; 4.2 km² cannot be reached from any candidate site"`` in ``g``'s language, or ``""``
    when nothing is unreachable."""
    if km2 is None or km2 <= UNREACHABLE_EPS_KM2:
        return ""
    return g("unreachable_note", km2=f"{km2:.2f}")
