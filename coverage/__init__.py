"""firecover: fire-station coverage planning engine.

The public API, by concern (each name is importable from ``firecover`` directly; modules load
on first use so the command line starts fast):

- road graphs: :func:`load_graph`, :func:`prepare_graph`, :func:`save_graph`,
  :func:`graph_info`, :func:`graph_from_place`, :func:`graph_from_polygon`,
  :func:`graph_from_bbox`, :func:`load_profile`
- travel times: :class:`CSRNetwork`, :func:`snap_points`, :func:`snap_stations`,
  :func:`node_times`, :func:`point_times`, :func:`bounded_matrix`, :func:`k_nearest_times`,
  :func:`to_wgs84`, :func:`project_points`
- coverage: :func:`build_demand`, :func:`service_areas`, :func:`assign_jurisdictions`,
  :func:`analyse`, :class:`CoverageRun`, :class:`CoverageLayers`
- standards: :func:`load_standards`, :func:`station_class`, :func:`area_limit`,
  :func:`check_stations`, :func:`district_summary`
- siting: :func:`lscp`, :func:`mclp`, :func:`pmedian`, :func:`pcenter`,
  :func:`backup_coverage`, :func:`area_limited`, :class:`SitingResult`; candidate sites:
  :func:`generate_candidates`, :func:`read_exclusions`, :class:`Candidates`
- plans and files: :func:`load_scenario`, :func:`read_stations_file`, :func:`run_demo`;
  many scenarios on Dask: :func:`run_batch`, :class:`BatchResult`
- errors: :class:`FirecoverError` and its subclasses; settings: :data:`DEFAULTS`
"""

from __future__ import annotations

import importlib
from typing import Any

from firecover._errors import (
    BatchError,
    CoordinateError,
    DataFormatError,
    FirecoverError,
    GraphError,
    InfeasibleModelError,
    InputFileError,
    NetworkUnavailableError,
    OutputError,
    OutputExistsError,
    ScenarioError,
    SnapError,
    SolverError,
    StationClassError,
    UnsupportedCRSError,
)
from firecover._version import __version__
from firecover.settings import DEFAULTS, Settings

_LAZY: dict[str, str] = {
    **dict.fromkeys(("load_graph", "save_graph", "graph_from_place", "graph_from_polygon",
                     "graph_from_bbox"), "network.load"),
    "prepare_graph": "network.prepare",
    "graph_info": "network.info",
    "load_profile": "network.speeds",
    "CSRNetwork": "network.csr",
    **dict.fromkeys(("node_times", "point_times", "bounded_matrix", "k_nearest_times"),
                    "traveltime.search"),
    **dict.fromkeys(("Snapped", "snap_points", "snap_stations"), "network.snapping"),
    **dict.fromkeys(("to_wgs84", "project_points"), "network.coords"),
    **dict.fromkeys(("build_demand", "DemandSurface"), "analysis.demand"),
    "service_areas": "analysis.service_area",
    "assign_jurisdictions": "analysis.jurisdiction",
    "Jurisdictions": "analysis.districts",
    **dict.fromkeys(("analyse", "CoverageRun"), "analysis.run"),
    **dict.fromkeys(("CoverageLayers", "write_geopackage"), "outputs.layers"),
    "render_map": "outputs.maps",
    "render_webmap": "outputs.webmap",
    **dict.fromkeys(("load_standards", "station_class", "area_limit", "check_stations",
                     "district_summary"), "standards.check"),
    **dict.fromkeys(("lscp", "mclp", "pmedian", "pcenter", "backup_coverage", "area_limited",
                     "SitingResult"), "siting"),
    **dict.fromkeys(("Candidates", "generate_candidates", "read_exclusions"), "site.candidates"),
    **dict.fromkeys(("load_scenario", "Scenario"), "plan.scenario"),
    "StationSpec": "analysis.station_spec",
    "read_stations_file": "analysis.stations",
    "coverage_from_files": "analysis.files",
    "run_demo": "plan.demo_run",
    **dict.fromkeys(("run_batch", "BatchResult"), "plan"),
}  # fmt: skip

__all__ = [
    "DEFAULTS",
    "BatchError",
    "CoordinateError",
    "DataFormatError",
    "FirecoverError",
    "GraphError",
    "InfeasibleModelError",
    "InputFileError",
    "NetworkUnavailableError",
    "OutputError",
    "OutputExistsError",
    "ScenarioError",
    "Settings",
    "SnapError",
    "SolverError",
    "StationClassError",
    "UnsupportedCRSError",
    "__version__",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'firecover' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
