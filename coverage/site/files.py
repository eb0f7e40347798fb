"""``firecover site`` orchestration: files in, chosen sites and their coverage out."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from firecover._io import atomic_path, check_not_input, write_text_atomic
from firecover._schema import check_value
from firecover.analysis.stations import read_stations_file
from firecover.outputs.datum import check_output_datum, frame_in_datum
from firecover.outputs.webmap_tiles import TileSource
from firecover.settings import resolve
from firecover.site.candidates import generate_candidates
from firecover.site.problem import Progress, SitingRun, site_stations
from firecover.site.report import site_markdown, sites_frame, summary_json

log = logging.getLogger(__name__)

__all__ = ["check_site_options", "site_from_files", "write_site"]


def check_site_options(*, model: str, p: int | None, spacing_m: float | None,
                       time_limit: float | None, turnout_min: float | None,
                       driving_min: float | None, cell_size_m: float | None) -> None:  # fmt: skip
    """Refuse bad values before any work (the same rules as scenario files and CLI options)."""
    from firecover.site.problem import check_p

    check_p(model, p)
    check_value(spacing_m, "positive_metres", "spacing_m")
    check_value(time_limit, "positive_seconds", "time_limit")
    check_value(turnout_min, "non_negative_minutes", "turnout_min")
    check_value(driving_min, "positive_minutes", "driving_min")
    check_value(cell_size_m, "positive_metres", "cell_size_m")


def _write_frame(frame: Any, path: Path, inputs: tuple[Path, ...]) -> Path:
    check_not_input(path, inputs)
    with atomic_path(path) as tmp:
        if path.suffix == ".csv":
            frame.drop(columns="geometry").to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            # the layer is named as the file, not the temp name; 7 decimals of a degree = 1 cm
            frame.to_file(tmp, driver="GeoJSON", layer=path.stem, COORDINATE_PRECISION=7)
    return path


def write_site(srun: SitingRun, out_dir: str | Path, *, title: str, html: bool = True,
               inputs: tuple[Path, ...] = (), lang: str = "both",
               output_datum: str | None = None,
               tiles: TileSource | None = None) -> dict[str, Path]:  # fmt: skip
    """Write a siting run: coverage layers and maps, ``site.json`` / ``site.md``, the new sites
    (``sites.csv``, ``sites.geojson``) and all candidates (``candidates.geojson``).

    ``lang`` is the maps' language; the sites' and candidates' lon/lat are in
    ``output_datum`` (setting ``output_datum``; a ``datum`` column says which).
    """
    from firecover.analysis.files import write_run

    datum = check_output_datum(resolve(output_datum, "output_datum"))
    out = Path(out_dir)
    paths = write_run(srun.run, out, html=html, inputs=inputs, lang=lang, tiles=tiles)
    for key, name in (("json", "site.json"), ("md", "site.md")):
        paths[key] = out / name
        check_not_input(paths[key], inputs)
    write_text_atomic(paths["json"], summary_json(srun))
    write_text_atomic(paths["md"], site_markdown(srun, title=title))
    sites = frame_in_datum(sites_frame(srun), datum)
    paths["csv"] = _write_frame(sites, out / "sites.csv", inputs)
    paths["sites"] = _write_frame(sites, out / "sites.geojson", inputs)
    cands = frame_in_datum(srun.problem.candidates.to_geodataframe(), datum)
    paths["candidates"] = _write_frame(cands, out / "candidates.geojson", inputs)
    if srun.zones is not None and len(srun.zones):
        zones = srun.zones.to_crs("EPSG:4326")
        paths["search_zones"] = _write_frame(zones, out / "search_zones.geojson", inputs)
    return paths


def site_from_files(
    graph: str | Path,
    out_dir: str | Path,
    *,
    model: str,
    p: int | None = None,
    existing: str | Path | None = None,
    boundary: str | Path | None = None,
    candidates: str | Path | None = None,
    add_generated: bool = False,
    exclusions: str | Path | None = None,
    spacing_m: float | None = None,
    new_class: str = "一级",
    urban_edge: bool = False,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    cell_size_m: float | None = None,
    time_limit: float | None = None,
    barriers: str | Path | None = None,
    html: bool = True,
    progress: Progress | None = None,
    barrier_zones: bool = False,
    barrier_rule: str | None = None,
    tie_break: str | None = None,
    zone_loss: float | None = None,
    lang: str = "both",
    output_datum: str | None = None,
    tiles: TileSource | None = None,
    risk: str | None = None,
    require: tuple[str, ...] = (),
    require_reinforce: bool = False,
    incidents: str | Path | None = None,
    population: str | Path | None = None,
    busy_fraction: float | None = None,
    mexclp_variant: str = "independent",
    period_hours: float | None = None,
    job_min: float | None = None,
) -> tuple[SitingRun, dict[str, Path]]:
    """The ``site`` command: read the inputs, pick new sites, write the outputs.

    ``candidates`` is a file of user-listed sites; they are the only candidates unless
    ``add_generated`` (then sites generated along the roads are added). Without it, candidates
    are generated every ``spacing_m`` along eligible roads inside the boundary, minus the
    ``exclusions`` zones. ``barrier_zones`` (area model, needs ``barriers``): a cell is only
    assigned to a site on its side of the barriers; ``barrier_rule`` "fail" / "warn".
    ``risk`` / ``require`` / ``require_reinforce``: risk objects as weights and hard
    constraints (:mod:`firecover.site.risk_site`).
    ``incidents`` (a call file) become the cell weights and give MEXCLP its busy fraction
    (unless ``busy_fraction``); ``population`` (GeoTIFF or polygons with counts) weights the
    cells otherwise. Both add their figures to the report (:mod:`firecover.site.demand_figures`).
    """
    from firecover.analysis.files import load_inputs
    from firecover.analysis.incidents import read_incidents
    from firecover.outputs.run_folder import RunFolder
    from firecover.site import demand_figures as dfig

    given = [Path(f) for f in (graph, boundary, barriers, existing, candidates, exclusions,
                               incidents, population) if f is not None]  # fmt: skip
    check_site_options(model=model, p=p, spacing_m=spacing_m, time_limit=time_limit,
                       turnout_min=turnout_min, driving_min=driving_min,
                       cell_size_m=cell_size_m)  # fmt: skip
    check_output_datum(resolve(output_datum, "output_datum"))  # before the long run
    if risk is not None or require or require_reinforce:  # site --risk (risk_site)
        from firecover.site.risk_site import check_risk_options

        check_risk_options(risk, require, require_reinforce, model)
        if str(risk).strip().lower() != "osm":
            given.append(Path(str(risk)))
    dfig.check_demand_options(period_hours=period_hours, job_min=job_min,
                              busy_fraction=busy_fraction, variant=mexclp_variant)  # fmt: skip
    with RunFolder(out_dir, inputs=given, extra={"kind": "site"}) as rf:
        specs = read_stations_file(existing) if existing is not None else []
        inp = load_inputs(graph, boundary=boundary, barriers=barriers, cell_size_m=cell_size_m,
                          population=population)  # fmt: skip
        calls = None if incidents is None else read_incidents(incidents, inp.net.crs,
                                                              inp.net.bounds)  # fmt: skip
        demand = inp.demand if calls is None else dfig.incident_demand(inp.demand, calls)
        q = dfig.siting_busy_fraction(calls, len(specs) + int(p or 0), busy_fraction=busy_fraction,
                                      period_hours=period_hours, job_min=job_min)  # fmt: skip
        srcs = tuple(Path(f) for f in (existing, candidates, exclusions, incidents)
                     if f is not None)  # fmt: skip
        srcs = (*inp.sources, *srcs)
        cands = generate_candidates(
            inp.net, boundary=inp.demand.boundary, spacing_m=spacing_m, exclusions=exclusions,
            user_sites=candidates, user_only=candidates is not None and not add_generated,
        )  # fmt: skip
        title = Path(existing).stem if existing is not None else Path(graph).stem
        builder, objects = None, None
        if risk is not None:
            from firecover.site.risk_site import load_site_risk, requirement_builder
            from firecover.site.risk_site import weighted_demand as weigh

            objects, risk_note = load_site_risk(risk, inp.net.crs, graph, inp.demand.boundary)
            inp = dataclasses.replace(inp, demand=weigh(inp.demand, objects))
            builder = requirement_builder(inp.net, objects, require, require_reinforce)
            srcs = (*srcs, *([Path(risk)] if str(risk).strip().lower() != "osm" else []))
        srun = site_stations(
            inp.net, demand, specs, cands, model=model, p=p, turnout_min=turnout_min,
            driving_min=driving_min, new_class=new_class, urban_edge=urban_edge,
            time_limit=time_limit, barriers=barriers, progress=progress,
            within_barrier_zones=barrier_zones, barrier_rule=barrier_rule, tie_break=tie_break,
            zone_loss=zone_loss, meta={"title": f"{title} siting 选址", "synthetic": inp.synthetic},
            requirements=builder,
            busy_fraction=q, mexclp_variant=mexclp_variant,
        )  # fmt: skip
        if calls is not None or population is not None:
            figs = dfig.demand_figures(inp.net, demand, srun.run, calls,
                                       period_hours=period_hours, job_min=job_min)  # fmt: skip
            srun = dataclasses.replace(srun, figures=figs)
            if calls is not None:
                srun.run.layers.incidents = calls.to_frame()
        paths = write_site(srun, rf.staging, title=title, html=html, inputs=srcs, lang=lang,
                           output_datum=output_datum, tiles=tiles)  # fmt: skip
        if objects is not None:
            from firecover.site.risk_site import write_site_risk

            datum = resolve(output_datum, "output_datum")
            paths |= write_site_risk(srun, inp.net, objects, risk_note, rf.staging, inputs=srcs,
                                     lang=lang, datum=datum)  # fmt: skip
    return srun, rf.final_paths(paths)
