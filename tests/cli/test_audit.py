"""``firecover audit`` on the demo district, with districts drawn as straight lines."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from click.testing import CliRunner

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
STATIONS = """name,lon,lat,class
文化路消防救援站,118.3517199,38.7566858,二级
兴业路消防救援站,118.3620216,38.7537457,一级
"""


def test_demo_audit(tmp_path: Path) -> None:
    st = tmp_path / "stations.csv"
    st.write_text(STATIONS, encoding="utf-8")
    b = gpd.read_file(DEMO / "boundary.geojson")
    utm = b.estimate_utm_crs()
    area = b.to_crs(utm).geometry.iloc[0]
    minx, miny, maxx, maxy = area.bounds
    mid = (minx + maxx) / 2
    west = shapely.box(minx, miny, mid + 200, maxy).intersection(area)  # 200 m overlap
    east = shapely.box(mid, miny, maxx, maxy).intersection(area)
    drawn = gpd.GeoDataFrame(
        {"站名": ["文化路消防救援站", "兴业路消防救援站"]}, geometry=[west, east], crs=utm
    ).to_crs(4326)
    dpath = tmp_path / "drawn.gpkg"
    drawn.to_file(dpath)
    before = dpath.read_bytes()
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        [
            "audit",
            "--graph",
            str(DEMO / "demo_district.graphml"),
            "--stations",
            str(st),
            "--districts",
            str(dpath),
            "--boundary",
            str(DEMO / "boundary.geojson"),
            "--barriers",
            str(DEMO / "barriers.geojson"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 3, res.output  # the overlap alone fails the audit
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert doc["synthetic"] is True and doc["compliant"] is False
    ov = doc["overlaps"]
    assert len(ov) == 1
    overlap = shapely.box(mid, miny, mid + 200, maxy).intersection(area).area / 1e6
    assert abs(ov[0]["area_km2"] - overlap) < 1e-4
    for d in doc["districts"]:
        assert 0 <= d["reached_share"] <= 1
    assert (out / "audit.png").stat().st_size > 10_000 and (out / "audit.gpkg").is_file()
    assert "| 文化路消防救援站 |" in (out / "audit.md").read_text(encoding="utf-8")
    assert dpath.read_bytes() == before


def test_bad_name_column(tmp_path: Path) -> None:
    st = tmp_path / "stations.csv"
    st.write_text(STATIONS, encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        [
            "audit",
            "--graph",
            str(DEMO / "demo_district.graphml"),
            "--stations",
            str(st),
            "--districts",
            str(DEMO / "boundary.geojson"),
            "--name-column",
            "nope",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
