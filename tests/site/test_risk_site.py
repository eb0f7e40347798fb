"""``site --risk`` (firecover.site.risk_site) on the demo district, checked against brute force.

Oracle: for one new station, every candidate is tried; its requirement is judged by a separate
travel-time matrix (:func:`firecover.traveltime.search.time_matrix`) from the candidate to the
object, and its covered weight by the problem's coverage matrix.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from firecover._errors import DataFormatError
from firecover.analysis.files import load_inputs
from firecover.analysis.reinforce import risk_targets
from firecover.analysis.risk import read_risk_objects
from firecover.analysis.stations import read_stations_file
from firecover.cli.main import cli
from firecover.network.coords import project_points
from firecover.site import build_problem, site_stations
from firecover.site.candidates import generate_candidates
from firecover.site.risk_site import check_risk_options, requirement_builder, weighted_demand
from firecover.traveltime.search import time_matrix

ROOT = Path(__file__).resolve().parents[2]
GRAPH = ROOT / "data" / "demo" / "demo_district.graphml"
BOUNDARY = ROOT / "data" / "demo" / "boundary.geojson"
EXISTING = """name,class,lon,lat
文化路消防救援站,二级,118.3517199,38.7566858
兴业路消防救援站,一级,118.3620216,38.7537457
"""
# a hazardous-chemical site in the north-east, far from the two existing stations
HAZ = (118.3800, 38.7700)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("risk_site")
    (tmp / "existing.csv").write_text(EXISTING, encoding="utf-8")
    inp = load_inputs(GRAPH, boundary=BOUNDARY, cell_size_m=250.0)
    x, y = project_points([HAZ[0]], [HAZ[1]], inp.net.crs)
    objects = read_risk_objects(
        gpd.GeoDataFrame(
            {"class": ["危化品"], "name": ["澜河化工"]},
            geometry=[shapely.Point(x[0], y[0])],
            crs=inp.net.crs,
        ),
        inp.net.crs,
    )
    cands = generate_candidates(inp.net, boundary=inp.demand.boundary, spacing_m=400.0)
    specs = read_stations_file(tmp / "existing.csv")
    return inp, objects, cands, specs, tmp


def test_required_hazmat_site_matches_brute_force(setup) -> None:  # type: ignore[no-untyped-def]
    inp, objects, cands, specs, _ = setup
    demand = weighted_demand(inp.demand, objects)
    build = requirement_builder(inp.net, objects, ["危化品"], reinforce=False)
    srun = site_stations(inp.net, demand, specs, cands, model="mclp", p=1, new_class="特勤",
                         requirements=build)  # fmt: skip
    problem = build_problem(inp.net, demand, specs, cands, new_class="特勤")
    # brute force: the candidate must reach the object within 5 - 1 = 4 min of driving
    target = risk_targets(inp.net, objects)
    drive = time_matrix(inp.net, cands.snapped, target)[:, 0]
    cov = problem.coverage
    rows = np.diff(cov.indptr) > 0
    w = problem.weights
    best, feasible = -1.0, 0
    k = problem.n_fixed
    for c in range(len(cands)):
        if drive[c] > 240.0 + 1e-9:
            continue
        feasible += 1
        mask = np.zeros(cov.shape[1], dtype=np.int64)
        mask[[*range(k), k + c]] = 1
        hit = (cov.astype(np.int64) @ mask) > 0
        best = max(best, float(w[hit & rows].sum()))
    assert feasible > 0
    assert srun.result.objective == pytest.approx(best, rel=1e-9)
    chosen = int(srun.result.new_sites[0]) - k
    assert drive[chosen] <= 240.0 + 1e-9
    # without the requirement the optimum is at least as good, and reaches the site late
    free = site_stations(inp.net, demand, specs, cands, model="mclp", p=1, new_class="特勤")
    assert free.result.objective >= best - 1e-9


def test_reinforcement_lscp_opens_enough_sites(setup) -> None:  # type: ignore[no-untyped-def]
    inp, objects, cands, specs, _ = setup
    build = requirement_builder(inp.net, objects, [], reinforce=True)
    srun = site_stations(inp.net, inp.demand, specs, cands, model="lscp", requirements=build)
    # 3 different stations within 15 - 1 = 14 min of driving, checked with a separate matrix
    run = srun.run
    drive = time_matrix(inp.net, run.snapped, risk_targets(inp.net, objects))[:, 0]
    assert int((drive <= 14 * 60.0 + 1e-9).sum()) >= 3
    assert srun.result.model == "required_min"


def test_weights_and_option_checks(setup) -> None:  # type: ignore[no-untyped-def]
    inp, objects, *_ = setup
    w0 = inp.demand.cells["weight"].to_numpy()
    w1 = weighted_demand(inp.demand, objects).cells["weight"].to_numpy()
    changed = np.flatnonzero(w1 != w0)
    assert changed.size == 1 and w1[changed[0]] == pytest.approx(5.0 * w0[changed[0]])
    with pytest.raises(DataFormatError, match="need risk objects"):
        check_risk_options(None, ["危化品"], False, "mclp")
    with pytest.raises(DataFormatError, match="lscp or mclp"):
        check_risk_options("r.csv", [], True, "pmedian")
    with pytest.raises(DataFormatError, match="no risk object of that class"):
        requirement_builder(inp.net, objects, ["高层"], reinforce=False)


def test_cli_site_with_risk(setup) -> None:  # type: ignore[no-untyped-def]
    *_, tmp = setup
    risk = tmp / "risk.csv"
    risk.write_text(f"名称,类别,经度,纬度\n澜河化工,危化品,{HAZ[0]},{HAZ[1]}\n", encoding="utf-8")
    out = tmp / "out"
    args = ["site", "--graph", str(GRAPH), "--boundary", str(BOUNDARY), "--existing",
            str(tmp / "existing.csv"), "--model", "mclp", "--p", "1", "--cell-size", "250",
            "--spacing", "400", "--new-class", "特勤", "--risk", str(risk), "--require", "危化品",
            "--no-html", "--no-progress", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    md = (out / "risk.md").read_text(encoding="utf-8")
    assert "| before 选址前 | 1 |" in md  # late before the new site
    assert "| after 选址后 | 0 | 0 |" in md
    for name in ("risk.json", "risk_objects.geojson", "map_risk.png", "map_reinforce.png"):
        assert (out / name).is_file(), name
    bad = CliRunner().invoke(cli, [*args[:-2], "--out", str(tmp / "o2"), "--model", "pmedian"])
    assert bad.exit_code == 2 and "lscp or mclp" in bad.output
    osm = CliRunner().invoke(cli, [*args[:-2], "--out", str(tmp / "o3"), "--risk", "osm"])
    assert osm.exit_code == 2 and ".osm/.pbf" in osm.output
