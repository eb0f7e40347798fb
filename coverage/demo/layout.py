"""Private: the street layout and road graph of the synthetic demo district.

See :mod:`firecover.demo.build` for what the district contains and how it is written. Streets are
laid out in local metres from the district's south-west corner; ground streets are noded where
they cross (crossings closer than 12 m merge into one junction), grade-separated ones
(expressway, ramps) only where a ramp end touches a road; roads that are not bridges stop at the
riverside roads. Everything is deterministic (fixed seeds, centimetre rounding).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

__all__ = [
    "CRS",
    "HEIGHT",
    "NAME",
    "ORIGIN",
    "SOURCE",
    "VERSION",
    "WIDTH",
    "build_graph",
    "expressway_line",
    "river_polygon",
]

VERSION = "1"
SOURCE = f"firecover synthetic demo generator v{VERSION}"
NAME = "Lanhe Demo District (synthetic) / 澜河示范区（虚构）"
CRS = "EPSG:32650"
ORIGIN = (617_000.0, 4_290_000.0)  # UTM 50N of the south-west corner (open water, Bohai Sea)
WIDTH, HEIGHT = 3600.0, 2800.0
SEED = 20210401

Coords = list[tuple[float, float]]

_SNAP_M = 12.0  # intersections closer than this merge into one node
_ATTACH_M = 0.05  # a street end this close to another street joins it
_JITTER_M = 12.0


# --------------------------------------------------------------------------- layout


@dataclasses.dataclass(frozen=True)
class _Street:
    """A street polyline in local metres (direction = one-way direction)."""

    name: str
    highway: str
    coords: tuple[tuple[float, float], ...]
    oneway: bool = False
    elevated: bool = False  # grade-separated: joins others only where its own ends touch them
    bridge: bool = False  # may cross the river
    oneway_spans: tuple[tuple[int, float, float, bool], ...] = ()  # (axis, lo, hi, forward)
    droppable: bool = False

    @property
    def line(self) -> LineString:
        return LineString(self.coords)


def _river_centre(x: float) -> float:
    return 1190.0 + 55.0 * math.sin(2.0 * math.pi * (x + 300.0) / 2600.0)


_RIVER_X = [-200.0 + 50.0 * k for k in range(81)]  # -200 … 3800 m
_HALF_WIDTH, _ROAD_OFFSET = 45.0, 75.0


def _offset_line(dy: float) -> Coords:
    """A bank (or riverside-road) line ``dy`` metres north of the river's centre line."""
    return [(x, round(_river_centre(x) + dy, 2)) for x in _RIVER_X]


def river_polygon() -> Polygon:
    """The river (澜河) in local metres: a 90 m wide meandering band across the district."""
    north = _offset_line(_HALF_WIDTH)
    south = _offset_line(-_HALF_WIDTH)
    return Polygon(south + north[::-1])


def _corridor() -> Polygon:
    """The strip between the two riverside roads, where only bridges continue."""
    north = _offset_line(_ROAD_OFFSET)
    south = _offset_line(-_ROAD_OFFSET)
    return Polygon(south + north[::-1])


def _exp_x(y: float) -> float:
    return round(1800.0 + 40.0 * math.sin(math.pi * y / HEIGHT), 2)


_EXP_Y = [-150.0 + 50.0 * k for k in range(63)]  # -150 … 2950 m

