"""``firecover evaluate`` / ``check``: a scenario file in, the year-by-year evaluation out."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from firecover._errors import NetworkUnavailableError, ScenarioError
from firecover._io import atomic_path, check_not_input, write_text_atomic
from firecover._schema import check_value
from firecover.outputs.datum import check_output_datum, frame_in_datum
from firecover.outputs.glossary import check_lang
from firecover.outputs.layers import write_geopackage
from firecover.outputs.maps import render_map
from firecover.outputs.run_folder import RunFolder
from firecover.outputs.webmap import render_webmap
from firecover.outputs.webmap_tiles import TileSource
from firecover.plan.deliverables import DELIVERABLES, parse_deliverables, write_deliverables
from firecover.plan.evaluate import Progress, evaluate_plan
from firecover.plan.incident_section import DEMAND_OPTIONS, add_demand_figures, with_population
from firecover.plan.report import plan_json, plan_lang, plan_markdown
from firecover.plan.results import PlanEvaluation
from firecover.plan.scenario import Scenario, load_scenario
from firecover.plan.unreachable import unreachable_frame
from firecover.settings import resolve
from firecover.site.demand_figures import check_demand_options

__all__ = ["check_scenario", "evaluate_scenario", "write_evaluation"]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]
_DELIVERABLE_FILES = {"docx": "report.docx", "xlsx": "tables.xlsx", "atlas": "atlas.pdf"}


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
    if b.kind == "admin" and b.place:
        from firecover.analysis.admin import admin_boundary

        adm = admin_boundary(b.place)
        return adm.frame, f"administrative outline of {adm.name} ({adm.code}) from {adm.source}"
    where = {"file": f"file {b.file}", "place": f"OpenStreetMap boundary of {b.place}"}
    return boundary_for(scenario), where.get(b.kind, "road-graph hull")


def _sources(path: PathLike | Scenario, scenario: Scenario, graph: PathLike | None,
             boundary: PathLike | None) -> tuple[Path, ...]:  # fmt: skip
    """Every input file of an evaluation (none may be inside its output folder)."""
    lay = scenario.layers
    given = scenario.path if isinstance(path, Scenario) else path
    return tuple(Path(p) for p in (given, graph, boundary, scenario.graph.file,
                                   scenario.boundary.file, lay.population, lay.risk)
                 if p is not None)  # fmt: skip


def _radius_graph(scenario: Scenario, area: Any, cell_size_m: float | None) -> Any:
    """The straight-line lattice over the planning boundary (it needs one)."""
    from firecover.network.radius import RadiusModel, radius_graph

    if area is None:
        raise ScenarioError(
            f"scenario {scenario.name}: the straight-line model (--travel-model radius) needs "
            "a planning boundary; give --boundary FILE or [scenario.boundary] admin = "
            '"天津市/和平区" (or file = ...)'
        )
    frame = area if isinstance(area, gpd.GeoDataFrame) else gpd.read_file(area)
    t = scenario.travel
    return radius_graph(frame, RadiusModel(t.speed_kph, t.curvature, t.shape),
                        spacing_m=cell_size_m, name=scenario.name)  # fmt: skip


def _radius_cell_size(area: Any, cell_size_m: float | None) -> float | None:
    """Large districts get coarser cells in the straight-line model (see ``auto_cell_size``)."""
    from firecover.network.radius import auto_cell_size

    if cell_size_m is not None or area is None:
        return cell_size_m
    frame = area if isinstance(area, gpd.GeoDataFrame) else gpd.read_file(area)
    return auto_cell_size(frame)


def _prepare(path: PathLike | Scenario, graph: PathLike | None, boundary: PathLike | None,
             cell_size_m: float | None, radius: bool = False,
             ) -> tuple[Scenario, Any, str, tuple[Path, ...]]:  # fmt: skip
    from firecover.analysis.files import load_inputs
    from firecover.plan.sources import demo_barrier_path, graph_for

    check_value(cell_size_m, "positive_metres", "cell_size_m")
    scenario = path if isinstance(path, Scenario) else load_scenario(path)
    if radius:
        area, note = _boundary(scenario, boundary, graph_given=False)
        cell_size_m = _radius_cell_size(area, cell_size_m)
        g = _radius_graph(scenario, area, cell_size_m)
    else:
        g = graph_for(scenario, graph)
        area, note = _boundary(scenario, boundary, graph is not None)
    barriers = demo_barrier_path(scenario) if graph is None and not radius else None
    lay = scenario.layers
    inp = load_inputs(g, boundary=area, barriers=barriers, cell_size_m=cell_size_m,
                      population=lay.population, population_column=lay.population_column,
                      risk=lay.risk, risk_column=lay.risk_column)  # fmt: skip
    return scenario, inp, note, _sources(path, scenario, graph, boundary)


def _evaluate(
    scenario: Scenario, graph: PathLike | None, boundary: PathLike | None, radius: bool,
    kw: dict[str, Any],
) -> tuple[PlanEvaluation, tuple[Path, ...]]:  # fmt: skip
    from firecover.network.radius import RadiusModel
    from firecover.plan.travel import label_radius

    scenario, inp, note, srcs = _prepare(scenario, graph, boundary, kw.pop("cell_size_m"),
                                         radius)  # fmt: skip
    if radius:  # the GCJ-02 detector measures distances to real roads; radius graphs have none
        kw["datum_check"] = False
    risk = kw.pop("risk", None)
    extra = {k: kw.pop(k) for k in DEMAND_OPTIONS if k in kw}
    if extra.get("incidents") is not None:  # a bad call file fails before the long evaluation
        from firecover.analysis.incidents import read_incidents

        extra["incidents"] = read_incidents(extra["incidents"], inp.net.crs, inp.net.bounds)
    ev = evaluate_plan(scenario, inp.net, inp.demand, barriers=inp.barriers,
                       synthetic=inp.synthetic, boundary_note=note, **kw)  # fmt: skip
    ev = add_demand_figures(ev, inp.net, inp.demand, **{k: v for k, v in extra.items()
                                                        if k != "population"})  # fmt: skip
    if risk is not None:  # evaluate --risk (firecover.plan.risk_section)
        from firecover.plan.risk_section import attach_risk

        ev = attach_risk(ev, inp.net, inp.demand, risk, graph or scenario.graph.file)
    if radius:
        t = scenario.travel
        ev = label_radius(ev, RadiusModel(t.speed_kph, t.curvature, t.shape),
                          cell_size_m=float(inp.demand.cell_size_m))  # fmt: skip
    return ev, srcs


def evaluate_scenario(
    path: PathLike,
    out_dir: PathLike | None = None,
    *,
    graph: PathLike | None = None,
    boundary: PathLike | None = None,
    optimum: bool = True,
    cell_size_m: float | None = None,
    spacing_m: float | None = None,
    time_limit: float | None = None,
    html: bool = True,
    progress: Progress | None = None,
    barrier_rule: str | None = None,
    travel_model: str | None = None,
    lang: str | None = None,
    deliverables: str | Sequence[str] | None = None,
    output_datum: str | None = None,
    datum_check: bool = True,
    optimum_time: float | None = None,
    tiles: TileSource | None = None,
    periods: str | Sequence[str] | None = None,
    risk: PathLike | None = None,
    incidents: PathLike | None = None,
    population: PathLike | None = None,
    period_hours: float | None = None,
    job_min: float | None = None,
) -> tuple[PlanEvaluation, dict[str, Path]]:
    """Load a scenario, evaluate it year by year and (with ``out_dir``) write the outputs.

    ``periods`` (``"all"`` or names of the speed profile's periods) adds the coverage under
    each time-of-day period side by side (:mod:`firecover.plan.period_compare`).

    ``graph`` / ``boundary`` override the scenario's sources (offline use). Without
    ``out_dir`` nothing is written (the ``check`` command). ``barrier_rule`` ("fail" /
    "warn") overrides the scenario's; ``optimum_time`` is the total seconds for the optimum
    comparison, ``time_limit`` an optional cap per model; ``progress(message)`` is called at
    the start of each phase (graph, years, each optimum model, maps). ``travel_model`` (default the
    scenario's ``[scenario.travel] model``): ``network``, ``radius`` (the straight-line
    estimate, no road graph) or ``both`` (network results in ``out_dir``, the straight-line
    ones in ``out_dir/radius``, and a ``compare`` section in the network report).
    ``lang`` (``zh``, ``en``, ``both``; default: ``zh`` for a Chinese scenario),
    ``deliverables`` (``"docx,xlsx"``; default all) and ``output_datum`` (setting
    ``output_datum``) are passed to :func:`write_evaluation`. ``datum_check`` refuses stations
    in GCJ-02 declared as WGS-84 (on road networks only: the straight-line model has no roads).
    ``risk`` (``--risk FILE|osm``): risk objects timed each year
    (:mod:`firecover.plan.risk_section`).
    ``incidents`` (call records), ``population`` (overrides ``[scenario.layers] population``),
    ``period_hours`` and ``job_min``: :mod:`firecover.plan.incident_section`.
    """
    from firecover.plan.travel import TRAVEL_MODELS, compare_runs

    which = parse_deliverables(deliverables)  # bad options fail before the long evaluation
    if lang is not None:
        check_lang(lang)
    check_output_datum(resolve(output_datum, "output_datum"))
    check_value(time_limit, "positive_seconds", "time_limit")
    check_value(optimum_time, "positive_seconds", "optimum_time")
    check_value(spacing_m, "positive_metres", "spacing_m")
    check_demand_options(period_hours=period_hours, job_min=job_min)
    scenario = with_population(load_scenario(path), population)
    mode = travel_model or scenario.travel.model
    if mode not in TRAVEL_MODELS:
        raise ScenarioError(f"unknown travel model {mode!r}; use {', '.join(TRAVEL_MODELS)}")
    kw: dict[str, Any] = {"optimum": optimum, "spacing_m": spacing_m, "time_limit": time_limit,
                          "progress": progress, "cell_size_m": cell_size_m,
                          "barrier_rule": barrier_rule, "datum_check": datum_check,
                          "optimum_time": optimum_time}  # fmt: skip
    if risk is not None:
        kw["risk"] = risk
    kw |= {"incidents": incidents, "period_hours": period_hours, "job_min": job_min}

    def run() -> PlanEvaluation:
        if progress is not None:  # after the input checks: a bad input stays a one-line error
            progress("road graph and demand cells")
        ev, _ = _evaluate(scenario, graph, boundary, mode == "radius", dict(kw))
        if mode == "both":
            radius_ev, _ = _evaluate(scenario, None, boundary, True, dict(kw))
            ev = dataclasses.replace(ev, travel={"model": "network",
                                                 "compare": compare_runs(ev, radius_ev),
                                                 "_radius": radius_ev})  # fmt: skip
        if periods:
            from firecover.plan.period_compare import evaluate_periods

            ev = evaluate_periods(
                ev,
                periods,
                scenario.graph.profile,
                lambda: _evaluate(
                    scenario, graph, boundary, mode == "radius", {**kw, "optimum": False}
                )[0],
            )
        return ev

    if out_dir is None:
        return _public_travel(run()), {}
    write: dict[str, Any] = {
        "html": html,
        "lang": lang,
        "deliverables": which,
        "output_datum": output_datum,
        "tiles": tiles,
    }
    risk_in = () if risk is None or str(risk).strip().lower() == "osm" else (Path(risk),)
    srcs = (*_sources(path, scenario, graph, boundary), *risk_in,
            *([Path(incidents)] if incidents else []))  # fmt: skip
    with RunFolder(out_dir, inputs=srcs,
                   extra={"kind": "evaluate"}) as rf:  # fmt: skip
        ev = run()
        radius_ev = (ev.travel or {}).get("_radius")
        ev = _public_travel(ev)
        paths = write_evaluation(ev, rf.staging, inputs=tuple(rf.inputs), progress=progress,
                                 **write)  # fmt: skip
        if radius_ev is not None:
            sub = write_evaluation(radius_ev, rf.staging / "radius", inputs=tuple(rf.inputs),
                                   **write)  # fmt: skip
            paths |= {f"radius_{k}": v for k, v in sub.items()}
    return ev, rf.final_paths(paths)


def _public_travel(ev: PlanEvaluation) -> PlanEvaluation:
    """``ev`` without the straight-line run kept aside for writing."""
    if ev.travel is None or "_radius" not in ev.travel:
        return ev
    return dataclasses.replace(ev, travel={k: v for k, v in ev.travel.items() if k != "_radius"})


def check_scenario(path: PathLike, *, graph: PathLike | None = None,
                   boundary: PathLike | None = None, cell_size_m: float | None = None,
                   barrier_rule: str | None = None,
                   travel_model: str | None = None) -> PlanEvaluation:  # fmt: skip
    """Evaluate the years of a scenario without the optimum models and without writing."""
    return evaluate_scenario(path, None, graph=graph, boundary=boundary, optimum=False,
                             cell_size_m=cell_size_m, barrier_rule=barrier_rule,
                             travel_model=travel_model)[0]  # fmt: skip


def _optimum_frame(ev: PlanEvaluation, datum: str) -> gpd.GeoDataFrame | None:
    """The MCLP optimum sites; lon/lat (and the point geometry) in ``datum``."""
    opt = ev.optimum or {}
    mclp = opt.get("mclp", {})
    if not mclp.get("sites"):
        return None
    lon, lat = zip(*mclp["lonlat"], strict=True)
    travel = (ev.travel or {}).get("model", "network")
    note = (ev.travel or {}).get("label", "road network") if travel == "radius" else "road network"
    frame = gpd.GeoDataFrame({"name": mclp["sites"], "model": "mclp", "lon": lon, "lat": lat,
                              "travel_model": note},
                             geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")  # fmt: skip
    return frame_in_datum(frame, datum)


def write_evaluation(ev: PlanEvaluation, out_dir: PathLike, *, html: bool = True,
                     inputs: tuple[Path, ...] = (), lang: str | None = None,
                     deliverables: Sequence[str] = DELIVERABLES,
                     output_datum: str | None = None,
                     progress: Progress | None = None,
                     tiles: TileSource | None = None) -> dict[str, Path]:  # fmt: skip
    """Write ``report.json``, ``report.md``, ``layers.gpkg`` and ``map.html`` (final year),
    ``map_<year>.png`` and ``layers_<year>.gpkg`` per year (without the roads and demand
    cells, which only the final ``layers.gpkg`` carries), ``optimum_sites.geojson``,
    ``optimum_search_zones.geojson`` (the optimum's search zones, WGS-84),
    ``optimum_unreachable.geojson`` (cells no candidate reaches, when there are any) and the
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
        if progress is not None:
            progress(f"maps and layers {yr.year}")
        render_map(yr.run.layers, paths[f"png_{yr.year}"], inputs=inputs, lang=lang)
        # the roads and the demand-cell grid are large (on a Binhai-sized district 45 and 17 MB)
        # and the roads identical every year: only the final layers.gpkg carries them; the
        # yearly files keep what changes (stations, service areas, jurisdictions, gaps)
        empty = gpd.GeoDataFrame(geometry=[], crs=yr.run.layers.meta.crs)
        layers = (
            yr.run.layers
            if yr is final
            else dataclasses.replace(yr.run.layers, roads=empty, cells=empty)
        )
        write_geopackage(layers, paths.get(f"gpkg_{yr.year}", paths["gpkg"]), inputs=inputs,
                         lang=lang)  # fmt: skip
    if html:
        if progress is not None:
            progress("web map")
        web = [yr.run.layers for yr in ev.years]
        if ev.risk:  # the timed risk objects on the last year (firecover.outputs.webmap_risk)
            web[-1] = dataclasses.replace(web[-1], risk_objects=ev.risk["_layer"])
        render_webmap(web, paths["html"], inputs=inputs, lang=lang, tiles=tiles)
    frame = _optimum_frame(ev, datum)
    if frame is not None:
        paths["optimum"] = out / "optimum_sites.geojson"
        check_not_input(paths["optimum"], inputs)
        with atomic_path(paths["optimum"]) as tmp:
            frame.to_file(tmp, driver="GeoJSON", layer="optimum_sites")
    zones = (ev.optimum or {}).get("mclp", {}).get("_zones_layer")
    if zones is not None and len(zones):
        paths["optimum_zones"] = out / "optimum_search_zones.geojson"
        check_not_input(paths["optimum_zones"], inputs)
        with atomic_path(paths["optimum_zones"]) as tmp:
            zones.to_crs("EPSG:4326").to_file(
                tmp, driver="GeoJSON", layer="optimum_search_zones", COORDINATE_PRECISION=7
            )  # 1 cm; GDAL writes 15
    lost = (ev.optimum or {}).get("_unreachable_layer")
    if lost is not None:
        paths["optimum_unreachable"] = out / "optimum_unreachable.geojson"
        check_not_input(paths["optimum_unreachable"], inputs)
        with atomic_path(paths["optimum_unreachable"]) as tmp:
            unreachable_frame(lost, datum).to_file(
                tmp, driver="GeoJSON", layer="optimum_unreachable"
            )
    write_text_atomic(paths["json"], plan_json(ev))
    write_text_atomic(paths["md"], plan_markdown(ev, lang=lang))
    if ev.risk:  # evaluate --risk: risk_objects.geojson, map_risk.png, map_reinforce.png
        from firecover.analysis.risk_files import write_risk_files

        paths |= write_risk_files(ev.risk, final.run.layers, out, inputs=inputs, lang=lang,
                                  datum=datum)  # fmt: skip
    maps = {yr.year: paths[f"png_{yr.year}"] for yr in ev.years}
    write_deliverables(ev, out, which=deliverables, lang=lang, datum=datum, maps=maps,
                       inputs=inputs)  # fmt: skip
    return paths
