"""Prepare any loaded road graph for firecover: classes, speeds, projection, connectivity.

:func:`prepare_graph` turns a graph from any source into the firecover form (see ``DESIGN.md``):
canonical ``road_class``, fire-engine ``speed_kph`` / ``travel_time`` from a speed profile, a
projected metric CRS, integer node keys and, by default, only the largest strongly connected
component (what was dropped is logged and kept in the graph attributes).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any, TypedDict

import geopandas as gpd
import networkx as nx
import osmnx as ox
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from firecover._errors import UnsupportedCRSError
from firecover.network.info import _check_graph, _is_metric, _road_km
from firecover.network.periods import current_travel
from firecover.network.speeds import SpeedProfile, add_edge_speeds, load_profile
from firecover.network.turns import turn_profile_json
from firecover.settings import resolve

__all__ = ["CRSLike", "PrepareOptions", "ProfileLike", "prepare_graph"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
CRSLike = int | str | CRS
ProfileLike = str | Path | SpeedProfile


class PrepareOptions(TypedDict, total=False):
    """Keyword arguments of :func:`prepare_graph`, accepted by the online loaders."""

    profile: ProfileLike | None
    congestion_factor: float | None
    crs: CRSLike | None
    keep_largest_component: bool | None


# --------------------------------------------------------------------------- prepare


def prepare_graph(
    G: nx.MultiDiGraph,  # noqa: N803 (osmnx convention)
    *,
    profile: ProfileLike | None = None,
    congestion_factor: float | None = None,
    crs: CRSLike | None = None,
    keep_largest_component: bool | None = None,
) -> nx.MultiDiGraph:
    """Turn a loaded road graph into the firecover form (a new graph; ``G`` is not changed).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        osmnx-style graph with ``crs``, node ``x``/``y`` and edges (``highway``, ``maxspeed``,
        ``oneway``, ``geometry`` used where present).
    profile : str, Path or SpeedProfile, optional
        Speed profile name or TOML path (``None`` → setting ``speed_profile``).
    congestion_factor : float, optional
        Multiplier for all speeds (``None`` → setting ``congestion_factor``).
    crs : int, str or pyproj.CRS, optional
        Projected output CRS (any EPSG). ``None``: keep a metric projected CRS, else local UTM.
    keep_largest_component : bool, optional
        Keep only the largest strongly connected component (``None`` → setting).

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    GraphError
        Empty graph or nodes without coordinates.
    UnsupportedCRSError
        Graph without CRS, unknown CRS, or a geographic CRS requested for output.
    """
    _check_graph(G)
    choice = current_travel()  # the run's --speeds / --period win (network/periods.py)
    prof = load_profile(choice.speeds or profile, choice.period)
    keep = bool(resolve(keep_largest_component, "keep_largest_component"))
    graph = _project(_int_nodes(G), crs)
    _normalise_edges(graph)
    summary = add_edge_speeds(graph, prof, congestion_factor)
    report = _keep_largest(graph) if keep else {}
    graph.graph.update(report)
    graph.graph.update(
        name=str(graph.graph.get("name") or "road graph"),
        synthetic=bool(graph.graph.get("synthetic", False)),
        speed_profile=prof.name,
        congestion_factor=float(resolve(congestion_factor, "congestion_factor")),
        source=str(graph.graph.get("source") or "unknown"),
        unknown_class_edges=summary.unknown_edges,
        period=prof.period or "",
        speed_calibration=prof.calibration,
    )
    graph.graph["turn_profile"] = turn_profile_json(prof.turns)
    return graph


def _int_nodes(G: nx.MultiDiGraph) -> nx.MultiDiGraph:  # noqa: N803
    if all(isinstance(n, int) for n in G.nodes):
        return G.copy()
    return nx.convert_node_labels_to_integers(G, label_attribute="orig_id")


def _source_crs(graph: nx.MultiDiGraph) -> CRS:
    value = graph.graph.get("crs")
    if value is None:
        raise UnsupportedCRSError("the road graph has no 'crs' attribute; set G.graph['crs']")
    try:
        return CRS.from_user_input(value)
    except CRSError as exc:
        raise UnsupportedCRSError(f"the road graph's crs {value!r} is not understood") from exc


def _target_crs(crs: CRSLike | None, graph: nx.MultiDiGraph, source: CRS) -> CRS:
    if crs is None:
        return source if _is_metric(source) else _utm_for(graph, source)
    try:
        target = CRS.from_user_input(crs)
    except CRSError as exc:
        raise UnsupportedCRSError(f"unknown CRS {crs!r}; give an EPSG code such as 32650") from exc
    if not _is_metric(target):
        raise UnsupportedCRSError(
            f"CRS {target.to_string()} is not a projected CRS in metres; road graphs need one "
            "(e.g. a UTM zone such as EPSG:32650, or CGCS2000 / 3-degree GK)"
        )
    return target


def _utm_for(graph: nx.MultiDiGraph, source: CRS) -> CRS:
    xs = [d["x"] for _, d in graph.nodes(data=True)]
    ys = [d["y"] for _, d in graph.nodes(data=True)]
    if source.is_geographic and xs and (max(map(abs, xs)) > 180 or max(map(abs, ys)) > 90):
        raise UnsupportedCRSError(
            f"the graph says its CRS is {source.to_string()} (degrees) but its coordinates reach "
            f"x = {max(xs, key=abs):.0f}, y = {max(ys, key=abs):.0f}: they look like metres; "
            "set the graph's crs attribute to its projected CRS (e.g. EPSG:32650) and load it again"
        )
    area = gpd.GeoSeries([shapely.box(min(xs), min(ys), max(xs), max(ys))], crs=source)
    return CRS.from_user_input(area.estimate_utm_crs())


def _project(graph: nx.MultiDiGraph, crs: CRSLike | None) -> nx.MultiDiGraph:
    source = _source_crs(graph)
    target = _target_crs(crs, graph, source)
    if not source.equals(target):
        logger.info("projecting road graph from %s to %s", source.to_string(), target.to_string())
        graph = ox.projection.project_graph(graph, to_crs=target)
    graph.graph["crs"] = target.to_string()
    for u, v, data in graph.edges(data=True):
        geom = data.get("geometry")
        if geom is not None:
            data["length"] = float(geom.length)
        else:
            a, b = graph.nodes[u], graph.nodes[v]
            data["length"] = math.hypot(b["x"] - a["x"], b["y"] - a["y"])
    return graph


def _normalise_edges(graph: nx.MultiDiGraph) -> None:
    """``oneway`` → bool, ``name`` lists → one ``"a; b"`` string."""
    for _, _, data in graph.edges(data=True):
        oneway = data.get("oneway", False)
        if isinstance(oneway, list):
            oneway = all(_as_bool(v) for v in oneway)
        data["oneway"] = _as_bool(oneway)
        name = data.get("name")
        if isinstance(name, list):
            data["name"] = "; ".join(dict.fromkeys(str(n) for n in name))


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(value)


def _keep_largest(graph: nx.MultiDiGraph) -> dict[str, Any]:
    components = list(nx.strongly_connected_components(graph))
    largest = max(components, key=len)
    drop = set(graph.nodes) - largest
    edges = [e for e in graph.edges(data=True) if e[0] in drop or e[1] in drop]
    report = {
        "dropped_nodes": len(drop),
        "dropped_edges": len(edges),
        "dropped_km": round(_road_km(edges), 3),
        "dropped_components": len(components) - 1,
    }
    share = len(drop) / graph.number_of_nodes()
    graph.remove_nodes_from(drop)
    logger.log(
        logging.WARNING if share > 0.05 else logging.INFO,
        "kept the largest strongly connected component (%d nodes); dropped %d nodes, %d edges, "
        "%.2f km of road in %d other components",
        len(largest),
        *report.values(),
    )
    return report
