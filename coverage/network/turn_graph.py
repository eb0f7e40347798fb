"""The edge-based (line-graph) search graph of a road network with turns.

Formulation
-----------
States ``0 … m−1`` are the directed edges: ``S[e]`` is the earliest time an engine is at the
start (tail) of edge e, committed to drive it (the turn onto e and the junction delay paid).
States ``m … m+n−1`` are node arrivals ``A[v]`` (sinks). Arcs::

    S[e] → S[e']   weight t(e) + c(e, e')    for head(e) = tail(e') and the turn allowed
    S[e] → A[v]    weight t(e)               for v = head(e)

with the turn cost ``c(e, e') = delay(control of v) + penalty(turn class) [+ roundabout entry]``.
The turn class comes from the heading change θ between the last segment of e and the first
segment of e' (θ > 0 = to the left, driving on the right): ``|θ| ≤ straight_deg`` straight,
θ > 0 left, θ < 0 right; a U-turn is e' = twin(e) or e' back to tail(e) with ``|θ| ≥ 150°``.
Angle penalties apply at junctions (nodes with three or more neighbours) only; a bend of a road
costs nothing. A U-turn is allowed where the profile says (``u_turns``), and always at a dead
end at ``dead_end_u_turn_s``, unless a restriction bans it: where no other allowed turn leads out
of e, or none leads into the edge the U-turn enters (else that edge could not be reached at all,
e.g. where a two-way road ends at a one-way street).
Restrictions remove arcs: ``no_*`` the arcs from its from-edges to its to-edges, ``only_*``
every other arc leaving its from-edges. Junction delays count once per passage (once per arc).

Searches (:mod:`firecover.traveltime`) run scipy's compiled Dijkstra on :attr:`TurnGraph.adj`,
with sources and targets part-way along edges mapped onto states; see
:mod:`firecover.traveltime.turn_search`.
"""

from __future__ import annotations

import ast
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely

from firecover.network.turns import (
    CONTROLS,
    DEFAULT_TURNS,
    TurnProfile,
    TurnRestriction,
    graph_restrictions,
)

