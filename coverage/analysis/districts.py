"""The result of a jurisdiction assignment: :class:`Jurisdictions` (cells, districts, checks)
and the coverage gaps as polygons (:func:`gap_polygons`). Built by
:func:`firecover.analysis.jurisdiction.assign_jurisdictions`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

import firecover.analysis.grid as _grid
from firecover._errors import DataFormatError
from firecover.standards.check import StationCheck, check_stations

__all__ = ["Jurisdictions", "gap_polygons"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class Jurisdictions:
    """Result of :func:`assign_jurisdictions`.

    Attributes
    ----------
    cells : GeoDataFrame
        The ``cells`` layer (DESIGN.md): ``cell_id``, ``area_km2``, ``weight``, ``risk``,
        ``best_min``, ``station``, ``second_min``, ``covered``, ``far_from_road``, geometry.
    stations : DataFrame
        One row per input station, in input order: ``station``, ``class_key``,
        ``has_district``, ``area_km2``, ``cells``, ``max_arrival_min`` (NaN without cells),
        ``reached_share`` (NaN without cells), ``parts``, ``adjoins_full_station`` (None when
        classes are unknown), ``straddled_barrier_km2`` (NaN without barriers),
        ``barrier_kinds`` ("; "-joined).
    districts : ndarray of geometry
        Dissolved district per station (``None`` when it has none).
    assigned_min : ndarray
        Per cell, minutes from the dispatch order by the assigned station (= ``best_min``
        unless ``within_barrier_zones``; inf when unassigned).
    crs : str
    turnout_min, driving_min, budget_min : float
    total_area_km2 : float
        Planning area (sum of all cell areas).
    unassigned_km2 : float
        Area of cells no station reaches.
    zones : GeoDataFrame or None
        Barrier zones when barriers were given.
    warnings : tuple of str
    """

    cells: gpd.GeoDataFrame
    stations: pd.DataFrame
    districts: ObjArray
    assigned_min: FloatArray
    crs: str
    turnout_min: float
    driving_min: float
    budget_min: float
    total_area_km2: float
    unassigned_km2: float
    zones: gpd.GeoDataFrame | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def unassigned_cells(self) -> int:
        """Number of cells no station reaches."""
        return int(self.cells["station"].isna().sum())

    def standards_inputs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`firecover.standards.check_stations`.

        Raises
        ------
        DataFormatError
            When the stations were assigned without ``class_keys``.
        """
        st = self.stations
        if st["class_key"].isna().any():
            raise DataFormatError(
                "station classes are unknown; pass class_keys= to "
                "assign_jurisdictions to check the standards"
            )
        straddled = st["straddled_barrier_km2"].to_numpy(np.float64)
        return {
            "names": st["station"].tolist(),
            "classes": st["class_key"].tolist(),
            "jurisdiction_km2": st["area_km2"].to_numpy(np.float64),
            "max_arrival_min": st["max_arrival_min"].to_numpy(np.float64),
            "reached_share": st["reached_share"].to_numpy(np.float64),
            "adjoins_full_station": st["adjoins_full_station"].tolist(),
            "straddled_barrier_km2": None if np.isnan(straddled).all() else straddled,
            "barrier_crossings": (
                list(st["barrier_crossings"]) if "barrier_crossings" in st.columns else None
            ),
            "budget_min": self.budget_min,
        }

    def check(self, **kwargs: Any) -> list[StationCheck]:
        """Run :func:`~firecover.standards.check_stations` on these districts.

        Extra keyword arguments (``urban_edge``, ``overrides``, ``standards`` …) are passed on.
        """
        return check_stations(**{**self.standards_inputs(), **kwargs})

    def layer(self, checks: Sequence[StationCheck] | None = None) -> gpd.GeoDataFrame:
        """The ``jurisdictions`` layer: one row per station with a non-empty district.

        ``limit_km2``, ``compliant`` and ``reasons`` come from ``checks`` (matched by name);
        without them they are NaN / NA / "".
        """
        st = self.stations
        keep = np.array([d is not None for d in self.districts], dtype=bool)
        by_name = {c.name: c for c in checks or ()}
        found = [by_name.get(name) for name in st["station"][keep]]
        frame = pd.DataFrame(
            {
                "station": st["station"][keep].to_numpy(),
                "class_key": st["class_key"][keep].to_numpy(),
                "area_km2": st["area_km2"][keep].to_numpy(),
                "limit_km2": [
                    np.nan if c is None or c.limit_km2 is None else c.limit_km2 for c in found
                ],
                "max_arrival_min": st["max_arrival_min"][keep].to_numpy(),
                "reached_share": st["reached_share"][keep].to_numpy(),
                "compliant": pd.array(
                    [None if c is None else c.compliant for c in found], dtype="boolean"
                ),
                "reasons": ["" if c is None else "; ".join(c.reasons) for c in found],
            }
        )
        return gpd.GeoDataFrame(frame, geometry=list(self.districts[keep]), crs=self.crs)

    def gaps(self) -> gpd.GeoDataFrame:
        """The ``gaps`` layer (see :func:`gap_polygons`)."""
        return gap_polygons(self.cells)


def gap_polygons(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve the cells with ``covered == False`` and explode them into parts.

    Returns
    -------
    GeoDataFrame
        ``area_km2``, geometry; largest gap first (empty when everything is covered).
    """
    uncovered = cells.geometry.to_numpy()[~cells["covered"].to_numpy(bool)]
    parts = (
        shapely.get_parts(_grid.union_cells(uncovered))
        if len(uncovered)
        else np.empty(0, dtype=object)
    )
    parts = parts[np.argsort(-shapely.area(parts), kind="stable")]
    return gpd.GeoDataFrame(
        {"area_km2": shapely.area(parts) / 1e6},
        geometry=np.asarray(parts, dtype=object),
        crs=cells.crs,
    )
