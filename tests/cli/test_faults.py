"""Fault injection on `evaluate` and `site` over the demo district (issue 14).

Each case first leaves a complete run in the output folder, then runs the command again in a
subprocess with the test hook ``FIRECOVER_TEST_FAIL_AT=<step>=<action>`` (kill -9, SIGTERM, a
full disk, a read-only disk, a crash) at a named point. Afterwards the folder must be the old
complete run or a new complete one (its manifest verifies, nothing else is in it), no partial
file or staging folder may be left once the next run finished, and that rerun succeeds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from firecover._io import FAULT_ENV
from firecover.outputs.run_folder import MANIFEST, verify_run_folder

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
SCENARIO = ROOT / "scenarios" / "demo.toml"
STATIONS = "name,lon,lat,class\n文化路消防救援站,118.3517199,38.7566858,二级\n"

EVALUATE = ["evaluate", str(SCENARIO), "--no-optimum", "--no-html", "--cell-size", "200"]


def _site(tmp: Path) -> list[str]:
    csv = tmp / "existing.csv"
    csv.write_text(STATIONS, encoding="utf-8")
    return ["site", "--graph", str(DEMO / "demo_district.graphml"), "--boundary",
            str(DEMO / "boundary.geojson"), "--existing", str(csv), "--cell-size", "200",
            "--no-html", "--no-progress"]  # fmt: skip


def _firecover(args: list[str], fault: str | None, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    env["FIRECOVER_CACHE_DIR"] = str(cache)
    if fault:
        env[FAULT_ENV] = fault
    code = "from firecover.cli.main import main; main()"
    return subprocess.run([sys.executable, "-c", code, "-q", *args], env=env, text=True,
                          capture_output=True, timeout=300, check=False)  # fmt: skip


def _manifest(folder: Path) -> str:
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if ".firecover-" in p.name)


# (command, fault, expected exit code, the new run may have landed)
CASES = [
    ("evaluate", "written:layers_2021.gpkg=kill", -9, False),  # GeoPackage temp + journal
    ("evaluate", "run:manifest=kill", -9, False),
    ("evaluate", "run:swapped=kill", -9, True),
    ("evaluate", "write:report.md=term", 143, False),
    ("evaluate", "write:map_2024.png=enospc", 7, False),
    ("site", "write:site.json=kill", -9, False),
    ("site", "write:candidates.geojson=erofs", 7, False),
    ("site", "write:sites.csv=error", 1, False),
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> dict[str, Path]:
    """One complete run per command, copied into each case (inputs at the same paths)."""
    home = tmp_path_factory.mktemp("inputs")
    runs = {}
    for command in ("evaluate", "site"):
        out = home / f"{command}-run"
        args = [*(EVALUATE if command == "evaluate" else _site(home)), "--out", str(out)]
        res = _firecover(args, None, cache)
        assert res.returncode == 0, res.stderr
        runs[command] = out
    return runs


@pytest.mark.parametrize(("command", "fault", "code", "may_land"), CASES,
                         ids=[f"{c}-{f}" for c, f, _, _ in CASES])  # fmt: skip
def test_a_fault_leaves_one_complete_run(tmp_path: Path, cache: Path, baselines: dict[str, Path],
                                         command: str, fault: str, code: int,
                                         may_land: bool) -> None:  # fmt: skip
    out = tmp_path / "out"
    shutil.copytree(baselines[command], out)
    home = baselines[command].parent
    args = [*(EVALUATE if command == "evaluate" else _site(home)), "--out", str(out)]
    assert verify_run_folder(out) == []
    old = _manifest(out)
    res = _firecover(args, fault, cache)
    assert res.returncode == code, res.stderr
    if code > 0:  # a clean error: one line, no traceback, no internal error unless injected
        lines = [
            ln for ln in res.stderr.splitlines() if ln.strip() and not ln.lstrip().startswith("…")
        ]  # progress lines aside
        assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
        if code == 143:
            assert lines[0].startswith("Terminated")
        if code == 7:
            assert "cannot write" in lines[0] and "--out" in lines[0]
            assert ".firecover-staging" not in lines[0] and str(out) in lines[0]
    assert verify_run_folder(out) == []  # complete, nothing unlisted (no .tmp, no -journal)
    if not may_land:
        assert _manifest(out) == old
    rerun = _firecover(args, None, cache)
    assert rerun.returncode == 0, rerun.stderr
    assert verify_run_folder(out) == [] and _manifest(out) != old
    assert _leftovers(out) == []
    doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert doc["kind"] == command and doc["inputs"]


def test_two_runs_at_once_one_is_refused(tmp_path: Path, cache: Path) -> None:
    """The first run is held at its manifest step by the hook (a subprocess waiting on stdin)."""
    out = tmp_path / "out"
    args = [*EVALUATE, "--out", str(out)]
    env = {**os.environ, "FIRECOVER_CACHE_DIR": str(cache)}
    code = (
        "import sys, firecover._io as io\n"
        "real = io.fault_point\n"
        "def hold(step):\n"
        "    if step == 'run:staged':\n"
        "        print('holding', flush=True); sys.stdin.readline()\n"
        "    real(step)\n"
        "io.fault_point = hold\n"
        "import firecover.outputs.run_folder as rf; rf.fault_point = hold\n"
        "from firecover.cli.main import main; main()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, "-q", *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        second = _firecover(args, None, cache)
        assert second.returncode == 7
        assert "another firecover run" in second.stderr and f"pid {proc.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        assert not out.exists()  # the refused run wrote nothing
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(300)
    assert proc.returncode == 0
    assert verify_run_folder(out) == [] and _leftovers(out) == []
