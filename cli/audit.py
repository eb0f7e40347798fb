"""``firecover audit``: check a brigade's hand-drawn jurisdictions (辖区) on the road network."""

from __future__ import annotations

from pathlib import Path

import click

from firecover.analysis.audit_files import audit_from_files

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)
#: Exit status when a district fails or districts overlap / leave holes (as ``check``).
EXIT_NONCOMPLIANT = 3


@click.command("audit")
@click.option("--graph", type=_FILE, required=True, help="Road graph (GraphML, OSM, centre-line).")
@click.option("--stations", type=_FILE, required=True, help="Stations (CSV/GeoJSON/TOML).")
@click.option("--districts", type=_FILE, required=True, help="Drawn districts (polygon layer).")
@click.option(
    "--name-column",
    default=None,
    help="Column naming each district's station (default: station / 站名 / name).",
)
@click.option(
    "--boundary",
    type=_FILE,
    default=None,
    help="Planning area (default: the drawn districts, holes filled).",
)
@click.option("--barriers", type=_FILE, default=None, help="Barrier lines/polygons (kind, name).")
@click.option("--turnout", type=float, default=None, help="Turnout minutes (default 1).")
@click.option("--driving", type=float, default=None, help="Driving minutes (default 4).")
@click.option("--cell-size", type=float, default=None, help="Demand cell metres (100).")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
@click.pass_context
def audit(
    ctx: click.Context,
    graph: Path,
    stations: Path,
    districts: Path,
    name_column: str | None,
    boundary: Path | None,
    barriers: Path | None,
    turnout: float | None,
    driving: float | None,
    cell_size: float | None,
    out: Path,
) -> None:
    """Audit drawn districts: area vs limit, own-station reach, faster neighbours, barriers,
    overlaps and holes. Exit 0 all pass, 3 some fail, 2 bad input.

    Writes OUT/audit.md, audit.json, audit.gpkg and audit.png.
    """
    res, paths = audit_from_files(
        graph,
        stations,
        districts,
        out,
        name_column=name_column,
        boundary=boundary,
        barriers=barriers,
        turnout_min=turnout,
        driving_min=driving,
        cell_size_m=cell_size,
    )
    for d in res.districts:
        verdict = "PASS 达标" if d.check.compliant else "FAIL 不达标: " + "; ".join(d.check.reasons)
        sooner = "; ".join(f"{k} sooner on {v:.2f} km²" for k, v in d.sooner.items())
        click.echo(
            f"  {d.station}: {d.drawn_km2:.2f}/{d.check.limit_km2 or '—'} km², own reach "
            f"{d.reached_share:.0%}{'; ' + sooner if sooner else ''}: {verdict}"
        )
    click.echo(
        f"overlaps {res.overlap_km2:.3f} km², holes {res.hole_km2:.3f} km²: "
        f"{'PASS 达标' if res.compliant else 'FAIL 不达标'}"
    )
    for p in paths.values():
        click.echo(f"  {p}")
    if not res.compliant:
        ctx.exit(EXIT_NONCOMPLIANT)


COMMANDS: list[click.Command] = [audit]
