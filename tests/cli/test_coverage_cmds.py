"""End-to-end commands on the embedded demo data: demo, service-area, jurisdictions, gaps.

Also the bad inputs the brief lists: each gets one line on stderr, exit code 2, no traceback,
and the user's files are left untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
GRAPH = DEMO / "demo_district.graphml"
BOUNDARY = DEMO / "boundary.geojson"

STATIONS_CSV = """name,lon,lat,class
文化路消防救援站,118.3517199,38.7566858,二级
兴业路消防救援站,118.3620216,38.7537457,一级
"""


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_demo_writes_every_year(demo_out: Path) -> None:
    doc = json.loads((demo_out / "coverage.json").read_text(encoding="utf-8"))
    assert doc["synthetic"] is True
    years = [r["label"].split(":")[0] for r in doc["runs"]]
    assert years == ["2021", "2022", "2024"]
    counts = [len(r["stations"]) for r in doc["runs"]]
    assert counts == [3, 4, 5]
    shares = [r["district"]["covered_share"] for r in doc["runs"]]
    assert shares == sorted(shares) and shares[0] < 1.0  # the plan closes gaps year by year
    for y in years:
        for name in ("layers.gpkg", "map.png", "map.html"):
            assert (demo_out / y / name).stat().st_size > 1000
    md = (demo_out / "coverage.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in md and "虚构" in md


def test_demo_geopackage_layers(demo_out: Path) -> None:
    gpkg = demo_out / "2024" / "layers.gpkg"
    jur = gpd.read_file(gpkg, layer="jurisdictions")
    cells = gpd.read_file(gpkg, layer="demand_cells")
    assert len(jur) == 5
    assert jur["area_km2"].sum() == pytest.approx(cells["area_km2"].sum(), rel=1e-6)
    assert set(cells["station"].dropna()) <= set(jur["station"])


@pytest.mark.parametrize("command", ["service-area", "jurisdictions", "gaps"])
def test_coverage_commands(tmp_path: Path, command: str) -> None:
    stations = tmp_path / "stations.csv"
    stations.write_text(STATIONS_CSV, encoding="utf-8")
    out = tmp_path / "out"
    args = [command, "--graph", str(GRAPH), "--stations", str(stations),
            "--boundary", str(BOUNDARY), "--out", str(out), "--no-html"]  # fmt: skip
    if command == "service-area":
        args += ["--minutes", "3", "--minutes", "5"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "2 stations" in res.output
    layers = gpd.list_layers(out / "layers.gpkg")["name"].tolist()
    assert {"stations", "service_areas", "jurisdictions", "demand_cells", "roads"} <= set(layers)
    sa = gpd.read_file(out / "layers.gpkg", layer="service_areas")
    expected = {3.0, 5.0} if command == "service-area" else {5.0}
    assert set(sa["minutes"]) == expected
    assert (out / "map.png").stat().st_size > 10_000


BAD_ROWS = {
    "swapped": ("name,lon,lat,class\nA,38.7566858,118.3517199,一级\n", "swapped"),
    "off-network": ("", "farther than"),
    "unknown-class": ("name,lon,lat,class\nA,118.3517199,38.7566858,tiny\n", "allowed"),
}


def _off_network_row() -> str:
    """A station 700 m north of the northernmost road: past the 500 m snap limit."""
    import osmnx as ox
    from pyproj import Transformer

    g = ox.load_graphml(GRAPH)
    top = max(g.nodes, key=lambda n: g.nodes[n]["y"])
    x, y = g.nodes[top]["x"], g.nodes[top]["y"] + 700.0
    lon, lat = Transformer.from_crs(g.graph["crs"], "EPSG:4326", always_xy=True).transform(x, y)
    return f"name,lon,lat,class\nA,{lon:.7f},{lat:.7f},一级\n"


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_station_inputs_one_line(tmp_path: Path, case: str) -> None:
    text, needle = BAD_ROWS[case]
    if case == "off-network":
        text = _off_network_row()
    stations = tmp_path / "s.csv"
    stations.write_text(text, encoding="utf-8")
    before = stations.read_bytes()
    res = CliRunner().invoke(cli, ["gaps", "--graph", str(GRAPH), "--stations", str(stations),
                                   "--out", str(tmp_path / "o"), "--no-html"])  # fmt: skip
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert needle in lines[0]
    assert stations.read_bytes() == before
    assert not (tmp_path / "o" / "layers.gpkg").exists()


def test_missing_graph_file(tmp_path: Path) -> None:
    stations = tmp_path / "s.csv"
    stations.write_text(STATIONS_CSV, encoding="utf-8")
    args = ["gaps", "--graph", str(tmp_path / "nope.graphml"), "--stations", str(stations),
            "--out", str(tmp_path / "o")]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2
    assert "not found" in res.output and "Traceback" not in res.output
