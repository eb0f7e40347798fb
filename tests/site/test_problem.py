"""Network siting (``firecover.site``) on the demo district, checked against brute force.

The oracles are independent of the solver: enumerating every candidate for one new station,
and the coverage the jurisdiction module computes on its own (k-nearest travel times) for the
stations the solver chose.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from firecover import siting
from firecover._errors import DataFormatError, InfeasibleModelError
from firecover.analysis.files import load_inputs
from firecover.cli.main import cli
from firecover.plan.scenario import load_scenario
from firecover.site import SiteProblem, build_problem, site_stations, solve_problem
from firecover.site.candidates import generate_candidates

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
GRAPH = DEMO / "demo_district.graphml"
BOUNDARY = DEMO / "boundary.geojson"

EXISTING_CSV = """name,class,lon,lat
文化路消防救援站,二级,118.3517199,38.7566858
兴业路消防救援站,一级,118.3620216,38.7537457
澜北消防救援站,二级,118.351965,38.7696689
"""


@pytest.fixture(scope="module")
def inputs():  # type: ignore[no-untyped-def]
    return load_inputs(GRAPH, boundary=BOUNDARY, cell_size_m=200.0)


@pytest.fixture(scope="module")
def existing():  # type: ignore[no-untyped-def]
    sc = load_scenario(ROOT / "scenarios" / "demo.toml")
    return sc.stations_in_service(2021)


@pytest.fixture(scope="module")
def problem(inputs, existing) -> SiteProblem:  # type: ignore[no-untyped-def]
    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=300.0)
    return build_problem(inputs.net, inputs.demand, existing, cands, with_times=True)


def _covered_area(pb: SiteProblem, sites: np.ndarray) -> float:
    hit = np.asarray(pb.coverage[:, sites].sum(axis=1)).ravel() > 0
    return float(pb.area[hit].sum())


def test_matrix_shapes_and_fixed_first(problem: SiteProblem) -> None:
    n_sites = problem.n_fixed + len(problem.candidates)
    assert problem.coverage.shape == (len(problem.demand), n_sites)
    assert problem.times is not None and problem.times.shape == problem.coverage.shape
    # coverage is exactly "time within the driving budget"
    t = problem.times.toarray()
    stored = np.zeros(t.shape, bool)
    r, c = problem.times.nonzero()
    stored[r, c] = True
    stored[problem.times.tocoo().row, problem.times.tocoo().col] = True
    within = stored & (t <= 60 * problem.driving_min)
    assert np.array_equal(problem.coverage.toarray(), within)
    assert problem.site_name(0) == problem.existing[0].name
    assert problem.limits[0] == 4.0 and problem.limits[1] == 7.0  # 二级, 一级
    assert np.all(problem.limits[problem.n_fixed :] == 7.0)  # new 一级


def test_coverage_matches_jurisdiction_module(inputs, problem: SiteProblem) -> None:  # type: ignore[no-untyped-def]
    """Cells the existing stations cover per the matrix = cells analyse() marks covered."""
    from firecover.analysis import analyse

    run = analyse(inputs.net, list(problem.existing), inputs.demand)
    hit = np.asarray(problem.coverage[:, problem.fixed].sum(axis=1)).ravel() > 0
    assert np.array_equal(hit, run.layers.cells["covered"].to_numpy(bool))


def test_lscp_is_minimal_by_brute_force(problem: SiteProblem) -> None:
    res, rows = solve_problem(problem, "lscp")
    assert res.status == "optimal"
    assert siting.check_cover(problem.coverage[rows], res.sites).size == 0
    k = problem.n_fixed
    total = _covered_area(problem, np.arange(problem.coverage.shape[1]))
    singles = [j for j in range(k, problem.coverage.shape[1])
               if _covered_area(problem, np.r_[problem.fixed, j]) >= total - 1e-12]  # fmt: skip
    expected = 0 if _covered_area(problem, problem.fixed) >= total - 1e-12 else (
        1 if singles else None)  # fmt: skip
    assert expected is not None, "demo should need at most one new station at 300 m spacing"
    assert len(res.new_sites) == expected


def test_mclp_one_station_brute_force(problem: SiteProblem) -> None:
    res, _ = solve_problem(problem, "mclp", 1)
    w = problem.weights
    best = max(
        float(w[np.asarray(problem.coverage[:, np.r_[problem.fixed, j]].sum(axis=1)).ravel() > 0]
              .sum())
        for j in range(problem.n_fixed, problem.coverage.shape[1])
    )  # fmt: skip
    uncoverable = float(w[~problem.coverable].sum())
    assert res.objective == pytest.approx(best - uncoverable * 0, rel=1e-9)
    assert len(res.new_sites) == 1 and set(problem.fixed) <= set(res.sites)


@pytest.mark.parametrize("model", ["pmedian", "pcenter"])
def test_cost_models_one_station_brute_force(problem: SiteProblem, model: str) -> None:
    res, rows = solve_problem(problem, model, 1)
    times = problem.times[rows]
    evaluate = siting.evaluate_pmedian if model == "pmedian" else siting.evaluate_pcenter
    vals = []
    for j in range(problem.n_fixed, problem.coverage.shape[1]):
        sites = np.r_[problem.fixed, j]
        vals.append(evaluate(times, sites, problem.weights[rows]) if model == "pmedian"
                    else evaluate(times, sites))  # fmt: skip
    assert res.objective == pytest.approx(min(vals), rel=1e-9)


def test_area_model_designs_districts_within_limits(problem: SiteProblem) -> None:
    res, rows = solve_problem(problem, "area", split=True)
    assert res.status in ("optimal", "time_limit")
    assigned = res.assignment
    assert assigned is not None
    a = problem.area[rows]
    load = np.bincount(assigned[assigned >= 0], weights=a[assigned >= 0],
                       minlength=problem.coverage.shape[1])  # fmt: skip
    assert np.all(load <= problem.limits + 1e-6 + a.max())  # a split cell may round onto one site
    lscp, _ = solve_problem(problem, "lscp")
    assert len(res.new_sites) >= len(lscp.new_sites)  # the area model is a cover too


def test_site_stations_analyses_the_result(inputs, existing) -> None:  # type: ignore[no-untyped-def]
    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=300.0)
    srun = site_stations(inputs.net, inputs.demand, existing, cands, model="mclp", p=2)
    assert len(srun.chosen) == 2
    assert {s.status for s in srun.chosen} == {"proposed"}
    names = [s.name for s in srun.run.stations]
    assert names[:3] == [s.name for s in existing]
    assert srun.baseline is not None
    # adding stations never lowers coverage
    assert srun.run.summary.covered_km2 >= srun.baseline.summary.covered_km2 - 1e-9
    # the objective is the covered weight of the cells the jurisdiction run marks covered
    cells = srun.run.layers.cells
    assert srun.result.objective == pytest.approx(
        float(cells.loc[cells["covered"], "weight"].sum()), rel=1e-6
    )


def test_errors(inputs, existing) -> None:  # type: ignore[no-untyped-def]
    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=400.0)
    with pytest.raises(DataFormatError, match="--p"):
        site_stations(inputs.net, inputs.demand, existing, cands, model="mclp")
    with pytest.raises(DataFormatError, match="unknown siting model"):
        site_stations(inputs.net, inputs.demand, existing, cands, model="voronoi")
    pb = build_problem(inputs.net, inputs.demand, existing, cands)
    tiny = dataclasses.replace(pb, limits=np.full_like(pb.limits, 0.001))  # < one 200 m cell
    with pytest.raises(InfeasibleModelError):
        solve_problem(tiny, "area")


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_cli_site_lscp(tmp_path: Path) -> None:
    existing = _write(tmp_path, "existing.csv", EXISTING_CSV)
    before = existing.read_bytes()
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, [
        "site", "--graph", str(GRAPH), "--boundary", str(BOUNDARY), "--existing", str(existing),
        "--model", "lscp", "--cell-size", "200", "--spacing", "300", "--no-html",
        "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "site.json").read_text(encoding="utf-8"))
    assert doc["model"] == "lscp" and doc["status"] == "optimal"
    assert doc["after"]["covered_share"] == pytest.approx(1.0)
    assert len(doc["new_stations"]) == doc["objective"]
    for name in (
        "site.md",
        "sites.csv",
        "sites.geojson",
        "candidates.geojson",
        "map.png",
        "layers.gpkg",
    ):
        assert (out / name).is_file(), name
    assert existing.read_bytes() == before
    md = (out / "site.md").read_text(encoding="utf-8")
    assert "新增" in md and "Before 现状" in md


def test_cli_site_user_candidates_and_bad_input(tmp_path: Path) -> None:
    existing = _write(tmp_path, "existing.csv", EXISTING_CSV)
    cands = _write(
        tmp_path,
        "cands.csv",
        "name,lon,lat\n东站,118.3778933,38.7712152\n南站,118.3827861,38.7563485\n",
    )
    out = tmp_path / "out"
    base = ["site", "--graph", str(GRAPH), "--boundary", str(BOUNDARY), "--existing",
            str(existing), "--cell-size", "200", "--no-html", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(cli, [*base, "--model", "mclp", "--p", "1", "--candidates",
                                   str(cands)])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "site.json").read_text(encoding="utf-8"))
    assert doc["candidates"] == 2
    assert doc["new_stations"][0]["name"] in {"东站", "南站"}
    res = CliRunner().invoke(cli, [*base, "--model", "mclp"])
    assert res.exit_code == 2 and "--p" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, [*base, "--model", "lscp", "--new-class", "tiny"])
    assert res.exit_code == 2 and "tiny" in res.output


def test_area_model_whole_cells_reaches_the_lscp_bound(problem: SiteProblem) -> None:
    """Regression: HiGHS presolve once proved 32 stations 'optimal' here where 1 suffices."""
    res, rows = solve_problem(problem, "area", time_limit=60)
    lscp, _ = solve_problem(problem, "lscp")
    assert res.status == "optimal"
    assert len(res.new_sites) == len(lscp.new_sites)  # the LSCP optimum is a lower bound
    cov, a = problem.coverage[rows], problem.area[rows]
    assert res.assignment is not None
    assert siting.check_area_assignment(cov, a, problem.limits, res.sites, res.assignment) == []


def test_area_model_milp_without_presolve_finds_the_small_solution(problem: SiteProblem) -> None:
    """The full area MILP on a column subset (shortcut bypassed) is not mis-reduced."""
    import firecover.siting.area as _siting_area

    rows = np.flatnonzero(problem.coverable)
    cov, a = sp.csr_array(problem.coverage[rows]), problem.area[rows]
    lscp, _ = solve_problem(problem, "lscp")
    sub = np.unique(np.r_[problem.fixed, lscp.new_sites, np.arange(3, 20)])
    lim, ones = problem.limits[sub], np.ones(sub.size)
    fixed = np.arange(3)
    out = _siting_area.solve_area(sp.csr_array(cov[:, sub]), a, lim, ones, None, None, fixed,
                                  False, 60)  # fmt: skip
    assert out.outcome.status == "optimal"
    assert len(out.outcome.new_sites) == len(lscp.new_sites)


def test_headline_never_says_all_comply_when_a_district_crosses_a_barrier() -> None:
    """Issue 12: with barrier_rule = "warn" the stations pass, but site.md must not say 全部达标."""
    from firecover.site.report import _headline

    d = {"new_stations": [{}], "new_class": "一级", "budget_minutes": {"turnout": 1, "driving": 4},
         "after": {"noncompliant": [], "covered_share": 0.996,
                   "crossing_barriers": ["A站"]}}  # fmt: skip
    text = _headline(d)
    assert "全部达标" not in text and "A站" in text and "99.6%" in text
    d["after"]["crossing_barriers"] = []
    assert "全部达标" in _headline(d)
    d["after"]["noncompliant"] = ["A站"]
    assert "全部达标" not in _headline(d) and "仍不达标" in _headline(d)
