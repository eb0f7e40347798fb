"""One coverage run from files: load a road graph (through the cache), build demand, write outputs.

The ``service-area`` / ``jurisdictions`` / ``gaps`` commands call :func:`coverage_from_files`;
siting and plan evaluation load their inputs with :func:`load_inputs` and write coverage layers
and maps with :func:`write_run`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from firecover._io import check_not_input, require_file, write_text_atomic
from firecover.analysis.demand import build_demand
from firecover.analysis.report import coverage_markdown, report_json
from firecover.analysis.run import CoverageRun, analyse
from firecover.analysis.stations import read_stations_file
from firecover.network.cache import cached_graph, cached_network
from firecover.network.load import load_graph
from firecover.network.periods import current_travel
from firecover.outputs.layers import write_geopackage
from firecover.outputs.maps import render_map
from firecover.outputs.run_folder import RunFolder
from firecover.outputs.webmap import render_webmap
from firecover.outputs.webmap_tiles import TileSource
from firecover.settings import resolve
from firecover.traveltime.search import CSRNetwork

__all__ = [
    "RunInputs",
    "cached_load_graph",
    "coverage_from_files",
    "file_key",
    "load_inputs",
    "write_reports",
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


def file_key(opts: dict[str, Any]) -> dict[str, Any]:
    """Cache-key parts of load options (defaults resolved so a changed default changes keys)."""
    key = {k: v for k, v in opts.items() if v is not None}
    key["congestion_factor"] = resolve(opts.get("congestion_factor"), "congestion_factor")
    key["keep_largest_component"] = resolve(None, "keep_largest_component")
    key.setdefault("profile", resolve(None, "speed_profile"))
    key.update(current_travel().key_parts())  # never mix periods or profiles in the cache
    return key


def cached_load_graph(source: PathLike, **opts: Any) -> nx.MultiDiGraph:
    """:func:`~firecover.network.load_graph` through the graph cache (setting ``cache_dir``).

    A second load of the same file with the same options and speed profile skips parsing and
    preparation; corrupt or stale cache entries are rebuilt (:mod:`firecover.network.cache`).
    """
    path = require_file(source, "road file")
    return cached_graph(path, lambda: load_graph(path, **opts), key_parts=file_key(opts))


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
        g, net = cached_network(path, lambda: load_graph(path), key_parts=file_key({}))
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
    lang: str = "both",
    tiles: TileSource | None = None,
) -> dict[str, Path]:
    """Write a run's GeoPackage, PNG map (title and legend in ``lang``) and (optionally) HTML
    map (basemap ``tiles``, default none) into ``out_dir``."""
    out = Path(out_dir)
    paths = {"gpkg": out / "layers.gpkg", "png": out / "map.png"}
    if html:
        paths["html"] = out / "map.html"
    for p in paths.values():
        check_not_input(p, inputs)
    write_geopackage(run.layers, paths["gpkg"], inputs=inputs, lang=lang)
    render_map(run.layers, paths["png"], show=FOCUS_LAYERS[focus], inputs=inputs, lang=lang)
    if html:
        render_webmap(run.layers, paths["html"], offline=offline_html, inputs=inputs, lang=lang,
                      tiles=tiles)  # fmt: skip
    return paths


def write_reports(runs: list[tuple[str, CoverageRun]], out: Path, title: str,
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
    lang: str = "both",
    datum_check: bool = True,
    tiles: TileSource | None = None,
) -> tuple[CoverageRun, dict[str, Path]]:
    """The ``service-area`` / ``jurisdictions`` / ``gaps`` commands: files in, outputs out.

    ``out_dir`` is written as one run (:class:`~firecover.outputs.run_folder.RunFolder`): every
    refusal comes before the first output, and the folder ends as the old run or the new one.
    """
    given = [Path(p) for p in (graph, stations, boundary, barriers) if p is not None]
    with RunFolder(out_dir, inputs=given, extra={"kind": focus}) as rf:
        specs = read_stations_file(stations)
        inp = load_inputs(graph, boundary=boundary, barriers=barriers, cell_size_m=cell_size_m)
        srcs = (*inp.sources, Path(stations))
        run = analyse(inp.net, specs, inp.demand, minutes=minutes, turnout_min=turnout_min,
                      driving_min=driving_min, barriers=barriers,
                      within_barrier_zones=within_barrier_zones,
                      meta={"title": Path(stations).stem, "synthetic": inp.synthetic},
                      datum_check=datum_check)  # fmt: skip
        paths = write_run(run, rf.staging, focus=focus, html=html, inputs=srcs, lang=lang,
                          tiles=tiles)  # fmt: skip
        paths |= write_reports([("Coverage 覆盖", run)], rf.staging, Path(stations).stem, srcs)
    return run, rf.final_paths(paths)
