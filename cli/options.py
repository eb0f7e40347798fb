"""Shared click pieces: option types built on the library's one validation layer, and the
``-v`` / ``-q`` flags every command accepts (before or after the sub-command)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from firecover._schema import RULES, check_period

__all__ = ["COUNT", "FACTOR", "METRES", "METRES0", "MINUTES", "MINUTES0", "PERIOD", "PERIODS",
           "SECONDS", "Number", "PeriodName", "add_log_flags",
           "configure_logging"]  # fmt: skip


class Number(click.ParamType):
    """A number checked by a rule of :data:`firecover._schema.RULES` (the scenario's rules).

    ``nan``, ``inf`` and values out of range are refused with click's usage error (exit 2).
    """

    def __init__(self, rule: str) -> None:
        self.rule = RULES[rule]
        self.name = "integer" if self.rule.integer else "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float | int = value
        else:
            text = str(value).strip()
            try:
                number = int(text) if self.rule.integer else float(text)
            except ValueError:
                self.fail(f"{value!r} is not a {'whole ' if self.rule.integer else ''}number",
                          param, ctx)  # fmt: skip
        why = self.rule.problem(number)
        if why is not None:
            unit = f" {self.rule.unit}" if self.rule.unit else ""
            self.fail(f"{why}{' (' + unit.strip() + ')' if unit else ''}", param, ctx)
        return number


MINUTES = Number("positive_minutes")
MINUTES0 = Number("non_negative_minutes")
SECONDS = Number("positive_seconds")
METRES = Number("positive_metres")
METRES0 = Number("non_negative_metres")
FACTOR = Number("positive_factor")
COUNT = Number("count")
HOURS = Number("positive_hours")
SHARE = Number("busy_share")


class PeriodName(click.ParamType):
    """A time-of-day period name (``am_peak``), or with ``many`` a comma list or ``all``.

    Checked by :func:`firecover._schema.check_period`; the profile says whether it has them.
    """

    name = "period"

    def __init__(self, many: bool = False) -> None:
        self.many = many

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return check_period(value, "--periods" if self.many else "--period", many=self.many)
        except ValueError as exc:
            self.fail(str(exc).split(": ", 1)[-1], param, ctx)


PERIOD = PeriodName()
PERIODS = PeriodName(many=True)


def configure_logging(verbose: int, quiet: int) -> None:
    """Log level WARNING, one step down per ``-v`` and up per ``-q``; messages to stderr."""
    level = logging.WARNING - 10 * verbose + 10 * quiet
    level = max(logging.DEBUG, min(logging.CRITICAL, level))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("firecover")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _flag_callback(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if not value:
        return
    root = ctx.find_root()
    counts = root.meta.setdefault("firecover.log", {"verbose": 0, "quiet": 0})
    counts[param.name or ""] += value
    configure_logging(counts["verbose"], counts["quiet"])


def _log_options() -> list[click.Option]:
    return [
        click.Option(["-v", "--verbose"], count=True, expose_value=False, is_eager=True,
                     callback=_flag_callback,
                     help="More log output (-v info, -vv debug)."),
        click.Option(["-q", "--quiet"], count=True, expose_value=False, is_eager=True,
                     callback=_flag_callback, help="Less log output (-q errors only)."),
    ]  # fmt: skip


def add_log_flags(command: click.Command) -> None:
    """Give ``command`` (and every sub-command of a group) the ``-v`` / ``-q`` flags."""
    names = {o for p in command.params for o in getattr(p, "opts", [])}
    if "-v" not in names:
        command.params.extend(_log_options())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_log_flags(sub)
