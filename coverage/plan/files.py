"""``firecover evaluate`` / ``check``: a scenario file in, the year-by-year evaluation out."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd

from firecover._errors import NetworkUnavailableError
from firecover._io import atomic_path, check_not_input, write_text_atomic
from firecover._schema import check_value
from firecover.outputs.layers import write_geopackage
from firecover.outputs.maps import render_map
from firecover.outputs.run_folder import RunFolder
from firecover.outputs.webmap import render_webmap
from firecover.plan.evaluate import Progress, evaluate_plan
from firecover.plan.report import plan_json, plan_markdown
from firecover.plan.results import PlanEvaluation
from firecover.plan.scenario import Scenario, load_scenario

__all__ = ["check_scenario", "evaluate_scenario", "write_evaluation"]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]


def _boundary(scenario: Scenario, boundary: PathLike | None, graph_given: bool
              ) -> tuple[Any, str]:  # fmt: skip
    """The planning boundary and a note on where it came from."""
    from firecover.plan.sources import boundary_for

    if boundary is not None:
        return boundary, f"file {boundary}"
    b = scenario.boundary
    if b.kind == "place" and graph_given:
        try:
            return boundary_for(scenario), f"OpenStreetMap boundary of {b.place}"
        except NetworkUnavailableError as exc:
            log.warning("%s; using the road graph's hull as the planning area", exc)
            return None, (f"road-graph hull (the boundary of {b.place} could not be fetched "
                          "offline; give --boundary FILE)")  # fmt: skip
    where = {"file": f"file {b.file}", "place": f"OpenStreetMap boundary of {b.place}"}
    return boundary_for(scenario), where.get(b.kind, "road-graph hull")


def _sources(path: PathLike, scenario: Scenario, graph: PathLike | None,
             boundary: PathLike | None) -> tuple[Path, ...]:  # fmt: skip
    """Every input file of an evaluation (none may be inside its output folder)."""
    lay = scenario.layers
    return tuple(Path(p) for p in (path, graph, boundary, scenario.graph.file,
                                   scenario.boundary.file, lay.population, lay.risk)
                 if p is not None)  # fmt: skip


def _prepare(path: PathLike, graph: PathLike | None, boundary: PathLike | None,
             cell_size_m: float | None, scenario: Scenario | None = None,
             ) -> tuple[Scenario, Any, str, tuple[Path, ...]]:  # fmt: skip
    from firecover.analysis.files import load_inputs
    from firecover.plan.sources import demo_barrier_path, graph_for

    check_value(cell_size_m, "positive_metres", "cell_size_m")
    scenario = scenario if scenario is not None else load_scenario(path)
    g = graph_for(scenario, graph)
    area, note = _boundary(scenario, boundary, graph is not None)
    barriers = demo_barrier_path(scenario) if graph is None else None
    lay = scenario.layers
    inp = load_inputs(g, boundary=area, barriers=barriers, cell_size_m=cell_size_m,
                      population=lay.population, population_column=lay.population_column,
                      risk=lay.risk, risk_column=lay.risk_column)  # fmt: skip
    return scenario, inp, note, _sources(path, scenario, graph, boundary)


def evaluate_scenario(
    path: PathLike,
    out_dir: PathLike | None = None,
    *,
    graph: PathLike | None = None,
    boundary: PathLike | None = None,
    optimum: bool = True,
    cell_size_m: float | None = None,
    spacing_m: float | None = None,
    time_limit: float | None = 120.0,
    html: bool = True,
    progress: Progress | None = None,
) -> tuple[PlanEvaluation, dict[str, Path]]:
    """Load a scenario, evaluate it year by year and (with ``out_dir``) write the outputs.

    ``graph`` / ``boundary`` override the scenario's sources (offline use). Without
    ``out_dir`` nothing is written (the ``check`` command).
    """
    check_value(time_limit, "positive_seconds", "time_limit")
    check_value(spacing_m, "positive_metres", "spacing_m")
    if out_dir is None:
        return _evaluate(path, None, graph, boundary, optimum, cell_size_m, spacing_m,
                         time_limit, html, progress), {}  # fmt: skip
    scenario = load_scenario(path)
    with RunFolder(out_dir, inputs=_sources(path, scenario, graph, boundary),
                   extra={"kind": "evaluate"}) as rf:  # fmt: skip
        ev = _evaluate(path, scenario, graph, boundary, optimum, cell_size_m, spacing_m,
                       time_limit, html, progress)  # fmt: skip
        paths = write_evaluation(ev, rf.staging, html=html, inputs=tuple(rf.inputs))
    return ev, rf.final_paths(paths)


def _evaluate(path: PathLike, scenario: Scenario | None, graph: PathLike | None,
              boundary: PathLike | None, optimum: bool, cell_size_m: float | None,
              spacing_m: float | None, time_limit: float | None, html: bool,
              progress: Progress | None) -> PlanEvaluation:  # fmt: skip
    scenario, inp, note, _ = _prepare(path, graph, boundary, cell_size_m, scenario)
    return evaluate_plan(scenario, inp.net, inp.demand, barriers=inp.barriers,
                         synthetic=inp.synthetic, optimum=optimum, spacing_m=spacing_m,
                         time_limit=time_limit, boundary_note=note,
                         progress=progress)  # fmt: skip


def check_scenario(path: PathLike, *, graph: PathLike | None = None,
                   boundary: PathLike | None = None,
                   cell_size_m: float | None = None) -> PlanEvaluation:  # fmt: skip
    """Evaluate the years of a scenario without the optimum models and without writing."""
    return evaluate_scenario(path, None, graph=graph, boundary=boundary, optimum=False,
                             cell_size_m=cell_size_m)[0]  # fmt: skip


def _optimum_frame(ev: PlanEvaluation) -> gpd.GeoDataFrame | None:
    opt = ev.optimum or {}
    mclp = opt.get("mclp", {})
    if not mclp.get("sites"):
        return None
    lon, lat = zip(*mclp["lonlat"], strict=True)
    return gpd.GeoDataFrame({"name": mclp["sites"], "model": "mclp", "lon": lon, "lat": lat},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")  # fmt: skip


def write_evaluation(ev: PlanEvaluation, out_dir: PathLike, *, html: bool = True,
                     inputs: tuple[Path, ...] = ()) -> dict[str, Path]:  # fmt: skip
    """Write ``report.json``, ``report.md``, ``layers.gpkg`` and ``map.html`` (final year),
    ``map_<year>.png`` and ``layers_<year>.gpkg`` per year, and ``optimum_sites.geojson``."""
    out = Path(out_dir)
    final = ev.final
    paths = {"json": out / "report.json", "md": out / "report.md", "gpkg": out / "layers.gpkg"}
    if html:
        paths["html"] = out / "map.html"
    for yr in ev.years:
        paths[f"png_{yr.year}"] = out / f"map_{yr.year}.png"
        if yr is not final:
            paths[f"gpkg_{yr.year}"] = out / f"layers_{yr.year}.gpkg"
    for p in paths.values():
        check_not_input(p, inputs)
    for yr in ev.years:
        render_map(yr.run.layers, paths[f"png_{yr.year}"], inputs=inputs)
        # the roads are the same every year: only the final layers.gpkg carries them
        layers = (
            yr.run.layers
            if yr is final
            else dataclasses.replace(
                yr.run.layers, roads=gpd.GeoDataFrame(geometry=[], crs=yr.run.layers.meta.crs)
            )
        )
        write_geopackage(layers, paths.get(f"gpkg_{yr.year}", paths["gpkg"]), inputs=inputs)
    if html:
        render_webmap(final.run.layers, paths["html"], offline=True, inputs=inputs)
    frame = _optimum_frame(ev)
    if frame is not None:
        paths["optimum"] = out / "optimum_sites.geojson"
        check_not_input(paths["optimum"], inputs)
        with atomic_path(paths["optimum"]) as tmp:
            frame.to_file(tmp, driver="GeoJSON")
    write_text_atomic(paths["json"], plan_json(ev))
    write_text_atomic(paths["md"], plan_markdown(ev))
    return paths
