"""``firecover hydrants``: hydrant protection radius and spacing along the roads, new positions."""

from __future__ import annotations

from pathlib import Path

import click

from firecover.site.hydrant_files import hydrants_from_files

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.command("hydrants")
@click.option("--graph", type=_FILE, required=True, help="Road graph (GraphML, OSM, centre-line).")
@click.option("--hydrants", type=_FILE, required=True, help="Hydrants CSV: id, lon, lat [, datum].")
@click.option(
    "--radius",
    type=float,
    default=None,
    help="Protection radius along the road, m (150, GB 50974-2014 §7.2.5).",
)
@click.option(
    "--spacing",
    type=float,
    default=None,
    help="Largest spacing between neighbouring hydrants, m (120, §7.2.5).",
)
@click.option("--no-siting", is_flag=True, help="Skip the fewest-new-hydrants model.")
@click.option("--time-limit", type=float, default=None, help="Solver time limit, seconds.")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
def hydrants(
    graph: Path,
    hydrants: Path,
    radius: float | None,
    spacing: float | None,
    no_siting: bool,
    time_limit: float | None,
    out: Path,
) -> None:
    """Road sections beyond a hydrant's protection radius, hydrants too far apart, and the fewest
    new hydrant positions that close the gaps.

    Writes OUT/hydrants.md, hydrants.json, hydrants.gpkg, hydrants.png and new_hydrants.csv.
    """
    an, st, paths = hydrants_from_files(
        graph,
        hydrants,
        out,
        radius_m=radius,
        spacing_m=spacing,
        site=not no_siting,
        time_limit=time_limit,
    )
    click.echo(
        f"beyond {an.radius_m:g} m: {sum(an.uncovered_m.values()) / 1000:.2f} km of "
        f"{sum(an.road_m.values()) / 1000:.2f} km; hydrants > {an.spacing_m:g} m apart: "
        f"{sum(an.gap_m.values()) / 1000:.2f} km"
    )
    if st is not None:
        click.echo(f"new hydrants: {st.new.road.size} ({st.status})")
    for p in paths.values():
        click.echo(f"  {p}")


COMMANDS: list[click.Command] = [hydrants]
