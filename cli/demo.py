"""``firecover demo``: the whole pipeline on the embedded synthetic demo district."""

from __future__ import annotations

from pathlib import Path

import click

from firecover.cli.webmap_opts import tiles_options
from firecover.outputs.webmap_tiles import check_tiles
from firecover.plan.demo_run import run_demo


@click.command("demo")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-out"), show_default=True, help="Output folder.")  # fmt: skip
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML maps.")
@tiles_options
def demo(out: Path, no_html: bool, tiles: str | None, tiles_attribution: str | None) -> None:
    """Run everything on the synthetic demo district (offline) and write maps and reports.

    The demo district (澜河示范区, invented, placed in the open Bohai Sea) has 3 stations on duty
    and 2 small stations planned for 2022 and 2024, like the Heping schedule. For every year in
    which the station set changes, OUT/<year>/ gets layers.gpkg, map.png and map.html;
    OUT/coverage.md and OUT/coverage.json compare the years.
    """
    paths = run_demo(out, html=not no_html, tiles=check_tiles(tiles, tiles_attribution))
    click.echo(f"Synthetic demo written to {out}/ ({len(paths)} files):")
    for key in ("md", "json"):
        click.echo(f"  {paths[key]}")
    years = sorted({k.split(".")[0] for k in paths if k[0].isdigit()})
    click.echo(f"  {out}/<year>/ layers.gpkg, map.png{', map.html' if not no_html else ''} "
               f"for {', '.join(years)}")  # fmt: skip


COMMANDS: list[click.Command] = [demo]
