"""``firecover sequence``: the order of a plan's projects vs the best order (multi-period MILP)."""

from __future__ import annotations

from pathlib import Path

import click

from firecover.plan.sequence_files import sequence_from_files

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.command("sequence")
@click.argument("scenario", type=_FILE)
@click.option("--graph", type=_FILE, default=None, help="Road graph (overrides the scenario's).")
@click.option("--boundary", type=_FILE, default=None, help="Planning boundary file.")
@click.option("--cell-size", type=float, default=None, help="Demand cell metres (100).")
@click.option(
    "--per-year",
    type=int,
    default=None,
    help="New stations per year (default: as many as the plan opens that year).",
)
@click.option(
    "--candidates",
    type=_FILE,
    default=None,
    help="Multi-period siting: free candidate sites (name, lon, lat).",
)
@click.option("--generate", is_flag=True, help="Multi-period siting on generated road sites.")
@click.option("--spacing", type=float, default=None, help="Generated-site spacing, m (200).")
@click.option(
    "--new-area",
    type=_FILE,
    default=None,
    help="A development area whose demand appears in --opening-year.",
)
@click.option("--opening-year", type=int, default=None, help="Year the --new-area opens.")
@click.option(
    "--time-limit", type=float, default=120.0, show_default=True, help="Solver time limit, seconds."
)
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
def sequence(
    scenario: Path,
    graph: Path | None,
    boundary: Path | None,
    cell_size: float | None,
    per_year: int | None,
    candidates: Path | None,
    generate: bool,
    spacing: float | None,
    new_area: Path | None,
    opening_year: int | None,
    time_limit: float,
    out: Path,
) -> None:
    """Which order of the plan's projects covers most over the plan years (exact MILP)?

    With --candidates / --generate: multi-period siting with the existing stations fixed and at
    most --per-year new stations a year. Writes OUT/sequence.md, sequence.json and
    sequence_strip.png (one map per year).
    """
    res, paths = sequence_from_files(
        scenario,
        out,
        graph=graph,
        boundary=boundary,
        cell_size_m=cell_size,
        per_year=per_year,
        candidates=candidates,
        generate=generate,
        spacing_m=spacing,
        new_area=new_area,
        opening_year=opening_year,
        time_limit=time_limit,
    )
    click.echo(res.headline())
    for p in paths.values():
        click.echo(f"  {p}")


COMMANDS: list[click.Command] = [sequence]
