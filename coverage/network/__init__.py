"""Road graphs: everything between a source of roads and the firecover graph.

Owns loading (OpenStreetMap online through osmnx, OSM XML / PBF, planners' centre-line files in
GPKG / SHP / GeoJSON with GBK text, GraphML), fire-engine speed profiles and road classes,
preparation (classes, speeds, projection to a metric CRS, the largest strongly connected
component), the array form of a graph (:class:`CSRNetwork`), coordinates (WGS-84 / GCJ-02 /
BD-09 / CGCS2000, projection), snapping points to roads, the graph cache and ``graph info``, and
turn data: OSM restrictions and junction controls, a planner's restriction file, the profile's
delays and turn penalties (``turns``, ``osm_turns``) and the edge-based search graph they define
(``turn_graph``).

May import: the package root only (``_errors``, ``settings``, ``_io``, ``_version``, ``_schema``).
"""

from __future__ import annotations

from .cache import cache_folder, cached_graph, cached_network, clear_cache
from .coords import from_wgs84, project_points, to_wgs84
from .csr import CSRNetwork
from .info import ClassStats, GraphInfo, graph_info
from .load import (
    SUPPORTED_FORMATS,
    check_graph_output,
    graph_from_bbox,
    graph_from_place,
    graph_from_polygon,
    load_graph,
    load_graphml,
    save_graph,
)
from .prepare import PrepareOptions, prepare_graph
from .road_class import CANONICAL_CLASSES, CLASS_ALIASES, canonical_class, parse_maxspeed
from .snapping import Snapped, canonical_position, snap_points, snap_stations
from .speeds import SpeedProfile, SpeedSummary, add_edge_speeds, available_profiles, load_profile
from .travel_scope import TravelScope
from .turn_graph import TurnGraph, build_turn_graph
from .turns import (
    TURN_MODES,
    TurnProfile,
    TurnRestriction,
    add_restrictions,
    graph_restrictions,
    read_restriction_table,
    use_turns,
)

__all__ = [
    "CANONICAL_CLASSES",
    "CLASS_ALIASES",
    "SUPPORTED_FORMATS",
    "TURN_MODES",
    "CSRNetwork",
    "ClassStats",
    "GraphInfo",
    "PrepareOptions",
    "Snapped",
    "SpeedProfile",
    "SpeedSummary",
    "TravelScope",
    "TurnGraph",
    "TurnProfile",
    "TurnRestriction",
    "add_edge_speeds",
    "add_restrictions",
    "available_profiles",
    "build_turn_graph",
    "cache_folder",
    "cached_graph",
    "cached_network",
    "canonical_class",
    "canonical_position",
    "check_graph_output",
    "clear_cache",
    "from_wgs84",
    "graph_from_bbox",
    "graph_from_place",
    "graph_from_polygon",
    "graph_info",
    "graph_restrictions",
    "load_graph",
    "load_graphml",
    "load_profile",
    "parse_maxspeed",
    "prepare_graph",
    "project_points",
    "read_restriction_table",
    "save_graph",
    "snap_points",
    "snap_stations",
    "to_wgs84",
    "use_turns",
]