_NS_MAJOR = [  # x, name, highway, bridge
    (0.0, "西环路", "primary", False),
    (450.0, "文化路", "secondary", False),
    (900.0, "澜河大道", "primary", True),
    (1350.0, "兴业路", "secondary", True),
    (2250.0, "新华路", "secondary", False),
    (2700.0, "海昌路", "primary", True),
    (3150.0, "振兴路", "secondary", False),
    (3600.0, "东环路", "primary", False),
]
_EW_MAJOR = [  # y, name, highway
    (0.0, "南环路", "primary"),
    (475.0, "育才路", "secondary"),
    (950.0, "建设大道", "primary"),
    (1425.0, "滨江路", "secondary"),
    (1900.0, "人民路", "primary"),
    (HEIGHT, "北环路", "primary"),
]
_NS_LOCAL = [
    (150.0, "槐荫街"),
    (300.0, "柳岸街"),
    (600.0, "桃园街"),
    (750.0, "杏林街"),
    (1050.0, "梅园街"),
    (1200.0, "竹溪街"),
    (1500.0, "兰亭街"),
    (1650.0, "菊香街"),
    (1950.0, "松涛街"),
    (2100.0, "枫林街"),
    (2400.0, "桂花街"),
    (2550.0, "海棠街"),
    (2850.0, "茉莉街"),
    (3000.0, "丁香街"),
    (3300.0, "紫薇街"),
    (3450.0, "银杏街"),
]
_EW_LOCAL = [
    (160.0, "纬一路"),
    (320.0, "纬二路"),
    (635.0, "纬三路"),
    (790.0, "纬四路"),
    (1585.0, "纬五路"),
    (1745.0, "纬六路"),
    (2095.0, "纬七路"),
    (2600.0, "纬八路"),
]
_ONEWAY_LOCAL = {  # name: (axis 0 = x / 1 = y, from, to, forward along the street)
    "纬二路": (0, 450.0, 900.0, True),
    "纬五路": (0, 2700.0, 3150.0, False),
    "纬八路": (0, 450.0, 900.0, False),
    "桃园街": (1, 0.0, 475.0, True),
    "紫薇街": (1, 1425.0, 1900.0, False),
}
_CUL_DE_SACS = ["安宁里", "福康里", "和顺里", "吉祥里", "永安里", "长乐里"]


def _majors() -> list[_Street]:
    out = [_Street(n, hw, ((x, 0.0), (x, HEIGHT)), bridge=br) for x, n, hw, br in _NS_MAJOR]
    out += [_Street(n, hw, ((0.0, y), (WIDTH, y))) for y, n, hw in _EW_MAJOR]
    out.append(_Street("胜利路", "secondary", ((0.0, 2290.0), (WIDTH, 2290.0)), oneway=True))
    out.append(_Street("解放路", "secondary", ((WIDTH, 2410.0), (0.0, 2410.0)), oneway=True))
    out.append(_Street("新华斜街", "tertiary", ((2250.0, 1900.0), (3150.0, HEIGHT))))
    return out


def _riverside() -> list[_Street]:
    """The roads along both banks, on the edges of the river corridor."""
    return [
        _Street(name, "tertiary", tuple(p for p in _offset_line(dy) if 0.0 <= p[0] <= WIDTH))
        for dy, name in ((-_ROAD_OFFSET, "南滨河路"), (_ROAD_OFFSET, "北滨河路"))
    ]


def _spans(name: str) -> tuple[tuple[int, float, float, bool], ...]:
    return (_ONEWAY_LOCAL[name],) if name in _ONEWAY_LOCAL else ()


def _locals(rng: np.random.Generator) -> list[_Street]:
    ys = [y for y, _, _ in _EW_MAJOR]
    xs = [x for x, _, _, _ in _NS_MAJOR]
    out = []
    for x0, name in _NS_LOCAL:
        jit = np.round(rng.uniform(-_JITTER_M, _JITTER_M, len(ys)), 1)
        pts = tuple((x0 + float(j), y) for j, y in zip(jit, ys, strict=True))
        out.append(_Street(name, "residential", pts, oneway_spans=_spans(name), droppable=True))
    for y0, name in _EW_LOCAL:
        jit = np.round(rng.uniform(-_JITTER_M, _JITTER_M, len(xs)), 1)
        pts = tuple((x, y0 + float(j)) for j, x in zip(jit, xs, strict=True))
        out.append(_Street(name, "residential", pts, oneway_spans=_spans(name), droppable=True))
    return out


