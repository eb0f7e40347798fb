"""``evaluate --risk`` (firecover.plan.risk_section, analysis.risk_report / risk_files).

Oracle: a separate full travel-time matrix (:func:`firecover.traveltime.search.time_matrix`)
from every station in service to every object, sorted, for the first / 2nd / 3rd arrivals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from firecover.analysis.files import load_inputs
from firecover.analysis.reinforce import risk_targets
from firecover.cli.main import cli
from firecover.plan import evaluate_plan
from firecover.plan.report import plan_json, plan_markdown
from firecover.plan.risk_section import attach_risk
from firecover.plan.scenario import load_scenario
from firecover.traveltime.search import time_matrix

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "scenarios" / "demo.toml"
GRAPH = ROOT / "data" / "demo" / "demo_district.graphml"
BOUNDARY = ROOT / "data" / "demo" / "boundary.geojson"
RISK_CSV = """名称,类别,经度,纬度,坐标系
文化路大厦,高层,118.3517199,38.7566858,wgs84
澜河化工,危化品,118.3700,38.7620,wgs84
东部商城,大型综合体,118.3800,38.7650,wgs84
加油站,加油站,118.3650,38.7700,wgs84
海外仓库,危化品,100.0,20.0,wgs84
"""


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("risk_plan")
    risk = tmp / "risk.csv"
    risk.write_text(RISK_CSV, encoding="utf-8")
    inp = load_inputs(GRAPH, boundary=BOUNDARY, cell_size_m=250.0)
    ev = evaluate_plan(load_scenario(DEMO_SCENARIO), inp.net, inp.demand, synthetic=True,
                       optimum=False)  # fmt: skip
    return inp, attach_risk(ev, inp.net, inp.demand, risk, GRAPH), risk


def test_arrivals_match_a_full_matrix(evaluated) -> None:  # type: ignore[no-untyped-def]
    inp, ev, _ = evaluated
    layer = ev.risk["_layer"]
    assert len(layer) == 4  # the object far outside the planning area is left out
    run = ev.final.run
    t = time_matrix(inp.net, run.snapped, risk_targets(inp.net, layer))  # stations × objects
    turnout = run.layers.meta.turnout_min
    for h in range(len(layer)):
        exact = np.sort(t[:, h])[:3] / 60.0 + turnout
        got = layer[["first_min", "second_min", "third_min"]].to_numpy()[h]
        np.testing.assert_allclose(got, exact, rtol=1e-9)
        names = [s.name for s in run.stations]
        assert layer["first_station"].iloc[h] == names[int(np.argmin(t[:, h]))]
    # the demo has no 特勤 station: the hazardous site is late whatever arrives first
    hz = layer[layer["risk_class"] == "hazmat"].iloc[0]
    assert not hz.on_time and hz.first_min <= 5.0
    late = {r["name"] for r in ev.risk["late"]}
    assert late == set(layer.loc[~layer["on_time"], "name"])
    assert [y["year"] for y in ev.risk["years"]] == [y.year for y in ev.years]


def test_report_json_and_markdown(evaluated) -> None:  # type: ignore[no-untyped-def]
    _, ev, _ = evaluated
    doc = json.loads(plan_json(ev))
    risk = doc["risk"]
    assert risk["n_objects"] == 4 and "_layer" not in risk
    assert {c["class"] for c in risk["classes"]} == {"high_rise", "hazmat", "complex", "加油站"}
    cells = risk["cells"]
    assert cells["first_within_budget_km2"] >= cells["second_within_budget_km2"]
    assert cells["second_within_budget_km2"] >= cells["third_within_budget_km2"]
    md = plan_markdown(ev, lang="zh")
    assert "## 重点风险对象与增援" in md and "澜河化工" in md and "无该类消防站" in md
    en = plan_markdown(ev, lang="en")
    assert "Risk objects outside their required time" in en


def test_cli_evaluate_with_risk(evaluated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    *_, risk = evaluated
    out = tmp_path / "out"
    args = ["evaluate", str(DEMO_SCENARIO), "--cell-size", "250", "--no-optimum", "--no-html",
            "--no-docx", "--no-xlsx", "--out", str(out), "--risk", str(risk)]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    for name in ("risk_objects.geojson", "map_risk.png", "map_reinforce.png"):
        assert (out / name).is_file(), name
    assert "risk" in json.loads((out / "report.json").read_text(encoding="utf-8"))
    bad = CliRunner().invoke(cli, [*args[:-1], "osm"])
    assert bad.exit_code == 2 and ".osm/.pbf" in bad.output
    missing = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "nope.csv" in missing.output


def test_word_and_excel_document_model(evaluated) -> None:  # type: ignore[no-untyped-def]
    from firecover.outputs.document import Table
    from firecover.plan.deliverables import plan_document

    _, ev, _ = evaluated
    rep = plan_document(ev, lang="zh")
    sec = next(s for s in rep.sections if s.heading == "重点风险对象与增援")
    tables = [b for b in sec.blocks if isinstance(b, Table)]
    assert [t.sheet for t in tables] == ["风险类别", None, "超时对象"]
    every = next(t for t in rep.extra_tables if t.sheet == "风险对象")
    assert len(every.rows) == 4
    late = tables[2]
    assert {r[0] for r in late.rows} == {r["name"] for r in ev.risk["late"]}
