"""Entry point: the ``firecover`` command group, logging flags and error-to-exit-code mapping."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import sys
from typing import Any

import click

from firecover._errors import FirecoverError
from firecover._io import WRITE_ERRNOS, output_error
from firecover._version import __version__
from firecover.cli.options import add_log_flags, configure_logging
from firecover.cli.travel_opts import add_travel_flags
from firecover.cli.turns_opt import add_turns_option

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
    "calibrate",
)


class FirecoverGroup(click.Group):
    """A click group that turns library errors into a one-line message and an exit code."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Like click's, but a usage error is one line: ``Error: … (see 'firecover X --help')``."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.ClickException as exc:
            msg = " ".join(exc.format_message().split())
            ctx = getattr(exc, "ctx", None)
            if isinstance(exc, click.UsageError):
                where = ctx.command_path if ctx is not None else "firecover"
                msg += f" (see '{where} --help')"
            click.echo(f"Error: {msg}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

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
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as exc:
            if exc.errno not in WRITE_ERRNOS:
                raise
            err = output_error(exc, exc.filename or "the output")
            click.echo(f"Error: {err}", err=True)
            ctx.exit(err.exit_code)
        except Exception as exc:
            if logging.getLogger("firecover").isEnabledFor(logging.DEBUG):
                raise
            click.echo(
                f"Internal error ({type(exc).__name__}): {exc}. This is a bug in firecover; "
                "rerun with -vv for the traceback and report it.",
                err=True,
            )
            ctx.exit(1)


#: Exit status after the reader of stdout went away (``firecover … | head -1``): 128 + SIGPIPE,
#: what a shell reports for a command ended by a broken pipe.
EXIT_BROKEN_PIPE = 141
#: Exit status after SIGTERM (128 + 15); the staging folder is removed on the way out.
EXIT_TERMINATED = 143


def _quiet_broken_pipe() -> None:
    """Stop quietly when stdout's reader is gone: no message, no traceback, exit 141."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(EXIT_BROKEN_PIPE)


def _on_sigterm(signum: int, frame: Any) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write("Terminated; the output folder keeps its previous complete run.\n")
    raise SystemExit(EXIT_TERMINATED)  # unwinds: a run folder removes its staging copy


@click.group(cls=FirecoverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="firecover")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", count=True, help="Less log output (-q errors only).")
def cli(verbose: int, quiet: int) -> None:
    """firecover: fire-station coverage planning (GB 51080-2015, 建标152-2017).

    Road graphs, 5-minute service areas, jurisdictions, gap maps, standards checks and
    integer-programming siting for fire-rescue station plans.
    """
    ctx = click.get_current_context()
    ctx.meta["firecover.log"] = {"verbose": verbose, "quiet": quiet}
    configure_logging(verbose, quiet)


for _name in COMMAND_MODULES:
    _mod = importlib.import_module(f"{__package__}.{_name}")
    for _cmd in _mod.COMMANDS:
        add_log_flags(_cmd)
        add_turns_option(_cmd)
        add_travel_flags(_cmd)
        cli.add_command(_cmd)


def main() -> None:
    """Console-script entry point (SIGTERM unwinds cleanly; a broken stdout pipe is quiet)."""
    if threading_main():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            cli(prog_name="firecover")
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()


def threading_main() -> bool:
    """Whether this is the main thread (only it may install signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()
