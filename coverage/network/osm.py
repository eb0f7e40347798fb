"""Private: OpenStreetMap road graphs — osmnx online fetch, offline OSM XML / PBF via pyosmium.

Offline files (``.osm``, ``.osm.bz2``, ``.osm.pbf``) are read with pyosmium: the driveable
``highway`` ways (the same tag filter osmnx sends to Overpass for ``network_type="drive"``) and
their nodes are written to a temporary OSM XML file, optionally clipped to a bbox or polygon,
which :func:`osmnx.graph_from_xml` turns into a graph — so one-way tags, simplification and
lengths are handled by osmnx exactly as for an online download. Both routes simplify with
:data:`SIMPLIFY_ATTRS_DIFFER` so that an edge never mixes road classes or speed limits.

All graphs returned here are raw osmnx graphs in EPSG:4326 (not yet prepared).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import requests
import shapely
from osmnx import _overpass
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry import MultiPolygon, Polygon, box

from firecover._errors import (
    CoordinateError,
    DataFormatError,
    NetworkUnavailableError,
    UnsupportedCRSError,
)
from firecover._io import require_file
from firecover.network.osm_online_turns import ONLINE_NOTE_KEY, fetch_turn_data
from firecover.network.osm_turns import OsmTurnData, attach_turn_data, read_turn_data
from firecover.network.turns import mark_junction_controls

logger = logging.getLogger(__name__)

NETWORK_TYPE = "drive"
OFFLINE_HINT = (
    "work offline instead: `firecover graph import` an OSM extract (.osm.pbf / .osm, e.g. from "
    "download.geofabrik.de) or a road centre-line file (.gpkg / .shp / .geojson)"
)
_FILTER_PART = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')


def _parse_overpass_filter(text: str) -> list[tuple[str, str, re.Pattern[str] | None]]:
    """Turn an Overpass way filter (``["k"]["k"!~"a|b"]``) into (key, op, regex) checks."""
    return [
        (k, op or "has", re.compile(rx) if op else None) for k, op, rx in _FILTER_PART.findall(text)
    ]


#: The osmnx ``drive`` Overpass filter as (key, operator, regex) checks.
DRIVE_FILTER = _parse_overpass_filter(_overpass._get_network_filter(NETWORK_TYPE))


def is_driveable(tags: Mapping[str, str]) -> bool:
    """Whether an OSM way's tags pass osmnx's ``drive`` filter (Overpass regex semantics).

    Parameters
    ----------
    tags : Mapping[str, str]
        The way's tags.

    Returns
    -------
    bool
    """
    for key, op, rx in DRIVE_FILTER:
        value = tags.get(key)
        if op == "has" and value is None:
            return False
        if rx is not None and value is not None:
            hit = rx.search(value) is not None
            if hit != (op == "~"):
                return False
    return True


# --------------------------------------------------------------------------- online (osmnx)


@contextlib.contextmanager
def _online(what: str) -> Iterator[None]:
    """Turn download failures of osmnx / requests into :class:`NetworkUnavailableError`."""
    try:
        yield
    except (requests.RequestException, OSError) as exc:
        kind = "no connection" if isinstance(exc, requests.RequestException) else "download failed"
        raise NetworkUnavailableError(
            f"cannot download OpenStreetMap roads for {what} ({kind}: {type(exc).__name__}); "
            f"{OFFLINE_HINT}"
        ) from exc
    except (InsufficientResponseError, ResponseStatusCodeError, TypeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NetworkUnavailableError(
            f"OpenStreetMap returned no usable roads for {what} ({reason}); {OFFLINE_HINT}"
        ) from exc


#: Simplification keeps a node wherever these edge tags change, so speeds stay exact per way.
SIMPLIFY_ATTRS_DIFFER = ("highway", "maxspeed", "oneway")


def _download_kwargs() -> dict[str, Any]:
    return {"network_type": NETWORK_TYPE, "simplify": False, "retain_all": True}


def simplify(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Simplify an osmnx graph, keeping nodes where class, ``maxspeed`` or one-way change.

    Junction-control nodes (signals, stop, give way; :mod:`firecover.network.turns`) are kept.
    """
    mark_junction_controls(graph)
    return ox.simplify_graph(
        graph, edge_attrs_differ=SIMPLIFY_ATTRS_DIFFER, node_attrs_include=("junction_control",)
    )


def _with_online_turns(raw: nx.MultiDiGraph, area: Polygon | MultiPolygon) -> nx.MultiDiGraph:
    """Attach the area's OSM restriction relations (one Overpass query), then simplify."""
    data = fetch_turn_data(area)
    if data is None:
        raw.graph[ONLINE_NOTE_KEY] = "online restriction query failed"
    attach_turn_data(raw, data or OsmTurnData())
    return simplify(raw)