def _cul_de_sacs(rng: np.random.Generator, locals_: Sequence[_Street]) -> list[_Street]:
    ew = [s for s in locals_ if s.name in {n for _, n in _EW_LOCAL}]
    cells = [(i, k) for i in range(len(ew)) for k in range(24) if not 10 <= k <= 13]
    pick = rng.choice(len(cells), size=len(_CUL_DE_SACS), replace=False)
    out = []
    for name, c in zip(_CUL_DE_SACS, sorted(int(p) for p in pick), strict=True):
        street, k = ew[cells[c][0]], cells[c][1]
        x = 75.0 + 150.0 * k
        xs, ys = zip(*street.coords, strict=True)
        y = round(float(np.interp(x, xs, ys)), 2)
        out.append(_Street(name, "residential", ((x, y), (x, round(y + 70.0, 2)))))
    return out


def _bezier(
    p0: Sequence[float], p3: Sequence[float], n: int = 12
) -> tuple[tuple[float, float], ...]:
    dx, dy = p3[0] - p0[0], p3[1] - p0[1]
    p1 = (p0[0] + 0.15 * dx, p0[1] + 0.5 * dy)
    p2 = (p3[0] - 0.5 * dx, p3[1])
    t = np.linspace(0.0, 1.0, n)[:, None]
    pts = ((1 - t) ** 3) * p0 + 3 * ((1 - t) ** 2) * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
    return tuple((round(float(a), 2), round(float(b), 2)) for a, b in pts)


def _local_x_at(locals_: Sequence[_Street], name: str, y: float) -> float:
    street = next(s for s in locals_ if s.name == name)
    return next(p[0] for p in street.coords if p[1] == y)


def expressway_line() -> LineString:
    """The expressway (滨海快速路) centre line in local metres, south to north."""
    return LineString([(_exp_x(y), y) for y in _EXP_Y])


def _expressway(locals_: Sequence[_Street]) -> list[_Street]:
    line = tuple((float(x), float(y)) for x, y in expressway_line().coords)
    out = [_Street("滨海快速路", "motorway", line, elevated=True)]

    def exp(y: float) -> tuple[float, float]:
        return (_exp_x(y), y)

    def ramp(name: str, a: tuple[float, float], b: tuple[float, float], rev: bool) -> _Street:
        pts = _bezier(b, a)[::-1] if rev else _bezier(a, b)
        return _Street(name, "motorway_link", pts, oneway=True, elevated=True)

    for y0, road, full in ((950.0, "建设大道", False), (1900.0, "人民路", True)):
        west = (_local_x_at(locals_, "菊香街", y0), y0)
        east = (_local_x_at(locals_, "松涛街", y0), y0)
        out.append(ramp(f"{road}北行出口匝道", exp(y0 - 250.0), east, False))
        out.append(ramp(f"{road}南行入口匝道", west, exp(y0 - 250.0), True))
        if full:
            out.append(ramp(f"{road}北行入口匝道", east, exp(y0 + 250.0), True))
            out.append(ramp(f"{road}南行出口匝道", exp(y0 + 250.0), west, False))
    return out


def _cut_river(streets: Iterable[_Street]) -> list[_Street]:
    """Stop every ground street that is not a bridge at the riverside roads."""
    corridor = _corridor()
    out = []
    for s in streets:
        if s.elevated or s.bridge or not s.line.intersects(corridor):
            out.append(s)
            continue
        rest = s.line.difference(corridor)
        for part in getattr(rest, "geoms", [rest]):
            if part.length > 1.0:
                pts = tuple((round(x, 2), round(y, 2)) for x, y in part.coords)
                out.append(dataclasses.replace(s, coords=pts))
    return out


def layout() -> list[_Street]:
    """Every street of the district in local metres (before noding)."""
    rng = np.random.default_rng(SEED)
    locals_ = _locals(rng)
    streets = _majors() + locals_ + _cul_de_sacs(rng, locals_)
    return _cut_river(streets) + _riverside() + _expressway(locals_)


