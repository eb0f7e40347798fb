"""Calibration from response records (``firecover.analysis.calibrate`` / ``calib_*``).

Records are generated from the demo graph with a known "true" speed profile plus noise; the
true driving times come from networkx Dijkstra on a plain DiGraph weighted with the true
speeds (the oracle), not from firecover's search.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest
from click.testing import CliRunner

from firecover.analysis.calib_records import read_records
from firecover.cli.main import cli
from firecover.network.load import load_graph
from firecover.network.speeds import load_profile

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "demo_district.graphml"
TRUE_KPH = {"motorway": 55.0, "motorway_link": 35.0, "primary": 38.0, "secondary": 33.0,
            "tertiary": 28.0, "residential": 22.0}  # fmt: skip
#: Stated tolerance: classes the records drive ≥ 20 km are recovered within 6 %, classes
#: driven 10–20 km within 10 % (ramps move with their road: see calibrate._tie_matrix).
TOLERANCE = 0.06
TOLERANCE_10KM = 0.10
T0 = dt.datetime(2024, 3, 5, 8, 0, 0)


@pytest.fixture(scope="module")
def demo() -> nx.MultiDiGraph:
    return load_graph(DEMO)


def _lonlat(graph: nx.MultiDiGraph, nodes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    tr = pyproj.Transformer.from_crs(graph.graph["crs"], "EPSG:4326", always_xy=True)
    x = np.array([graph.nodes[n]["x"] for n in nodes])
    y = np.array([graph.nodes[n]["y"] for n in nodes])
    lon, lat = tr.transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def make_inputs(graph: nx.MultiDiGraph, folder: Path, *, n: int = 220, seed: int = 3,
                chinese: bool = False, outliers: bool = True) -> dict[str, Path]:  # fmt: skip
    """Stations at 6 junctions and ``n`` runs to random junctions, times from the true speeds
    (networkx oracle) × N(1, 0.04) + N(0, 4 s); with ``outliers`` a few wrong records."""
    rng = np.random.default_rng(seed)
    oracle = nx.DiGraph()
    for u, v, d in graph.edges(data=True):
        t = d["length"] / TRUE_KPH[d["road_class"]] * 3.6
        if not oracle.has_edge(u, v) or oracle[u][v]["w"] > t:
            oracle.add_edge(u, v, w=t)
    nodes = list(graph.nodes)
    st = [nodes[i] for i in rng.choice(len(nodes), 6, replace=False)]
    slon, slat = _lonlat(graph, st)
    stations = folder / "stations.csv"
    with stations.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "lon", "lat", "class"])
        for i in range(6):
            w.writerow([f"站{i}", f"{slon[i]:.7f}", f"{slat[i]:.7f}", "一级"])
    targets = [nodes[int(rng.integers(len(nodes)))] for _ in range(n)]
    tlon, tlat = _lonlat(graph, targets)
    rows = []
    for j, t in enumerate(targets):
        s = int(rng.integers(6))
        drive = nx.shortest_path_length(oracle, st[s], t, weight="w")
        drive = max(drive * rng.normal(1.0, 0.04) + rng.normal(0.0, 4.0), 1.0)
        sent = T0 + dt.timedelta(hours=j)
        left = sent + dt.timedelta(seconds=50)
        there = left + dt.timedelta(seconds=float(drive))
        rows.append([f"站{s}", f"{tlon[j]:.7f}", f"{tlat[j]:.7f}", "wgs84", sent.isoformat(),
                     left.isoformat(), there.isoformat()])  # fmt: skip
    if outliers:
        rows.append(
            [
                "站0",
                "117.9",
                "39.9",
                "",
                T0.isoformat(),
                "",
                (T0 + dt.timedelta(seconds=400)).isoformat(),
            ]
        )  # far from every road
        far = int(np.argmax([nx.shortest_path_length(oracle, st[1], t, weight="w")
                             for t in targets]))  # fmt: skip
        for k in range(3):  # 20 s to the far side: not from its own station
            rows.append(["站1", f"{tlon[far]:.7f}", f"{tlat[far]:.7f}", "wgs84",
                         T0.isoformat(), (T0 + dt.timedelta(seconds=60)).isoformat(),
                         (T0 + dt.timedelta(seconds=80 + k)).isoformat()])  # fmt: skip
        rows.append(["无名站", f"{tlon[0]:.7f}", f"{tlat[0]:.7f}", "", T0.isoformat(), "",
                     (T0 + dt.timedelta(seconds=300)).isoformat()])  # fmt: skip
    header = (
        ["站名", "经度", "纬度", "坐标系", "接警时间", "出车时间", "到场时间"]
        if chinese
        else ["station", "lon", "lat", "datum", "dispatched", "departed", "arrived"]
    )
    records = folder / "runs.csv"
    with records.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return {"stations": stations, "records": records}


def _run(args: list[str]) -> object:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_recovers_known_speeds_and_writes_a_usable_profile(demo, tmp_path):
    files = make_inputs(demo, tmp_path, chinese=True)
    out = tmp_path / "cal"
    res = _run(["calibrate", "--graph", str(DEMO), "--stations", str(files["stations"]),
                "--records", str(files["records"]), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    checked = 0
    for cls, kph in doc["speeds_kph"].items():
        km = doc["class_km"][cls]
        if km >= 10:
            tol = TOLERANCE if km >= 20 else TOLERANCE_10KM
            assert abs(kph / TRUE_KPH[cls] - 1) <= tol, (cls, kph, km)
            checked += 1
    assert checked >= 3
    reasons = {r["reason"] for r in doc["rejected"]}
    assert {"far_from_road", "faster_than_network", "unknown_station"} <= reasons
    assert doc["records_rejected"] >= 5
    assert doc["records_used"] + doc["records_rejected"] == 225
    assert doc["error_s"]["after"]["median"] < doc["error_s"]["before"]["median"] / 2
    assert doc["holdout"]["error_s"]["after"]["p90"] < doc["holdout"]["error_s"]["before"]["p90"]
    assert "median" in doc["error_s"]["before"] and "p90" in doc["error_s"]["after"]
    md = (out / "calibration.md").read_text(encoding="utf-8")
    assert "留出检验" in md and "faster_than_network" in md
    prof = load_profile(out / "speeds.toml")
    assert prof.calibration.startswith("runs.csv")
    assert prof.speeds_kph["primary"] == pytest.approx(doc["speeds_kph"]["primary"])
    # the profile drives another command: service-area with --speeds
    cov = tmp_path / "cov"
    res = _run(["service-area", "--graph", str(DEMO), "--stations", str(files["stations"]),
                "--speeds", str(out / "speeds.toml"), "--no-html", "--out", str(cov)])  # fmt: skip
    assert res.exit_code == 0, res.output
    report = (cov / "coverage.md").read_text(encoding="utf-8")
    assert "calibration runs.csv" in report and "profile china_urban_calibrated" in report
    assert json.loads((cov / "coverage.json").read_text(encoding="utf-8"))["runs"][0][
        "travel_time_model"
    ].startswith("行车时间模型")


def test_ci_contains_truth_for_well_driven_classes(demo, tmp_path):
    from firecover.analysis.calibrate import calibrate_speeds
    from firecover.analysis.run import place_stations
    from firecover.analysis.stations import read_stations_file
    from firecover.traveltime.search import CSRNetwork

    files = make_inputs(demo, tmp_path, n=300, seed=8, outliers=False)
    net = CSRNetwork.from_graph(demo)
    specs = read_stations_file(files["stations"])
    res = calibrate_speeds(net, place_stations(net, specs), [s.name for s in specs],
                           read_records(files["records"]))  # fmt: skip
    assert res.converged
    for cls in ("primary", "secondary"):
        lo, hi = res.ci_kph[cls]
        assert lo < res.speeds_kph[cls] < hi
        assert abs(res.speeds_kph[cls] / TRUE_KPH[cls] - 1) <= TOLERANCE


BAD = [
    ("station,lon,lat,arrived\nA,117.1,39.1,2024-03-05T08:00:00\n", "missing column"),
    ("station,lon,lat,dispatched,arrived\nA,117.1,39.1,08:00 yesterday,2024-03-05T08:05:00\n",
     "row 1: dispatched '08:00 yesterday' is not an ISO 8601 time"),
    ("station,lon,lat,dispatched,arrived\nA,east,39.1,2024-03-05T08:00,2024-03-05T08:05\n",
     "row 1: lon 'east' is not a longitude"),
    ("station,lon,lat,datum,dispatched,arrived\nA,117.1,39.1,mars,2024-03-05T08:00,"
     "2024-03-05T08:05\n", "unknown datum 'mars'"),
    ("station,lon,lat,dispatched,arrived\n", "no data rows"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_malformed_records_exit_2_and_write_nothing(demo, tmp_path, text, message):
    files = make_inputs(demo, tmp_path, n=12, outliers=False)
    files["records"].write_text(text, encoding="utf-8")
    out = tmp_path / "cal"
    res = CliRunner().invoke(cli, ["calibrate", "--graph", str(DEMO), "--stations",
                                   str(files["stations"]), "--records", str(files["records"]),
                                   "--out", str(out)])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_previous_run_kept_when_records_are_bad(demo, tmp_path):
    files = make_inputs(demo, tmp_path, n=60, outliers=False)
    out = tmp_path / "cal"
    args = ["calibrate", "--graph", str(DEMO), "--stations", str(files["stations"]),
            "--records", str(files["records"]), "--out", str(out)]  # fmt: skip
    assert _run(args).exit_code == 0
    before = (out / "calibration.json").read_bytes()
    files["records"].write_text("station,lon,lat\n", encoding="utf-8")
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2
    assert (out / "calibration.json").read_bytes() == before


def test_departed_missing_uses_turnout(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("站名,经度,纬度,调派时间,到场时间\nA,117.1,39.1,2024-03-05 08:00:00,"
                 "2024-03-05 08:05:00+00:00\n", encoding="utf-8")  # fmt: skip
    from firecover._errors import DataFormatError

    with pytest.raises(DataFormatError, match="UTC offset"):
        read_records(p)
    p.write_text("站名,经度,纬度,调派时间,到场时间\nA,117.1,39.1,2024-03-05 08:00:00,"
                 "2024-03-05 08:05:00\n", encoding="gbk")  # fmt: skip
    r = read_records(p, turnout_min=1.5)
    assert r.driving_s[0] == pytest.approx(300 - 90)
    assert bool(r.turnout_assumed[0])
