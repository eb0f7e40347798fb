"""``--speeds`` / ``--period`` on the routing commands (cli/travel_opts.py)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from firecover.cli.main import cli
from firecover.cli.travel_opts import ROUTING_COMMANDS

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
STATIONS = Path(__file__).resolve().parents[1] / "data" / "stations" / "stations.toml"


def test_every_routing_command_has_both_options():
    for name in ROUTING_COMMANDS:
        cmd = cli.commands[name]
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert {"--speeds", "--period"} <= opts, name
    assert "--turns" in {o for p in cli.commands["batch"].params for o in p.opts}
    assert "--period" not in {o for p in cli.commands["graph"].params for o in p.opts}


def _stations(tmp_path: Path) -> Path:
    import tomllib

    sc = tomllib.loads((DEMO / "demo.toml").read_text(encoding="utf-8"))
    rows = [s for s in sc["station"] if s.get("status", "existing") == "existing"]
    p = tmp_path / "st.csv"
    lines = ["name,lon,lat,class"] + [f"{s['name']},{s['lon']},{s['lat']},{s['class']}"
                                      for s in rows]  # fmt: skip
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_period_changes_coverage_and_is_reported(tmp_path):
    st = _stations(tmp_path)
    shares = {}
    for period in ("night", "am_peak"):
        out = tmp_path / period
        res = CliRunner().invoke(cli, ["gaps", "--graph", str(DEMO / "demo_district.graphml"),
                                       "--stations", str(st), "--period", period, "--no-html",
                                       "--out", str(out)])  # fmt: skip
        assert res.exit_code == 0, res.output
        doc = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
        run = doc["runs"][0]
        assert f"period {period}" in run["travel_time_model"]
        assert f"period {period}" in (out / "coverage.md").read_text(encoding="utf-8")
        shares[period] = run["district"]["covered_share"]
    assert shares["am_peak"] < shares["night"]


def test_unknown_period_exit_2_nothing_written(tmp_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["gaps", "--graph", str(DEMO / "demo_district.graphml"),
                                   "--stations", str(_stations(tmp_path)), "--period", "rush",
                                   "--out", str(out)])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "has no period 'rush'" in res.output and "am_peak" in res.output
    assert not out.exists()
