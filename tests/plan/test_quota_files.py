"""Quota zones from scenarios and polygon layers (firecover.plan.quota_files / quota_section)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from firecover._errors import ScenarioError
from firecover.plan.quota_files import scenario_zones, write_quota, zones_from_layer
from firecover.plan.scenario import load_scenario, parse_scenario
from firecover.standards.quota import compute_quota

ROOT = Path(__file__).resolve().parents[2]
HEAD = """
[scenario]
name = "x"
[scenario.graph]
bbox = [117.0, 39.0, 117.1, 39.1]
"""


def test_quota_table_parses() -> None:
    sc = parse_scenario(
        HEAD
        + """
[[scenario.quota.zone]]
name = "城区"
area_km2 = 30.0
existing = 1
source = "seed 004"
[[scenario.quota.zone]]
name = "新区"
area_km2 = 20.0
class = "edge"
existing = 0
source = "hand"
"""
    )
    zones, rates = scenario_zones(sc)
    r = compute_quota(zones)
    assert [z.required for z in r.zones] == [5, 2] and rates == {}


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('name = "a"\nexisting = 1\nsource = "s"', "area_km2"),
        ('name = "a"\narea_km2 = 3\nexisting = 1.5\nsource = "s"', "whole"),
        ('name = "a"\narea_km2 = 3\nclass = "tiny"\nsource = "s"', "unknown class"),
        ('name = "a"\narea_km2 = 3\nsurface = 3\nsource = "s"', "unknown key"),
        ('name = "a"\narea_km2 = 3', "source"),
    ],
)
def test_quota_table_errors(body: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        parse_scenario(HEAD + "[[scenario.quota.zone]]\n" + body + "\n")


def test_real_templates_name_their_blanks() -> None:
    fuxin = load_scenario(ROOT / "scenarios" / "fuxin.toml")
    assert fuxin.quota[0].blanks == ("required",) and fuxin.quota[0].zone.existing == 14
    assert fuxin.quota[0].reported_rate == 43
    with pytest.raises(ScenarioError, match="fits 应建数 none"):
        scenario_zones(fuxin)
    lai = load_scenario(ROOT / "scenarios" / "laiyuan.toml")
    assert set(lai.quota[0].blanks) == {"area_km2", "existing"} and lai.stations == ()
    with pytest.raises(ScenarioError, match="area_km2, existing"):
        scenario_zones(lai)


def test_zones_layer_area_and_station_count(tmp_path: Path) -> None:
    # Two squares in UTM 50N: 3 km × 3 km = 9 km² and 2 km × 1 km = 2 km².
    a = shapely.box(500_000, 4_300_000, 503_000, 4_303_000)
    b = shapely.box(510_000, 4_300_000, 512_000, 4_301_000)
    gdf = gpd.GeoDataFrame(
        {"名称": ["A", "B"], "类别": ["一级", "小型站"]}, geometry=[a, b], crs="EPSG:32650"
    ).to_crs("EPSG:4326")
    zpath = tmp_path / "zones.geojson"
    gdf.to_file(zpath)
    pts = gpd.GeoSeries(
        shapely.points([501_000, 502_000, 511_000, 520_000], [4_301_000] * 4), crs="EPSG:32650"
    ).to_crs("EPSG:4326")
    rows = ["name,lon,lat,class,status"]
    for i, p in enumerate(pts):
        rows.append(f"s{i},{p.x:.7f},{p.y:.7f},一级,existing")
    spath = tmp_path / "stations.csv"
    spath.write_text("\n".join(rows) + "\n", encoding="utf-8")
    zones = zones_from_layer(zpath, name_column="名称", class_column="类别", stations=spath)
    assert [z.area_km2 for z in zones] == pytest.approx([9.0, 2.0], rel=2e-3)
    assert [z.existing for z in zones] == [2, 1]
    r = compute_quota(zones)
    assert [z.required for z in r.zones] == [2, 1] and r.total.shortfall == 0
    paths = write_quota(r, tmp_path / "out", title="t", inputs=[zpath, spath])
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["total"]["required"] == 3 and "| A |" in paths["md"].read_text(encoding="utf-8")


def test_scenario_writer_keeps_quota_zones() -> None:
    from firecover.plan.scenario_writer import scenario_toml

    for name in ("fuxin", "laiyuan"):
        sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        again = parse_scenario(scenario_toml(sc), base_dir=ROOT / "scenarios")
        assert again.quota == sc.quota
