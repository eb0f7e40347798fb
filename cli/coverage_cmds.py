"""``firecover service-area | jurisdictions | gaps``: coverage of a station list on a graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from firecover.analysis.files import coverage_from_files
from firecover.cli.deliverable_opts import datum_check_option, map_lang_option
from firecover.cli.options import METRES, MINUTES, MINUTES0
from firecover.cli.webmap_opts import tiles_from, tiles_options

_EXISTING = click.Path(exists=False, dir_okay=False, path_type=Path)


def _options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--graph", "graph", type=_EXISTING, required=True,
                     help="Road graph: GraphML, .osm/.osm.pbf or a centre-line file."),
        click.option("--stations", "stations", type=_EXISTING, required=True,
                     help="Stations: CSV/GeoJSON/TOML with name, lon, lat, class [, crs]."),
        click.option("--boundary", type=_EXISTING, default=None,
                     help="Planning boundary polygon file (default: the road network hull)."),
        click.option("--barriers", type=_EXISTING, default=None,
                     help="Barrier lines/polygons (expressways, railways, rivers)."),
        click.option("--barrier-zones", is_flag=True,
                     help="Assign cells only to stations on the same side of the barriers."),
        click.option("--minutes", type=MINUTES, multiple=True,
                     help="Response break(s) in minutes incl. turnout; repeat for several "
                     "(default: turnout + driving)."),
        click.option("--turnout", type=MINUTES0, default=None, help="Turnout minutes (default 1)."),
        click.option("--driving", type=MINUTES, default=None, help="Driving minutes (default 4)."),
        click.option("--cell-size", type=METRES, default=None, help="Demand cell metres (100)."),
        click.option("--no-html", is_flag=True, help="Skip the interactive HTML map."),
        click.option("--out", "out", required=True,
                     type=click.Path(file_okay=False, path_type=Path), help="Output folder."),
    ]  # fmt: skip
    for opt in reversed(opts):
        f = opt(f)
    return tiles_options(datum_check_option(map_lang_option(f)))


def _run(focus: str, **kw: Any) -> None:
    tiles = tiles_from(kw)
    run, paths = coverage_from_files(
        kw["graph"], kw["stations"], kw["out"], boundary=kw["boundary"],
        barriers=kw["barriers"], within_barrier_zones=kw["barrier_zones"],
        minutes=list(kw["minutes"]) or None,
        turnout_min=kw["turnout"], driving_min=kw["driving"], cell_size_m=kw["cell_size"],
        focus=focus, html=not kw["no_html"], lang=kw["lang"] or "both",
        datum_check=kw["datum_check"] == "on", tiles=tiles,
    )  # fmt: skip
    s = run.summary
    click.echo(
        f"{len(run.stations)} stations; {run.budget_min:g}-min coverage "
        f"{s.covered_km2:.2f} of {s.area_km2:.2f} km² ({s.covered_share:.1%}); "
        f"non-compliant: {sum(not c.compliant for c in run.checks)}"
    )
    for p in paths.values():
        click.echo(f"  {p}")


@click.command("service-area")
@_options
def service_area(**kw: Any) -> None:
    """What each station reaches within the response budget (service-area polygons)."""
    _run("service-area", **kw)


@click.command("jurisdictions")
@_options
def jurisdictions(**kw: Any) -> None:
    """Station jurisdictions (辖区, network Voronoi) with the GB 51080 / 建标152 check."""
    _run("jurisdictions", **kw)


@click.command("gaps")
@_options
def gaps(**kw: Any) -> None:
    """Coverage-gap map: where no station arrives within the response budget."""
    _run("gaps", **kw)


COMMANDS: list[click.Command] = [service_area, jurisdictions, gaps]
