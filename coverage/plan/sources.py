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
from firecover.network.periods import current_travel, use_travel
from firecover.plan.scenario import Scenario

__all__ = ["OFFLINE_HINT", "boundary_for", "demo_barrier_path", "graph_for", "online"]

PathLike = str | os.PathLike[str]

#: What to do without network (named in every "needs the network" error).
OFFLINE_HINT = (
    "offline, give --graph FILE (a saved GraphML / OSM / centre-line file) and --boundary FILE, "
    'or --travel-model radius with [scenario.boundary] admin = "天津市/和平区" or --boundary'
)
#: Hosts osmnx talks to; one quick TCP connection tells whether the network is there.
_PROBE = (("overpass-api.de", 443), ("nominatim.openstreetmap.org", 443))


def online(timeout_s: float = 3.0) -> bool:
    """Whether OpenStreetMap's servers can be reached (a DNS lookup and one TCP connection
    each, at most ``timeout_s``); offline this fails at once instead of after osmnx's retries."""
    import socket

    for host, port in _PROBE:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                return True
        except OSError:
            continue
    return False


def _need_network(scenario: Scenario, what: str) -> None:
    if not online():
        raise NetworkUnavailableError(
            f"scenario {scenario.name}: {what} needs OpenStreetMap but the network is "
            f"unreachable; {OFFLINE_HINT}"
        )


def graph_for(scenario: Scenario, graph: PathLike | None) -> nx.MultiDiGraph:
    # the scenario's period, unless the run chose one (--period / --periods win)
    chosen = current_travel().period is not None
    with use_travel(period=None if chosen else scenario.graph.period):
        return _graph_for(scenario, graph)


def _graph_for(scenario: Scenario, graph: PathLike | None) -> nx.MultiDiGraph:
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

        def by_place() -> nx.MultiDiGraph:
            _need_network(scenario, f"the road graph of place {place!r}")
            return graph_from_place(place, **opts)

        return cached_graph(f"place:{place}", by_place, key_parts=key)
    if g.kind == "polygon" and g.polygon is not None:
        poly = g.polygon

        def by_polygon() -> nx.MultiDiGraph:
            _need_network(scenario, "the road graph inside the polygon")
            return graph_from_polygon(poly, **opts)

        return cached_graph(f"polygon:{poly}", by_polygon,
                            key_parts={**key, "polygon": Path(poly)})  # fmt: skip
    if g.kind == "bbox" and g.bbox is not None:
        bbox = g.bbox

        def by_bbox() -> nx.MultiDiGraph:
            _need_network(scenario, "the road graph of the bbox")
            return graph_from_bbox(*bbox, **opts)

        return cached_graph(f"bbox:{list(bbox)}", by_bbox, key_parts=key)
    raise NetworkUnavailableError(f"scenario {scenario.name}: no usable road graph source")


def boundary_for(scenario: Scenario) -> Any:
    b = scenario.boundary
    if b.kind == "file":
        return b.file
    if b.kind == "admin" and b.place:
        from firecover.analysis.admin import admin_boundary

        return admin_boundary(b.place).frame
    if b.kind == "place" and b.place:
        _need_network(scenario, f"the boundary of place {b.place!r}")
        try:
            import osmnx as ox

            return ox.geocode_to_gdf(b.place)
        except Exception as exc:  # osmnx raises many kinds when offline
            raise NetworkUnavailableError(
                f"cannot geocode boundary {b.place!r} ({type(exc).__name__}); {OFFLINE_HINT}"
            ) from None
    return None


def demo_barrier_path(scenario: Scenario) -> Path | None:
    if scenario.graph.file is None:
        return None
    p = scenario.graph.file.parent / "barriers.geojson"
    return p if p.is_file() else None
