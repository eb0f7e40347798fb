"""Tests for firecover.analysis.report: the JSON facts and the Markdown page of coverage runs."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from graphs import CRS, X0, Y0, straight_road
from pyproj import Transformer
from shapely.geometry import box

from firecover import __version__
from firecover.analysis import CoverageRun, analyse
from firecover.analysis.demand import build_demand
from firecover.analysis.report import coverage_markdown, coverage_report, report_json
from firecover.analysis.station_spec import StationSpec
from firecover.outputs import SYNTHETIC_LABEL
from firecover.traveltime import CSRNetwork

TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def station(name: str, x: float, cls: str, *, status: str = "existing",
            year: int | None = None) -> StationSpec:  # fmt: skip
    lon, lat = TO_LL.transform(X0 + x, Y0)
    return StationSpec(name=name, class_name=cls, class_key=cls, status=status, lon=lon,
                       lat=lat, source="test", year=year)  # fmt: skip


def _run(
    *,
    synthetic: bool,
    limits: dict[str, float] | None = None,
    turnout_min: float = 1.5,
    driving_min: float = 3.0,
) -> CoverageRun:
    """5 km road at 36 km/h; 1.5 + 3 min budget (default) reaches 1.8 km along the road.

    东站 at 200 m and 小站 at 2600 m cover the road to 4400 m; the east end is a gap. The logistics
    station 保障站 has no district (NaN figures in its check).
    """
    net = CSRNetwork.from_graph(straight_road(5000.0, 36.0))
    demand = build_demand(net, box(X0, Y0 - 100, X0 + 5000, Y0 + 100), cell_size_m=50)
    stations = [
        station("东站", 200.0, "level1", year=2001),
        station("小站", 2600.0, "small", status="proposed", year=2026),
        station("保障站", 1000.0, "logistics"),
    ]
    return analyse(net, stations, demand, turnout_min=turnout_min, driving_min=driving_min,
                   limits=limits, meta={"title": "Test town", "synthetic": synthetic})  # fmt: skip


@pytest.fixture(scope="module")
def run() -> CoverageRun:
    return _run(synthetic=True)


@pytest.fixture(scope="module")
def real_run() -> CoverageRun:
    return _run(synthetic=False, limits={"小站": 1.5})


def _strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _walk(v)]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return [value]


# --------------------------------------------------------------------------- coverage_report


def test_report_keys_and_values_follow_the_run(run: CoverageRun) -> None:
    rep = coverage_report(run)
    assert set(rep) == {"label", "synthetic", "budget_minutes", "district", "stations", "gaps",
                        "warnings", "turn_model", "travel_time_model"}  # fmt: skip
    assert rep["turn_model"] == "turns: off"  # the test graph carries no turn data
    assert rep["travel_time_model"].startswith("行车时间模型 travel-time model: profile test")
    assert rep["label"] == "Test town"
    assert coverage_report(run, label="2026")["label"] == "2026"
    assert rep["synthetic"] is True
    assert rep["budget_minutes"] == {"turnout": 1.5, "driving": 3.0}
    assert [s["name"] for s in rep["stations"]] == ["东站", "小站", "保障站"]
    assert len(rep["stations"]) == len(run.stations) == 3
    assert [s["compliant"] for s in rep["stations"]] == [c.compliant for c in run.checks]
    assert [s["status"] for s in rep["stations"]] == ["existing", "proposed", "existing"]
    assert [s["year"] for s in rep["stations"]] == [2001, 2026, None]
    assert [s["class_key"] for s in rep["stations"]] == ["level1", "small", "logistics"]
    assert all(s["budget_min"] == 4.5 for s in rep["stations"])
    assert [s["snap_m"] for s in rep["stations"]] == pytest.approx([0.0, 0.0, 0.0], abs=0.05)
    logistics = rep["stations"][2]
    assert logistics["limit_km2"] is None and logistics["max_arrival_min"] is None
    assert rep["warnings"] == list(run.jurisdictions.warnings)


def test_report_gaps_and_district_match_the_layers(run: CoverageRun) -> None:
    rep = coverage_report(run)
    gaps = run.layers.gaps
    assert rep["gaps"]["parts"] == len(gaps) == 1
    assert rep["gaps"]["km2"] == pytest.approx(float(gaps["area_km2"].sum()), abs=1e-4)
    assert rep["gaps"]["largest_km2"] == pytest.approx(float(gaps["area_km2"].max()), abs=1e-4)
    # independent oracle: 3 min at 10 m/s from 2600 m, less the walk (15 km/h) from the road
    # to each 50 m row's centre line (25 or 75 m off the road): the rest of each row is a gap
    rows = [25.0, 25.0, 75.0, 75.0]
    expected = sum((5000.0 - (2600.0 + 10.0 * (180.0 - d / (15.0 / 3.6)))) * 50.0 for d in rows)
    assert rep["gaps"]["km2"] == pytest.approx(expected / 1e6, abs=len(rows) * 50 * 50 / 1e6)
    d = rep["district"]
    assert d["area_km2"] == pytest.approx(1.0, rel=1e-9)
    assert d["covered_km2"] + rep["gaps"]["km2"] == pytest.approx(d["area_km2"], abs=1e-4)
    assert d["stations_total"] == 3 and d["stations_counted"] == 2
    assert d["by_class"]["logistics"] == 1


def test_compliance_flags_in_the_report(real_run: CoverageRun) -> None:
    rep = coverage_report(real_run)
    assert rep["synthetic"] is False
    by_name = {s["name"]: s for s in rep["stations"]}
    small = by_name["小站"]
    # its district (≈ [1400, 5000] m × 200 m = 0.72 km²) is within the 1.5 km² override,
    # but the far end is not reached within the budget
    assert small["limit_km2"] == 1.5 and small["limit_basis"] == "override"
    assert small["checks"]["area"] is True and small["checks"]["five_minute"] is False
    assert small["compliant"] is False and small["reasons"]
    assert by_name["东站"]["compliant"] is True
    assert real_run.compliant is False


# --------------------------------------------------------------------------- report_json


def test_report_json_is_strict_json(run: CoverageRun, real_run: CoverageRun) -> None:
    text = report_json([("2025", real_run), ("2026", run)], title="规划评估")
    assert text.endswith("\n")
    doc = _strict(text)
    assert doc["title"] == "规划评估"
    assert doc["firecover_version"] == __version__
    assert doc["synthetic"] is True  # any run synthetic
    assert [r["label"] for r in doc["runs"]] == ["2025", "2026"]
    assert doc["runs"][1] == _strict(json.dumps(coverage_report(run, label="2026")))
    assert "规划评估" in text  # not \u-escaped
    for v in _walk(doc):
        assert not (isinstance(v, float) and not math.isfinite(v))
    doc2 = _strict(report_json([("only", real_run)], title="t"))
    assert doc2["synthetic"] is False


# --------------------------------------------------------------------------- Markdown


def test_markdown_contents(run: CoverageRun) -> None:
    md = coverage_markdown([("2026 plan", run)], title="Coverage of Test town")
    assert md.startswith("# Coverage of Test town\n")
    assert "## 2026 plan" in md
    for name in ("东站", "小站", "保障站"):
        assert f"| {name} |" in md
    assert "1.5 min turnout" in md and "3 min driving" in md and "= 4.5 min" in md
    assert md.count(SYNTHETIC_LABEL) == 1
    gap_km2 = float(run.layers.gaps["area_km2"].sum())
    assert f"uncovered {gap_km2:.2f} km² in 1 gap(s)" in md
    assert f"_firecover {__version__}_" in md
    assert "| — |" in md  # the logistics station's missing limit / arrival
    assert "nan" not in md.lower()


def test_markdown_without_synthetic_label(real_run: CoverageRun) -> None:
    md = coverage_markdown([("base", real_run)], title="Real")
    assert SYNTHETIC_LABEL not in md
    assert "SYNTHETIC" not in md and "虚构" not in md
    assert "Non-compliant stations: 小站" in md
    row = next(line for line in md.splitlines() if line.startswith("| 小站 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[4] == "1.5"  # the override limit, not rounded to "2"
    assert cells[-1].startswith("不达标 FAIL")
    row = next(line for line in md.splitlines() if line.startswith("| 东站 |"))
    assert row.rstrip().endswith("达标 pass |") and "| 7 |" in row


def test_markdown_several_runs_label_once(run: CoverageRun, real_run: CoverageRun) -> None:
    md = coverage_markdown([("A", real_run), ("B", run)], title="Both")
    assert md.count(SYNTHETIC_LABEL) == 1
    assert md.index("## A") < md.index("## B")


def _table(md: str) -> dict[str, list[str]]:
    """Cells of the station table's header (key ``""``) and of each station row, by name."""
    lines = [ln for ln in md.splitlines() if ln.startswith("| ")]
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines]
    return {("" if r[0].startswith("消防站") else r[0]): r for r in rows}