# --------------------------------------------------------------------------- noding


class _Nodes:
    """Node positions; a point within ``_SNAP_M`` of a known node is that node."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self._grid: dict[tuple[int, int], list[int]] = {}

    def add(self, x: float, y: float) -> int:
        cx, cy = int(x // _SNAP_M), int(y // _SNAP_M)
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for i in self._grid.get((gx, gy), []):
                    if math.dist(self.xy[i], (x, y)) < _SNAP_M:
                        return i
        self.xy.append((round(x, 2), round(y, 2)))
        self._grid.setdefault((cx, cy), []).append(len(self.xy) - 1)
        return len(self.xy) - 1


def _points(geom: shapely.Geometry) -> list[tuple[float, float]]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Point":
        return [(geom.x, geom.y)]
    if geom.geom_type == "MultiPoint":
        return [(p.x, p.y) for p in geom.geoms]
    raise ValueError(f"streets overlap along a line: {geom.wkt[:80]}")


def _cut_points(streets: Sequence[_Street], nodes: _Nodes) -> list[set[int]]:
    lines = [s.line for s in streets]
    cuts: list[set[int]] = [set() for _ in streets]
    river = river_polygon().exterior
    for i, s in enumerate(streets):
        for end in (s.coords[0], s.coords[-1]):
            n = nodes.add(*end)
            cuts[i].add(n)
            for j, other in enumerate(lines):
                if j != i and other.distance(Point(end)) < _ATTACH_M:
                    cuts[j].add(n)
        if s.elevated or s.bridge:
            cuts[i].update(nodes.add(*p) for p in _points(lines[i].intersection(river)))
        if s.elevated:
            continue
        for j in range(i + 1, len(streets)):
            if not streets[j].elevated and lines[i].intersects(lines[j]):
                pts = _points(lines[i].intersection(lines[j]))
                for p in pts:
                    n = nodes.add(*p)
                    cuts[i].add(n)
                    cuts[j].add(n)
    return cuts


@dataclasses.dataclass
class _Piece:
    street: int
    u: int
    v: int
    coords: Coords
    mid: tuple[float, float]  # the piece's middle point


def _split(i: int, line: LineString, cut: set[int], nodes: _Nodes) -> list[_Piece]:
    at = sorted((line.project(Point(nodes.xy[n])), n) for n in cut)
    out = []
    for (d0, a), (d1, b) in itertools.pairwise(at):
        if a == b or d1 - d0 < 1e-6:
            continue
        inner = list(substring(line, d0, d1).coords)[1:-1]
        pa, pb = nodes.xy[a], nodes.xy[b]
        inner = [p for p in inner if math.dist(p, pa) > 1.0 and math.dist(p, pb) > 1.0]
        pts = [pa, *[(round(x, 2), round(y, 2)) for x, y in inner], pb]
        mid = line.interpolate((d0 + d1) / 2.0)
        out.append(_Piece(i, a, b, pts, (mid.x, mid.y)))
    return out


def _pieces(streets: Sequence[_Street]) -> tuple[list[_Piece], _Nodes]:
    nodes = _Nodes()
    cuts = _cut_points(streets, nodes)
    pieces = [p for i, s in enumerate(streets) for p in _split(i, s.line, cuts[i], nodes)]
    return pieces, nodes


# --------------------------------------------------------------------------- graph


def _direction(street: _Street, piece: _Piece) -> bool | None:
    """``True``/``False`` for a one-way piece along/against the street, ``None`` for two-way."""
    if street.oneway:
        return True
    for axis, lo, hi, forward in street.oneway_spans:
        if lo <= piece.mid[axis] <= hi:
            return forward
    return None


def _utm(p: tuple[float, float]) -> tuple[float, float]:
    return (round(ORIGIN[0] + p[0], 2), round(ORIGIN[1] + p[1], 2))


def _edge_attrs(street: _Street, coords: Coords, oneway: bool) -> dict[str, Any]:
    pts = [_utm(p) for p in coords]
    attrs: dict[str, Any] = {
        "highway": street.highway,
        "road_class": street.highway,
        "name": street.name,
        "oneway": oneway,
        "length": round(sum(math.dist(a, b) for a, b in itertools.pairwise(pts)), 3),
        "geometry": LineString(pts),
    }
    if (street.bridge or street.elevated) and LineString(coords).within(
        river_polygon().buffer(0.01)
    ):
        attrs["bridge"] = "yes"
    return attrs


def _digraph(pieces: Sequence[_Piece], streets: Sequence[_Street]) -> nx.DiGraph:
    out = nx.DiGraph()
    for p in pieces:
        way = _direction(streets[p.street], p)
        if way is None or way:
            out.add_edge(p.u, p.v)
        if way is None or not way:
            out.add_edge(p.v, p.u)
    return out


def _drop_links(pieces: list[_Piece], streets: Sequence[_Street]) -> list[_Piece]:
    """Remove about 8 % of local links between two 4-way crossings, keeping strong connectivity."""
    rng = np.random.default_rng(SEED + 1)
    keep = list(pieces)
    cand = [
        p
        for p in pieces
        if streets[p.street].droppable and _direction(streets[p.street], p) is None
    ]
    target = round(0.08 * len(cand))
    dropped = 0
    for k in rng.permutation(len(cand)):
        if dropped >= target:
            break
        p = cand[int(k)]
        deg: dict[int, int] = {}
        for q in keep:
            deg[q.u] = deg.get(q.u, 0) + 1
            deg[q.v] = deg.get(q.v, 0) + 1
        if deg[p.u] < 4 or deg[p.v] < 4:
            continue
        trial = [q for q in keep if q is not p]
        if nx.is_strongly_connected(_digraph(trial, streets)):
            keep, dropped = trial, dropped + 1
    return keep


def build_graph() -> nx.MultiDiGraph:
    """Build the demo district road graph (projected to EPSG:32650, osmnx convention).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by int with ``x``, ``y``; directed edges with ``highway``, ``road_class``,
        ``name``, ``oneway``, ``length``, ``geometry`` (and ``bridge="yes"`` on bridges); graph
        attributes ``name``, ``crs``, ``synthetic``, ``source``, ``simplified``.
    """
    streets = layout()
    pieces, nodes = _pieces(streets)
    pieces = _drop_links(pieces, streets)
    used = sorted({n for p in pieces for n in (p.u, p.v)}, key=lambda n: nodes.xy[n][::-1])
    ids = {n: i for i, n in enumerate(used)}
    graph = nx.MultiDiGraph(name=NAME, crs=CRS, synthetic=True, source=SOURCE, simplified=True)
    for n in used:
        x, y = _utm(nodes.xy[n])
        graph.add_node(ids[n], x=x, y=y)
    edges = []
    for p in pieces:
        street = streets[p.street]
        way = _direction(street, p)
        if way is None or way:
            edges.append((ids[p.u], ids[p.v], _edge_attrs(street, p.coords, way is not None)))
        if way is None or not way:
            edges.append((ids[p.v], ids[p.u], _edge_attrs(street, p.coords[::-1], way is not None)))
    for u, v, attrs in sorted(edges, key=lambda e: (e[0], e[1], e[2]["name"])):
        graph.add_edge(u, v, **attrs)
    _check(graph)
    return graph


def _check(graph: nx.MultiDiGraph) -> None:
    if not nx.is_strongly_connected(graph):
        raise RuntimeError("demo graph is not strongly connected; fix the layout")
    short = min(d["length"] for _, _, d in graph.edges(data=True))
    if short < 10.0:
        raise RuntimeError(f"demo graph has a {short:.1f} m edge; fix the layout")
