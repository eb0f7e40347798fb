"""``firecover calibrate``: fit per-class speeds to a brigade's response records."""

from __future__ import annotations

from pathlib import Path

import click

from firecover.analysis.calib_files import calibrate_files
from firecover.cli.deliverable_opts import lang_option
from firecover.cli.options import MINUTES0, Number

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.command("calibrate")
@click.option("--graph", type=_FILE, required=True, help="Road graph (GraphML, OSM, centre-line).")
@click.option("--stations", type=_FILE, required=True, help="Stations (CSV/GeoJSON/TOML).")
@click.option(
    "--records",
    type=_FILE,
    required=True,
    help="Response records CSV: station, lon, lat, [datum], dispatched, [departed], arrived "
    "(ISO 8601; Chinese headers 站名 经度 纬度 坐标系 调派时间 出车时间 到场时间 accepted).",
)
@click.option(
    "--turnout",
    type=MINUTES0,
    default=None,
    help="Turnout minutes assumed for records without 'departed' (default 1).",
)
@click.option(
    "--min-class-km",
    type=Number("non_negative_km"),
    default=1.0,
    show_default=True,
    help="Fit a class only when the records drive at least this many km of it.",
)
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
@lang_option
def calibrate(
    graph: Path,
    stations: Path,
    records: Path,
    turnout: float | None,
    min_class_km: float,
    out: Path,
    lang: str | None,
) -> None:
    """Fit the fire-engine speed of each road class to recorded runs (least squares on the
    network, outliers rejected, a held-out check).

    Writes OUT/speeds.toml (use it with --speeds on any command), calibration.md and
    calibration.json. Bad records: exit 2, nothing written.
    """
    paths = calibrate_files(graph, stations, records, out, min_class_km=min_class_km,
                            turnout_min=turnout, lang=lang)  # fmt: skip
    import json

    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    speeds = ", ".join(f"{c} {v:g}" for c, v in doc["speeds_kph"].items())
    e = doc["error_s"]
    click.echo(
        f"fitted km/h: {speeds}; {doc['records_used']} records used, "
        f"{doc['records_rejected']} rejected; median error {e['before']['median']} s → "
        f"{e['after']['median']} s"
    )
    for p in paths.values():
        click.echo(f"  {p}")


COMMANDS: list[click.Command] = [calibrate]
