"""Table-driven bad inputs over the whole CLI (issue 14): every case ends with its exit code,
one line on stderr that names the problem and a fix that exists, no traceback, untouched inputs
(hashed before and after) and no output folder written."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from firecover._io import FAULT_ENV
from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
GOOD = "name,lon,lat,class\n文化路消防救援站,118.3517199,38.7566858,二级\n"
HEAD = GOOD.splitlines()[0]
SCENARIO_TEXT = (ROOT / "scenarios" / "demo.toml").read_text(encoding="utf-8")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]+)")


def all_options(command: click.Command) -> set[str]:
    """Every ``--long`` option of the CLI, sub-commands included (the oracle for fixes)."""
    opts = {
        o for p in command.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])
    }
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            opts |= all_options(sub)
    return {o for o in opts if o.startswith("--")} | {"--help", "--version"}


def _files(w: Path) -> None:
    """The inputs every case may use (written once per test into its own folder)."""
    shutil.copy(DEMO / "demo_district.graphml", w / "g.graphml")
    shutil.copy(DEMO / "boundary.geojson", w / "b.geojson")
    (w / "s.csv").write_text(GOOD, encoding="utf-8")
    (w / "nolat.csv").write_text("name,lon,class\na,118.35,一级\n", encoding="utf-8")
    (w / "crs.csv").write_text(HEAD + ",crs\na,118.3517199,38.7566858,一级,XYZ\n", encoding="utf-8")
    (w / "cls.csv").write_text("name,lon,lat,class\na,118.3517199,38.7566858,tiny\n",
                               encoding="utf-8")  # fmt: skip
    (w / "far.csv").write_text("name,lon,lat,class\na,118.50,38.90,一级\n", encoding="utf-8")
    (w / "swap.csv").write_text("name,lon,lat,class\na,38.7566858,118.3517199,一级\n",
                                encoding="utf-8")  # fmt: skip
    (w / "empty.csv").write_text("", encoding="utf-8")
    (w / "nocoord.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"name":"a","class":"一级"},"geometry":{"type":"Point"}}]}', encoding="utf-8")  # fmt: skip
    (w / "notfc.geojson").write_text('{"type":"Point","coordinates":[1,2]}', encoding="utf-8")
    (w / "junk.graphml").write_text("this is not GraphML", encoding="utf-8")
    g = (DEMO / "demo_district.graphml").read_text(encoding="utf-8")
    (w / "m4326.graphml").write_text(g.replace("EPSG:32650", "EPSG:4326"), encoding="utf-8")
    sc = SCENARIO_TEXT.replace('file = "../data/demo/', f'file = "{DEMO}/')
    (w / "ok.toml").write_text(sc, encoding="utf-8")
    (w / "nostation.toml").write_text(sc[: sc.index("[[station]]")], encoding="utf-8")
    (w / "syntax.toml").write_text(sc.replace("[scenario]", "[scenario", 1), encoding="utf-8")
    (w / "drive0.toml").write_text(sc.replace("driving_min = 4.0", "driving_min = 0"),
                                   encoding="utf-8")  # fmt: skip
    (w / "unknown.toml").write_text(sc.replace("[scenario]\n", "[scenario]\ncolour = 1\n", 1),
                                    encoding="utf-8")  # fmt: skip
    run = w / "run"
    run.mkdir()
    (run / "sites.csv").write_text(GOOD, encoding="utf-8")
    (run / "optimum_sites.geojson").write_text((DEMO / "boundary.geojson").read_text())
    (w / "mine").mkdir()
    (w / "mine" / "notes.docx").write_text("the planner's own file")
    (w / "afile").write_text("not a folder")
    import geopandas as gpd
    import shapely

    line = shapely.LineString([(117.2, 39.1), (117.21, 39.1)])
    roads = gpd.GeoDataFrame({"道路等级": ["主干路"], "名称": ["和平路"]}, crs="EPSG:4326",
                             geometry=[line])  # fmt: skip
    roads.to_file(w / "gbk.shp", encoding="GBK")
    (w / "gbk.cpg").unlink()


COV = "service-area --graph {w}/g.graphml --stations {w}/s.csv --out {w}/o"
SITE = "site --graph {w}/g.graphml --boundary {w}/b.geojson --existing {w}/s.csv --out {w}/o"
EVAL = "evaluate {w}/ok.toml --out {w}/o"
BATCH = "batch {w}/ok.toml --out {w}/o"
IMPORT = "graph import {w}/g.graphml --out {w}/o.graphml"

# (id, arguments, exit code, text the one-line message must contain, environment)
CASES: list[tuple[str, str, int, str, dict[str, str]]] = [
    ("driving-negative", COV + " --driving -4", 2, "--driving", {}),
    ("driving-nan", COV + " --driving nan", 2, "not a finite number", {}),
    ("driving-zero", COV + " --driving 0", 2, "must be > 0", {}),
    ("driving-inf", COV + " --driving inf", 2, "not a finite number", {}),
    ("driving-text", COV + " --driving abc", 2, "not a number", {}),
    ("minutes-negative", COV + " --minutes -1", 2, "--minutes", {}),
    ("minutes-zero", COV + " --minutes 0", 2, "must be > 0", {}),
    ("minutes-nan", COV + " --minutes nan", 2, "not a finite number", {}),
    ("minutes-below-turnout", COV + " --minutes 0.5", 2, "above the turnout", {}),
    ("turnout-negative", COV + " --turnout -1", 2, "must be ≥ 0", {}),
    ("turnout-nan", COV + " --turnout nan", 2, "--turnout", {}),
    ("cell-size-zero", COV + " --cell-size 0", 2, "--cell-size", {}),
    ("cell-size-negative", COV + " --cell-size -100", 2, "must be > 0", {}),
    (
        "jurisdictions-driving",
        COV.replace("service-area", "jurisdictions") + " --driving -4",
        2,
        "--driving",
        {},
    ),
    (
        "gaps-cell-size-nan",
        COV.replace("service-area", "gaps") + " --cell-size nan",
        2,
        "--cell-size",
        {},
    ),
    ("site-time-limit-negative", SITE + " --time-limit -5", 2, "--time-limit", {}),
    ("site-time-limit-zero", SITE + " --time-limit 0", 2, "must be > 0", {}),
    ("site-time-limit-nan", SITE + " --time-limit nan", 2, "not a finite number", {}),
    ("site-p-negative", SITE + " --model mclp --p -1", 2, "--p", {}),
    ("site-p-fraction", SITE + " --model mclp --p 1.5", 2, "whole number", {}),
    ("site-spacing-zero", SITE + " --spacing 0", 2, "--spacing", {}),
    ("site-spacing-negative", SITE + " --spacing -200", 2, "must be > 0", {}),
    ("site-driving-zero", SITE + " --driving 0", 2, "--driving", {}),
    ("site-turnout-nan", SITE + " --turnout nan", 2, "--turnout", {}),
    ("site-mclp-without-p", SITE + " --model mclp", 2, "--p", {}),
    ("site-unknown-model", SITE + " --model best", 2, "--model", {}),
    ("site-unknown-class", SITE + " --new-class 超大", 2, "", {}),
    ("evaluate-time-limit", EVAL + " --time-limit -5", 2, "--time-limit", {}),
    ("evaluate-cell-size", EVAL + " --cell-size 0", 2, "--cell-size", {}),
    ("check-cell-size", "check {w}/ok.toml --cell-size -1", 2, "--cell-size", {}),
    ("batch-time-limit", BATCH + " --time-limit -1", 2, "--time-limit", {}),
    ("batch-cell-size", BATCH + " --cell-size nan", 2, "--cell-size", {}),
    ("batch-workers", BATCH + " --workers 0", 2, "--workers", {}),
    ("import-congestion-zero", IMPORT + " --congestion 0", 2, "--congestion", {}),
    ("import-congestion-negative", IMPORT + " --congestion -1", 2, "--congestion", {}),
    ("import-snap-negative", IMPORT + " --snap-tolerance -1", 2, "--snap-tolerance", {}),
    ("import-bad-crs", IMPORT + " --crs 4326", 2, "metres", {}),
    (
        "missing-graph",
        "service-area --graph {w}/nope.graphml --stations {w}/s.csv --out {w}/o",
        2,
        "not found",
        {},
    ),
    (
        "missing-stations",
        "service-area --graph {w}/g.graphml --stations {w}/nope.csv --out {w}/o",
        2,
        "not found",
        {},
    ),
    ("missing-boundary", COV + " --boundary {w}/nope.geojson", 2, "not found", {}),
    (
        "geojson-point-without-coordinates",
        COV.replace("s.csv", "nocoord.geojson"),
        2,
        "give [lon, lat]",
        {},
    ),
    ("geojson-not-a-collection", COV.replace("s.csv", "notfc.geojson"), 2, "FeatureCollection", {}),
    ("csv-without-lat", COV.replace("s.csv", "nolat.csv"), 2, "lat", {}),
    ("csv-unknown-crs", COV.replace("s.csv", "crs.csv"), 2, "gcj02", {}),
    ("csv-unknown-class", COV.replace("s.csv", "cls.csv"), 2, "tiny", {}),
    ("station-far-from-road", COV.replace("s.csv", "far.csv"), 2, "", {}),
    ("station-lat-lon-swapped", COV.replace("s.csv", "swap.csv"), 2, "", {}),
    ("empty-stations", COV.replace("s.csv", "empty.csv"), 2, "", {}),
    (
        "graphml-metres-labelled-4326",
        COV.replace("g.graphml", "m4326.graphml"),
        2,
        "crs attribute",
        {},
    ),
    ("graphml-junk", COV.replace("g.graphml", "junk.graphml"), 2, "", {}),
    ("scenario-missing", "check {w}/nope.toml", 2, "not found", {}),
    ("scenario-without-stations", "check {w}/nostation.toml", 2, "[[station]]", {}),
    ("scenario-syntax", "check {w}/syntax.toml", 2, "invalid TOML", {}),
    ("scenario-driving-zero", "check {w}/drive0.toml", 2, "driving_min", {}),
    ("scenario-unknown-key", "check {w}/unknown.toml", 2, "colour", {}),
    (
        "evaluate-scenario-without-stations",
        "evaluate {w}/nostation.toml --out {w}/o",
        2,
        "[[station]]",
        {},
    ),
    (
        "shapefile-gbk-without-cpg",
        "graph import {w}/gbk.shp --out {w}/o.graphml",
        2,
        "--encoding GBK",
        {},
    ),
    ("import-missing-file", "graph import {w}/nope.shp --out {w}/o.graphml", 2, "", {}),
    ("info-missing-file", "graph info {w}/nope.graphml", 2, "", {}),
    ("unknown-command", "plan {w}/ok.toml", 2, "--help", {}),
    ("unknown-option", COV + " --colour red", 2, "--help", {}),
    # outputs that must not be written (exit 7), each refused before anything is written
    ("out-holds-user-files", COV.replace("{w}/o", "{w}/mine"), 7, "empty or new --out", {}),
    (
        "site-input-inside-out",
        SITE.replace("{w}/s.csv", "{w}/run/sites.csv").replace("--out {w}/o", "--out {w}/run"),
        7,
        "inside the output folder",
        {},
    ),
    (
        "evaluate-input-inside-out",
        "evaluate {w}/ok.toml --boundary {w}/run/optimum_sites.geojson --out {w}/run",
        7,
        "inside the output folder",
        {},
    ),
    ("out-is-a-file", COV.replace("{w}/o", "{w}/afile"), 2, "is a file", {}),
    ("demo-out-is-a-file", "demo --out {w}/afile", 2, "is a file", {}),
    (
        "import-over-its-input",
        "graph import {w}/g.graphml --out {w}/g.graphml",
        7,
        "also an input",
        {},
    ),
    ("import-read-only-disk", IMPORT, 7, "read-only", {FAULT_ENV: "write:o.graphml=erofs"}),
    ("import-no-permission", IMPORT, 7, "permissions", {FAULT_ENV: "write:*=eacces"}),
    ("coverage-disk-full", COV, 7, "free some disk space", {FAULT_ENV: "write:map.png=enospc"}),
]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    w = tmp_path_factory.mktemp("bad")
    _files(w)
    return w


def _hashes(w: Path) -> dict[str, str]:
    return {p.relative_to(w).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(w.rglob("*")) if p.is_file()}  # fmt: skip


def test_the_table_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("args", "code", "text", "env"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_input(work: Path, args: str, code: int, text: str, env: dict[str, str]) -> None:
    before = _hashes(work)
    argv = [a.replace("{w}", str(work)) for a in args.split(" ")]
    res = CliRunner().invoke(cli, argv, env=env)
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == code, res.stderr + res.stdout
    assert len(lines) == 1, res.stderr
    msg = lines[0]
    assert msg.startswith("Error: ") and "Internal error" not in msg and "Traceback" not in msg
    assert text in msg
    assert ";" in msg or "(" in msg or "--" in msg  # a problem, then what to do
    missing = set(OPTION.findall(msg)) - all_options(cli) - set(argv)  # the user's own typo
    assert not missing, f"{msg} names options that do not exist: {missing}"
    assert _hashes(work) == before  # no input changed, nothing written
    assert not (work / "o").exists() and not (work / "o.graphml").exists()
    assert not [p for p in work.iterdir() if ".firecover-" in p.name]


def test_log_flags_work_after_the_sub_command(work: Path) -> None:
    res = CliRunner().invoke(cli, ["graph", "info", str(work / "g.graphml"), "-v"])
    assert res.exit_code == 0, res.stderr
    res = CliRunner().invoke(cli, ["check", str(work / "nostation.toml"), "-q", "-q"])
    assert res.exit_code == 2
