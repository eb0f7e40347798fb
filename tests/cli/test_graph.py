"""``firecover graph fetch | import | info`` through click's test runner (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner, Result

import firecover.network.osm as _osm
from firecover import network
from firecover._errors import NetworkUnavailableError
from firecover.cli.main import cli

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny_drive.osm"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["-q", "graph", *args])


def _error_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_commands_are_registered() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    for name in ("fetch", "import", "info"):
        assert name in result.output


def test_import_then_info(tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    result = _run("import", str(TINY), "--out", str(out), "--congestion", "0.5")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "7 nodes" in result.output
    g = network.load_graphml(out)
    assert g.graph["congestion_factor"] == 0.5
    assert g.edges[4, 5, 0]["speed_kph"] == pytest.approx(20.0)

    text = _run("info", str(out))
    assert text.exit_code == 0
    assert "EPSG:32650" in text.output and "secondary" in text.output

    as_json = _run("info", str(out), "--json")
    data = json.loads(as_json.output)
    assert data["nodes"] == 7 and data["congestion_factor"] == 0.5


def test_import_options(tmp_path: Path) -> None:
    out = tmp_path / "all.graphml"
    result = _run(
        "import", str(TINY), "--out", str(out), "--keep-all-components", "--crs", "4548",
        "--bbox", "117.199", "39.119", "117.207", "39.123",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    g = network.load_graphml(out)
    assert g.graph["crs"] == "EPSG:4548" and g.number_of_nodes() == 10
    cn = tmp_path / "cn.graphml"
    result = _run(
        "import", str(DATA / "centerline_cn.geojson"), "--out", str(cn),
        "--class-column", "道路等级", "--oneway-column", "方向",
        "--oneway-values", "1=forward,-1=backward,0=both", "--profile", "china_urban",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert nx.is_strongly_connected(network.load_graphml(cn))


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["import", "missing.osm", "--out", "x.graphml"], 2, "not found"),
        (["import", str(TINY), "--out", "x.graphml", "--crs", "4326"], 2, "not a projected"),
        (["import", str(TINY), "--out", "x.graphml", "--profile", "nope"], 2, "speed profile"),
        (
            ["import", str(DATA / "centerline_cn.geojson"), "--out", "x.graphml",
             "--class-column", "grade"],
            2,
            "'grade' not found",
        ),
        (["import", str(TINY), "--out", str(TINY)], 7, "also an input"),
        (["info", str(DATA / "README.md")], 2, "unsupported road file"),
    ],
)  # fmt: skip
def test_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int, fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run(*args)
    assert result.exit_code == code, result.output
    assert fragment in _error_line(result)


def test_bad_profile_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text("default_kph = 20\n[speeds_kph]\nprimary = -3\n", "utf-8")
    result = _run("import", str(TINY), "--out", "x.graphml", "--profile", "bad.toml")
    assert result.exit_code == 2
    assert "speeds_kph.primary" in _error_line(result)


def test_fetch_option_rules(tmp_path: Path) -> None:
    out = str(tmp_path / "x.graphml")
    assert _run("fetch", "--out", out).exit_code == 2
    assert _run("fetch", "--place", "A", "--bbox", "1", "2", "3", "4", "--out", out).exit_code == 2


def test_fetch_calls_the_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = network.load_graph(TINY, prepare=False)
    monkeypatch.setattr(_osm, "fetch_place", lambda name: raw.copy())
    out = tmp_path / "place.graphml"
    result = _run("fetch", "--place", "Tiny Test District", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert network.load_graphml(out).graph["name"] == "Tiny Test District"


def test_fetch_without_network_exits_6(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: float) -> nx.MultiDiGraph:
        raise NetworkUnavailableError("cannot download OpenStreetMap roads; work offline instead")

    monkeypatch.setattr(_osm, "fetch_bbox", offline)
    result = _run("fetch", "--bbox", "117.19", "39.11", "117.21", "39.13", "--out", "x.graphml")
    assert result.exit_code == 6
    assert "work offline" in _error_line(result)
