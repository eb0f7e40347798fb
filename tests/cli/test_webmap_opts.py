"""``--tiles`` / ``--tiles-attribution`` on every command that writes an HTML map: listed in
the help, and a bad pair refused with exit 2 and one line before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "scenarios" / "demo.toml")
GRAPH = str(ROOT / "data" / "demo" / "demo_district.graphml")
COMMANDS = {
    "evaluate": [DEMO],
    "batch": [DEMO],
    "demo": [],
    "service-area": ["--graph", GRAPH, "--stations", DEMO],
    "jurisdictions": ["--graph", GRAPH, "--stations", DEMO],
    "gaps": ["--graph", GRAPH, "--stations", DEMO],
    "site": ["--graph", GRAPH, "--model", "lscp"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_lists_tiles(command: str) -> None:
    res = CliRunner().invoke(cli, [command, "--help"])
    assert res.exit_code == 0 and "--tiles" in res.output and "--tiles-attribution" in res.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_tiles_refused_before_any_work(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, [command, *COMMANDS[command], "--out", str(out),
                                   "--tiles", "https://t.example/{z}/{x}.png",
                                   "--tiles-attribution", "© t"])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "{y}" in res.output and "Traceback" not in res.output
    assert not out.exists()
