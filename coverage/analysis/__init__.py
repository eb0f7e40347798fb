"""One coverage run: stations, demand, service areas, jurisdictions, barriers, the check.

Owns the station record and station files (:class:`StationSpec`, CSV / GeoJSON / TOML), demand
cells on the planning area, service areas (isochrone polygons), jurisdictions (network Voronoi
with second-due times), barriers (expressways, railways, rivers; GB 51080-2015 §4.1.3-4), the
:func:`analyse` run that ties them to the standards check, its Markdown / JSON report, and
loading a run's inputs from files.

May import: :mod:`firecover.outputs`, :mod:`firecover.traveltime`, :mod:`firecover.standards`,
:mod:`firecover.network` and the package root. Not :mod:`firecover.siting` (a sibling).
"""

from __future__ import annotations

from .area import read_boundary, read_layer
from .barriers import BarrierSet, load_barriers
from .busy import BusyStations, busy_fractions, reach_counts
from .demand import DemandSurface, build_demand
from .districts import Jurisdictions, gap_polygons
from .files import RunInputs, cached_load_graph, coverage_from_files, load_inputs, write_run
from .incidents import IncidentRecords, IncidentResponse, incident_response, read_incidents
from .jurisdiction import assign_jurisdictions
from .reinforce import cell_reinforcement, risk_response
from .report import coverage_markdown, coverage_report, report_json
from .risk import read_risk_objects
from .risk_classes import RiskClass, RiskClasses, load_risk_classes
from .risk_osm import osm_risk_objects
from .risk_report import load_risk_layer, risk_summary
from .run import CoverageRun, analyse, place_stations, roads_layer
from .service_area import service_areas
from .station_spec import StationSpec
from .stations import read_stations_file

__all__ = [
    "BarrierSet",
    "BusyStations",
    "CoverageRun",
    "DemandSurface",
    "IncidentRecords",
    "IncidentResponse",
    "Jurisdictions",
    "RiskClass",
    "RiskClasses",
    "RunInputs",
    "StationSpec",
    "analyse",
    "assign_jurisdictions",
    "build_demand",
    "busy_fractions",
    "cached_load_graph",
    "cell_reinforcement",
    "coverage_from_files",
    "coverage_markdown",
    "coverage_report",
    "gap_polygons",
    "incident_response",
    "load_barriers",
    "load_inputs",
    "load_risk_classes",
    "load_risk_layer",
    "osm_risk_objects",
    "place_stations",
    "reach_counts",
    "read_boundary",
    "read_incidents",
    "read_layer",
    "read_risk_objects",
    "read_stations_file",
    "report_json",
    "risk_response",
    "risk_summary",
    "roads_layer",
    "service_areas",
    "write_run",
]
