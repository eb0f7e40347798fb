"""End-to-end runs: from files (graph, stations, boundary) or a scenario to written outputs.

The command line calls these functions; they hold the orchestration so the commands stay thin.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from ._cache import cached_graph, cached_network
from ._errors import NetworkUnavailableError
from ._io import check_not_input, require_file, write_text_atomic
from .analysis import CoverageRun, analyse
from .demand import build_demand
from .maps import render_map
from .network import graph_from_bbox, graph_from_place, graph_from_polygon, load_graph
from .outputs import write_geopackage
from .report import coverage_markdown, report_json
from .scenario import Scenario, StationSpec, default_scenario_path, load_scenario
from .settings import resolve
from .stations import read_stations_file
from .traveltime import CSRNetwork
from .webmap import render_webmap

__all__ = [
    "RunInputs",
    "cached_load_graph",
    "coverage_from_files",
    "load_inputs",
    "run_demo",
    "write_run",
]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]

#: Map layers shown per command focus.
FOCUS_LAYERS: dict[str, tuple[str, ...]] = {
    "all": ("jurisdictions", "gaps", "stations", "service_areas"),
    "service-area": ("service_areas", "stations"),
    "jurisdictions": ("jurisdictions", "stations"),
    "gaps": ("gaps", "stations", "service_areas"),
}


@dataclass(frozen=True)
class RunInputs:
    """A road network with its demand surface and optional barriers, ready for :func:`analyse`."""

    graph: nx.MultiDiGraph
    net: CSRNetwork
    demand: Any
    barriers: Any
    synthetic: bool
    sources: tuple[Path, ...]


def _file_key(opts: dict[str, Any]) -> dict[str, Any]:
    """Cache-key parts of load options (defaults resolved so a changed default changes keys)."""
    key = {k: v for k, v in opts.items() if v is not None}
    key["congestion_factor"] = resolve(opts.get("congestion_factor"), "congestion_factor")
    key["keep_largest_component"] = resolve(None, "keep_largest_component")
    key.setdefault("profile", resolve(None, "speed_profile"))
    return key


def cached_load_graph(source: PathLike, **opts: Any) -> nx.MultiDiGraph:
    """:func:`~firecover.network.load_graph` through the graph cache (setting ``cache_dir``).

    A second load of the same file with the same options and speed profile skips parsing and
    preparation; corrupt or stale cache entries are rebuilt (:mod:`firecover._cache`).
    """
    path = require_file(source, "road file")
    return cached_graph(path, lambda: load_graph(path, **opts), key_parts=_file_key(opts))


def _graph_for(scenario: Scenario, graph: PathLike | None) -> nx.MultiDiGraph:
    g = scenario.graph
    opts: Any = {"profile": g.profile, "congestion_factor": g.congestion_factor, "crs": g.crs}
    if graph is not None:
        return cached_load_graph(graph, **opts)
    if g.kind == "file" and g.file is not None:
        return cached_load_graph(g.file, class_column=g.class_column,
                                 speed_column=g.speed_column, oneway_column=g.oneway_column,
                                 **opts)  # fmt: skip
    key = _file_key(opts)
    if g.kind == "place" and g.place:
        place = g.place
        return cached_graph(f"place:{place}", lambda: graph_from_place(place, **opts),
                            key_parts=key)  # fmt: skip
    if g.kind == "polygon" and g.polygon is not None:
        poly = g.polygon
        return cached_graph(f"polygon:{poly}", lambda: graph_from_polygon(poly, **opts),
                            key_parts={**key, "polygon": Path(poly)})  # fmt: skip
    if g.kind == "bbox" and g.bbox is not None:
        bbox = g.bbox
        return cached_graph(f"bbox:{list(bbox)}", lambda: graph_from_bbox(*bbox, **opts),
                            key_parts=key)  # fmt: skip
    raise NetworkUnavailableError(f"scenario {scenario.name}: no usable road graph source")


def _boundary_for(scenario: Scenario) -> Any:
    b = scenario.boundary
    if b.kind == "file":
        return b.file
    if b.kind == "place" and b.place:
        try:
            import osmnx as ox

            return ox.geocode_to_gdf(b.place)
        except Exception as exc:  # osmnx raises many kinds when offline
            raise NetworkUnavailableError(
                f"cannot geocode boundary {b.place!r} ({type(exc).__name__}); "
                "give [scenario.boundary] file = ... for offline use"
            ) from None
    return None


def load_inputs(
    graph: PathLike | nx.MultiDiGraph,
    *,
    boundary: Any = None,
    barriers: Any = None,
    cell_size_m: float | None = None,
    population: Any = None,
    population_column: str | None = None,
    risk: Any = None,
    risk_column: str | None = None,
) -> RunInputs:
    """Load (or take) a road graph and build its CSR network and demand surface."""
    if isinstance(graph, nx.MultiDiGraph):
        g, net = graph, CSRNetwork.from_graph(graph)
    else:
        path = require_file(graph, "road file")
        g, net = cached_network(path, lambda: load_graph(path), key_parts=_file_key({}))
    demand = build_demand(net, boundary, cell_size_m=cell_size_m, population=population,
                          population_column=population_column, risk=risk,
                          risk_column=risk_column)  # fmt: skip
    sources = tuple(Path(p) for p in (graph, boundary, barriers, population, risk)
                    if isinstance(p, str | os.PathLike))  # fmt: skip
    return RunInputs(g, net, demand, barriers, bool(g.graph.get("synthetic")), sources)


def write_run(
    run: CoverageRun,
    out_dir: PathLike,
    *,
    focus: str = "all",
    html: bool = True,
    offline_html: bool = True,
    inputs: Sequence[PathLike] = (),
) -> dict[str, Path]:
    """Write a run's GeoPackage, PNG map and (optionally) HTML map into ``out_dir``."""
    out = Path(out_dir)
    paths = {"gpkg": out / "layers.gpkg", "png": out / "map.png"}
    if html:
        paths["html"] = out / "map.html"
    for p in paths.values():
        check_not_input(p, inputs)
    write_geopackage(run.layers, paths["gpkg"], inputs=inputs)
    render_map(run.layers, paths["png"], show=FOCUS_LAYERS[focus], inputs=inputs)
    if html:
        render_webmap(run.layers, paths["html"], offline=offline_html, inputs=inputs)
    return paths


