"""``--turns`` on routing commands and ``graph import --restrictions`` (CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from firecover.cli.main import cli
from firecover.network import load_graph

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
STATION = "name,lon,lat,class\n文化路消防救援站,118.3517199,38.7566858,二级\n"


def _restriction_csv(path: Path) -> None:
    g = load_graph(DEMO / "demo_district.graphml")
    u, v = next((a, b) for a, b in g.edges() if g.out_degree(b) >= 3)
    w = next(c for c in g.successors(v) if c != u)
    path.write_text(
        f"from_node,via_node,to_node,restriction\n{u},{v},{w},no_left_turn\n", encoding="utf-8"
    )


def test_import_restrictions_then_info_and_turns_flag(tmp_path: Path) -> None:
    runner = CliRunner()
    _restriction_csv(tmp_path / "r.csv")
    out = tmp_path / "g.graphml"
    res = runner.invoke(
        cli,
        [
            "graph",
            "import",
            str(DEMO / "demo_district.graphml"),
            "--restrictions",
            str(tmp_path / "r.csv"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    info = runner.invoke(cli, ["graph", "info", str(out)])
    assert "restrictions 1 (1 on the network" in info.output
    assert "--turns auto → on" in info.output
    (tmp_path / "s.csv").write_text(STATION, encoding="utf-8")
    base = ["service-area", "--graph", str(out), "--stations", str(tmp_path / "s.csv")]
    on = runner.invoke(cli, [*base, "--out", str(tmp_path / "on"), "-v"])
    assert on.exit_code == 0, on.output
    assert "turns: restrictions 1 (1 on the network)" in on.output
    off = runner.invoke(cli, [*base, "--out", str(tmp_path / "off"), "-v", "--turns", "off"])
    assert off.exit_code == 0, off.output
    assert "turns: restrictions" not in off.output
    # the run's report says which model produced it
    on_json = json.loads((tmp_path / "on" / "coverage.json").read_text(encoding="utf-8"))
    off_json = json.loads((tmp_path / "off" / "coverage.json").read_text(encoding="utf-8"))
    assert all(r["turn_model"].startswith("turns: restrictions 1") for r in on_json["runs"])
    assert all(r["turn_model"] == "turns: off" for r in off_json["runs"])


@pytest.mark.parametrize("text", ["a,b\n1,2\n", "from_node,via_node,to_node\n1,,3\n"])
def test_bad_restriction_file_writes_nothing(tmp_path: Path, text: str) -> None:
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    out = tmp_path / "g.graphml"
    res = CliRunner().invoke(
        cli,
        [
            "graph",
            "import",
            str(DEMO / "demo_district.graphml"),
            "--restrictions",
            str(tmp_path / "r.csv"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code != 0
    assert "restriction file" in res.output and "Traceback" not in res.output
    assert not out.exists()
