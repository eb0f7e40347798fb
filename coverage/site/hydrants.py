"""Hydrant coverage along the roads (消火栓, GB 50974-2014 §7.2.5 as quoted in the Laiyuan plan).

Distances are **along the road network** (metres, both directions of every road, one-way or
not: hoses and crews are not bound by traffic direction), from each hydrant's snapped position.

* **Protection radius** (setting ``hydrant_radius_m``, 150 m): the road sections farther than the
  radius from every hydrant. For a point at ``s`` on a road ``u→v`` of length ``L`` the distance
  is ``min(d_u + s, d_v + L − s, |s − s_h|)`` (``d_u``: nearest hydrant from node ``u``; ``s_h``:
  hydrants on the road itself), so the covered part of each road is an exact union of intervals.
* **Spacing** (setting ``hydrant_spacing_m``, 120 m): a road stretch between two neighbouring
  hydrants — consecutive on the road, or the nearest ones beyond its two end nodes — whose
  distance apart exceeds the spacing. A stretch that leads to a hydrant only back through itself
  (a dead-end tail) is not "between hydrants"; the radius rule covers it.
* **Fewest new hydrants**: set covering (:func:`firecover.siting.lscp`) of road points sampled
  every ``hydrant_demand_step_m`` (10 m) along the stretches farther than the covering radius
  (half the spacing by default, so neighbouring hydrants end up at most the spacing apart and
  every point within the protection radius) from existing hydrants, with candidate positions every
  ``hydrant_candidate_step_m`` (20 m) and at every road node. Exact on the sampled points
  (between two samples a point is at most half a step farther).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from firecover._errors import DataFormatError, InfeasibleModelError
from firecover.network.snapping import Snapped
from firecover.settings import resolve
from firecover.siting.api import lscp
from firecover.traveltime.search import CSRNetwork

__all__ = [
    "HydrantAnalysis",
    "RoadPoints",
    "analyse_hydrants",
    "distance_to_hydrants",
    "road_positions",
    "site_hydrants",
    "snap_to_roads",
]

log = logging.getLogger(__name__)
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_TOL = 1e-6


@dataclass(frozen=True)
class RoadPoints:
    """Points on the undirected roads: road index (into :func:`roads_of`) and metres from ``u``."""

    road: IntArray
    s: FloatArray


def roads_of(net: CSRNetwork) -> IntArray:
    """Directed-edge index of each undirected road (a two-way pair counted once), leaving out
    the classes of setting ``hydrant_skip_road_classes`` (expressways)."""
    n = net.n_edges
    skip = np.isin(net.edge_class, list(resolve(None, "hydrant_skip_road_classes")))
    return np.flatnonzero(((net.edge_reverse < 0) | (np.arange(n) < net.edge_reverse)) & ~skip)


def road_positions(net: CSRNetwork, snapped: Snapped) -> RoadPoints:
    """Snapped points as (road, metres from the road's ``u``)."""
    roads = roads_of(net)
    index = np.full(net.n_edges, -1, dtype=np.int64)
    index[roads] = np.arange(roads.size)
    e = snapped.edge.astype(np.int64)
    rev = net.edge_reverse[e]
    flip = (index[e] < 0) & (rev >= 0)
    k = np.where(flip, index[np.where(rev >= 0, rev, 0)], index[e])
    if (k < 0).any():
        raise DataFormatError(
            f"{int((k < 0).sum())} hydrant(s) lie on a road class left out of the analysis "
            "(setting hydrant_skip_road_classes); move them to a city street"
        )
    length = net.edge_length[e]
    s = np.where(flip, (1 - snapped.fraction) * length, snapped.fraction * length)
    return RoadPoints(k.astype(np.int64), s.astype(np.float64))


def snap_to_roads(net: CSRNetwork, x: FloatArray, y: FloatArray) -> tuple[RoadPoints, FloatArray]:
    """Points placed on the nearest analysed road (:func:`roads_of`), with the distance, m."""
    roads = roads_of(net)
    geoms = net.edge_geom[roads]
    pts = shapely.points(x, y)
    if roads.size == 0:
        raise DataFormatError("the road graph has no street the hydrant analysis covers")
    (ipt, iroad), dist = shapely.STRtree(geoms).query_nearest(
        pts, return_distance=True, all_matches=False
    )
    k = np.empty(pts.size, dtype=np.int64)
    d = np.empty(pts.size)
    k[ipt], d[ipt] = iroad, dist
    s_ = shapely.line_locate_point(geoms[k], pts)
    return RoadPoints(k, np.asarray(s_, dtype=np.float64)), d


def _node_distances(net: CSRNetwork, roads: IntArray, pts: RoadPoints) -> FloatArray:
    """Road distance from each node to the nearest point of ``pts`` (inf if none reachable)."""
    n = net.n_nodes
    u, v, length = net.edge_u[roads], net.edge_v[roads], net.edge_length[roads]
    src = n  # a super source joined to both ends of every point's road
    ku = u[pts.road]
    kv = v[pts.road]
    rows = np.concatenate([u, v, np.full(pts.road.size, src), np.full(pts.road.size, src)])
    cols = np.concatenate([v, u, ku, kv])
    w = np.concatenate([length, length, pts.s, length[pts.road] - pts.s]) + 1e-9
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    g = sp.csr_array((w[first], (rows[first], cols[first])), shape=(n + 1, n + 1))
    d = dijkstra(g, directed=True, indices=src)
    return np.asarray(d[:n], dtype=np.float64)


def distance_to_hydrants(net: CSRNetwork, hydrants: RoadPoints, points: RoadPoints) -> FloatArray:
    """Road distance from each of ``points`` to its nearest hydrant (the formula above)."""
    roads = roads_of(net)
    du_all = _node_distances(net, roads, hydrants) if hydrants.road.size else None
    if du_all is None:
        return np.full(points.road.size, np.inf)
    u, v, length = net.edge_u[roads], net.edge_v[roads], net.edge_length[roads]
    k = points.road
    d = np.minimum(du_all[u[k]] + points.s, du_all[v[k]] + length[k] - points.s)
    for h in range(hydrants.road.size):
        same = k == hydrants.road[h]
        d[same] = np.minimum(d[same], np.abs(points.s[same] - hydrants.s[h]))
    return d


def _union(intervals: list[tuple[float, float]], length: float) -> list[tuple[float, float]]:
    iv = sorted((max(0.0, a), min(length, b)) for a, b in intervals if b > 0 and a < length)
    out: list[tuple[float, float]] = []
    for a, b in iv:
        if b <= a:
            continue
        if out and a <= out[-1][1] + _TOL:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _complement(cov: list[tuple[float, float]], length: float) -> list[tuple[float, float]]:
    out, at = [], 0.0
    for a, b in cov:
        if a > at + _TOL:
            out.append((at, a))
        at = max(at, b)
    if length > at + _TOL:
        out.append((at, length))
    return out


@dataclass(frozen=True)
class HydrantAnalysis:
    """Radius and spacing findings (intervals per road, metres from the road's ``u``).

    Attributes
    ----------
    roads : ndarray of int
        Directed-edge index of each undirected road.
    uncovered : list of (road, a, b)
        Stretches farther than ``radius_m`` from every hydrant.
    spacing_gaps : list of (road, a, b, gap_m)
        Stretches between neighbouring hydrants more than ``spacing_m`` apart (``gap_m``).
    radius_m, spacing_m : float
    road_m, uncovered_m, gap_m : dict of str to float
        Road length, uncovered length and length in spacing gaps per road class.
    """

    roads: IntArray
    uncovered: list[tuple[int, float, float]]
    spacing_gaps: list[tuple[int, float, float, float]]
    radius_m: float
    spacing_m: float
    road_m: dict[str, float]
    uncovered_m: dict[str, float]
    gap_m: dict[str, float]


def _outside(net: CSRNetwork, hyd: RoadPoints, radius: float) -> list[tuple[int, float, float]]:
    roads = roads_of(net)
    du = _node_distances(net, roads, hyd) if hyd.road.size else np.full(net.n_nodes, np.inf)
    u, v, length = net.edge_u[roads], net.edge_v[roads], net.edge_length[roads]
    by_road: dict[int, list[float]] = {}
    for k, s in zip(hyd.road.tolist(), hyd.s.tolist(), strict=True):
        by_road.setdefault(k, []).append(s)
    out = []
    for k in range(roads.size):
        ln = float(length[k])
        iv = [(0.0, radius - du[u[k]]), (ln - (radius - du[v[k]]), ln)]
        iv += [(s - radius, s + radius) for s in by_road.get(k, [])]
        out += [(k, a, b) for a, b in _complement(_union(iv, ln), ln)]
    return out


def analyse_hydrants(
    net: CSRNetwork,
    hydrants: RoadPoints,
    *,
    radius_m: float | None = None,
    spacing_m: float | None = None,
) -> HydrantAnalysis:
    """Protection-radius and spacing findings of existing hydrants (module notes)."""
    radius = float(resolve(radius_m, "hydrant_radius_m"))
    spacing = float(resolve(spacing_m, "hydrant_spacing_m"))
    if radius <= 0 or spacing <= 0:
        raise DataFormatError("hydrant radius and spacing must be positive metres")
    roads = roads_of(net)
    u, v, length = net.edge_u[roads], net.edge_v[roads], net.edge_length[roads]
    du = (
        _node_distances(net, roads, hydrants)
        if hydrants.road.size
        else np.full(net.n_nodes, np.inf)
    )
    by_road: dict[int, list[float]] = {}
    for k, s in zip(hydrants.road.tolist(), hydrants.s.tolist(), strict=True):
        by_road.setdefault(k, []).append(s)
    gaps: list[tuple[int, float, float, float]] = []
    for k in range(roads.size):
        ln, a_, b_ = float(length[k]), float(du[u[k]]), float(du[v[k]])
        ps = sorted(by_road.get(k, []))
        if not ps:
            tail = (
                not (np.isfinite(a_) and np.isfinite(b_))
                or abs(a_ - (ln + b_)) < 1e-3
                or abs(b_ - (ln + a_)) < 1e-3
            )
            if not tail and a_ + ln + b_ > spacing + _TOL:
                gaps.append((k, 0.0, ln, a_ + ln + b_))
            continue
        if abs(a_ - ps[0]) > 1e-3 and a_ + ps[0] > spacing + _TOL and ps[0] > _TOL:
            gaps.append((k, 0.0, ps[0], a_ + ps[0]))
        for p, q in itertools.pairwise(ps):
            if q - p > spacing + _TOL:
                gaps.append((k, p, q, q - p))
        last = ln - ps[-1]
        if abs(b_ - last) > 1e-3 and b_ + last > spacing + _TOL and last > _TOL:
            gaps.append((k, ps[-1], ln, b_ + last))
    uncovered = _outside(net, hydrants, radius)
    cls = net.edge_class[roads]
    road_m: dict[str, float] = {}
    for c, ln in zip(cls.tolist(), length.tolist(), strict=True):
        road_m[str(c)] = road_m.get(str(c), 0.0) + float(ln)
    unc_m = {c: 0.0 for c in road_m}
    for k, a, b in uncovered:
        unc_m[str(cls[k])] += b - a
    gap_m = {c: 0.0 for c in road_m}
    for k, a, b, _ in gaps:
        gap_m[str(cls[k])] += b - a
    return HydrantAnalysis(roads, uncovered, gaps, radius, spacing, road_m, unc_m, gap_m)


def _samples(stretches: list[tuple[int, float, float]], step: float) -> RoadPoints:
    ks, ss = [], []
    for k, a, b in stretches:
        n = max(1, int(np.ceil((b - a) / step - 1e-9)))
        ks += [k] * n
        ss += (a + (np.arange(n) + 0.5) * (b - a) / n).tolist()
    return RoadPoints(np.asarray(ks, dtype=np.int64), np.asarray(ss, dtype=np.float64))


def _candidates(net: CSRNetwork, roads: IntArray, need: set[int], step: float) -> RoadPoints:
    length = net.edge_length[roads]
    ks, ss = [], []
    for k in sorted(need):
        n = max(1, int(np.floor(length[k] / step)))
        pos = np.linspace(0.0, length[k], n + 1)
        ks += [k] * pos.size
        ss += pos.tolist()
    return RoadPoints(np.asarray(ks, dtype=np.int64), np.asarray(ss, dtype=np.float64))


def _split_graph(net: CSRNetwork, roads: IntArray, pts: RoadPoints) -> sp.csr_array:
    """Roads cut at every point: nodes ``0 … n−1`` then one per point, in order."""
    n = net.n_nodes
    u, v, length = net.edge_u[roads], net.edge_v[roads], net.edge_length[roads]
    ids = n + np.arange(pts.road.size)
    order = np.lexsort((pts.s, pts.road))
    k, s, ids = pts.road[order], pts.s[order], ids[order]
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    last = np.ones(k.size, dtype=bool)
    last[:-1] = k[1:] != k[:-1]
    prev_id = np.where(first, u[k], np.roll(ids, 1))
    prev_s = np.where(first, 0.0, np.roll(s, 1))
    a = [prev_id, ids[last]]
    b = [ids, v[k[last]]]
    w = [s - prev_s, length[k[last]] - s[last]]
    bare = np.setdiff1d(np.arange(roads.size), k)
    a.append(u[bare])
    b.append(v[bare])
    w.append(length[bare])
    ra, rb, rw = np.concatenate(a), np.concatenate(b), np.concatenate(w) + 1e-9
    rows, cols, vals = np.concatenate([ra, rb]), np.concatenate([rb, ra]), np.concatenate([rw, rw])
    order2 = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order2], cols[order2], vals[order2]
    keep = np.ones(rows.size, dtype=bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    size = n + pts.road.size
    return sp.csr_array((vals[keep], (rows[keep], cols[keep])), shape=(size, size))


@dataclass(frozen=True)
class HydrantSiting:
    """New hydrant positions and the covering model's outcome."""

    new: RoadPoints
    cover_radius_m: float
    demand: RoadPoints
    status: str
    candidates: int


def site_hydrants(
    net: CSRNetwork,
    hydrants: RoadPoints,
    *,
    cover_radius_m: float | None = None,
    spacing_m: float | None = None,
    demand_step_m: float | None = None,
    candidate_step_m: float | None = None,
    time_limit: float | None = None,
) -> HydrantSiting:
    """The fewest new hydrant positions with every sampled road point within the covering radius.

    Raises
    ------
    InfeasibleModelError
        A sampled point that no candidate reaches (should not happen: candidates lie on its road).
    """
    spacing = float(resolve(spacing_m, "hydrant_spacing_m"))
    r = float(spacing / 2 if cover_radius_m is None else cover_radius_m)
    step = float(resolve(demand_step_m, "hydrant_demand_step_m"))
    cstep = float(resolve(candidate_step_m, "hydrant_candidate_step_m"))
    roads = roads_of(net)
    stretches = _outside(net, hydrants, r)
    demand = _samples(stretches, step)
    if demand.road.size == 0:
        empty = RoadPoints(np.empty(0, np.int64), np.empty(0))
        return HydrantSiting(empty, r, demand, "optimal", 0)
    # Candidate roads: those with demand and every road within r of them (by node distance).
    dn = _node_distances(net, roads, demand)
    near = (dn[net.edge_u[roads]] <= r) | (dn[net.edge_v[roads]] <= r)
    need = set(np.flatnonzero(near).tolist()) | set(demand.road.tolist())
    cand = _candidates(net, roads, need, cstep)
    both = RoadPoints(np.concatenate([demand.road, cand.road]), np.concatenate([demand.s, cand.s]))
    g = _split_graph(net, roads, both)
    n, nd = net.n_nodes, demand.road.size
    cols = n + nd + np.arange(cand.road.size)
    rows_r, rows_c = [], []
    chunk = max(1, 2_000_000 // max(1, g.shape[0]))
    for lo in range(0, nd, chunk):
        idx = n + np.arange(lo, min(nd, lo + chunk))
        d = dijkstra(g, directed=True, indices=idx, limit=r + 1e-6)
        sub = d[:, cols] <= r + 1e-6
        i, j = np.nonzero(sub)
        rows_r.append(i + lo)
        rows_c.append(j)
    ri, ci = np.concatenate(rows_r), np.concatenate(rows_c)
    cover = sp.csr_array((np.ones(ri.size, dtype=bool), (ri, ci)), shape=(nd, cand.road.size))
    if (np.diff(cover.indptr) == 0).any():
        raise InfeasibleModelError(
            "a road point has no candidate hydrant position within the "
            "covering radius; lower the setting hydrant_candidate_step_m"
        )
    res = lscp(cover, time_limit=time_limit)
    pick = res.new_sites
    new = RoadPoints(cand.road[pick], cand.s[pick])
    log.info(
        "hydrants: %d new of %d candidates for %d road points (%s)",
        pick.size,
        cand.road.size,
        nd,
        res.status,
    )
    return HydrantSiting(new, r, demand, res.status, int(cand.road.size))


def check_siting(net: CSRNetwork, hydrants: RoadPoints, siting: HydrantSiting) -> float:
    """Checker: the largest distance from a sampled point to the existing + new hydrants.

    Computed with :func:`distance_to_hydrants` (node distances and the per-road formula), not with
    the split graph the model was built on; it must not exceed ``siting.cover_radius_m``.
    """
    all_h = RoadPoints(
        np.concatenate([hydrants.road, siting.new.road]), np.concatenate([hydrants.s, siting.new.s])
    )
    if siting.demand.road.size == 0:
        return 0.0
    return float(distance_to_hydrants(net, all_h, siting.demand).max())
