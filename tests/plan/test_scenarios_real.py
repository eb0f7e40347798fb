"""The real-plan scenario files (scenarios/heping.toml, binhai.toml, liangping.toml).

The expected schedules are written out here from the seed plans (not read from the files), and
each scenario runs end to end on a synthetic street grid laid over its stations in the local UTM
zone; snapping distances are checked against the grid geometry computed independently.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from graphs import grid_covering
from pyproj import Transformer

from firecover.analysis import analyse
from firecover.analysis.files import load_inputs
from firecover.analysis.station_spec import StationSpec
from firecover.plan.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Heping (seed 000, §二(四) and §五(二)): 3 on duty, 小白楼 small/new 2022, 多伦道 small/joint 2024.
HEPING_PLANNED = {
    "小白楼消防救援站": (2022, "small", "new"),
    "多伦道消防救援站": (2024, "small", "joint"),
}
HEPING_COUNTS = {2021: 3, 2022: 4, 2023: 4, 2024: 5, 2025: 5}

# Binhai (seed 001, §六(三) 专栏): name → (year, class key, build type).
BINHAI_PROJECTS = {
    "福建路消防救援站": (2021, "level1", "expansion"),
    "空港第五消防救援站": (2021, "level1", "new"),
    "新城镇消防救援站": (2021, "level1", "new"),
    "高新二路消防救援站": (2022, "level1", "new"),
    "港达路消防救援站": (2022, "level1", "expansion"),
    "东疆一号消防救援站暨二级指挥中心": (2022, "level1", "new"),
    "海博道消防救援站": (2022, "level1", "new"),
    "新港消防救援站": (2023, "level1", "rebuild"),
    "康泰大道消防救援站暨二级指挥中心": (2023, "level1", "new"),
    "杨家泊消防救援站": (2024, "level1", "new"),
    "外滩消防救援站": (2024, "level2", "relocate"),
    "港西消防救援站": (2024, "level1", "new"),
    "临港第三消防救援站": (2024, "level1", "new"),
    "渤龙湖4号消防救援站": (2024, "level1", "new"),
    "于家堡消防救援站": (2025, "special", "new"),
    "南港消防救援站": (2025, "level1", "new"),
    "中塘消防救援站": (2025, "level1", "new"),
}
BINHAI_OLD_WAITAN = "外滩消防救援站（旧址）"
SAME_SITE = {"expansion", "rebuild"}

# Sanity boxes (west, south, east, north) in degrees around each district.
BBOX = {
    "heping": (117.17, 39.10, 117.23, 39.14),
    "binhai": (117.2, 38.5, 118.1, 39.5),
    "liangping": (107.6, 30.5, 108.0, 30.8),
}


def scenario(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.toml")


def in_service(sc: Scenario, year: int) -> set[str]:
    return {s.name for s in sc.stations_in_service(year)}


# --------------------------------------------------------------------------- schedules


def test_heping_schedule() -> None:
    sc = scenario("heping")
    assert (sc.first_year, sc.last_year) == (2021, 2025)
    assert sc.years == [2021, 2022, 2024]
    assert {y: len(sc.stations_in_service(y)) for y in HEPING_COUNTS} == HEPING_COUNTS
    existing = [s for s in sc.stations if s.status == "existing"]
    assert len(existing) == 3 and all(s.year is None for s in existing)
    assert {s.name for s in sc.stations} - {s.name for s in existing} == set(HEPING_PLANNED)
    for name, (year, cls, build) in HEPING_PLANNED.items():
        s = sc.station(name)
        assert (s.status, s.year, s.class_key, s.build_type) == ("proposed", year, cls, build)
        assert name not in in_service(sc, year - 1) and name in in_service(sc, year)
    assert sc.station("多伦道消防救援站").build_type_zh == "合建"


def test_binhai_projects_match_the_seed_schedule() -> None:
    sc = scenario("binhai")
    scheduled = {s.name: s for s in sc.stations if s.year is not None}
    assert set(scheduled) == set(BINHAI_PROJECTS)
    for name, (year, cls, build) in BINHAI_PROJECTS.items():
        s = scheduled[name]
        assert (s.year, s.class_key, s.build_type) == (year, cls, build), name
        # same-site works are on stations that exist; everything else is a proposed station
        assert s.status == ("existing" if build in SAME_SITE else "proposed"), name
    builds = [b for _, _, b in BINHAI_PROJECTS.values()]
    assert (builds.count("new"), builds.count("expansion")) == (13, 2)
    assert builds.count("rebuild") + builds.count("relocate") == 2
    replaces = sc.station("外滩消防救援站").replaces
    assert replaces is not None and sc.station(replaces).name == BINHAI_OLD_WAITAN


def test_binhai_stations_per_year() -> None:
    sc = scenario("binhai")
    assert (sc.first_year, sc.last_year) == (2020, 2025)
    unscheduled = {s.name for s in sc.stations if s.year is None}
    same_site = {n for n, (_, _, b) in BINHAI_PROJECTS.items() if b in SAME_SITE}
    for year in range(2020, 2026):
        opened = {n for n, (y, _, b) in BINHAI_PROJECTS.items() if b not in SAME_SITE and y <= year}
        expected = unscheduled | same_site | opened
        if year >= 2024:
            expected -= {BINHAI_OLD_WAITAN}
        assert in_service(sc, year) == expected, year
    assert sc.years == [2020, 2021, 2022, 2023, 2024, 2025]
    # the relocation: the old site until 2023, the new site from 2024, never both
    assert BINHAI_OLD_WAITAN in in_service(sc, 2023) - in_service(sc, 2024)
    assert "外滩消防救援站" in in_service(sc, 2024) - in_service(sc, 2023)
    assert sc.station(BINHAI_OLD_WAITAN).status == "existing"


def test_liangping_schedule() -> None:
    sc = scenario("liangping")
    assert sc.years == [sc.first_year, 2025] and sc.last_year == 2025
    counts = [len(sc.stations_in_service(y)) for y in range(sc.first_year or 0, 2026)]
    assert counts == [1] * (len(counts) - 1) + [2]
    park = sc.station("工业园消防站")
    assert (park.status, park.year, park.class_key, park.build_type) == (
        "proposed",
        2025,
        "level1",
        "new",
    )
    assert park.urban_edge


# --------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize("name", sorted(BBOX))
def test_coordinates_are_marked_approximate_and_rounded(name: str) -> None:
    sc = scenario(name)
    assert sc.stations
    for s in sc.stations:
        assert s.approximate, s.name
        assert "approximate" in s.source.casefold(), s.name
        assert s.datum == "wgs84"
        assert round(s.lon, 3) == s.lon and round(s.lat, 3) == s.lat, s.name


@pytest.mark.parametrize("name", sorted(BBOX))
def test_stations_lie_in_the_district_box(name: str) -> None:
    w, s_, e, n = BBOX[name]
    for s in scenario(name).stations:
        lon, lat = s.wgs84()
        assert w <= lon <= e and s_ <= lat <= n, s.name


@pytest.mark.parametrize("name", ["binhai", "liangping"])
def test_graph_bbox_holds_every_station(name: str) -> None:
    sc = scenario(name)
    assert sc.graph.kind == "bbox" and sc.graph.bbox is not None
    w, s_, e, n = sc.graph.bbox
    for s in sc.stations:
        assert w < s.lon < e and s_ < s.lat < n, s.name


def test_stations_are_not_on_top_of_each_other() -> None:
    """Distinct stations in service together are at least 500 m apart (rough but distinct)."""
    for name in BBOX:
        sc = scenario(name)
        for year in sc.years:
            st = sc.stations_in_service(year)
            xy = _project(st, _utm(st))
            d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
            np.fill_diagonal(d, np.inf)
            assert d.min() >= 500.0, (name, year)


# --------------------------------------------------------------------------- end to end


def _utm(stations: list[StationSpec]) -> str:
    """The northern UTM zone of the stations' mean longitude."""
    lon = float(np.mean([s.wgs84()[0] for s in stations]))
    return f"EPSG:{32600 + math.floor((lon + 180.0) / 6.0) + 1}"


