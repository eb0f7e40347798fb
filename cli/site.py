"""``firecover site``: choose new station sites on the road network with an integer programme."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from firecover._display import pct
from firecover.cli.deliverable_opts import map_lang_option, output_datum_option
from firecover.cli.incident_opts import incident_kwargs, incident_options
from firecover.cli.options import COUNT, METRES, MINUTES, MINUTES0, SECONDS
from firecover.cli.risk_opts import risk_option
from firecover.cli.webmap_opts import tiles_from, tiles_options
from firecover.site import MODELS
from firecover.site.files import site_from_files

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A click progress bar fed by the library's ``progress(done, total)`` callback."""
    if not enabled:
        yield None
        return
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="travel-time matrices",
                                             file=sys.stderr)  # fmt: skip
            state["bar"].__enter__()
        bar = state["bar"]
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@click.command("site")
@click.option("--graph", type=_FILE, required=True, help="Road graph (GraphML, OSM, centre-line).")
@click.option("--boundary", type=_FILE, default=None, help="Planning boundary polygon file.")
@click.option(
    "--existing",
    type=_FILE,
    default=None,
    help="Existing stations (CSV/GeoJSON/TOML): always open.",
)
@click.option(
    "--model",
    type=click.Choice(MODELS),
    default="lscp",
    show_default=True,
    help="lscp: fewest stations covering all; mclp: best p; pmedian/pcenter: "
    "shortest total/longest time; backup: second engine; area: the km² limits; "
    "mexclp: best p expected cover with busy stations.",
)
@click.option(
    "--p",
    "p",
    type=COUNT,
    default=None,
    help="New stations to add (required for mclp, pmedian, pcenter, backup).",
)
@click.option(
    "--candidates",
    type=_FILE,
    default=None,
    help="Candidate sites file (name, lon, lat); used instead of generated sites.",
)
@click.option(
    "--add-generated", is_flag=True, help="With --candidates: also generate sites along the roads."
)
@click.option(
    "--exclusions",
    type=_FILE,
    default=None,
    help="Exclusion zones (schools, hospitals, hazardous sites; kind / buffer_m).",
)
@click.option("--spacing", type=METRES, default=None, help="Generated-site spacing, m (200).")
@click.option(
    "--new-class",
    default="一级",
    show_default=True,
    help="Class of the new stations (一级 / 二级 / 小型 / 特勤).",
)
@click.option("--urban-edge", is_flag=True, help="New stations at the urban edge (15 km²).")
@click.option("--barriers", type=_FILE, default=None, help="Barrier lines/polygons.")
@click.option("--barrier-zones", is_flag=True,
              help="Area model: assign a cell only to a site on its side of the barriers "
              "(GB 51080-2015 §4.1.3-4 as a constraint; needs --barriers).")  # fmt: skip
@click.option(
    "--barrier-rule",
    type=click.Choice(["fail", "warn"]),
    default=None,
    help="A district crossing a barrier fails its station (default) or warns.",
)
@click.option("--turnout", type=MINUTES0, default=None, help="Turnout minutes (default 1).")
@click.option("--driving", type=MINUTES, default=None, help="Driving minutes (default 4).")
@click.option("--cell-size", type=METRES, default=None, help="Demand cell metres (100).")
@click.option("--time-limit", type=SECONDS, default=None, help="Solver time limit, seconds.")
@click.option(
    "--zone-loss",
    type=float,
    default=None,
    help="Search zones: largest objective loss a replacement site may cost (0.01).",
)
@click.option(
    "--tie-break",
    type=click.Choice(["time", "none"]),
    default="time",
    show_default=True,
    help="Among equally good site sets: least weighted driving time, or the first.",
)
@risk_option
@click.option("--require", "require", multiple=True, metavar="CLASS",
              help="With --risk: every object of CLASS (e.g. 危化品, or 'all') must be reached "
              "in its required time (hard constraint; lscp/mclp). Repeatable.")  # fmt: skip
@click.option("--require-reinforce", is_flag=True,
              help="With --risk: every object whose class has a reinforcement standard (增援, "
              "e.g. 3 stations in 15 min for 危化品) gets it (k-coverage; lscp/mclp).")  # fmt: skip
@incident_options(siting=True)
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML map.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@map_lang_option
@output_datum_option
@tiles_options
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder.")  # fmt: skip
def site(**kw: Any) -> None:
    """Where should the next stations go? Pick sites with the existing stations fixed.

    Writes OUT/site.md and site.json (the answer), sites.csv / sites.geojson (the new sites,
    in --output-datum, WGS-84 by default), candidates.geojson, search_zones.geojson (选址范围:
    where each new site could go instead), and layers.gpkg, map.png, map.html for the
    resulting stations. With --risk: risk.md / risk.json (risk objects before → after),
    risk_objects.geojson, map_risk.png, map_reinforce.png.
    """
    tiles = tiles_from(kw)
    with _progress(not kw["no_progress"]) as progress:
        srun, paths = site_from_files(
            kw["graph"], kw["out"], model=kw["model"], p=kw["p"], existing=kw["existing"],
            boundary=kw["boundary"], candidates=kw["candidates"],
            add_generated=kw["add_generated"], exclusions=kw["exclusions"],
            spacing_m=kw["spacing"], new_class=kw["new_class"], urban_edge=kw["urban_edge"],
            turnout_min=kw["turnout"], driving_min=kw["driving"], cell_size_m=kw["cell_size"],
            time_limit=kw["time_limit"], barriers=kw["barriers"], html=not kw["no_html"],
            progress=progress, barrier_zones=kw["barrier_zones"], barrier_rule=kw["barrier_rule"],
            zone_loss=kw["zone_loss"],
            tie_break=None if kw["tie_break"] == "none" else kw["tie_break"],
            lang=kw["lang"] or "both", output_datum=kw["output_datum"], tiles=tiles,
            risk=kw["risk"], require=kw["require"], require_reinforce=kw["require_reinforce"],
            **incident_kwargs(kw, siting=True),
        )  # fmt: skip
    after = srun.run.summary
    bad = [c.name for c in srun.run.checks if not c.compliant]
    click.echo(
        f"{srun.model}: {len(srun.chosen)} new station(s) ({srun.result.status}); "
        f"{srun.run.budget_min:g}-min coverage {pct(after.covered_share, decimals=1)}; "
        f"non-compliant: {', '.join(bad) or 'none'}"
    )
    for s in srun.chosen:
        click.echo(f"  + {s.name} {s.class_name} ({s.lon:.5f}, {s.lat:.5f})")
    for p in paths.values():
        click.echo(f"  {p}")


COMMANDS: list[click.Command] = [site]
