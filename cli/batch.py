"""``firecover batch``: evaluate many scenarios (districts) in parallel on Dask."""

from __future__ import annotations

from pathlib import Path

import click

from firecover._errors import BatchError
from firecover.cli.options import METRES, SECONDS
from firecover.cli.webmap_opts import tiles_options
from firecover.outputs.webmap_tiles import check_tiles
from firecover.plan.batch import run_batch
from firecover.plan.batch_summary import BatchResult

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


def _share(v: float) -> str:
    return "—" if v != v else f"{v:.1%}"


def _echo_result(result: BatchResult) -> None:
    df = result.table()[["folder", "ok", "year", "area_km2", "stations", "covered_share",
                         "noncompliant", "seconds"]]  # fmt: skip
    df = df.assign(area_km2=df["area_km2"].round(2), covered_share=df["covered_share"].map(_share))
    df = df.astype(object).where(df.notna(), "—")
    click.echo(df.to_string(index=False))
    for o in result.outcomes:
        if o.noncompliant:
            click.echo(f"  {Path(o.out).name}: non-compliant {', '.join(o.noncompliant)}")
    for o in result.failed:
        kind = f"internal error ({o.error_type})" if o.internal else o.error_type
        click.echo(f"  {Path(o.out).name}: FAILED {kind}: {o.error}")
    for p in result.paths.values():
        click.echo(f"  {p}")


@click.command("batch")
@click.argument("scenarios", nargs=-1, required=True, type=_FILE)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (one sub-folder per scenario, plus summary.*).")  # fmt: skip
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Running Dask scheduler, e.g. tcp://host:8786 (default: local processes).",
)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: min(scenarios, CPUs)).")  # fmt: skip
@click.option(
    "--graph",
    type=_FILE,
    default=None,
    help="Road graph file for every scenario (overrides theirs; for offline use).",
)
@click.option("--cell-size", type=METRES, default=None, help="Demand cell metres (100).")
@click.option("--no-optimum", is_flag=True, help="Skip the comparison with the optimum.")
@click.option("--time-limit", type=SECONDS, default=None,
              help="Cap on the solver time of each optimum model, seconds.")  # fmt: skip
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML maps.")
@tiles_options
def batch(
    scenarios: tuple[Path, ...],
    out: Path,
    scheduler: str | None,
    workers: int | None,
    graph: Path | None,
    cell_size: float | None,
    no_optimum: bool,
    time_limit: float | None,
    no_html: bool,
    tiles: str | None,
    tiles_attribution: str | None,
) -> None:
    """Evaluate several scenario files in parallel (one Dask task each), like `evaluate`.

    Writes OUT/<scenario stem>/ (what `evaluate` writes; a repeated stem gets -2, -3, ...) and
    OUT/summary.csv, summary.md, summary.json across the scenarios. Without --scheduler a local
    cluster of worker processes is used; for several machines run `dask scheduler` and
    `dask worker tcp://HOST:8786` (with firecover installed and the files on a shared path)
    and pass --scheduler tcp://HOST:8786.

    Exit status 0 when every scenario ran (even if some plans are non-compliant), 8 when some
    failed (each is reported; the others and the summary are still written) or the scheduler
    cannot be reached.
    """
    basemap = check_tiles(tiles, tiles_attribution)
    result = run_batch(
        scenarios, out, scheduler=scheduler, n_workers=workers, graph=graph,
        optimum=not no_optimum, cell_size_m=cell_size, time_limit=time_limit,
        html=not no_html, progress=lambda msg: click.echo(f"  … {msg}", err=True),
        tiles=basemap,
    )  # fmt: skip
    _echo_result(result)
    if result.failed:
        names = ", ".join(Path(o.out).name for o in result.failed)
        raise BatchError(f"{len(result.failed)} of {len(result.outcomes)} scenarios failed "
                         f"({names}); see the errors above or {result.paths['md']}")  # fmt: skip


COMMANDS: list[click.Command] = [batch]
