"""Array form of a road graph (:class:`CSRNetwork`), built once per graph.

Private: the public name is :class:`firecover.traveltime.CSRNetwork`. The class lives here so
that :mod:`firecover.network.snapping` and :mod:`firecover.traveltime` can both use it without an
import cycle.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pyproj
import scipy.sparse as sp
import shapely

from firecover._errors import GraphError, UnsupportedCRSError
from firecover.network.periods import graph_travel_line
from firecover.network.turn_graph import TurnGraph, build_turn_graph
from firecover.network.turns import graph_turn_profile, resolve_turn_mode

__all__ = ["CSRNetwork"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

_TWIN_REL_LEN = 1e-6  # twin edges: lengths equal within this relative tolerance ...
_TWIN_GEOM_TOL = 0.01  # ... and geometries within this Hausdorff distance (m, + 1e-6·length)


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


def check_crs(crs: Any) -> str:
    """Return the CRS string if it is projected in metres, else raise UnsupportedCRSError."""
    if crs is None or (isinstance(crs, str) and not crs.strip()):
        raise UnsupportedCRSError(
            "the road graph has no 'crs' attribute; project it with "
            "firecover.network.prepare_graph (e.g. to its UTM zone)"
        )
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise UnsupportedCRSError(
            f"the road graph's crs {crs!r} is not a known CRS; use an EPSG code like EPSG:32650"
        ) from None
    if parsed.is_geographic or not parsed.is_projected:
        raise UnsupportedCRSError(
            f"the road graph's crs {crs!r} is geographic (degrees); project it to a metric CRS "
            "with firecover.network.prepare_graph"
        )
    units = {ax.unit_conversion_factor for ax in parsed.axis_info}
    if units != {1.0}:
        raise UnsupportedCRSError(
            f"the road graph's crs {crs!r} is not in metres; project it to a metric CRS such "
            "as its UTM zone"
        )
    return str(crs) if isinstance(crs, str) else parsed.to_string()


def _node_arrays(graph: nx.MultiDiGraph) -> tuple[np.ndarray, FloatArray, FloatArray]:
    nodes = list(graph.nodes)
    try:
        x = np.fromiter((graph.nodes[n]["x"] for n in nodes), np.float64, len(nodes))
        y = np.fromiter((graph.nodes[n]["y"] for n in nodes), np.float64, len(nodes))
    except (KeyError, TypeError, ValueError):
        raise GraphError(
            "some graph nodes lack numeric 'x'/'y' coordinates; load the graph with "
            "firecover.network"
        ) from None
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise GraphError("some graph nodes have NaN coordinates; repair or drop those nodes")
    ids = np.asarray(nodes)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        ids = np.empty(len(nodes), dtype=object)
        ids[:] = nodes
    return ids, x, y


def _edge_number(data: dict[str, Any], key: str, u: Any, v: Any) -> float:
    value = data.get(key)
    if value is None:
        raise GraphError(
            f"edge ({u!r}, {v!r}) has no '{key}'; prepare the graph with "
            "firecover.network.prepare_graph"
        )
    try:
        return float(value)
    except (TypeError, ValueError):
        raise GraphError(f"edge ({u!r}, {v!r}) has a non-numeric '{key}': {value!r}") from None


def _as_line(geom: Any) -> Any:
    if isinstance(geom, str):
        geom = shapely.from_wkt(geom)
    if geom is None or isinstance(geom, shapely.LineString):
        return geom
    if isinstance(geom, shapely.MultiLineString):
        merged = shapely.line_merge(geom)
        if isinstance(merged, shapely.LineString):
            return merged
    raise GraphError(f"an edge geometry is a {geom.geom_type}, not a LineString; fix the input")


def _edge_lists(
    graph: nx.MultiDiGraph, pos: dict[Any, int]
) -> tuple[IntArray, IntArray, IntArray, FloatArray, FloatArray, ObjArray, ObjArray]:
    m = graph.number_of_edges()
    eu = np.empty(m, np.int64)
    ev = np.empty(m, np.int64)
    keys = np.empty(m, dtype=object)
    tt = np.empty(m, np.float64)
    ln = np.empty(m, np.float64)
    geom = np.empty(m, dtype=object)
    cls = np.empty(m, dtype=object)
    for i, (u, v, k, d) in enumerate(graph.edges(keys=True, data=True)):
        eu[i], ev[i], keys[i] = pos[u], pos[v], k
        tt[i] = _edge_number(d, "travel_time", u, v)
        ln[i] = _edge_number(d, "length", u, v)
        geom[i] = _as_line(d.get("geometry"))
        cls[i] = str(d.get("road_class", ""))
    if keys.size and all(isinstance(k, int | np.integer) for k in keys):
        keys = keys.astype(np.int64)
    return eu, ev, keys, tt, ln, geom, cls


def _name_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return " / ".join(dict.fromkeys(t for t in (_name_text(v) for v in value) if t))
    return str(value).strip()


def _edge_names(edge_data: Sequence[Mapping[str, Any]]) -> ObjArray:
    """Each edge's road ``name`` from the edges' attribute dicts in edge order ("" when absent;
    osmnx's merged lists of names joined with " / ")."""
    out = np.empty(len(edge_data), dtype=object)
    out[:] = [_name_text(d.get("name")) for d in edge_data]
    return out


def _check_numbers(tt: FloatArray, ln: FloatArray) -> None:
    for name, arr in (("travel_time", tt), ("length", ln)):
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            raise GraphError(
                f"{int(bad.sum())} edge(s) have a negative, NaN or infinite '{name}' (e.g. "
                f"{arr[bad][0]!r}); recompute travel times with firecover.network.prepare_graph"
            )


def _fill_geometry(
    geom: ObjArray, eu: IntArray, ev: IntArray, x: FloatArray, y: FloatArray
) -> ObjArray:
    """Give straight lines to edges without geometry; orient every geometry from u to v."""
    missing = np.array([g is None for g in geom], dtype=bool)
    if missing.any():
        coords = np.stack(
            [np.c_[x[eu[missing]], y[eu[missing]]], np.c_[x[ev[missing]], y[ev[missing]]]], axis=1
        )
        geom[missing] = shapely.linestrings(coords)
    ncoords = shapely.get_num_coordinates(geom)
    first = np.concatenate([[0], np.cumsum(ncoords)[:-1]])
    start = shapely.get_coordinates(geom)[first]
    du = np.hypot(start[:, 0] - x[eu], start[:, 1] - y[eu])
    dv = np.hypot(start[:, 0] - x[ev], start[:, 1] - y[ev])
    flip = (dv < du) & (eu != ev)
    if flip.any():
        logger.warning("reversed %d edge geometries that ran from v to u", int(flip.sum()))
        geom[flip] = shapely.reverse(geom[flip])
    return geom


def _min_adjacency(eu: IntArray, ev: IntArray, tt: FloatArray, n: int) -> sp.csr_array:
    """CSR of seconds, min over parallel edges, self-loops dropped, explicit zeros kept."""
    keep = eu != ev
    u, v, t = eu[keep], ev[keep], tt[keep]
    order = np.lexsort((t, v, u))
    u, v, t = u[order], v[order], t[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, t = u[first], v[first], t[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    # Built from raw arrays on purpose: explicit zeros (zero-time edges) must stay stored,
    # because scipy.sparse.csgraph treats a stored zero as an edge of weight 0.
    return sp.csr_array((t, v.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))


def _candidate_twins(eu: IntArray, ev: IntArray) -> tuple[IntArray, IntArray]:
    """All pairs (e, t), e < t, with t running v_e → u_e."""
    n = int(max(eu.max(), ev.max())) + 1
    key = eu * n + ev
    rkey = ev * n + eu
    order = np.argsort(key, kind="stable")
    sk = key[order]
    lo = np.searchsorted(sk, rkey, "left")
    hi = np.searchsorted(sk, rkey, "right")
    counts = hi - lo
    e = np.repeat(np.arange(eu.size), counts)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    t = order[np.arange(e.size) + starts]
    keep = e < t
    return e[keep], t[keep]


def _match_twins(eu: IntArray, ev: IntArray, ln: FloatArray, geom: ObjArray) -> IntArray:
    """Index of the opposite-direction edge on the same geometry, −1 if none.

    Twins have reversed endpoints, lengths equal within 1e-6 relative, and geometries within
    0.01 m (+1e-6·length) Hausdorff distance, so distinct parallel roads are never paired.
    """
    rev = np.full(eu.size, -1, dtype=np.int64)
    if eu.size == 0:
        return rev
    e, t = _candidate_twins(eu, ev)
    scale = np.maximum(ln[e], ln[t])
    ok = np.abs(ln[e] - ln[t]) <= _TWIN_REL_LEN * scale + 1e-9
    e, t = e[ok], t[ok]
    tol = _TWIN_GEOM_TOL + _TWIN_REL_LEN * np.maximum(ln[e], ln[t])
    ok = shapely.hausdorff_distance(geom[e], geom[t]) <= tol
    e, t, tol = e[ok], t[ok], tol[ok]
    # same direction of travel reversed (matters for loops, where endpoints say nothing)
    quarter = shapely.line_interpolate_point(geom[e], 0.25, normalized=True)
    three_q = shapely.line_interpolate_point(geom[t], 0.75, normalized=True)
    ok = shapely.distance(quarter, three_q) <= tol
    e, t = e[ok], t[ok]
    both = np.concatenate([e, t])
    count = np.bincount(both, minlength=eu.size)
    unique = (count[e] == 1) & (count[t] == 1)
    rev[e[unique]], rev[t[unique]] = t[unique], e[unique]
    for a, b in zip(e[~unique].tolist(), t[~unique].tolist(), strict=True):
        if rev[a] < 0 and rev[b] < 0:  # greedy one-to-one among duplicated roads
            rev[a], rev[b] = b, a
    return rev


@dataclass(frozen=True, eq=False)
class CSRNetwork:
    """Plain-array form of a projected road graph (see DESIGN.md, "Numeric core").

    Attributes
    ----------
    node_ids : ndarray (n,)
        Graph node keys; array position = node position used everywhere else.
    x, y : ndarray (n,)
        Node coordinates, metres in ``crs``.
    adj : scipy.sparse.csr_array (n, n)
        Travel time in seconds, minimum over parallel edges; self-loops dropped. Zero-time edges
        are *stored* zeros (csgraph treats stored zeros as edges of weight 0).
    edge_u, edge_v : ndarray of int (m,)
        Positions of each directed edge's end nodes.
    edge_key : ndarray (m,)
        The multigraph key of each edge, so ``(node_ids[edge_u], node_ids[edge_v], edge_key)``
        is the graph edge.
    edge_time, edge_length : ndarray (m,)
        ``travel_time`` (s) and ``length`` (m).
    edge_geom : ndarray of shapely.LineString (m,)
        Geometry from u to v (a straight line when the graph has none).
    edge_reverse : ndarray of int (m,)
        The opposite-direction twin on the same geometry, −1 for one-way edges.
    edge_class : ndarray of str (m,)
        ``road_class`` ("" when absent).
    edge_name : ndarray of str (m,) or None
        Road ``name`` ("" when absent; an OSM list of names joined with " / "); ``None`` for
        networks built without names.
    crs : str
        Projected metric CRS.
    travel_model : str
        The travel-time model line (:func:`firecover.network.periods.travel_model_line`).
    notes : tuple of str
        What building the graph reported (warnings such as dropped disconnected pieces), from
        the graph attribute ``build_warnings``; every run on this network reports them again.
    turns : TurnGraph or None
        The edge-based search graph when searches model turns (restrictions, junction delays,
        turn penalties; :mod:`firecover.network.turn_graph`), else None (node-based searches).
    """

    node_ids: np.ndarray
    x: FloatArray
    y: FloatArray
    adj: sp.csr_array
    edge_u: IntArray
    edge_v: IntArray
    edge_key: np.ndarray
    edge_time: FloatArray
    edge_length: FloatArray
    edge_geom: ObjArray
    edge_reverse: IntArray
    edge_class: ObjArray
    crs: str
    notes: tuple[str, ...] = ()
    turns: TurnGraph | None = None
    edge_name: ObjArray | None = None
    travel_model: str = ""

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph, *, turns: str | bool | None = None) -> CSRNetwork:
        """Validate a graph in the DESIGN.md format and build the arrays.

        ``turns``: ``"on"`` / True, ``"off"`` / False or ``"auto"`` (on when the graph carries
        restrictions or junction controls); None = :func:`firecover.network.turns.use_turns`,
        else the graph attribute ``turns``, else ``auto``.

        Raises
        ------
        UnsupportedCRSError
            Missing, unknown, geographic or non-metre ``crs``.
        GraphError
            Empty graph, missing/NaN/negative ``travel_time`` or ``length``, bad coordinates.
        """
        crs = check_crs(graph.graph.get("crs"))
        empty = "the road graph is empty (no {}); check the area or the input file"
        if graph.number_of_nodes() == 0:
            raise GraphError(empty.format("nodes"))
        ids, x, y = _node_arrays(graph)
        pos = {n: i for i, n in enumerate(graph.nodes)}
        eu, ev, keys, tt, ln, geom, cls_ = _edge_lists(graph, pos)
        if eu.size == 0:
            raise GraphError(empty.format("edges"))
        _check_numbers(tt, ln)
        geom = _fill_geometry(geom, eu, ev, x, y)
        adj = _min_adjacency(eu, ev, tt, x.size)
        rev = _match_twins(eu, ev, ln, geom)
        _readonly(ids, x, y, eu, ev, keys, tt, ln, geom, rev, cls_)
        logger.debug(
            "CSRNetwork: %d nodes, %d edges (%d two-way pairs), crs %s",
            x.size,
            eu.size,
            int((rev >= 0).sum()) // 2,
            crs,
        )
        notes = tuple(str(n) for n in graph.graph.get("build_warnings", ()))
        names = _edge_names([d for *_, d in graph.edges(data=True)])
        _readonly(names)
        net = cls(
            ids, x, y, adj, eu, ev, keys, tt, ln, geom, rev, cls_, crs, notes, edge_name=names
        )
        return with_turns(net, graph, turns)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.edge_u.size)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index over ``edge_geom`` (built on first use)."""
        return shapely.STRtree(self.edge_geom)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of nodes and edge geometries, metres."""
        b = shapely.total_bounds(self.edge_geom)
        return (
            float(min(b[0], self.x.min())),
            float(min(b[1], self.y.min())),
            float(max(b[2], self.x.max())),
            float(max(b[3], self.y.max())),
        )

    @cached_property
    def v_max(self) -> float:
        """Upper bound of straight-line speed on any edge, m/s (inf with zero-time roads).

        Uses the largest of ``length``, geometry length and chord length per edge, so that
        "Euclidean distance ≤ v_max · time" holds for every path.
        """
        chord = np.hypot(
            self.x[self.edge_v] - self.x[self.edge_u], self.y[self.edge_v] - self.y[self.edge_u]
        )
        dist = np.maximum(np.maximum(self.edge_length, shapely.length(self.edge_geom)), chord)
        moving = dist > 1e-9
        if np.any(moving & (self.edge_time <= 0)):
            return math.inf
        if not moving.any():
            return 0.0
        return float(np.max(dist[moving] / self.edge_time[moving]))

    @cached_property
    def _lookup(self) -> dict[Any, int]:
        return {k: i for i, k in enumerate(self.node_ids.tolist())}

    @property
    def turn_model(self) -> str:
        """One line for reports: the turn model the searches use."""
        return "turns: off" if self.turns is None else self.turns.description

    def node_index(self, ids: npt.ArrayLike) -> IntArray:
        """Positions of graph node keys; raises KeyError for unknown keys."""
        keys = np.atleast_1d(np.asarray(ids)).tolist()
        return np.array([self._lookup[k] for k in keys], dtype=np.int64)


def with_turns(net: CSRNetwork, graph: nx.MultiDiGraph, turns: str | bool | None) -> CSRNetwork:
    """``net`` with its :class:`TurnGraph` when ``turns`` resolves to on (see ``from_graph``)."""
    if not resolve_turn_mode(turns, graph):
        out = net if net.turns is None else replace(net, turns=None)
    else:
        tg = build_turn_graph(graph, net, graph_turn_profile(graph))
        logger.info("%s", tg.description)
        out = replace(net, turns=tg)
    # The report line names the profile, period, calibration and this turn model
    # (network/periods.py).
    return replace(out, travel_model=graph_travel_line(graph.graph, out.turn_model))