def fetch_place(name: str) -> nx.MultiDiGraph:
    """Download the drive network inside a geocoded place (osmnx, with its HTTP cache).

    Parameters
    ----------
    name : str
        Place name that Nominatim resolves to a (Multi)Polygon, e.g. ``"Heping District, Tianjin"``.

    Returns
    -------
    networkx.MultiDiGraph
        Raw osmnx graph (EPSG:4326).
    """
    if not name.strip():
        raise DataFormatError("place name is empty; give e.g. --place 'Heping District, Tianjin'")
    with _online(f"place {name!r}"):
        area = ox.geocode_to_gdf(name).union_all()
        graph = _with_online_turns(ox.graph_from_polygon(area, **_download_kwargs()), area)
    graph.graph["source"] = f"OpenStreetMap (Overpass) place {name!r}"
    return graph


def fetch_polygon(polygon: Polygon | MultiPolygon) -> nx.MultiDiGraph:
    """Download the drive network inside a lon/lat (EPSG:4326) polygon.

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        Boundary in longitude / latitude degrees.

    Returns
    -------
    networkx.MultiDiGraph
        Raw osmnx graph (EPSG:4326).
    """
    check_lonlat_polygon(polygon)
    with _online("the polygon"):
        graph = _with_online_turns(ox.graph_from_polygon(polygon, **_download_kwargs()), polygon)
    w, s, e, n = polygon.bounds
    graph.graph["source"] = (
        f"OpenStreetMap (Overpass) polygon within {w:.5f},{s:.5f},{e:.5f},{n:.5f}"
    )
    return graph


def fetch_bbox(west: float, south: float, east: float, north: float) -> nx.MultiDiGraph:
    """Download the drive network inside a lon/lat bounding box.

    Parameters
    ----------
    west, south, east, north : float
        Bounds in degrees (EPSG:4326).

    Returns
    -------
    networkx.MultiDiGraph
        Raw osmnx graph (EPSG:4326).
    """
    check_bbox(west, south, east, north)
    with _online(f"bbox {west},{south},{east},{north}"):
        raw = ox.graph_from_bbox((west, south, east, north), **_download_kwargs())
        graph = _with_online_turns(raw, box(west, south, east, north))
    graph.graph["source"] = f"OpenStreetMap (Overpass) bbox {west},{south},{east},{north}"
    return graph


def check_bbox(west: float, south: float, east: float, north: float) -> None:
    """Raise :class:`CoordinateError` unless the bbox is a valid lon/lat box (W S E N order)."""
    if not (-180 <= west < east <= 180):
        raise CoordinateError(
            f"bbox longitudes must satisfy -180 <= west < east <= 180, got west={west}, "
            f"east={east}; give the box as WEST SOUTH EAST NORTH in degrees"
        )
    if not (-90 <= south < north <= 90):
        raise CoordinateError(
            f"bbox latitudes must satisfy -90 <= south < north <= 90, got south={south}, "
            f"north={north}; give the box as WEST SOUTH EAST NORTH in degrees"
        )


def check_lonlat_polygon(polygon: Any) -> None:
    """Raise unless ``polygon`` is a valid, non-empty (Multi)Polygon in lon/lat degrees."""
    if not isinstance(polygon, Polygon | MultiPolygon) or polygon.is_empty:
        raise DataFormatError("the boundary must be a non-empty Polygon or MultiPolygon")
    w, s, e, n = polygon.bounds
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise CoordinateError(
            "the boundary is not in longitude/latitude degrees; reproject it to EPSG:4326 "
            "or give a file with its CRS"
        )


# --------------------------------------------------------------------------- offline (osmium)


class _WayCollector(osmium.SimpleHandler):
    """Collect driveable ways (with node locations) that touch an optional clip area."""

    def __init__(self, clip: Polygon | MultiPolygon | None) -> None:
        super().__init__()
        self.clip = clip
        if clip is not None:
            shapely.prepare(clip)
        self.nodes: dict[int, tuple[float, float]] = {}
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.highway_ways = 0

    def way(self, w: Any) -> None:
        self.highway_ways += 1
        tags = {t.k: t.v for t in w.tags}
        if not is_driveable(tags):
            return
        refs: list[int] = []
        coords: list[tuple[float, float]] = []
        for n in w.nodes:
            if n.location.valid():  # nodes cut off by the extract boundary are skipped
                refs.append(n.ref)
                coords.append((n.location.lon, n.location.lat))
        if len(refs) < 2 or not self._touches_clip(coords):
            return
        self.nodes.update(zip(refs, coords, strict=True))
        self.ways.append((w.id, refs, tags))

    def _touches_clip(self, coords: list[tuple[float, float]]) -> bool:
        if self.clip is None:
            return True
        xy = np.asarray(coords)
        return bool(shapely.intersects_xy(self.clip, xy[:, 0], xy[:, 1]).any())


