"""``firecover site`` orchestration: files in, chosen sites and their coverage out."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from firecover._io import atomic_path, check_not_input, write_text_atomic
from firecover.analysis.stations import read_stations_file
from firecover.outputs.datum import check_output_datum, frame_in_datum
from firecover.settings import resolve
from firecover.site.candidates import generate_candidates
from firecover.site.problem import Progress, SitingRun, site_stations
from firecover.site.report import site_markdown, sites_frame, summary_json

log = logging.getLogger(__name__)

__all__ = ["site_from_files", "write_site"]


def _write_frame(frame: Any, path: Path, inputs: tuple[Path, ...]) -> Path:
    check_not_input(path, inputs)
    with atomic_path(path) as tmp:
        if path.suffix == ".csv":
            frame.drop(columns="geometry").to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            frame.to_file(tmp, driver="GeoJSON")
    return path


def write_site(srun: SitingRun, out_dir: str | Path, *, title: str, html: bool = True,
               inputs: tuple[Path, ...] = (), lang: str = "both",
               output_datum: str | None = None) -> dict[str, Path]:  # fmt: skip
    """Write a siting run: coverage layers and maps, ``site.json`` / ``site.md``, the new sites
    (``sites.csv``, ``sites.geojson``) and all candidates (``candidates.geojson``).

    ``lang`` is the maps' language; the sites' and candidates' lon/lat are in
    ``output_datum`` (setting ``output_datum``; a ``datum`` column says which).
    """
    from firecover.analysis.files import write_run

    datum = check_output_datum(resolve(output_datum, "output_datum"))
    out = Path(out_dir)
    paths = write_run(srun.run, out, html=html, inputs=inputs, lang=lang)
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
    lang: str = "both",
    output_datum: str | None = None,
) -> tuple[SitingRun, dict[str, Path]]:
    """The ``site`` command: read the inputs, pick new sites, write the outputs.

    ``candidates`` is a file of user-listed sites; they are the only candidates unless
    ``add_generated`` (then sites generated along the roads are added). Without it, candidates
    are generated every ``spacing_m`` along eligible roads inside the boundary, minus the
    ``exclusions`` zones.
    """
    from firecover.analysis.files import load_inputs

    check_output_datum(resolve(output_datum, "output_datum"))  # before the long run

    specs = read_stations_file(existing) if existing is not None else []
    inp = load_inputs(graph, boundary=boundary, barriers=barriers, cell_size_m=cell_size_m)
    srcs = tuple(Path(p) for p in (existing, candidates, exclusions) if p is not None)
    srcs = (*inp.sources, *srcs)
    cands = generate_candidates(
        inp.net, boundary=inp.demand.boundary, spacing_m=spacing_m, exclusions=exclusions,
        user_sites=candidates, user_only=candidates is not None and not add_generated,
    )  # fmt: skip
    title = Path(existing).stem if existing is not None else Path(graph).stem
    srun = site_stations(
        inp.net, inp.demand, specs, cands, model=model, p=p, turnout_min=turnout_min,
        driving_min=driving_min, new_class=new_class, urban_edge=urban_edge,
        time_limit=time_limit, barriers=barriers, progress=progress,
        meta={"title": f"{title} siting 选址", "synthetic": inp.synthetic},
    )  # fmt: skip
    return srun, write_site(srun, out_dir, title=title, html=html, inputs=srcs, lang=lang,
                            output_datum=output_datum)  # fmt: skip
