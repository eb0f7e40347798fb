"""The command-line frame: version, help, logging flags, error mapping."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from firecover._errors import InfeasibleModelError, InputFileError
from firecover._version import __version__
from firecover.cli.main import cli


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["--version"])
    assert res.exit_code == 0 and __version__ in res.output


def test_help_lists_commands(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["--help"])
    assert res.exit_code == 0
    assert "graph" in res.output and "demo" in res.output


@pytest.mark.parametrize(
    ("exc", "code"),
    [(InputFileError("x.osm not found"), 2), (InfeasibleModelError("row 1 uncovered"), 4)],
)
def test_errors_map_to_one_line_and_exit_code(runner: CliRunner, exc: Exception, code: int) -> None:
    @click.command("boom")
    def boom() -> None:
        raise exc

    cli.add_command(boom)
    try:
        res = runner.invoke(cli, ["boom"])
    finally:
        cli.commands.pop("boom")
    assert res.exit_code == code
    assert res.output.strip() == f"Error: {exc}"
    assert "Traceback" not in res.output


def test_unexpected_error_is_reported_as_bug(runner: CliRunner) -> None:
    @click.command("bug")
    def bug() -> None:
        raise ZeroDivisionError("oops")

    cli.add_command(bug)
    try:
        res = runner.invoke(cli, ["bug"])
    finally:
        cli.commands.pop("bug")
    assert res.exit_code == 1
    assert "bug in firecover" in res.output and "Traceback" not in res.output


def test_a_closed_stdout_pipe_ends_quietly_with_141() -> None:
    """`firecover … | head -1`: no traceback, no message, 128 + SIGPIPE (README)."""
    import subprocess
    import sys
    from pathlib import Path

    graph = Path(__file__).resolve().parents[2] / "data" / "demo" / "demo_district.graphml"
    code = "from firecover.cli.main import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "graph", "info", str(graph)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(120) == 141 and err == b""