def _project(stations: list[StationSpec], crs: str) -> np.ndarray:
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lonlat = np.array([s.wgs84() for s in stations])
    x, y = tr.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _grid_distance(xy: np.ndarray, spacing: float) -> np.ndarray:
    """Distance from each point to the nearest line of a grid on multiples of ``spacing``."""
    r = np.mod(xy, spacing)
    return np.minimum(r, spacing - r).min(axis=1)


# name, UTM EPSG expected, grid spacing (m), spurs to the stations, demand cell size (m)
E2E = [
    ("heping", "EPSG:32650", 200.0, False, 100.0),
    ("liangping", "EPSG:32648", 250.0, False, 200.0),
    ("binhai", "EPSG:32650", 2000.0, True, 1000.0),
]


@pytest.mark.parametrize(("name", "epsg", "spacing", "spurs", "cell"), E2E)
def test_last_year_runs_end_to_end(
    name: str, epsg: str, spacing: float, spurs: bool, cell: float
) -> None:
    sc = scenario(name)
    stations = sc.stations_in_service()
    crs = _utm(stations)
    assert crs == epsg
    xy = _project(stations, crs)
    g = grid_covering(xy, crs, spacing=spacing, margin=spacing + 1000.0, spurs=spurs)
    inputs = load_inputs(g, cell_size_m=cell)
    run = analyse(
        inputs.net,
        stations,
        inputs.demand,
        turnout_min=sc.budget.turnout_min,
        driving_min=sc.budget.driving_min,
        meta={"title": sc.name, "synthetic": True},
    )
    # every station snaps, at the distance the grid geometry gives
    snapped = run.snapped
    assert not snapped.too_far.any()
    expected = np.zeros(len(stations)) if spurs else _grid_distance(xy, spacing)
    np.testing.assert_allclose(snapped.distance_m, expected, atol=0.01)
    assert list(run.layers.stations["name"]) == [s.name for s in stations]
    assert list(run.layers.stations["class_key"]) == [s.class_key for s in stations]
    # one jurisdiction per station, around the station, partitioning the reached area
    jur = run.layers.jurisdictions
    assert sorted(jur["station"]) == sorted(s.name for s in stations)
    assert (jur["area_km2"] > 0).all()
    rx, ry = snapped.road_xy(inputs.net)
    by_name = dict(zip(jur["station"], jur.geometry, strict=True))
    for s, px, py in zip(stations, rx, ry, strict=True):
        assert by_name[s.name].distance(shapely.Point(px, py)) <= cell, s.name
    table = run.jurisdictions
    total = float(table.stations["area_km2"].sum()) + table.unassigned_km2
    assert total == pytest.approx(table.total_area_km2, rel=1e-6)
    assert len(run.checks) == len(stations)
