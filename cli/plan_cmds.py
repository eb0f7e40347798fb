"""``firecover evaluate`` and ``firecover check``: a station plan year by year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from firecover.cli.deliverable_opts import (
    chosen_deliverables,
    datum_check_option,
    deliverable_options,
)
from firecover.plan import PlanEvaluation
from firecover.plan.files import check_scenario, evaluate_scenario

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)
#: Exit status of ``check`` when a station fails the standard.
EXIT_NONCOMPLIANT = 3


def _sources(f: Any) -> Any:
    f = click.option("--cell-size", type=float, default=None, help="Demand cell metres (100).")(f)
    f = click.option("--boundary", type=_FILE, default=None,
                     help="Planning boundary file (overrides the scenario's).")(f)  # fmt: skip
    return click.option(
        "--graph",
        type=_FILE,
        default=None,
        help="Road graph file (overrides the scenario's; for offline use).",
    )(f)


def _echo_years(ev: PlanEvaluation) -> None:
    for yr in ev.years:
        s = yr.run.summary
        bad = [c.name for c in yr.run.checks if not c.compliant]
        click.echo(f"{yr.year}: {len(yr.stations)} stations, {yr.run.budget_min:g}-min coverage "
                   f"{s.covered_share:.1%} of {s.area_km2:.2f} km²; non-compliant: "
                   f"{', '.join(bad) or 'none'}")  # fmt: skip


@click.command("evaluate")
@click.argument("scenario", type=_FILE)
@_sources
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder.")  # fmt: skip
@click.option("--no-optimum", is_flag=True, help="Skip the comparison with the optimum.")
@click.option(
    "--time-limit",
    type=float,
    default=120.0,
    show_default=True,
    help="Solver time limit per optimum model, seconds.",
)
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML map.")
@deliverable_options
@datum_check_option
def evaluate(
    scenario: Path,
    graph: Path | None,
    boundary: Path | None,
    cell_size: float | None,
    out: Path,
    no_optimum: bool,
    time_limit: float,
    no_html: bool,
    lang: str | None,
    output_datum: str | None,
    deliverables: str | None,
    no_docx: bool,
    no_xlsx: bool,
    datum_check: str,
) -> None:
    """Evaluate a station plan year by year against GB 51080 / 建标152 and the optimum.

    Writes OUT/report.json, report.md, report.docx (Word), tables.xlsx (Excel), layers.gpkg,
    map.html (final year), map_<year>.png and layers_<year>.gpkg per year, and
    optimum_sites.geojson.
    """
    ev, paths = evaluate_scenario(
        scenario, out, graph=graph, boundary=boundary, cell_size_m=cell_size,
        optimum=not no_optimum, time_limit=time_limit, html=not no_html,
        progress=lambda msg: click.echo(f"  … {msg}", err=True), lang=lang,
        output_datum=output_datum, datum_check=datum_check == "on",
        deliverables=chosen_deliverables(deliverables, no_docx=no_docx, no_xlsx=no_xlsx),
    )  # fmt: skip
    _echo_years(ev)
    opt = ev.optimum
    if opt is not None:
        best = opt.get("covered_share")
        click.echo(f"optimum with {opt['new_stations']} new: "
                   f"{'—' if best is None else format(best, '.1%')}; fewest new for compliance: "
                   f"{opt.get('min_new_for_compliance', '—')}")  # fmt: skip
    for p in paths.values():
        click.echo(f"  {p}")


@click.command("check")
@click.argument("scenario", type=_FILE)
@_sources
@click.pass_context
def check(
    ctx: click.Context,
    scenario: Path,
    graph: Path | None,
    boundary: Path | None,
    cell_size: float | None,
) -> None:
    """Print the compliance table; exit 0 if every station complies, 3 if any does not.

    Exit status 2 means bad input (missing file, invalid scenario). Usable in a planning
    institute's CI.
    """
    ev = check_scenario(scenario, graph=graph, boundary=boundary, cell_size_m=cell_size)
    _echo_years(ev)
    yr = ev.final
    click.echo(f"\n{yr.year} 合规检查 compliance ({yr.run.budget_min:g} min):")
    for c in yr.run.checks:
        verdict = "PASS 达标" if c.compliant else "FAIL 不达标: " + "; ".join(c.reasons)
        limit = "—" if c.limit_km2 is None else f"{c.limit_km2:g}"
        click.echo(f"  {c.name} [{c.class_zh}] {c.jurisdiction_km2:.2f}/{limit} km², "
                   f"slowest {c.max_arrival_min:.1f} min: {verdict}")  # fmt: skip
    if not ev.compliant:
        ctx.exit(EXIT_NONCOMPLIANT)


COMMANDS: list[click.Command] = [evaluate, check]
