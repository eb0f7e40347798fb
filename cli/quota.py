"""``firecover quota``: 应建数, 已建, 缺建数 and 缺建率 from built-up areas (no road network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from firecover._errors import DataFormatError
from firecover.plan.quota_files import (
    count_district_stations,
    quota_json,
    scenario_zones,
    write_quota,
    zones_from_layer,
)
from firecover.standards.quota import QuotaReport, QuotaZone, compute_quota

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


def _parallel(values: tuple[Any, ...], n: int, what: str, default: Any) -> list[Any]:
    if not values:
        return [default] * n
    if len(values) == 1:
        return list(values) * n
    if len(values) != n:
        raise DataFormatError(f"{len(values)} {what} values for {n} zones; give one, or one each")
    return list(values)


def _cli_zones(kw: dict[str, Any]) -> list[QuotaZone]:
    areas: tuple[float, ...] = kw["area_km2"]
    required: tuple[int, ...] = kw["required"]
    n = max(len(areas), len(required))
    if n == 0:
        raise DataFormatError(
            "no zones; give --area-km2 (and --existing), --zones FILE, or a scenario file"
        )
    if areas and required:
        raise DataFormatError("give --area-km2 or --required, not both")
    names = _parallel(kw["zone_name"], n, "--zone-name", None)
    classes = _parallel(kw["class_name"], n, "--class", "一级")
    existing = _parallel(kw["existing"], n, "--existing", None)
    if kw["stations"] is not None:
        if n > 1:
            raise DataFormatError(
                "--stations counts one zone; with several zones give "
                "--existing per zone or a --zones polygon file"
            )
        from firecover.analysis.stations import read_stations_file

        existing = [count_district_stations(read_stations_file(kw["stations"]))]
    if any(e is None for e in existing):
        raise DataFormatError("say how many stations exist: --existing N (or --stations FILE)")
    return [
        QuotaZone(
            name=names[i] or ("建成区 built-up area" if n == 1 else f"zone {i + 1}"),
            area_km2=areas[i] if areas else None,
            class_name=classes[i],
            existing=int(existing[i]),
            required=required[i] if required else None,
            source="command line",
        )
        for i in range(n)
    ]


def _echo(report: QuotaReport) -> None:
    if len(report.zones) > 1:
        for z in report.zones:
            click.echo(
                f"{z.name}: 应建 {z.required}, 已建 {z.existing}, 缺建 {z.shortfall}, "
                f"缺建率 {z.rate * 100:.0f} %"
            )
    t = report.total
    click.echo(
        f"应建 {t.required}, 已建 {t.existing}, 缺建 {t.shortfall}, 缺建率 {t.rate * 100:.0f} %"
    )
    click.echo(f"rule: {report.rule}")


@click.command("quota")
@click.argument("scenario", type=_FILE, required=False)
@click.option(
    "--area-km2", type=float, multiple=True, help="Built-up area of a zone, km² (repeat)."
)
@click.option(
    "--required",
    type=int,
    multiple=True,
    help="A given 应建数 per zone instead of an area (e.g. from a city fire plan).",
)
@click.option(
    "--class",
    "class_name",
    multiple=True,
    help="Class sizing each zone: 一级 (7), 二级 (4), 小型站 (2) or edge (15). Default 一级.",
)
@click.option("--zone-name", multiple=True, help="Zone names (repeat, one per zone).")
@click.option("--existing", type=int, multiple=True, help="Existing stations per zone (已建).")
@click.option(
    "--stations",
    type=_FILE,
    default=None,
    help="Station file: its existing stations (with a district) are counted.",
)
@click.option("--zones", type=_FILE, default=None, help="Built-up zones as a polygon layer.")
@click.option("--name-column", default=None, help="Zones layer: zone-name column.")
@click.option("--class-column", default=None, help="Zones layer: class column.")
@click.option("--existing-column", default=None, help="Zones layer: existing-stations column.")
@click.option(
    "--reported-rate",
    type=float,
    default=None,
    help="The plan's own 缺建率 (percent), to compare (one-zone calls).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report to standard output.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for quota.md and quota.json.",
)
def quota(scenario: Path | None, **kw: Any) -> None:
    """Station quota and shortfall: 应建数 = ceil(built-up area ÷ class limit), 缺建率.

    The simplest call, Liangping's 30 km² with one station:
    ``firecover quota --area-km2 30 --existing 1``.
    """
    reported: dict[str, float] = {}
    inputs: list[Path] = []
    title = "应建数与缺建率 Station quota and shortfall"
    if scenario is not None:
        from firecover.plan.scenario import load_scenario

        sc = load_scenario(scenario)
        zones, reported = scenario_zones(sc)
        title = f"{sc.name_zh or sc.name} — {title}"
        inputs.append(scenario)
    elif kw["zones"] is not None:
        zones = zones_from_layer(
            kw["zones"],
            name_column=kw["name_column"],
            class_column=kw["class_column"],
            existing_column=kw["existing_column"],
            default_class=(kw["class_name"] or ("一级",))[0],
            stations=kw["stations"],
        )
        inputs.append(kw["zones"])
    else:
        zones = _cli_zones(kw)
    if kw["stations"] is not None:
        inputs.append(kw["stations"])
    if kw["reported_rate"] is not None:
        if len(zones) != 1:
            raise DataFormatError(
                "--reported-rate compares one zone; give it in the scenario "
                "(reported_rate per zone) for several"
            )
        reported[zones[0].name] = kw["reported_rate"]
    report = compute_quota(zones)
    if kw["as_json"]:
        click.echo(quota_json(report, title=title), nl=False)
    else:
        _echo(report)
    if kw["out"] is not None:
        paths = write_quota(report, kw["out"], title=title, reported=reported, inputs=inputs)
        if not kw["as_json"]:
            for p in paths.values():
                click.echo(f"  {p}")


COMMANDS: list[click.Command] = [quota]