def _write_reports(runs: list[tuple[str, CoverageRun]], out: Path, title: str,
                   inputs: Sequence[PathLike]) -> dict[str, Path]:  # fmt: skip
    paths = {"json": out / "coverage.json", "md": out / "coverage.md"}
    for p in paths.values():
        check_not_input(p, inputs)
    write_text_atomic(paths["json"], report_json(runs, title=title))
    write_text_atomic(paths["md"], coverage_markdown(runs, title=title))
    return paths


def coverage_from_files(
    graph: PathLike,
    stations: PathLike,
    out_dir: PathLike,
    *,
    boundary: PathLike | None = None,
    barriers: PathLike | None = None,
    minutes: Sequence[float] | None = None,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    cell_size_m: float | None = None,
    within_barrier_zones: bool = False,
    focus: str = "all",
    html: bool = True,
) -> tuple[CoverageRun, dict[str, Path]]:
    """The ``service-area`` / ``jurisdictions`` / ``gaps`` commands: files in, outputs out."""
    specs = read_stations_file(stations)
    inp = load_inputs(graph, boundary=boundary, barriers=barriers, cell_size_m=cell_size_m)
    srcs = (*inp.sources, Path(stations))
    run = analyse(inp.net, specs, inp.demand, minutes=minutes, turnout_min=turnout_min,
                  driving_min=driving_min, barriers=barriers,
                  within_barrier_zones=within_barrier_zones,
                  meta={"title": Path(stations).stem, "synthetic": inp.synthetic})  # fmt: skip
    paths = write_run(run, out_dir, focus=focus, html=html, inputs=srcs)
    paths |= _write_reports([("Coverage 覆盖", run)], Path(out_dir), Path(stations).stem, srcs)
    return run, paths


def run_demo(out_dir: PathLike, *, html: bool = True) -> dict[str, Path]:
    """Run the whole pipeline on the embedded synthetic demo district, year by year.

    Writes ``<out>/<year>/`` (layers.gpkg, map.png, map.html) for every year in which the
    station set changes, and ``<out>/coverage.md`` / ``coverage.json`` comparing the years.
    """
    scenario = load_scenario(default_scenario_path())
    barriers = _demo_barrier_path(scenario)
    inp = load_inputs(_graph_for(scenario, None), boundary=_boundary_for(scenario),
                      barriers=barriers)  # fmt: skip
    out = Path(out_dir)
    runs: list[tuple[str, CoverageRun]] = []
    paths: dict[str, Path] = {}
    for year in scenario.years:
        specs: list[StationSpec] = scenario.stations_in_service(year)
        label = f"{year}: {len(specs)} stations 座消防站"
        run = analyse(
            inp.net, specs, inp.demand, minutes=[3, 4, 5, 8],
            turnout_min=scenario.budget.turnout_min, driving_min=scenario.budget.driving_min,
            barriers=barriers, limits=scenario.standards.limits or None,
            meta={"title": scenario.name, "title_zh": scenario.name_zh or scenario.name,
                  "synthetic": scenario.synthetic or inp.synthetic, "year": year},
        )  # fmt: skip
        for key, p in write_run(run, out / str(year), html=html).items():
            paths[f"{year}.{key}"] = p
        runs.append((label, run))
        log.info("demo %s: covered %.1f %%", year, 100 * run.summary.covered_share)
    paths |= _write_reports(runs, out, f"{scenario.name_zh} / {scenario.name}", ())
    return paths


def _demo_barrier_path(scenario: Scenario) -> Path | None:
    if scenario.graph.file is None:
        return None
    p = scenario.graph.file.parent / "barriers.geojson"
    return p if p.is_file() else None
