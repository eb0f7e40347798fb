"""Road graphs: load from OpenStreetMap or planners' files, prepare, describe and save.

Every loader returns a graph in the firecover form (see ``DESIGN.md``): a projected
``networkx.MultiDiGraph`` whose edges carry ``length``, canonical ``road_class``,
``speed_kph`` and ``travel_time``; one-way roads are single edges; by default only the largest
strongly connected component is kept (what was dropped is logged and recorded in the graph
attributes ``dropped_nodes``, ``dropped_edges``, ``dropped_km``, ``dropped_components``).

Sources: OpenStreetMap online (:func:`graph_from_place`, :func:`graph_from_polygon`,
:func:`graph_from_bbox`; osmnx with its HTTP cache), and files via :func:`load_graph`:
GraphML (ours, :func:`save_graph`), OSM XML (``.osm``, ``.osm.bz2``), OSM PBF (``.osm.pbf``) and
road centre-line files (``.gpkg``, ``.shp``, ``.geojson``/``.json``, ``.fgb``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Unpack
from xml.etree.ElementTree import ParseError

import networkx as nx
import osmnx as ox
from osmnx.io import _convert_bool_string
from shapely.geometry import MultiPolygon, Polygon

import firecover.network.centerline as _centerline
import firecover.network.osm as _osm
from firecover._errors import DataFormatError, UnsupportedCRSError
from firecover._io import atomic_path, check_not_input, require_file
from firecover.network.info import (
    ClassStats,
    GraphInfo,
    _is_metric,
    graph_info,
)
from firecover.network.periods import current_travel
from firecover.network.prepare import (
    CRSLike,
    PrepareOptions,
    ProfileLike,
    _source_crs,
    prepare_graph,
)

__all__ = [
    "SUPPORTED_FORMATS",
    "ClassStats",
    "GraphInfo",
    "PrepareOptions",
    "check_graph_output",
    "graph_from_bbox",
    "graph_from_place",
    "graph_from_polygon",
    "graph_info",
    "load_graph",
    "load_graphml",
    "prepare_graph",
    "save_graph",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


#: File kinds :func:`load_graph` reads, by name ending (checked in this order).
SUPPORTED_FORMATS: dict[str, tuple[str, ...]] = {
    "graphml": (".graphml",),
    "pbf": (".osm.pbf", ".pbf"),
    "osm": (".osm", ".osm.bz2", ".osm.gz"),
    "centerline": (".gpkg", ".shp", ".geojson", ".json", ".fgb"),
}
_GRAPH_DTYPES = {
    "congestion_factor": float, "synthetic": _convert_bool_string, "dropped_nodes": int,
    "dropped_edges": int, "dropped_km": float, "dropped_components": int,
    "unknown_class_edges": int,
}  # fmt: skip
_EDGE_DTYPES = {"class_unknown": _convert_bool_string, "source_speed_kph": float, "source_fid": int}
_NODE_DTYPES = {"lon": float, "lat": float}


# --------------------------------------------------------------------------- loaders


def _file_kind(path: Path) -> str:
    name = path.name.lower()
    for kind, endings in SUPPORTED_FORMATS.items():
        if name.endswith(endings):
            return kind
    supported = ", ".join(e for endings in SUPPORTED_FORMATS.values() for e in endings)
    raise DataFormatError(f"unsupported road file {path.name}; supported formats: {supported}")


def load_graphml(path: PathLike) -> nx.MultiDiGraph:
    """Read a GraphML road graph (as written by :func:`save_graph`) without preparing it.

    Geometry, ``crs``, booleans and numbers are restored (osmnx's GraphML reader plus
    firecover's attribute types).

    Parameters
    ----------
    path : str or PathLike
        ``.graphml`` file.

    Returns
    -------
    networkx.MultiDiGraph
    """
    p = require_file(path, "road graph")
    if p.stat().st_size == 0:
        raise DataFormatError(f"GraphML file {p} is empty; save the graph again")
    try:
        graph = ox.load_graphml(
            p, graph_dtypes=_GRAPH_DTYPES, node_dtypes=_NODE_DTYPES, edge_dtypes=_EDGE_DTYPES
        )
    except (ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFormatError(
            f"cannot read GraphML {p}: {reason}; save it again as GraphML"
        ) from exc
    graph.graph["source_path"] = str(p.resolve())
    return graph


def _is_prepared(graph: nx.MultiDiGraph) -> bool:
    if "speed_profile" not in graph.graph or graph.number_of_edges() == 0:
        return False
    try:
        metric = _is_metric(_source_crs(graph))
    except UnsupportedCRSError:
        return False
    wanted = ("length", "road_class", "speed_kph", "travel_time")
    return metric and all(all(k in d for k in wanted) for _, _, d in graph.edges(data=True))


def load_graph(
    source: PathLike,
    *,
    profile: ProfileLike | None = None,
    congestion_factor: float | None = None,
    crs: CRSLike | None = None,
    keep_largest_component: bool | None = None,
    class_column: str | None = None,
    speed_column: str | None = None,
    oneway_column: str | None = None,
    oneway_values: str | Mapping[Any, str] | None = None,
    name_column: str | None = None,
    default_class: str | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
    snap_tolerance_m: float = 0.5,
    clip: Polygon | MultiPolygon | tuple[float, float, float, float] | PathLike | None = None,
    prepare: bool | None = None,
) -> nx.MultiDiGraph:
    """Load a road graph from a file, dispatching on its name ending, and prepare it.

    Parameters
    ----------
    source : str or PathLike
        ``.graphml``; ``.osm`` / ``.osm.bz2`` / ``.osm.gz``; ``.osm.pbf`` / ``.pbf``;
        ``.gpkg`` / ``.shp`` / ``.geojson`` / ``.json`` / ``.fgb`` (centre lines). Never modified.
    profile, congestion_factor, crs, keep_largest_component
        As for :func:`prepare_graph`.
    class_column, speed_column, oneway_column, name_column : str, optional
        Centre-line columns (``None`` = auto-detect class, one-way and name; no speed column).
    oneway_values : str or Mapping, optional
        Meaning of the one-way column's values as ``VALUE=MEANING`` pairs, meanings
        ``forward`` (one-way along the line's digitised direction, first → last vertex),
        ``backward`` (one-way against it), ``both``, ``closed`` (line skipped), e.g.
        ``"1=forward,-1=backward,0=both"``. Default: ``1``/``yes``/``F``/``FT`` forward,
        ``-1``/``T``/``TF``/``reverse`` backward, ``0``/``no``/``B``/empty both (OSM, HERE /
        Geofabrik and gotrackit conventions). The one-way column is auto-detected among
        ``oneway``, ``dir``, ``direction``, 单行, 单向, 方向; unknown values are an error.
    default_class : str, optional
        Road class for centre lines without one (e.g. ``"主干路"``, ``"residential"``).
    layer : str or int, optional
        Layer of a multi-layer file (GeoPackage).
    encoding : str, optional
        Text encoding of a shapefile without ``.cpg`` (e.g. ``"GBK"``).
    snap_tolerance_m : float
        Centre-line endpoints closer than this (metres) become one junction.
    clip : Polygon, (west, south, east, north), or boundary file, optional
        For OSM files: keep only roads in this lon/lat area.
    prepare : bool, optional
        ``None``: prepare, except a GraphML already in firecover form when no profile,
        congestion factor, crs or component option is given.

    Returns
    -------
    networkx.MultiDiGraph
    """
    path = require_file(source, "road file")
    kind = _file_kind(path)
    if clip is not None and kind not in {"osm", "pbf"}:
        raise DataFormatError("clip applies to OpenStreetMap files (.osm, .osm.pbf) only")
    if kind == "graphml":
        graph = load_graphml(path)
    elif kind in {"osm", "pbf"}:
        graph = _osm.read_osm_file(path, clip=_osm.clip_polygon(clip))
    else:
        opts = _centerline.CenterlineOptions(
            class_column=class_column,
            speed_column=speed_column,
            oneway_column=oneway_column,
            oneway_values=oneway_values,
            name_column=name_column,
            default_class=default_class,
            layer=layer,
            encoding=encoding,
            snap_tolerance_m=snap_tolerance_m,
        )
        graph = _centerline.read_centerline(path, opts)
    graph.graph["source_path"] = str(path.resolve())
    graph.graph.setdefault("name", path.name.split(".")[0])
    overrides = (profile, congestion_factor, crs, keep_largest_component)
    if prepare is False or (
        prepare is None
        and kind == "graphml"
        and _is_prepared(graph)
        and overrides == (None,) * 4
        and not current_travel().active
    ):
        return graph
    return prepare_graph(
        graph,
        profile=profile,
        congestion_factor=congestion_factor,
        crs=crs,
        keep_largest_component=keep_largest_component,
    )


def graph_from_place(name: str, **prepare: Unpack[PrepareOptions]) -> nx.MultiDiGraph:
    """Download (osmnx, cached) and prepare the drive network of a geocoded place.

    Parameters
    ----------
    name : str
        Place name, e.g. ``"Heping District, Tianjin, China"``.
    **prepare
        ``profile``, ``congestion_factor``, ``crs``, ``keep_largest_component`` (see
        :func:`prepare_graph`).

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    NetworkUnavailableError
        No connection, or nothing found; the message suggests the offline routes.
    """
    graph = _osm.fetch_place(name)
    graph.graph["name"] = name
    return prepare_graph(graph, **prepare)


def graph_from_polygon(
    polygon: Polygon | MultiPolygon | PathLike, **prepare: Unpack[PrepareOptions]
) -> nx.MultiDiGraph:
    """Download and prepare the drive network inside a polygon (lon/lat object or any-CRS file).

    Parameters
    ----------
    polygon : Polygon, MultiPolygon, str or PathLike
        Boundary in EPSG:4326, or a polygon file (GeoJSON, GPKG, SHP) in any CRS.
    **prepare
        See :func:`graph_from_place`.

    Returns
    -------
    networkx.MultiDiGraph
    """
    shape = polygon if isinstance(polygon, Polygon | MultiPolygon) else _osm.read_boundary(polygon)
    graph = _osm.fetch_polygon(shape)
    if not isinstance(polygon, Polygon | MultiPolygon):
        graph.graph["name"] = Path(polygon).stem
    return prepare_graph(graph, **prepare)


def graph_from_bbox(
    west: float, south: float, east: float, north: float, **prepare: Unpack[PrepareOptions]
) -> nx.MultiDiGraph:
    """Download and prepare the drive network inside a lon/lat bounding box.

    Parameters
    ----------
    west, south, east, north : float
        Bounds in degrees (EPSG:4326).
    **prepare
        See :func:`graph_from_place`.

    Returns
    -------
    networkx.MultiDiGraph
    """
    graph = _osm.fetch_bbox(west, south, east, north)
    graph.graph["name"] = f"bbox {west},{south},{east},{north}"
    return prepare_graph(graph, **prepare)


# --------------------------------------------------------------------------- save


def save_graph(
    G: nx.MultiDiGraph,  # noqa: N803 (osmnx convention)
    path: PathLike,
    *,
    inputs: Iterable[PathLike] = (),
) -> Path:
    """Write a graph to GraphML atomically (osmnx format: geometry, crs and bools round-trip).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph to save.
    path : str or PathLike
        ``.graphml`` output; refused if it is the graph's own source file or one of ``inputs``.
    inputs : iterable of paths
        Further input files that must not be overwritten.

    Returns
    -------
    Path
    """
    out = check_graph_output(path, [*inputs, G.graph.get("source_path", "")])
    with atomic_path(out) as tmp:
        ox.save_graphml(G, tmp)
    logger.info("saved road graph to %s", out)
    return out


def check_graph_output(path: PathLike, inputs: Iterable[PathLike] = ()) -> Path:
    """Raise unless ``path`` is a ``.graphml`` name that is none of ``inputs``; return it."""
    out = Path(path)
    check_not_input(out, [p for p in inputs if p])
    if not out.name.lower().endswith(".graphml"):
        raise DataFormatError(
            f"road graphs are saved as GraphML; name the output *.graphml: {out.name}"
        )
    return out
