"""Private: describe a road graph (``firecover graph info``) and shared graph checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import shapely
from pyproj import CRS

from firecover._errors import GraphError
from firecover.network.periods import graph_travel_line
from firecover.network.turn_info import turn_summary, turn_text


def _check_graph(G: nx.MultiDiGraph) -> None:  # noqa: N803
    if G.number_of_nodes() == 0 or G.number_of_edges() == 0:
        raise GraphError("the road graph has no roads; check the input area or file")
    missing = sum(1 for _, d in G.nodes(data=True) if "x" not in d or "y" not in d)
    if missing:
        raise GraphError(f"{missing} graph nodes lack x/y coordinates; is this a road graph?")


def _is_metric(crs: CRS) -> bool:
    axis = crs.axis_info[0].unit_name if crs.axis_info else ""
    return bool(crs.is_projected and axis in {"metre", "meter"})


def _road_km(edges: Iterable[tuple[Any, Any, dict[str, Any]]]) -> float:
    """Road length in km: one-way edges once, each direction of a two-way road half."""
    return float(sum(d["length"] * (1.0 if d.get("oneway") else 0.5) for _, _, d in edges)) / 1000


@dataclass
class ClassStats:
    """Length and speed of one road class (road km: two-way roads counted once)."""

    km: float
    mean_kph: float | None
    edges: int


@dataclass
class GraphInfo:
    """Summary of a road graph (:func:`graph_info`).

    Road lengths (``road_km``, per class, ``oneway_share``) count each road once: a one-way
    edge fully, each direction of a two-way road half. ``directed_km`` sums all directed edges.
    ``mean_kph`` is total length / total travel time (directed edges).
    """

    name: str
    source: str
    crs: str
    nodes: int
    edges: int
    road_km: float
    directed_km: float
    hull_area_km2: float
    strong_components: int
    weak_components: int
    oneway_share: float
    mean_kph: float | None
    speed_profile: str | None
    congestion_factor: float | None
    classes: dict[str, ClassStats] = field(default_factory=dict)
    dropped: dict[str, float] = field(default_factory=dict)
    turns: dict[str, Any] = field(default_factory=dict)
    travel_model: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary."""
        return asdict(self)

    def to_text(self) -> str:
        """A readable multi-line table."""
        lines = [
            f"graph        {self.name}",
            f"source       {self.source}",
            f"crs          {self.crs}",
            f"nodes        {self.nodes:,}",
            f"edges        {self.edges:,} (directed)",
            f"road length  {self.road_km:,.2f} km (two-way roads once; "
            f"{self.directed_km:,.2f} km directed)",
            f"hull area    {self.hull_area_km2:,.2f} km²",
            f"components   {self.strong_components} strong, {self.weak_components} weak",
            f"one-way      {self.oneway_share:.1%} of road length",
            f"mean speed   {_fmt(self.mean_kph)} km/h (profile {self.speed_profile}, "
            f"congestion x{_fmt(self.congestion_factor, '.2f')})",
        ]
        if self.travel_model:
            lines.append(self.travel_model)
        if self.dropped:
            d = self.dropped
            lines.append(
                f"dropped      {d.get('dropped_nodes', 0):.0f} nodes, "
                f"{d.get('dropped_edges', 0):.0f} edges, {d.get('dropped_km', 0):.2f} km "
                "outside the largest strong component"
            )
        lines += turn_text(self.turns)
        lines += ["", f"{'class':<16}{'km':>10}{'km/h':>8}{'edges':>9}"]
        for cls, s in self.classes.items():
            lines.append(f"{cls:<16}{s.km:>10.2f}{_fmt(s.mean_kph):>8}{s.edges:>9,}")
        return "\n".join(lines)


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _mean_kph(edges: list[dict[str, Any]]) -> float | None:
    timed = [d for d in edges if d.get("travel_time", 0) > 0]
    if not timed:
        return None
    hours = float(sum(d["travel_time"] for d in timed)) / 3600
    return round(float(sum(d["length"] for d in timed)) / 1000 / hours, 2)


def _hull_km2(graph: nx.MultiDiGraph) -> float:
    points = shapely.multipoints([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    hull = gpd.GeoSeries([points.convex_hull], crs=graph.graph.get("crs"))
    if hull.crs is not None and not _is_metric(hull.crs):
        hull = hull.to_crs(hull.estimate_utm_crs())
    return float(hull.area.iloc[0]) / 1e6


def graph_info(G: nx.MultiDiGraph) -> GraphInfo:  # noqa: N803 (osmnx convention)
    """Describe a road graph: size, length, area, connectivity, speeds by class, one-way share.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared (or raw osmnx) road graph.

    Returns
    -------
    GraphInfo
    """
    _check_graph(G)
    edges = list(G.edges(data=True))
    by_class: dict[str, list[tuple[Any, Any, dict[str, Any]]]] = {}
    for e in edges:
        by_class.setdefault(str(e[2].get("road_class", "?")), []).append(e)
    classes = {
        cls: ClassStats(round(_road_km(es), 3), _mean_kph([d for *_, d in es]), len(es))
        for cls, es in sorted(by_class.items(), key=lambda kv: -_road_km(kv[1]))
    }
    road_km = _road_km(edges)
    oneway_km = _road_km(e for e in edges if e[2].get("oneway"))
    factor = G.graph.get("congestion_factor")
    return GraphInfo(
        name=str(G.graph.get("name", "")),
        source=str(G.graph.get("source", "")),
        crs=str(G.graph.get("crs", "")),
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
        road_km=round(road_km, 3),
        directed_km=round(float(sum(d["length"] for *_, d in edges)) / 1000, 3),
        hull_area_km2=round(_hull_km2(G), 3),
        strong_components=nx.number_strongly_connected_components(G),
        weak_components=nx.number_weakly_connected_components(G),
        oneway_share=round(oneway_km / road_km, 4) if road_km else 0.0,
        mean_kph=_mean_kph([d for *_, d in edges]),
        speed_profile=G.graph.get("speed_profile"),
        congestion_factor=None if factor is None else float(factor),
        classes=classes,
        dropped={k: float(v) for k, v in G.graph.items() if k.startswith("dropped_")},
        turns=(turns := turn_summary(G)),
        travel_model=graph_travel_line(
            G.graph, f"turns: auto → {turns['auto']}" if turns else None
        ),
    )
