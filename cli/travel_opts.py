"""``--speeds FILE`` and ``--period NAME`` on every command that routes on the road network.

Both wrap the command in :func:`firecover.network.periods.use_travel`, so every road graph the
command loads or prepares (graph files, scenario graphs, the demo) uses that speed profile and
time-of-day period, and the graph cache keeps them apart.
"""

from __future__ import annotations

from typing import Any

import click

from firecover.cli.options import PERIOD
from firecover.network.periods import use_travel

__all__ = ["ROUTING_COMMANDS", "add_travel_flags"]

#: Commands whose results depend on travel times (``firecover <name>``).
ROUTING_COMMANDS = frozenset({
    "service-area", "jurisdictions", "gaps", "site", "evaluate", "check", "demo", "quota",
    "audit", "hydrants", "sequence", "calibrate", "batch", "serve",
})  # fmt: skip


def _speeds_callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        ctx.with_resource(use_travel(speeds=str(value)))


def _period_callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        ctx.with_resource(use_travel(period=str(value)))


def _travel_options() -> list[click.Option]:
    return [
        click.Option(
            ["--speeds"], metavar="NAME|FILE", default=None, expose_value=False,
            callback=_speeds_callback,
            help="Speed profile for every road graph of the run: a bundled name (china_urban) "
            "or a TOML file such as the one 'firecover calibrate' writes (overrides the "
            "scenario's and the graph file's).",
        ),
        click.Option(
            ["--period"], type=PERIOD, default=None, expose_value=False,
            callback=_period_callback,
            help="Time-of-day period of the speed profile (china_urban: offpeak, am_peak, "
            "pm_peak, night); default: the profile's speeds as written.",
        ),
    ]  # fmt: skip


def add_travel_flags(command: click.Command) -> None:
    """Give a routing command ``--speeds`` and ``--period`` (other commands are left alone)."""
    if command.name not in ROUTING_COMMANDS:
        return
    names = {o for p in command.params for o in getattr(p, "opts", [])}
    command.params.extend(o for o in _travel_options() if o.opts[0] not in names)
