"""``firecover sequence`` on the demo scenario (sequencing and multi-period siting)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"


def test_demo_sequence(tmp_path: Path) -> None:
    out = tmp_path / "s"
    res = CliRunner().invoke(cli, ["sequence", str(DEMO), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "sequence.json").read_text(encoding="utf-8"))
    assert doc["synthetic"] is True and doc["years"] == [2022, 2023, 2024, 2025]
    # The optimum is never below the plan's own order (same capacity, same sites).
    assert doc["best_total"] >= doc["plan_total"] - 1e-9
    assert sum(doc["best_by_year"]) == __import__("pytest").approx(doc["best_total"])
    assert (out / "sequence_strip.png").stat().st_size > 10_000


def test_demo_multi_period_siting(tmp_path: Path) -> None:
    out = tmp_path / "m"
    res = CliRunner().invoke(
        cli,
        [
            "sequence",
            str(DEMO),
            "--generate",
            "--spacing",
            "800",
            "--per-year",
            "1",
            "--time-limit",
            "60",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "sequence.json").read_text(encoding="utf-8"))
    assert doc["mode"] == "multi-period siting"
    opened = [s["best"] for s in doc["sites"].values() if s["best"] is not None]
    for y in doc["years"]:
        assert opened.count(y) <= 1


def test_new_area_needs_year(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli,
        [
            "sequence",
            str(DEMO),
            "--new-area",
            str(ROOT / "data" / "demo" / "boundary.geojson"),
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
