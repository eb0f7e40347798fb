"""Small road graphs in the DESIGN.md interchange format, built in code for tests.

Every builder returns a ``networkx.MultiDiGraph`` projected to a metric CRS with ``length``,
``speed_kph``, ``travel_time``, ``oneway``, ``road_class`` and (mostly) ``geometry`` on each edge.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
from shapely.geometry import LineString

from firecover.network.snapping import Snapped
from firecover.traveltime import CSRNetwork

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 4_300_000.0
XIAN_LINKS = Path("/work/shared/data/xian_roads/modifiedConn_link.shp")


def empty_graph(crs: str | None = CRS) -> nx.MultiDiGraph:
    """An empty graph with the standard graph attributes."""
    g = nx.MultiDiGraph()
    if crs is not None:
        g.graph["crs"] = crs
    g.graph.update(name="test", synthetic=True, speed_profile="test", congestion_factor=1.0)
    g.graph["source"] = "tests.graphs"
    return g


def add_road(
    g: nx.MultiDiGraph,
    u: int,
    v: int,
    speed_kph: float,
    *,
    oneway: bool = False,
    geometry: LineString | None = None,
    with_geometry: bool = True,
    road_class: str = "residential",
    length: float | None = None,
) -> None:
    """Add a road u→v (and v→u with reversed geometry unless ``oneway``)."""
    if geometry is None:
        pu, pv = g.nodes[u], g.nodes[v]
        geometry = LineString([(pu["x"], pu["y"]), (pv["x"], pv["y"])])
    length = float(geometry.length) if length is None else length
    tt = length / (speed_kph / 3.6)
    attrs = {
        "length": length,
        "speed_kph": speed_kph,
        "travel_time": tt,
        "oneway": oneway,
        "road_class": road_class,
    }
    fwd = dict(attrs, geometry=geometry) if with_geometry else dict(attrs)
    g.add_edge(u, v, **fwd)
    if not oneway:
        back = dict(attrs, geometry=geometry.reverse()) if with_geometry else dict(attrs)
        g.add_edge(v, u, **back)


def straight_road(
    length_m: float = 1000.0, speed_kph: float = 36.0, *, oneway: bool = False
) -> nx.MultiDiGraph:
    """Two nodes 0 → 1 along the x axis, ``length_m`` apart."""
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + length_m, y=Y0)
    add_road(g, 0, 1, speed_kph, oneway=oneway)
    return g


def grid(
    nx_: int = 6,
    ny: int = 5,
    spacing: float = 200.0,
    *,
    seed: int = 0,
    oneway_share: float = 0.3,
    with_geometry: bool = True,
) -> nx.MultiDiGraph:
    """A rectangular street grid; a share of streets are one-way in a random direction."""
    rng = np.random.default_rng(seed)
    g = empty_graph()
    for j in range(ny):
        for i in range(nx_):
            g.add_node(j * nx_ + i, x=X0 + i * spacing, y=Y0 + j * spacing)
    for j in range(ny):
        for i in range(nx_):
            n = j * nx_ + i
            for m in ([n + 1] if i + 1 < nx_ else []) + ([n + nx_] if j + 1 < ny else []):
                speed = float(rng.choice([20.0, 30.0, 40.0, 60.0]))
                oneway = bool(rng.random() < oneway_share)
                u, v = (n, m) if rng.random() < 0.5 else (m, n)
                add_road(g, u, v, speed, oneway=oneway, with_geometry=with_geometry)
    return g


def _curve(g: nx.MultiDiGraph, u: int, v: int, bend: float) -> LineString:
    pu = np.array([g.nodes[u]["x"], g.nodes[u]["y"]])
    pv = np.array([g.nodes[v]["x"], g.nodes[v]["y"]])
    d = pv - pu
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
    mid1 = pu + d / 3 + normal * bend
    mid2 = pu + 2 * d / 3 + normal * bend
    return LineString([tuple(pu), tuple(mid1), tuple(mid2), tuple(pv)])


def random_graph(
    n: int = 60,
    *,
    seed: int = 0,
    extent: float = 3000.0,
    parallel_share: float = 0.15,
    oneway_share: float = 0.2,
    zero_length: bool = False,
) -> nx.MultiDiGraph:
    """A planar-ish random road graph (Delaunay triangulation of random points).

    Includes one-way roads, curved geometries, parallel roads between the same nodes (one
    straight, one curved, different speeds) and optionally a zero-length edge.
    """
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(seed)
    pts = rng.uniform(0.0, extent, size=(n, 2))
    g = empty_graph()
    for i, (px, py) in enumerate(pts):
        g.add_node(i, x=X0 + float(px), y=Y0 + float(py))
    tri = Delaunay(pts)
    pairs = {
        tuple(sorted((int(a), int(b))))
        for s in tri.simplices
        for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2]))
    }
    for a, b in sorted(pairs):
        if rng.random() < 0.15:
            continue  # drop a few roads
        u, v = (a, b) if rng.random() < 0.5 else (b, a)
        speed = float(rng.uniform(15.0, 70.0))
        oneway = bool(rng.random() < oneway_share)
        geom = _curve(g, u, v, float(rng.uniform(-80, 80))) if rng.random() < 0.4 else None
        add_road(
            g, u, v, speed, oneway=oneway, geometry=geom, with_geometry=bool(rng.random() < 0.9)
        )
        if rng.random() < parallel_share:
            add_road(
                g,
                u,
                v,
                float(rng.uniform(15.0, 70.0)),
                oneway=bool(rng.random() < 0.5),
                geometry=_curve(g, u, v, float(rng.uniform(100, 250))),
            )
    if zero_length:
        add_zero_length_edge(g)
    return g


def add_zero_length_edge(g: nx.MultiDiGraph) -> int:
    """Add a node on top of node 0 joined to it by a two-way zero-length, zero-time road."""
    new = max(g.nodes) + 1
    g.add_node(new, x=g.nodes[0]["x"], y=g.nodes[0]["y"])
    add_road(g, 0, new, 30.0, length=0.0)
    # connect the new node onwards so that paths through the zero edge matter
    nbrs = [v for v in g.successors(0) if v != new]
    if nbrs:
        add_road(g, new, nbrs[0], 50.0, oneway=True, with_geometry=False)
    return new


def xian_graph(
    bbox: tuple[float, float, float, float] = (108.93, 34.17, 108.97, 34.20),
    speed_kph: float = 40.0,
) -> nx.MultiDiGraph | None:
    """A few km² of the real Xi'an centre-line file, bidirectional at a constant speed.

    Returns ``None`` when the shared data file is absent.
    """
    if not XIAN_LINKS.exists():
        return None
    import geopandas as gpd
    from shapely.geometry import box

    links = gpd.read_file(XIAN_LINKS, bbox=bbox)
    links = links[links.geometry.within(box(*bbox))].to_crs("EPSG:32649")
    g = empty_graph("EPSG:32649")
    for row in links.itertuples(index=False):
        geom = row.geometry
        if geom.geom_type != "LineString" or geom.length == 0:
            continue
        u, v = int(row.from_node), int(row.to_node)
        for node, (px, py) in ((u, geom.coords[0]), (v, geom.coords[-1])):
            if node not in g:
                g.add_node(node, x=float(px), y=float(py))
        add_road(g, u, v, speed_kph, geometry=geom, road_class="primary")
    return g


def split_oracle(net: CSRNetwork, pts: Snapped) -> nx.DiGraph:
    """An independent networkx graph with every snapped point inserted as real nodes.

    Each edge holding points is cut at them (forward chain by ``t(e)``, backward chain by the
    twin's time); point ``i`` becomes node ``("p", i)`` joined to its roadside spot by two access
    legs. A point exactly at an edge end is joined to that node both ways (it *is* the node).
    Untouched edges are copied with their (min) ``travel_time``.
    """
    dg = nx.DiGraph()
    node_ids = net.node_ids
    eu, ev, rev, tt = net.edge_u, net.edge_v, net.edge_reverse, net.edge_time
    edge, frac, access = pts.edge, pts.fraction, pts.access_s

    def link(a: object, b: object, w: float) -> None:
        if a == b:
            return
        if not dg.has_edge(a, b) or dg[a][b]["w"] > w:
            dg.add_edge(a, b, w=w)

    split = set(edge.tolist()) | {int(rev[e]) for e in edge.tolist() if rev[e] >= 0}
    for i in range(len(eu)):
        if i not in split:
            link(("n", int(eu[i])), ("n", int(ev[i])), float(tt[i]))
    dg.add_nodes_from(("n", i) for i in range(len(node_ids)))
    for e in sorted(set(edge.tolist())):
        on = np.flatnonzero(edge == e)
        on = on[np.argsort(frac[on], kind="stable")]
        chain = [("n", int(eu[e]))] + [("s", int(i)) for i in on] + [("n", int(ev[e]))]
        fr = [0.0] + [float(frac[i]) for i in on] + [1.0]
        for k in range(len(chain) - 1):
            link(chain[k], chain[k + 1], (fr[k + 1] - fr[k]) * float(tt[e]))
            if rev[e] >= 0:
                link(chain[k + 1], chain[k], (fr[k + 1] - fr[k]) * float(tt[rev[e]]))
        for p in on.tolist():
            if frac[p] == 0.0:
                link(("s", p), ("n", int(eu[e])), 0.0)
            if frac[p] == 1.0:
                link(("n", int(ev[e])), ("s", p), 0.0)
    for i in range(len(edge)):
        link(("p", i), ("s", i), float(access[i]))
        link(("s", i), ("p", i), float(access[i]))
    return dg


def grid_covering(
    xy: np.ndarray,
    crs: str,
    *,
    spacing: float = 200.0,
    margin: float = 1000.0,
    speed_kph: float = 40.0,
    spurs: bool = False,
) -> nx.MultiDiGraph:
    """A two-way street grid in ``crs`` covering the metric points ``xy`` (n × 2) plus ``margin``.

    Grid lines lie on multiples of ``spacing`` (in ``crs`` metres), all at ``speed_kph``. With
    ``spurs``, each point becomes a node joined to its nearest grid node by a two-way road, so it
    lies exactly on the network however coarse the grid.
    """
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    lo = np.floor((pts.min(axis=0) - margin) / spacing) * spacing
    hi = np.ceil((pts.max(axis=0) + margin) / spacing) * spacing
    nx_, ny = (int(np.rint(v)) + 1 for v in (hi - lo) / spacing)
    g = empty_graph(crs)
    for j in range(ny):
        for i in range(nx_):
            g.add_node(j * nx_ + i, x=float(lo[0] + i * spacing), y=float(lo[1] + j * spacing))
    for j in range(ny):
        for i in range(nx_):
            n = j * nx_ + i
            for m in ([n + 1] if i + 1 < nx_ else []) + ([n + nx_] if j + 1 < ny else []):
                add_road(g, n, m, speed_kph, road_class="primary")
    if spurs:
        for k, (px, py) in enumerate(pts):
            i, j = (int(np.rint(v)) for v in (np.array([px, py]) - lo) / spacing)
            node = nx_ * ny + k
            g.add_node(node, x=float(px), y=float(py))
            add_road(g, node, j * nx_ + i, speed_kph, road_class="residential")
    return g
