"""Barrier layers (GB 51080-2015 §4.1.3-4): reading barrier files and graphs into lines and
polygons with a canonical ``kind`` and, where the data has one, a ``name``.

Private module behind :mod:`firecover.analysis.barriers` (which re-exports the public names).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from firecover._errors import DataFormatError
from firecover.analysis.demand import read_layer
from firecover.network.csr import CSRNetwork

__all__ = ["BARRIER_KINDS", "barriers_from_graph", "load_barriers"]

logger = logging.getLogger(__name__)

ObjArray = npt.NDArray[np.object_]
BarrierInput: TypeAlias = "gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str]"

#: Canonical barrier kinds and the words mapped to them (matched case-insensitively).
BARRIER_KINDS: dict[str, str] = {
    "expressway": "expressway",
    "motorway": "expressway",
    "freeway": "expressway",
    "高速公路": "expressway",
    "快速路": "expressway",
    "城市快速路": "expressway",
    "railway": "railway",
    "rail": "railway",
    "铁路": "railway",
    "铁路干线": "railway",
    "干线铁路": "railway",
    "river": "river",
    "water": "river",
    "河流": "river",
    "大型河流": "river",
    "较大的河流": "river",
    "河": "river",
}
_KIND_COLUMNS = ("kind", "type", "kind_zh", "类型")
_LINE_TYPES = (
    shapely.GeometryType.LINESTRING,
    shapely.GeometryType.MULTILINESTRING,
    shapely.GeometryType.LINEARRING,
)
_POLY_TYPES = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def _kind(value: Any) -> str:
    text = str(value).strip()
    return BARRIER_KINDS.get(text.lower(), text.lower() or "barrier")


def load_barriers(path_or_gdf: BarrierInput, crs: str) -> gpd.GeoDataFrame:
    """Read barrier lines and polygons into ``crs`` with a canonical ``kind`` column.

    The kind comes from a ``kind`` column (else ``type``, ``kind_zh`` or ``类型``), mapped through
    :data:`BARRIER_KINDS`; without one every feature is ``"barrier"``. A ``name`` column is kept.
    Points are dropped with a warning; invalid polygons are repaired.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    UnsupportedCRSError
        The layer has no CRS.
    DataFormatError
        The layer has features but no line or polygon among them.
    """
    layer = read_layer(path_or_gdf, crs, "barriers")
    geoms = layer.geometry.to_numpy()
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    geoms = shapely.make_valid(geoms[ok])
    kept = np.isin(shapely.get_type_id(geoms), _LINE_TYPES + _POLY_TYPES)
    if not kept.all():
        logger.warning(
            "dropped %d barrier feature(s) that are neither lines nor polygons", int((~kept).sum())
        )
    if ok.any() and not kept.any():
        raise DataFormatError(
            "the barriers layer has no lines or polygons; give rivers, "
            "railways or expressways as lines or polygons"
        )
    rows = layer[ok][kept]
    column = next((c for c in _KIND_COLUMNS if c in rows.columns), None)
    kinds = ["barrier"] * len(rows) if column is None else [_kind(v) for v in rows[column]]
    data: dict[str, Any] = {"kind": kinds}
    if "name" in rows.columns:
        data["name"] = rows["name"].astype(str).to_numpy()
    return gpd.GeoDataFrame(data, geometry=geoms[kept], crs=crs)


def barriers_from_graph(
    graph: nx.MultiDiGraph | CSRNetwork, road_classes: Sequence[str] = ("motorway",)
) -> gpd.GeoDataFrame:
    """Expressway lines from a road graph (edges whose ``road_class`` is in ``road_classes``).

    Two-way twins give one line; connected edges of the same name are merged. ``kind`` is
    ``"expressway"``; ``name`` is the roads' name (OSM ``name``, e.g. "京津塘高速") where the
    graph has one (a :class:`CSRNetwork` carries no names: ``""``).
    """
    net = graph if isinstance(graph, CSRNetwork) else CSRNetwork.from_graph(graph)
    idx = np.arange(net.n_edges)
    pick = np.isin(net.edge_class, list(road_classes))
    pick &= (net.edge_reverse < 0) | (idx < net.edge_reverse)
    names = _edge_names(graph, net)[pick]
    lines = net.edge_geom[pick]
    keep = shapely.length(lines) > 0
    lines, names = lines[keep], names[keep]
    out_lines: list[Any] = []
    out_names: list[str] = []
    for nm in sorted(set(names.tolist())):
        merged = shapely.get_parts(shapely.line_merge(shapely.union_all(lines[names == nm])))
        out_lines.extend(merged.tolist())
        out_names.extend([nm] * len(merged))
    logger.info("barriers from graph: %d expressway line(s)", len(out_lines))
    return gpd.GeoDataFrame(
        {"kind": ["expressway"] * len(out_lines), "name": out_names},
        geometry=np.asarray(out_lines, dtype=object),
        crs=net.crs,
    )


def _edge_names(graph: nx.MultiDiGraph | CSRNetwork, net: CSRNetwork) -> ObjArray:
    """Name of each CSR edge from the graph's ``name`` attribute ("" where none)."""
    out = np.full(net.n_edges, "", dtype=object)
    if isinstance(graph, CSRNetwork):
        return out
    pos = {int(k): i for i, k in enumerate(np.asarray(net.node_ids).tolist())}
    by_pair: dict[tuple[int, int], str] = {}
    for u, v, data in graph.edges(data=True):
        nm = _name(data.get("name"))
        if nm and int(u) in pos and int(v) in pos:
            by_pair.setdefault((pos[int(u)], pos[int(v)]), nm)
    if by_pair:
        for e, (a, b) in enumerate(zip(net.edge_u.tolist(), net.edge_v.tolist(), strict=True)):
            out[e] = by_pair.get((a, b), by_pair.get((b, a), ""))
    return out


