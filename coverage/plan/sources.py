"""Where a scenario's road graph and boundary come from: a file, a place, a polygon or a bbox.

:func:`graph_for` loads (through the graph cache) the road graph a scenario names, or the file
given on the command line instead; :func:`boundary_for` returns its boundary (a file path, an
OpenStreetMap place outline, or ``None`` for the road-graph hull).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import networkx as nx

from firecover._errors import NetworkUnavailableError
from firecover.analysis.files import cached_load_graph, file_key
from firecover.network.cache import cached_graph
from firecover.network.load import graph_from_bbox, graph_from_place, graph_from_polygon
from firecover.plan.scenario import Scenario

__all__ = ["boundary_for", "demo_barrier_path", "graph_for"]

PathLike = str | os.PathLike[str]


def graph_for(scenario: Scenario, graph: PathLike | None) -> nx.MultiDiGraph:
    g = scenario.graph
    opts: Any = {"profile": g.profile, "congestion_factor": g.congestion_factor, "crs": g.crs}
    if graph is not None:
        return cached_load_graph(graph, **opts)
    if g.kind == "file" and g.file is not None:
        return cached_load_graph(g.file, class_column=g.class_column,
                                 speed_column=g.speed_column, oneway_column=g.oneway_column,
                                 **opts)  # fmt: skip
    key = file_key(opts)
    if g.kind == "place" and g.place:
        place = g.place
        return cached_graph(f"place:{place}", lambda: graph_from_place(place, **opts),
                            key_parts=key)  # fmt: skip
    if g.kind == "polygon" and g.polygon is not None:
        poly = g.polygon
        return cached_graph(f"polygon:{poly}", lambda: graph_from_polygon(poly, **opts),
                            key_parts={**key, "polygon": Path(poly)})  # fmt: skip
    if g.kind == "bbox" and g.bbox is not None:
        bbox = g.bbox
        return cached_graph(f"bbox:{list(bbox)}", lambda: graph_from_bbox(*bbox, **opts),
                            key_parts=key)  # fmt: skip
    raise NetworkUnavailableError(f"scenario {scenario.name}: no usable road graph source")


def boundary_for(scenario: Scenario) -> Any:
    b = scenario.boundary
    if b.kind == "file":
        return b.file
    if b.kind == "place" and b.place:
        try:
            import osmnx as ox

            return ox.geocode_to_gdf(b.place)
        except Exception as exc:  # osmnx raises many kinds when offline
            raise NetworkUnavailableError(
                f"cannot geocode boundary {b.place!r} ({type(exc).__name__}); "
                "give [scenario.boundary] file = ... for offline use"
            ) from None
    return None


def demo_barrier_path(scenario: Scenario) -> Path | None:
    if scenario.graph.file is None:
        return None
    p = scenario.graph.file.parent / "barriers.geojson"
    return p if p.is_file() else None