__all__ = ["TurnGraph", "build_turn_graph", "edge_headings", "turn_angles"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_U_TURN_DEG = 150.0


@dataclass(frozen=True, eq=False)
class TurnGraph:
    """The line-graph search graph of a :class:`~firecover.network.csr.CSRNetwork`.

    Attributes
    ----------
    adj : scipy.sparse.csr_array (m + n, m + n)
        Seconds; rows/columns ``0 … m−1`` edge states, ``m + v`` arrival at node v.
    arc_ptr, arc_to, arc_cost : ndarray
        Allowed turns grouped by from-edge: ``arc_to[arc_ptr[e]:arc_ptr[e+1]]`` with their turn
        cost (delay + penalty, seconds, the edge's own time excluded).
    out_ptr, out_edges : ndarray
        Out-edges of each node (``out_edges[out_ptr[v]:out_ptr[v+1]]``).
    n_edges, n_nodes : int
    stats : dict
        Counts for reports: restrictions given / applied / not on the network, turns banned,
        junction controls per kind, U-turn policy, profile.
    """

    adj: sp.csr_array
    arc_ptr: IntArray
    arc_to: IntArray
    arc_cost: FloatArray
    out_ptr: IntArray
    out_edges: IntArray
    n_edges: int
    n_nodes: int
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        """One line for reports, e.g. ``turns: restrictions 45 (40 on the network), …``."""
        s = self.stats
        ctl = s.get("controls", {})
        return (
            f"turns: restrictions {s.get('restrictions', 0)} "
            f"({s.get('restrictions_applied', 0)} on the network), "
            f"signals {ctl.get('traffic_signals', 0)}, stop/give-way "
            f"{ctl.get('stop', 0) + ctl.get('give_way', 0)}, penalties on "
            f"(U-turns {s.get('u_turns', 'dead_end')})"
        )


def edge_headings(geom: npt.NDArray[np.object_]) -> tuple[FloatArray, FloatArray]:
    """Heading (radians, atan2 of dy, dx) of each geometry's first and last segment."""
    coords = shapely.get_coordinates(geom)
    count = shapely.get_num_coordinates(geom).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    end = start + count - 1
    d0 = coords[np.minimum(start + 1, end)] - coords[start]
    d1 = coords[end] - coords[np.maximum(end - 1, start)]
    return np.arctan2(d0[:, 1], d0[:, 0]), np.arctan2(d1[:, 1], d1[:, 0])


def turn_angles(h_in: FloatArray, h_out: FloatArray) -> FloatArray:
    """Signed heading change in degrees, (−180, 180]; positive = to the left."""
    d = (np.degrees(h_out - h_in) + 180.0) % 360.0 - 180.0
    return np.where(d <= -180.0, 180.0, d)


def _osmids(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return [value]
    if isinstance(value, list | tuple | set):
        return list(value)
    return [] if value is None else [value]


@dataclass
class _EdgeInfo:
    ways: dict[Any, list[int]]
    roundabout: npt.NDArray[np.bool_]
    control: list[str]
    order: IntArray | None = None
    keys: IntArray | None = None

    def between(self, net: Any, a: int, b: int) -> list[int]:
        """Edges a → b (node positions), from a sorted key array built on first use."""
        n = int(net.n_nodes)
        if self.order is None or self.keys is None:
            key = np.asarray(net.edge_u, np.int64) * n + np.asarray(net.edge_v, np.int64)
            self.order = np.argsort(key, kind="stable")
            self.keys = key[self.order]
        lo, hi = np.searchsorted(self.keys, [a * n + b, a * n + b + 1])
        return [int(e) for e in self.order[lo:hi]]


def _graph_info(graph: nx.MultiDiGraph) -> _EdgeInfo:
    by_way = any(r.by == "way" for r in graph_restrictions(graph))
    ways: dict[Any, list[int]] = defaultdict(list)
    if by_way:  # way ids are only needed to place OSM restrictions
        for i, (*_, osmid) in enumerate(graph.edges(data="osmid")):
            for w in _osmids(osmid):
                ways[w].append(i)
    rb = [
        str(j) in ("roundabout", "circular") for *_, j in graph.edges(data="junction", default="")
    ]
    control = [str(c) for _, c in graph.nodes(data="junction_control", default="")]
    return _EdgeInfo(ways, np.asarray(rb, dtype=bool), control)


def _resolve(
    r: TurnRestriction, net: Any, info: _EdgeInfo, lookup: dict[Any, int]
) -> tuple[list[int], list[int]] | None:
    via = lookup.get(r.via)
    if via is None:
        return None
    eu, ev, rev = net.edge_u, net.edge_v, net.edge_reverse
    if r.by == "way":
        fr = [e for e in info.ways.get(r.from_id, []) if ev[e] == via]
        to = [e for e in info.ways.get(r.to_id, []) if eu[e] == via]
    else:
        a, b = lookup.get(r.from_id), lookup.get(r.to_id)
        if a is None or b is None:
            return None
        fr, to = info.between(net, a, via), info.between(net, via, b)
    if r.from_id == r.to_id and r.by == "way":
        back = {int(rev[f]) for f in fr} | {t for t in to for f in fr if ev[t] == eu[f]}
        to = [t for t in to if (t in back) == r.tag.endswith("u_turn")]
    if not fr or not to:
        return None
    return fr, to


def _banned(
    graph: nx.MultiDiGraph, net: Any, info: _EdgeInfo, a_from: IntArray, a_to: IntArray
) -> tuple[npt.NDArray[np.bool_], int, int]:
    items = graph_restrictions(graph)
    if not items:
        return np.zeros(a_from.size, dtype=bool), 0, 0
    m = net.n_edges
    key = a_from * m + a_to
    lookup = {k: i for i, k in enumerate(net.node_ids.tolist())}
    ban_keys: list[int] = []
    only_from: dict[int, set[int]] = defaultdict(set)
    applied = 0
    for r in items:
        hit = _resolve(r, net, info, lookup)
        if hit is None:
            continue
        applied += 1
        fr, to = hit
        if r.kind == "no":
            ban_keys += [f * m + t for f in fr for t in to]
        else:
            for f in fr:
                only_from[f].update(to)
    ban = np.isin(key, np.asarray(ban_keys, dtype=np.int64))
    if only_from:
        for f, keep in only_from.items():
            lo, hi = np.searchsorted(a_from, [f, f + 1])
            ban[lo:hi] |= ~np.isin(a_to[lo:hi], list(keep))
    return ban, len(items), applied


def build_turn_graph(
    graph: nx.MultiDiGraph, net: Any, profile: TurnProfile | None = None
) -> TurnGraph:
    """Build the :class:`TurnGraph` of ``net`` (the CSRNetwork of ``graph``).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The graph ``net`` was built from (same node and edge order): restrictions, junction
        controls, ``junction`` and ``osmid`` attributes are read from it.
    net : CSRNetwork
    profile : TurnProfile, optional
        Delays and penalties; default :data:`~firecover.network.turns.DEFAULT_TURNS`.
    """
    prof = profile or DEFAULT_TURNS
    m, n = net.n_edges, net.n_nodes
    eu, ev = np.asarray(net.edge_u, np.int64), np.asarray(net.edge_v, np.int64)
    out_edges = np.argsort(eu, kind="stable").astype(np.int64)
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(eu, minlength=n), out=out_ptr[1:])
    counts = out_ptr[ev + 1] - out_ptr[ev]
    a_from = np.repeat(np.arange(m, dtype=np.int64), counts)
    first = np.repeat(out_ptr[ev] - (np.cumsum(counts) - counts), counts)
    a_to = out_edges[first + np.arange(int(counts.sum()))]
    info = _graph_info(graph)
    h_out, h_in = edge_headings(net.edge_geom)
    theta = turn_angles(h_in[a_from], h_out[a_to])
    u_turn = (a_to == net.edge_reverse[a_from]) | (
        (ev[a_to] == eu[a_from]) & (np.abs(theta) >= _U_TURN_DEG)
    )
    ban, given, applied = _banned(graph, net, info, a_from, a_to)
    # junctions: nodes with three or more distinct neighbours
    loop = eu == ev
    pair = np.unique(np.c_[np.minimum(eu, ev), np.maximum(eu, ev)][~loop], axis=0)
    degree = np.bincount(pair.ravel(), minlength=n)
    junction = degree[ev[a_from]] >= 3
    pen = np.where(
        np.abs(theta) <= prof.straight_deg,
        prof.straight_s,
        np.where(theta > 0, prof.left_s, prof.right_s),
    )
    pen = np.where(junction, pen, 0.0)
    plain = ~ban & ~u_turn
    other_out = np.bincount(a_from[plain], minlength=m) > 0
    other_in = np.bincount(a_to[plain], minlength=m) > 0
    # a dead end: no other way out of e, or no other way into the road the U-turn enters
    dead_end = ~other_out[a_from] | ~other_in[a_to]
    allow_u = prof.u_turns == "anywhere"
    pen = np.where(u_turn, np.where(dead_end, prof.dead_end_u_turn_s, prof.u_turn_s), pen)
    keep = ~ban & (~u_turn | dead_end | allow_u)
    delay_of = {k: float(prof.junction_delay_s.get(k, 0.0)) for k in CONTROLS}
    node_delay = np.array([delay_of.get(c, 0.0) for c in info.control], dtype=np.float64)
    cost = pen + node_delay[ev[a_from]]
    rb_entry = info.roundabout[a_to] & ~info.roundabout[a_from]
    cost = cost + np.where(rb_entry, float(prof.junction_delay_s.get("roundabout", 0.0)), 0.0)
    a_from, a_to, cost = a_from[keep], a_to[keep], cost[keep]
    t = np.asarray(net.edge_time, np.float64)
    rows = np.concatenate([a_from, np.arange(m)])
    cols = np.concatenate([a_to, m + ev])
    data = np.concatenate([t[a_from] + cost, t])
    order = np.lexsort((cols, rows))
    size = m + n
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
    itype = np.int32 if max(size, data.size) < 2**31 - 1 else np.int64
    adj = sp.csr_array(
        (data[order], cols[order].astype(itype), indptr.astype(itype)), shape=(size, size)
    )
    arc_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(a_from, minlength=m), out=arc_ptr[1:])
    controls = Counter(c for c in info.control if c in CONTROLS)
    stats = {
        "restrictions": given,
        "restrictions_applied": applied,
        "restrictions_off_network": given - applied,
        "turns_banned": int(ban.sum()),
        "controls": {k: int(controls.get(k, 0)) for k in CONTROLS},
        "roundabout_edges": int(info.roundabout.sum()),
        "u_turns": prof.u_turns,
        "arcs": int(a_from.size),
    }
    logger.debug("turn graph: %d states, %d turns, %s", size, a_from.size, stats)
    return TurnGraph(adj, arc_ptr, a_to, cost, out_ptr, out_edges, m, n, stats)