def _barrier_arrays(barriers: Any, crs: str | None) -> tuple[ObjArray, ObjArray, ObjArray]:
    """(geometries, kinds, names) from a GeoDataFrame, GeoSeries, path or geometries."""
    if barriers is None:
        empty = np.empty(0, dtype=object)
        return empty, empty.copy(), empty.copy()
    if isinstance(barriers, str | os.PathLike):
        if crs is None:
            raise DataFormatError("reading barriers from a file needs the target CRS")
        barriers = load_barriers(barriers, crs)
    if isinstance(barriers, gpd.GeoSeries):
        barriers = gpd.GeoDataFrame(geometry=barriers)
    if isinstance(barriers, gpd.GeoDataFrame):
        if crs is not None and barriers.crs is not None and not barriers.crs.equals(crs):
            barriers = barriers.to_crs(crs)
        geoms = barriers.geometry.to_numpy()
        column = next((c for c in _KIND_COLUMNS if c in barriers.columns), None)
        kinds = (
            barriers[column].map(_kind).to_numpy(dtype=object)
            if column is not None
            else np.full(len(barriers), "barrier", dtype=object)
        )
        names = (
            barriers["name"].map(_name).to_numpy(dtype=object)
            if "name" in barriers.columns
            else np.full(len(barriers), "", dtype=object)
        )
    else:
        geoms = np.asarray(
            list(barriers) if not isinstance(barriers, BaseGeometry) else [barriers], dtype=object
        )
        kinds = np.full(geoms.size, "barrier", dtype=object)
        names = np.full(geoms.size, "", dtype=object)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    ok &= np.isin(shapely.get_type_id(geoms), _LINE_TYPES + _POLY_TYPES)
    # make_valid may return collections (a polygon plus a stray line): keep their parts
    parts, owner = shapely.get_parts(shapely.make_valid(geoms[ok]), return_index=True)
    keep = np.isin(shapely.get_type_id(parts), _LINE_TYPES + _POLY_TYPES)
    return parts[keep], kinds[ok][owner[keep]], names[ok][owner[keep]]


def _name(value: Any) -> str:
    """A barrier name as text; missing values and OSM name lists handled."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return "/".join(str(v) for v in value if v)
    text = str(value).strip()
    return "" if text.lower() in {"nan", "none"} else text
