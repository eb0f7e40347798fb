"""``firecover hydrants`` on the demo district."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from pyproj import Transformer

from firecover.analysis.files import load_inputs
from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
GRAPH = ROOT / "data" / "demo" / "demo_district.graphml"


def test_demo_hydrants(tmp_path: Path) -> None:
    net = load_inputs(GRAPH).net
    ok = ~np.isin(net.edge_class, ["motorway", "motorway_link"])
    nodes = np.unique(net.edge_u[ok])[::4]
    lon, lat = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True).transform(
        net.x[nodes], net.y[nodes]
    )
    h = tmp_path / "h.csv"
    with h.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "lon", "lat"])
        w.writerows(
            [f"H{i}", f"{a:.7f}", f"{b:.7f}"] for i, (a, b) in enumerate(zip(lon, lat, strict=True))
        )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli, ["hydrants", "--graph", str(GRAPH), "--hydrants", str(h), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "hydrants.json").read_text(encoding="utf-8"))
    assert doc["rule"]["radius_m"] == 150 and doc["rule"]["spacing_m"] == 120
    assert doc["new_hydrants"]["checked_max_m"] <= 60.0 + 1e-6
    rows = list(csv.DictReader((out / "new_hydrants.csv").open(encoding="utf-8")))
    assert len(rows) == doc["new_hydrants"]["count"] > 0
    assert (out / "hydrants.png").stat().st_size > 10_000


def test_bad_hydrant_file(tmp_path: Path) -> None:
    h = tmp_path / "h.csv"
    h.write_text("id,x,y\n1,2,3\n", encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["hydrants", "--graph", str(GRAPH), "--hydrants", str(h), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
