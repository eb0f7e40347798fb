"""The built-up area (建成区) of a plan: 应建数 and the shortfall counted on it.

A county's administrative boundary (Liangping: ~1,890 km²) is not where GB 51080 districts
lie: they cover urban construction land. A scenario may give the built-up area separately
(``[scenario.built_up]``: a polygon ``file`` and/or a stated ``area_km2``); the stations needed
are then ``ceil(built-up km² / 7 km²)`` (the planners' working estimate, see
:func:`firecover.standards.district_summary`) and the shortfall is that minus the stations
with a district. With a file, the part of it reached within the budget is measured on the
demand cells (cell areas clipped to the polygon).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import shapely

from firecover.analysis.area import read_boundary
from firecover.analysis.run import CoverageRun
from firecover.plan.scenario import BuiltUpSpec
from firecover.standards.check import district_summary

__all__ = ["built_up_entry", "built_up_geometry"]

log = logging.getLogger(__name__)


def built_up_geometry(spec: BuiltUpSpec, crs: str) -> Any:
    """The built-up polygon in ``crs`` (``None`` without a file)."""
    return None if spec.file is None else read_boundary(spec.file, crs)


def built_up_entry(spec: BuiltUpSpec, geom: Any, run: CoverageRun,
                   standards: Any = None) -> dict[str, Any] | None:  # fmt: skip
    """``report.json``'s ``built_up`` entry for one year (``None`` when not given).

    Keys: ``area_km2`` (stated figure, else the file's area), ``measured_km2`` (the file's
    area or ``None``), ``source``, ``covered_km2`` / ``covered_share`` (with a file),
    ``stations_needed``, ``stations_counted``, ``shortfall``, ``limit_km2``, ``method``.
    """
    if not spec.given:
        return None
    measured = None if geom is None else float(geom.area) / 1e6
    area = spec.area_km2 if spec.area_km2 is not None else measured
    assert area is not None
    covered = None
    if geom is not None:
        cells = run.layers.cells
        reached = cells["covered"].to_numpy(bool)
        inside = shapely.area(shapely.intersection(cells.geometry.to_numpy()[reached], geom))
        covered = min(float(np.sum(inside)) / 1e6, area)
    classes = [s.class_key for s in run.stations]
    summary = district_summary(area, 0.0 if covered is None else covered, classes,
                               standards=standards)  # fmt: skip
    source = (f"stated area_km2 = {spec.area_km2:g}" if spec.area_km2 is not None
              else f"file {spec.file}")  # fmt: skip
    if spec.area_km2 is not None and spec.file is not None:
        source += f" (file {spec.file}: {measured:.2f} km² measured)"
    return {
        "area_km2": round(area, 4),
        "measured_km2": None if measured is None else round(measured, 4),
        "source": source,
        "covered_km2": None if covered is None else round(covered, 4),
        "covered_share": None if covered is None else round(covered / area, 6),
        "stations_needed": summary.stations_needed,
        "stations_counted": summary.stations_counted,
        "shortfall": summary.shortfall,
        "limit_km2": summary.limit_km2,
        "method": summary.method,
    }
