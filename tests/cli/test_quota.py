"""``firecover quota`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def test_simplest_call_liangping() -> None:
    res = CliRunner().invoke(cli, ["quota", "--area-km2", "30", "--existing", "1"])
    assert res.exit_code == 0, res.output
    assert "应建 5, 已建 1, 缺建 4, 缺建率 80 %" in res.output


def test_json_and_zones(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli,
        [
            "quota",
            "--area-km2",
            "10",
            "--area-km2",
            "20",
            "--class",
            "二级",
            "--class",
            "edge",
            "--existing",
            "1",
            "--existing",
            "4",
            "--json",
            "--out",
            str(tmp_path / "q"),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert [z["required"] for z in doc["zones"]] == [3, 2] and doc["total"]["shortfall"] == 2
    assert (tmp_path / "q" / "quota.md").is_file()


def test_demo_district_boundary_and_stations(tmp_path: Path) -> None:
    demo = ROOT / "data" / "demo"
    csv = tmp_path / "st.csv"
    csv.write_text(
        "name,lon,lat,class\n文化路消防救援站,118.3517199,38.7566858,二级\n", encoding="utf-8"
    )
    res = CliRunner().invoke(
        cli, ["quota", "--zones", str(demo / "boundary.geojson"), "--stations", str(csv), "--json"]
    )
    assert res.exit_code == 0, res.output
    z = json.loads(res.output)["zones"][0]
    assert z["existing"] == 1 and z["required"] == -(-z["area_km2"] // 7)


def test_bad_input_one_line_exit_2() -> None:
    for args in (
        ["quota"],
        ["quota", "--area-km2", "-1", "--existing", "0"],
        ["quota", "--area-km2", "3"],
        [  # no --existing
            "quota",
            str(ROOT / "scenarios" / "laiyuan.toml"),
        ],
    ):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
