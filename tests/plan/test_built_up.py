"""The built-up area (建成区) of a plan (``firecover.plan.built_up``): 应建数 and the shortfall
count on it, and ``evaluate`` reports them (issue 12).

Oracle: the hand computation of the Liangping plan (30 km² built-up, 1 station with a
district: ceil(30 / 7) = 5 needed, shortfall 4) and polygon areas measured by hand.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from graphs import grid_covering
from pyproj import Transformer

from firecover._errors import ScenarioError
from firecover.analysis.files import load_inputs
from firecover.plan import evaluate_plan
from firecover.plan.report import plan_json, plan_markdown
from firecover.plan.scenario import BuiltUpSpec, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
LIANGPING = ROOT / "scenarios" / "liangping.toml"
CRS = "EPSG:32648"


@pytest.fixture(scope="module")
def liangping():  # type: ignore[no-untyped-def]
    sc = load_scenario(LIANGPING)
    tr = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    lonlat = np.array([s.wgs84() for s in sc.stations])
    x, y = tr.transform(lonlat[:, 0], lonlat[:, 1])
    g = grid_covering(np.column_stack([x, y]), CRS, spacing=250.0, margin=1250.0)
    inputs = load_inputs(g, cell_size_m=250.0)
    return sc, inputs, np.column_stack([x, y])


def test_liangping_counts_on_the_built_up_area(liangping) -> None:  # type: ignore[no-untyped-def]
    sc, inputs, _ = liangping
    assert sc.built_up == BuiltUpSpec(None, 30.0)
    ev = evaluate_plan(sc, inputs.net, inputs.demand, synthetic=True, optimum=False)
    first = ev.years[0]
    assert len(first.stations) == 1
    b = first.built_up
    assert b is not None
    assert (b["area_km2"], b["stations_needed"], b["stations_counted"], b["shortfall"]) == (
        30.0, 5, 1, 4,
    )  # fmt: skip
    assert ev.final.built_up is not None and ev.final.built_up["shortfall"] == 3  # 2 stations
    doc = json.loads(plan_json(ev))
    assert doc["built_up"][0]["shortfall"] == 4 and doc["years"][0]["built_up"]["shortfall"] == 4
    # keys are added, never renamed (the report.json contract)
    assert {"scenario", "synthetic", "budget_minutes", "years", "stations", "optimum"} <= set(doc)
    md = plan_markdown(ev, lang="both")
    assert "建成区 Built-up area" in md and "缺 **3**" in md and "应建 **5**" in md
    zh = plan_markdown(ev, lang="zh")
    assert "## 建成区\n" in zh and "缺 **3** 座" in zh
    assert "Built-up" not in zh and "stated" not in zh


def test_built_up_file_is_measured_and_its_reached_part_counted(
    liangping,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    sc, inputs, xy = liangping
    x, y = xy[0]
    square = shapely.box(x - 1000, y - 1000, x + 1000, y + 1000)  # 4 km² by hand
    path = tmp_path / "built.geojson"
    gpd.GeoDataFrame(geometry=[square], crs=CRS).to_crs("EPSG:4326").to_file(path)
    sc2 = dataclasses.replace(sc, built_up=BuiltUpSpec(path, None))
    ev = evaluate_plan(sc2, inputs.net, inputs.demand, synthetic=True, optimum=False)
    b = ev.years[0].built_up
    assert b is not None
    assert b["measured_km2"] == pytest.approx(4.0, rel=1e-4)
    assert b["stations_needed"] == 1 and b["shortfall"] == 0
    cells = ev.years[0].run.layers.cells
    reached = cells.geometry.to_numpy()[cells["covered"].to_numpy(bool)]
    hand = float(shapely.area(shapely.intersection(reached, square)).sum()) / 1e6
    assert b["covered_km2"] == pytest.approx(min(hand, 4.0), rel=1e-4)


def test_built_up_table_is_validated() -> None:
    text = LIANGPING.read_text(encoding="utf-8").replace("area_km2 = 30.0", "area_km2 = -1")
    with pytest.raises(ScenarioError, match="area_km2"):
        parse_scenario(text, base_dir=LIANGPING.parent)
    empty = LIANGPING.read_text(encoding="utf-8").replace("area_km2 = 30.0", "")
    with pytest.raises(ScenarioError, match="built_up"):
        parse_scenario(empty, base_dir=LIANGPING.parent)
