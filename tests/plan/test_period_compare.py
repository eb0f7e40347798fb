"""``evaluate --periods``: the demo plan under each time-of-day period (plan/period_compare.py)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from firecover.cli.main import cli
from firecover.plan.files import evaluate_scenario
from firecover.plan.period_compare import resolve_periods

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "demo.toml"


def test_periods_side_by_side(tmp_path):
    out = tmp_path / "ev"
    _, _ = evaluate_scenario(DEMO, out, optimum=False, html=False, deliverables="docx,xlsx",
                              periods=("offpeak", "am_peak", "night"))  # fmt: skip
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = {r["period"]: r for r in doc["travel_model"]["periods"]}
    assert list(rows) == ["offpeak", "am_peak", "night"]
    base = {y["year"]: y["covered_share"] for y in doc["years"]}
    for i, year in enumerate(base):
        off = rows["offpeak"]["years"][i]
        assert off["year"] == year
        assert off["covered_share"] == pytest.approx(base[year], abs=1e-6)  # factor 1.0
        # slower speeds never reach more: am_peak <= offpeak <= night
        assert rows["am_peak"]["years"][i]["covered_share"] <= off["covered_share"] + 1e-9
        assert off["covered_share"] <= rows["night"]["years"][i]["covered_share"] + 1e-9
    assert rows["am_peak"]["years"][0]["covered_share"] < base[min(base)]
    assert doc["travel_time_model"].startswith("行车时间模型")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "分时段覆盖" in md and "| 年份 | offpeak | am_peak | night |" in md
    wb = openpyxl.load_workbook(out / "tables.xlsx")
    assert any("periods" in name or "时段" in name for name in wb.sheetnames)


def test_resolve_periods_all_and_unknown():
    assert resolve_periods("all", None) == ("offpeak", "am_peak", "pm_peak", "night")
    with pytest.raises(ValueError, match="no period 'rush'"):
        resolve_periods(("rush",), None)


def test_cli_periods_bad_name_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO), "--periods", "AM peak", "--out",
                                   str(tmp_path / "o")])  # fmt: skip
    assert res.exit_code == 2
    assert "not a period name" in res.output
    assert not (tmp_path / "o").exists()


def test_scenario_period_key(tmp_path):
    from firecover._errors import ScenarioError
    from firecover.plan.scenario import load_scenario

    text = DEMO.read_text(encoding="utf-8")
    assert "[scenario.graph]" in text
    sc_file = tmp_path / "demo.toml"
    for name in ("demo_district.graphml", "boundary.geojson", "barriers.geojson"):
        (tmp_path / name).write_bytes((DEMO.parent / name).read_bytes())
    sc_file.write_text(text.replace("[scenario.graph]\n", '[scenario.graph]\nperiod = "am_peak"\n'),
                       encoding="utf-8")  # fmt: skip
    assert load_scenario(sc_file).graph.period == "am_peak"
    from firecover.plan.sources import graph_for

    graph = graph_for(load_scenario(sc_file), None)
    assert graph.graph["period"] == "am_peak"
    sc_file.write_text(text.replace("[scenario.graph]\n", '[scenario.graph]\nperiod = "AM"\n'),
                       encoding="utf-8")  # fmt: skip
    with pytest.raises(ScenarioError, match=r"period.*not a period name"):
        load_scenario(sc_file)
