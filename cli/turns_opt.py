"""The ``--turns auto|on|off`` option of every command that routes (added by ``main``).

The value reaches every road network the command builds through
:func:`firecover.network.turns.use_turns` (entered for the command's context); ``auto`` (the
default) searches with turns when the graph carries OSM restrictions or junction controls.
"""

from __future__ import annotations

import click

from firecover.network.turns import TURN_MODES, use_turns

__all__ = ["NO_TURNS_OPTION", "add_turns_option"]

#: Command names that do not route (they get no ``--turns``).
NO_TURNS_OPTION = frozenset({"graph", "hydrants", "quota"})


def _turns_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.with_resource(use_turns(value))


def add_turns_option(command: click.Command) -> None:
    """Give a routing ``command`` (and every sub-command of a group) the ``--turns`` option."""
    if command.name in NO_TURNS_OPTION:
        return
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_turns_option(sub)
        return
    if any("--turns" in getattr(p, "opts", []) for p in command.params):
        return
    command.params.append(
        click.Option(
            ["--turns"],
            type=click.Choice(TURN_MODES),
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_turns_callback,
            help="Turn restrictions, junction delays and turn penalties in the searches: auto "
            "(default: on when the graph has OSM restrictions or signals), on, off.",
        )
    )
