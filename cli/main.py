"""Entry point: the ``firecover`` command group, logging flags and error-to-exit-code mapping."""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from firecover._errors import FirecoverError
from firecover._version import __version__

#: Modules under ``firecover.cli`` that each export ``COMMANDS`` (a list of click commands).
COMMAND_MODULES: tuple[str, ...] = (
    "graph",
    "coverage_cmds",
    "site",
    "plan_cmds",
    "demo",
    "batch",
    "serve",
    "quota",
    "audit",
    "hydrants",
    "sequence",
)


class FirecoverGroup(click.Group):
    """A click group that turns library errors into a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FirecoverError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if logging.getLogger("firecover").isEnabledFor(logging.DEBUG):
                raise
            click.echo(
                f"Internal error ({type(exc).__name__}): {exc}. This is a bug in firecover; "
                "rerun with -vv for the traceback and report it.",
                err=True,
            )
            ctx.exit(1)


def _configure_logging(verbose: int, quiet: int) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    level = max(logging.DEBUG, min(logging.CRITICAL, level))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("firecover")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@click.group(cls=FirecoverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="firecover")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", count=True, help="Less log output (-q errors only).")
def cli(verbose: int, quiet: int) -> None:
    """firecover: fire-station coverage planning (GB 51080-2015, 建标152-2017).

    Road graphs, 5-minute service areas, jurisdictions, gap maps, standards checks and
    integer-programming siting for fire-rescue station plans.
    """
    _configure_logging(verbose, quiet)


for _name in COMMAND_MODULES:
    _mod = importlib.import_module(f"{__package__}.{_name}")
    for _cmd in _mod.COMMANDS:
        cli.add_command(_cmd)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="firecover")