@pytest.mark.parametrize(("turnout", "driving", "label"), [(1.0, 5.0, "6"), (1.5, 3.0, "4.5")])
def test_markdown_share_column_follows_the_budget(
    turnout: float, driving: float, label: str
) -> None:
    run = _run(synthetic=False, turnout_min=turnout, driving_min=driving)
    assert run.budget_min == pytest.approx(turnout + driving)
    md = coverage_markdown([("budget", run)], title="Budget")
    table = _table(md)
    head = table[""]
    assert head[6] == f"{label}分钟到达 Reached share"
    assert sum("分钟" in cell for cell in head) == 1  # no other column names a budget
    assert f"= {label} min" in md and f"Reached within {label} min" in md
    # the column under that header holds each station's share reached within this budget
    for check in run.checks:
        share = check.reached_share
        # shares are rounded down (issue 12): 100% only when all of it is reached
        if not math.isfinite(share):
            expected = "—"
        else:
            floor = "100" if share >= 1 - 1e-6 else str(math.floor(share * 100 + 1e-9))
            expected = f"{floor}%"
        assert table[check.name][6] == expected
    shares = {c.name: c.reached_share for c in run.checks}
    if label == "6":  # 1 + 5 min: 3 km along the road from 东站 and 小站 reaches every cell
        assert shares["东站"] == shares["小站"] == pytest.approx(1.0)
    else:
        assert shares["小站"] < 1.0