def _write_osm_xml(collector: _WayCollector, path: Path) -> None:
    """Write the collected nodes and ways as minimal OSM XML that osmnx can read."""
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<osm version="0.6" generator="firecover">\n')
        for nid, (lon, lat) in collector.nodes.items():
            f.write(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for wid, refs, tags in collector.ways:
            f.write(f'<way id="{wid}">')
            f.writelines(f'<nd ref="{r}"/>' for r in refs)
            f.writelines(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            f.write("</way>\n")
        f.write("</osm>\n")


def _collect(path: Path, clip: Polygon | MultiPolygon | None) -> _WayCollector:
    collector = _WayCollector(clip)
    filters: list[object] = [
        osmium.filter.EntityFilter(osmium.osm.WAY),
        osmium.filter.KeyFilter("highway"),
    ]
    try:
        collector.apply_file(str(path), locations=True, filters=filters)
    except (RuntimeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFormatError(f"cannot read OSM file {path}: {reason}; is it OSM XML/PBF?") from exc
    return collector


def read_osm_file(
    path: Path,
    *,
    clip: Polygon | MultiPolygon | None = None,
) -> nx.MultiDiGraph:
    """Read the driveable roads of an OSM XML / PBF file into a raw osmnx graph.

    Parameters
    ----------
    path : Path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file (never modified).
    clip : shapely Polygon or MultiPolygon, optional
        Area in lon/lat degrees: ways touching it are read, then the graph is cut to it.

    Returns
    -------
    networkx.MultiDiGraph
        Raw osmnx graph (EPSG:4326), simplified, all components kept.

    Raises
    ------
    DataFormatError
        Unreadable file, or no driveable road (inside the clip area).
    """
    if path.stat().st_size == 0:
        raise DataFormatError(f"OSM file {path} is empty; export it again")
    collector = _collect(path, clip)
    where = " inside the clip area" if clip is not None else ""
    if not collector.ways:
        raise DataFormatError(
            f"no driveable roads{where} in {path} ({collector.highway_ways} highway ways read); "
            "check the file or the clip area"
        )
    logger.info("%s: %d driveable ways%s", path.name, len(collector.ways), where)
    with tempfile.TemporaryDirectory(prefix="firecover-osm-") as tmp:
        xml = Path(tmp) / "roads.osm"
        _write_osm_xml(collector, xml)
        graph = ox.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    attach_turn_data(graph, read_turn_data(path))
    graph = simplify(graph)
    if clip is not None:
        graph = _truncate(graph, clip, path)
    graph.graph["source"] = f"OpenStreetMap file {path.resolve()}"
    return graph


def _truncate(graph: nx.MultiDiGraph, clip: Polygon | MultiPolygon, path: Path) -> nx.MultiDiGraph:
    try:
        out = ox.truncate.truncate_graph_polygon(graph, clip)
    except ValueError as exc:
        raise DataFormatError(f"no road node of {path} lies inside the clip area") from exc
    if out.number_of_edges() == 0:
        raise DataFormatError(f"no road of {path} lies inside the clip area; check its extent")
    return out


def bbox_polygon(west: float, south: float, east: float, north: float) -> Polygon:
    """Return a validated lon/lat bbox as a polygon."""
    check_bbox(west, south, east, north)
    return box(west, south, east, north)


def read_boundary(path: str | os.PathLike[str]) -> Polygon | MultiPolygon:
    """Read a polygon file (any CRS, all features merged) as a lon/lat (EPSG:4326) polygon."""
    p = require_file(path, "boundary file")
    try:
        frame = gpd.read_file(p, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DataFormatError(f"cannot read boundary file {p}: {exc}") from exc
    if frame.crs is None:
        raise UnsupportedCRSError(f"boundary file {p} has no CRS; define it in GIS (.prj)")
    shape = frame.to_crs(4326).geometry.union_all()
    if not isinstance(shape, Polygon | MultiPolygon) or shape.is_empty:
        raise DataFormatError(f"boundary file {p} holds no polygon (found {shape.geom_type})")
    return shape


def clip_polygon(clip: Any) -> Polygon | MultiPolygon | None:
    """A clip area given as polygon, (west, south, east, north) or boundary file → polygon."""
    if clip is None or isinstance(clip, Polygon | MultiPolygon):
        return clip
    if isinstance(clip, tuple | list) and len(clip) == 4:
        return bbox_polygon(*(float(c) for c in clip))
    return read_boundary(clip)
