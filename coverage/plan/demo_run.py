"""The embedded synthetic demo district, run year by year (``firecover demo``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from firecover.analysis.files import load_inputs, write_reports, write_run
from firecover.analysis.run import CoverageRun, analyse
from firecover.analysis.station_spec import StationSpec
from firecover.outputs.run_folder import RunFolder
from firecover.outputs.webmap_tiles import TileSource
from firecover.plan.scenario import default_scenario_path, load_scenario
from firecover.plan.sources import boundary_for, demo_barrier_path, graph_for

__all__ = ["run_demo"]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]


def run_demo(out_dir: PathLike, *, html: bool = True,
             tiles: TileSource | None = None) -> dict[str, Path]:  # fmt: skip
    """Run the whole pipeline on the embedded synthetic demo district, year by year.

    Writes ``<out>/<year>/`` (layers.gpkg, map.png, map.html) for every year in which the
    station set changes, and ``<out>/coverage.md`` / ``coverage.json`` comparing the years.
    """
    with RunFolder(out_dir, extra={"kind": "demo"}) as rf:
        paths = _demo(rf.staging, html, tiles)
    return rf.final_paths(paths)


def _demo(out: Path, html: bool, tiles: TileSource | None = None) -> dict[str, Path]:
    scenario = load_scenario(default_scenario_path())
    barriers = demo_barrier_path(scenario)
    inp = load_inputs(graph_for(scenario, None), boundary=boundary_for(scenario),
                      barriers=barriers)  # fmt: skip
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
        for key, p in write_run(run, out / str(year), html=html, tiles=tiles).items():
            paths[f"{year}.{key}"] = p
        runs.append((label, run))
        log.info("demo %s: covered %.1f %%", year, 100 * run.summary.covered_share)
    paths |= write_reports(runs, out, f"{scenario.name_zh} / {scenario.name}", ())
    return paths
