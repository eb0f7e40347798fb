"""Incident / busy / population figures of a run (``site.demand_figures``) and ``site
--model mexclp`` end to end.

Population by hand: one station at x = 0 of a 6 km road driven at 36 km/h (600 m a minute); a
4-minute drive reaches 2400 m, so the 100 m cells up to x = 2400 are covered. A GeoTIFF
(written here) has six 1000 m pixels of 10, 20, … 60 people centred at x = 500, 1500, …:
the first two lie in covered cells, so 30 of 210 people are reached, and one station for 210
people is 476.19 stations per 100,000.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from firecover import siting
from firecover.analysis.demand import build_demand
from firecover.analysis.incidents import incident_weights, read_incidents
from firecover.analysis.run import analyse
from firecover.analysis.station_spec import StationSpec
from firecover.cli.main import cli
from firecover.site.demand_figures import demand_figures, siting_busy_fraction, system_busy
from firecover.traveltime import CSRNetwork
from tests.graphs import CRS, X0, Y0, add_road, empty_graph

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _road() -> CSRNetwork:
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 6000.0, y=Y0)
    add_road(g, 0, 1, 36.0)
    return CSRNetwork.from_graph(g)


def _station() -> StationSpec:
    lon, lat = TO_LL.transform(X0, Y0)
    return StationSpec(
        name="一站",
        class_name="level1",
        class_key="level1",
        status="existing",
        lon=lon,
        lat=lat,
        source="test",
    )


def _raster(path: Path) -> Path:
    import rasterio
    from rasterio.transform import Affine

    data = np.array([[10, 20, 30, 40, 50, 60]], dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=6,
        height=1,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(1000.0, 0, X0, 0, -100.0, Y0 + 50.0),
    ) as dst:
        dst.write(data, 1)
    return path


def test_population_reached_by_hand(tmp_path: Path) -> None:
    net = _road()
    box = shapely.box(X0, Y0 - 50.0, X0 + 6000.0, Y0 + 50.0)
    demand = build_demand(net, box, cell_size_m=100.0, population=_raster(tmp_path / "p.tif"))
    run = analyse(net, [_station()], demand, turnout_min=1.0, driving_min=4.0)
    fig = demand_figures(net, demand, run)
    pop = fig["population"]
    assert pop["total"] == pytest.approx(210.0)
    assert pop["reached"] == pytest.approx(30.0)
    assert pop["reached_share"] == pytest.approx(30 / 210, abs=1e-6)
    assert pop["stations_per_100k"] == pytest.approx(1 / 210 * 1e5, abs=1e-3)
    assert fig["incidents"] is None and fig["busy"] is None


def test_incidents_busy_and_expected_cover(tmp_path: Path) -> None:
    net = _road()
    box = shapely.box(X0, Y0 - 50.0, X0 + 6000.0, Y0 + 50.0)
    demand = build_demand(net, box, cell_size_m=100.0)
    run = analyse(net, [_station()], demand, turnout_min=1.0, driving_min=4.0)
    lines = ["time,lon,lat,type,job_min"]
    for k in range(1, 11):  # k min of driving, 2 calls a day for 5 days, 36 minutes each
        lon, lat = TO_LL.transform(X0 + 600.0 * k, Y0)
        lines.append(f"2024-05-0{1 + (k - 1) // 2} 08:00,{lon},{lat},火灾,36")
    calls = tmp_path / "calls.csv"
    calls.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rec = read_incidents(calls, net.crs, net.bounds)
    fig = demand_figures(net, demand, run, rec)
    assert fig["incidents"]["reached_share"] == pytest.approx(0.4)
    assert fig["incidents"]["p90_min"] == pytest.approx(10.0, abs=1e-3)
    busy = fig["busy"]
    # 10 calls × 36 min = 6 engine-hours in 5 days = 120 hours: 0.05
    assert busy["period_hours"] == 120.0 and busy["system"] == pytest.approx(0.05)
    assert busy["stations"][0]["busy_fraction"] == pytest.approx(0.05)
    # one station: a covered cell counts 1 − q = 0.95; the share is 0.95 × the plain share
    e = busy["expected_coverage"]
    assert e["independent"] == pytest.approx(0.95 * e["plain"], abs=1e-6)
    assert e["hypercube"] == pytest.approx(e["independent"], abs=1e-6)  # N = 1: Q(1, ρ, 0) = 1
    assert e["plain"] == pytest.approx(run.summary.covered_share, abs=0.02)
    # the siting q for 2 stations halves; incidents per cell as weights
    assert siting_busy_fraction(rec, 2) == pytest.approx(0.025)
    assert siting_busy_fraction(rec, 2, busy_fraction=0.3) == 0.3
    assert system_busy(10, 1, 120.0, 36.0) == pytest.approx(0.05)
    w = incident_weights(demand, rec)
    assert w.sum() == 10 and w.max() == 1


def _calls_on_demo(tmp_path: Path, n: int = 60) -> Path:
    import geopandas as gpd

    b = gpd.read_file(DEMO / "boundary.geojson").to_crs(4326).geometry.union_all()
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = b.bounds
    rows, k = ["接警时间,经度,纬度,警情类型"], 0
    while k < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if b.contains(shapely.Point(x, y)):
            rows.append(
                f"2024-02-{1 + k % 10:02d} 12:00,{x:.6f},{y:.6f},{'火灾' if k % 2 else '救援'}"
            )
            k += 1
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


EXISTING_CSV = """name,class,lon,lat
文化路消防救援站,二级,118.3517199,38.7566858
兴业路消防救援站,一级,118.3620216,38.7537457
"""


@pytest.mark.parametrize("variant", ["independent", "hypercube"])
def test_cli_site_mexclp(tmp_path: Path, variant: str) -> None:
    existing = tmp_path / "existing.csv"
    existing.write_text(EXISTING_CSV, encoding="utf-8")
    calls = _calls_on_demo(tmp_path)
    before = calls.read_bytes()
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        [
            "site",
            "--graph",
            str(DEMO / "demo_district.graphml"),
            "--boundary",
            str(DEMO / "boundary.geojson"),
            "--existing",
            str(existing),
            "--model",
            "mexclp",
            "--p",
            "1",
            "--incidents",
            str(calls),
            "--job-min",
            "240",
            "--mexclp-variant",
            variant,
            "--cell-size",
            "300",
            "--spacing",
            "400",
            "--no-html",
            "--no-progress",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "site.json").read_text(encoding="utf-8"))
    assert doc["model"] == "mexclp" and doc["status"] == "optimal"
    # 60 calls × 4 h in 10 days (240 h) over 3 stations
    q = 60 * 4 / (240 * 3)
    assert doc["mexclp"]["busy_fraction"] == pytest.approx(q)
    assert doc["mexclp"]["variant"] == variant
    assert doc["incidents"]["n"] == 60 and len(doc["busy"]["stations"]) == 3
    assert calls.read_bytes() == before
    assert "警情" in (out / "site.md").read_text(encoding="utf-8")


def test_cli_site_mexclp_needs_a_busy_fraction(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli,
        [
            "site",
            "--graph",
            str(DEMO / "demo_district.graphml"),
            "--boundary",
            str(DEMO / "boundary.geojson"),
            "--model",
            "mexclp",
            "--p",
            "1",
            "--cell-size",
            "400",
            "--spacing",
            "600",
            "--no-html",
            "--no-progress",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code != 0
    assert "busy fraction" in res.output and "Traceback" not in res.output


def test_mexclp_objective_is_the_checker(tmp_path: Path) -> None:
    # the array model on the demo's siting matrices agrees with brute force over one new site
    from firecover.analysis.files import load_inputs
    from firecover.site import build_problem
    from firecover.site.candidates import generate_candidates

    inp = load_inputs(
        DEMO / "demo_district.graphml", boundary=DEMO / "boundary.geojson", cell_size_m=400.0
    )
    cands = generate_candidates(inp.net, boundary=inp.demand.boundary, spacing_m=800.0)
    pb = build_problem(inp.net, inp.demand, [], cands)
    rows = np.flatnonzero(pb.coverable)
    cov, w = pb.coverage[rows], pb.weights[rows]
    res = siting.mexclp(cov, w, 2, 0.2)
    best = max(
        siting.evaluate_mexclp(cov, w, [i, j], 0.2)
        for i in range(cov.shape[1])
        for j in range(i + 1, cov.shape[1])
    )
    assert res.objective == pytest.approx(best)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"busy_fraction": 1.0}, "busy fraction"),
        ({"busy_fraction": -0.1}, "busy_fraction"),
        ({"period_hours": 0.0}, "period_hours"),
        ({"job_min": -5.0}, "job_min"),
        ({"mexclp_variant": "erlang"}, "variant"),
    ],
)
def test_bad_options_fail_before_any_work(tmp_path: Path, kw: dict, match: str) -> None:
    from firecover._errors import DataFormatError
    from firecover.site.files import site_from_files

    with pytest.raises(DataFormatError, match=match):
        site_from_files(tmp_path / "missing.graphml", tmp_path / "o", model="mexclp", p=1, **kw)
    assert not (tmp_path / "o").exists()
