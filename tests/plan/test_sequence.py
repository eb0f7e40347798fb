"""Sequencing a scenario's projects (firecover.plan.sequence) on a hand-made strip.

A 6 km road at 36 km/h along the middle of a 100 m strip (every cell's point on the road);
driving budget 4 min = 2,400 m. Existing A at x = 0 reaches [0, 2400]; project Q at x = 2600
reaches [200, 5000]; project P at x = 3600 reaches [1200, 6000]. The plan builds Q in 2021 and
P in 2022: 0.50 + 0.60 = 1.10 km²·years. Building P first: 0.60 + 0.60 = 1.20 (+9.1 %).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from graphs import CRS, X0, add_road, empty_graph
from pyproj import Transformer

from firecover.analysis.files import load_inputs
from firecover.plan.scenario import parse_scenario
from firecover.plan.sequence import sequence_scenario

Y0 = 4_300_050.0
TO_WGS = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _lonlat(x: float) -> tuple[float, float]:
    return TO_WGS.transform(X0 + x, Y0)


def _scenario(extra: str = ""):  # type: ignore[no-untyped-def]
    (ax, ay), (qx, qy), (px, py) = _lonlat(0), _lonlat(2600), _lonlat(3600)
    text = f"""
[scenario]
name = "strip"
first_year = 2020
last_year = 2022
[scenario.graph]
bbox = [116.9, 38.8, 117.1, 38.9]
[[station]]
name = "A"
class = "一级"
status = "existing"
lon = {ax}
lat = {ay}
source = "test"
[[station]]
name = "Q"
class = "一级"
status = "proposed"
year = 2021
lon = {qx}
lat = {qy}
source = "test"
[[station]]
name = "P"
class = "一级"
status = "proposed"
year = 2022
lon = {px}
lat = {py}
source = "test"
{extra}"""
    return parse_scenario(text)


@pytest.fixture(scope="module")
def inputs():  # type: ignore[no-untyped-def]
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 6000.0, y=Y0)
    add_road(g, 0, 1, 36.0)
    strip = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0 - 50, X0 + 6000, Y0 + 50)], crs=CRS)
    return load_inputs(g, boundary=strip, cell_size_m=100.0)


def test_strip_by_hand(inputs) -> None:  # type: ignore[no-untyped-def]
    r = sequence_scenario(_scenario(), inputs)
    assert r.years == [2021, 2022] and r.capacity == [1.0, 1.0]
    assert r.plan is not None and r.plan.objective == pytest.approx(1.10)
    assert r.best.objective == pytest.approx(1.20)
    assert r.by_year(r.plan) == pytest.approx([0.50, 0.60])
    assert set(r.moves()) == {("P", 2022, 2021), ("Q", 2021, 2022)}
    assert "+9.1 %" in r.headline() and "building P in 2021 instead of 2022" in r.headline()


def test_two_per_year_builds_both_at_once(inputs) -> None:  # type: ignore[no-untyped-def]
    r = sequence_scenario(_scenario(), inputs, per_year=2)
    assert r.best.objective == pytest.approx(1.20)
    assert r.best.start().tolist()[1:] in ([0, 0], [1, 0])


def test_multi_period_siting_with_a_new_area(inputs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Free choice of Q and P, one a year. The east end [5000, 6000] opens only in 2022, so in
    # 2021 Q and P reach the same (open) area [2400, 5000]; the best builds P first anyway.
    area = tmp_path / "new.geojson"
    gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 5000, Y0 - 50, X0 + 6000, Y0 + 50)], crs=CRS
    ).to_file(area)
    sites = tmp_path / "c.csv"
    (qx, qy), (px, py) = _lonlat(2600), _lonlat(3600)
    sites.write_text(f"name,lon,lat\nQc,{qx},{qy}\nPc,{px},{py}\n", encoding="utf-8")
    r = sequence_scenario(
        _scenario(), inputs, candidates=sites, per_year=1, new_area=area, opening_year=2022
    )
    # 2021: A + (P or Q) reach 0.50 of the 0.50 open; 2022: A + P + (Q) reach 0.60.
    assert r.best.objective == pytest.approx(0.50 + 0.60)
    assert r.free
