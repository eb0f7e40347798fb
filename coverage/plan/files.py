"""``firecover evaluate`` / ``check``: a scenario file in, the year-by-year evaluation out."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from firecover._errors import NetworkUnavailableError
from firecover._io import atomic_path, check_not_input, write_text_atomic
from firecover.outputs.datum import check_output_datum, frame_in_datum
from firecover.outputs.glossary import check_lang
from firecover.outputs.layers import write_geopackage
from firecover.outputs.maps import render_map
from firecover.outputs.webmap import render_webmap
from firecover.plan.deliverables import DELIVERABLES, parse_deliverables, write_deliverables
from firecover.plan.evaluate import Progress, evaluate_plan
from firecover.plan.report import plan_json, plan_lang, plan_markdown
from firecover.plan.results import PlanEvaluation
from firecover.plan.scenario import Scenario, load_scenario
from firecover.settings import resolve

__all__ = ["check_scenario", "evaluate_scenario", "write_evaluation"]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]
_DELIVERABLE_FILES = {"docx": "report.docx", "xlsx": "tables.xlsx"}


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


def _prepare(path: PathLike, graph: PathLike | None, boundary: PathLike | None,
             cell_size_m: float | None) -> tuple[Scenario, Any, str, tuple[Path, ...]]:  # fmt: skip
    from firecover.analysis.files import load_inputs
    from firecover.plan.sources import demo_barrier_path, graph_for

    scenario = load_scenario(path)
    g = graph_for(scenario, graph)
    area, note = _boundary(scenario, boundary, graph is not None)
    barriers = demo_barrier_path(scenario) if graph is None else None
    lay = scenario.layers
    inp = load_inputs(g, boundary=area, barriers=barriers, cell_size_m=cell_size_m,
                      population=lay.population, population_column=lay.population_column,
                      risk=lay.risk, risk_column=lay.risk_column)  # fmt: skip
    srcs = tuple(Path(p) for p in (path, graph, boundary, scenario.graph.file,
                                   scenario.boundary.file) if p is not None)  # fmt: skip
    return scenario, inp, note, srcs


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
    lang: str | None = None,
    deliverables: str | Sequence[str] | None = None,
    output_datum: str | None = None,
    datum_check: bool = True,
) -> tuple[PlanEvaluation, dict[str, Path]]:
    """Load a scenario, evaluate it year by year and (with ``out_dir``) write the outputs.

    ``graph`` / ``boundary`` override the scenario's sources (offline use). Without
    ``out_dir`` nothing is written (the ``check`` command). ``lang`` (``zh``, ``en``, ``both``;
    default: ``zh`` for a Chinese scenario), ``deliverables`` (``"docx,xlsx"``; default all)
    and ``output_datum`` (setting ``output_datum``) are passed to :func:`write_evaluation`.
    """
    which = parse_deliverables(deliverables)  # bad options fail before the long evaluation
    if lang is not None:
        check_lang(lang)
    check_output_datum(resolve(output_datum, "output_datum"))
    scenario, inp, note, srcs = _prepare(path, graph, boundary, cell_size_m)
    ev = evaluate_plan(scenario, inp.net, inp.demand, barriers=inp.barriers,
                       synthetic=inp.synthetic, optimum=optimum, spacing_m=spacing_m,
                       time_limit=time_limit, boundary_note=note,
                       progress=progress, datum_check=datum_check)  # fmt: skip
    paths = {} if out_dir is None else write_evaluation(
        ev, out_dir, html=html, inputs=srcs, lang=lang, deliverables=which,
        output_datum=output_datum)  # fmt: skip
    return ev, paths


def check_scenario(path: PathLike, *, graph: PathLike | None = None,
                   boundary: PathLike | None = None,
                   cell_size_m: float | None = None) -> PlanEvaluation:  # fmt: skip
    """Evaluate the years of a scenario without the optimum models and without writing."""
    return evaluate_scenario(path, None, graph=graph, boundary=boundary, optimum=False,
                             cell_size_m=cell_size_m)[0]  # fmt: skip


def _optimum_frame(ev: PlanEvaluation, datum: str) -> gpd.GeoDataFrame | None:
    """The MCLP optimum sites; lon/lat (and the point geometry) in ``datum``."""
    opt = ev.optimum or {}
    mclp = opt.get("mclp", {})
    if not mclp.get("sites"):
        return None
    lon, lat = zip(*mclp["lonlat"], strict=True)
    frame = gpd.GeoDataFrame({"name": mclp["sites"], "model": "mclp", "lon": lon, "lat": lat},
                             geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")  # fmt: skip
    return frame_in_datum(frame, datum)


def write_evaluation(ev: PlanEvaluation, out_dir: PathLike, *, html: bool = True,
                     inputs: tuple[Path, ...] = (), lang: str | None = None,
                     deliverables: Sequence[str] = DELIVERABLES,
                     output_datum: str | None = None) -> dict[str, Path]:  # fmt: skip
    """Write ``report.json``, ``report.md``, ``layers.gpkg`` and ``map.html`` (final year),
    ``map_<year>.png`` and ``layers_<year>.gpkg`` per year, ``optimum_sites.geojson`` and the
    ``deliverables`` (``report.docx``, ``tables.xlsx``).

    Texts are in ``lang`` (default: the scenario's); longitude/latitude in the GeoJSON and the
    workbook are in ``output_datum`` (setting ``output_datum``; the GeoPackage stays metric).
    """
    lang = plan_lang(ev, lang)
    datum = check_output_datum(resolve(output_datum, "output_datum"))
    out = Path(out_dir)
    final = ev.final
    paths = {"json": out / "report.json", "md": out / "report.md", "gpkg": out / "layers.gpkg"}
    if html:
        paths["html"] = out / "map.html"
    paths |= {d: out / f"{_DELIVERABLE_FILES[d]}" for d in deliverables}
    for yr in ev.years:
        paths[f"png_{yr.year}"] = out / f"map_{yr.year}.png"
        if yr is not final:
            paths[f"gpkg_{yr.year}"] = out / f"layers_{yr.year}.gpkg"
    for p in paths.values():
        check_not_input(p, inputs)
    for yr in ev.years:
        render_map(yr.run.layers, paths[f"png_{yr.year}"], inputs=inputs, lang=lang)
        # the roads are the same every year: only the final layers.gpkg carries them
        layers = (
            yr.run.layers
            if yr is final
            else dataclasses.replace(
                yr.run.layers, roads=gpd.GeoDataFrame(geometry=[], crs=yr.run.layers.meta.crs)
            )
        )
        write_geopackage(layers, paths.get(f"gpkg_{yr.year}", paths["gpkg"]), inputs=inputs,
                         lang=lang)  # fmt: skip
    if html:
        render_webmap(final.run.layers, paths["html"], offline=True, inputs=inputs)
    frame = _optimum_frame(ev, datum)
    if frame is not None:
        paths["optimum"] = out / "optimum_sites.geojson"
        check_not_input(paths["optimum"], inputs)
        with atomic_path(paths["optimum"]) as tmp:
            frame.to_file(tmp, driver="GeoJSON")
    write_text_atomic(paths["json"], plan_json(ev))
    write_text_atomic(paths["md"], plan_markdown(ev, lang=lang))
    maps = {yr.year: paths[f"png_{yr.year}"] for yr in ev.years}
    write_deliverables(ev, out, which=deliverables, lang=lang, datum=datum, maps=maps,
                       inputs=inputs)  # fmt: skip
    return paths
