"""Run folders: refusals before writing, staging + manifest + swap, locks, leftovers of dead runs.

The oracle is the file system itself: the files' bytes are hashed independently of the
manifest code (hashlib on each file), and the folder is compared before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import OutputError
from firecover._io import FAULT_ENV
from firecover.outputs.run_folder import MANIFEST, RunFolder, verify_run_folder


def _tree(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder`` (the independent oracle)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _run(target: Path, files: dict[str, str], **kw: object) -> RunFolder:
    with RunFolder(target, **kw) as rf:  # type: ignore[arg-type]
        for name, text in files.items():
            (rf.staging / name).parent.mkdir(parents=True, exist_ok=True)
            (rf.staging / name).write_text(text, encoding="utf-8")
    return rf


def _beside(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if ".firecover-" in p.name)


def test_a_run_writes_files_and_a_manifest_that_verifies(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name\n和平\n", encoding="utf-8")
    out = tmp_path / "out"
    rf = _run(out, {"a.txt": "一", "sub/b.txt": "二"}, inputs=[src], command="firecover x")
    tree = _tree(out)
    assert set(tree) == {"a.txt", "sub/b.txt", MANIFEST}
    doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert {f["path"]: f["sha256"] for f in doc["files"]} == {
        k: v for k, v in tree.items() if k != MANIFEST
    }
    assert doc["inputs"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert doc["command"] == "firecover x" and doc["firecover"]
    assert verify_run_folder(out) == [] and rf.final(rf.staging / "a.txt") == out / "a.txt"
    assert _beside(out) == []  # no staging, old or lock entry left


def test_rerun_replaces_the_whole_previous_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, {"map_2024.png": "old", "report.json": "old"})
    _run(out, {"report.json": "new"})
    assert set(_tree(out)) == {"report.json", MANIFEST}  # the longer plan's map is gone
    assert (out / "report.json").read_text() == "new" and verify_run_folder(out) == []


def test_a_failing_run_leaves_the_previous_run_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, {"r.json": "old"})
    before = _tree(out)
    with pytest.raises(RuntimeError), RunFolder(out) as rf:
        (rf.staging / "r.json").write_text("half")
        raise RuntimeError("writer crashed")
    assert _tree(out) == before and _beside(out) == []


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        ("user_files", "not a firecover run"),
        ("extra_file", "did not write"),
        ("input_inside", "inside the output folder"),
        ("input_is_target", "inside the output folder"),
        ("target_is_file", "is a file"),
    ],
)
def test_refusals_come_before_anything_is_written(tmp_path: Path, setup: str, match: str) -> None:
    out = tmp_path / "out"
    inputs: list[Path] = []
    if setup == "user_files":
        out.mkdir()
        (out / "my_notes.docx").write_text("mine")
    elif setup == "extra_file":
        _run(out, {"a.txt": "run"})
        (out / "my_notes.docx").write_text("mine")
    elif setup == "input_inside":
        _run(out, {"sites.csv": "run"})
        inputs = [out / "sites.csv"]
    elif setup == "input_is_target":
        out.mkdir()
        inputs = [out]
    else:
        out.write_text("a file")
    before = _tree(tmp_path)
    with pytest.raises(OutputError, match=match) as info:
        _run(out, {"a.txt": "new"}, inputs=inputs)
    assert "choose an empty or new --out folder" in str(info.value)
    assert "\n" not in str(info.value) and info.value.exit_code == 7
    assert _tree(tmp_path) == before and _beside(out) == []


def test_an_empty_existing_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _run(out, {"a.txt": "x"})
    assert verify_run_folder(out) == []


def test_a_second_run_into_a_locked_target_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with RunFolder(out) as first:
        (first.staging / "a.txt").write_text("first")
        with pytest.raises(OutputError, match="another firecover run") as info:
            _run(out, {"a.txt": "second"})
        assert f"pid {os.getpid()}" in str(info.value) and info.value.exit_code == 7
    assert (out / "a.txt").read_text() == "first" and verify_run_folder(out) == []


def test_a_run_in_another_process_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = (
        "import sys, time; from firecover.outputs.run_folder import RunFolder\n"
        "with RunFolder(sys.argv[1]) as rf:\n"
        "    print('locked', flush=True); sys.stdin.readline()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError, match=f"pid {proc.pid}"):
            _run(out, {"a.txt": "x"})
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(30)
    assert proc.returncode == 0
    _run(out, {"a.txt": "x"})  # the lock went with the run
    assert verify_run_folder(out) == []


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, {"r.json": "old"})
    before = _tree(out)
    code = (
        "import sys; from firecover.outputs.run_folder import RunFolder\n"
        "with RunFolder(sys.argv[1]) as rf:\n"
        "    (rf.staging / 'r.json').write_text('new')\n"
    )
    for point in ("run:staged", "run:manifest", "run:swapped"):
        before = _tree(out)
        env = {**os.environ, FAULT_ENV: f"{point}=kill"}
        res = subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=False)
        assert res.returncode == -9
        assert verify_run_folder(out) == []  # the old run or the new one, complete
        assert _tree(out) == before or (out / "r.json").read_text() == "new"
        _run(out, {"r.json": "old"})
        assert (out / "r.json").read_text() == "old" and set(_tree(out)) == set(before)
        assert verify_run_folder(out) == [] and _beside(out) == []


def test_a_crash_between_two_step_renames_is_restored(tmp_path: Path) -> None:
    """Without an atomic exchange the old run is moved aside first; a kill there is repaired."""
    out = tmp_path / "out"
    _run(out, {"r.json": "old"})
    before = _tree(out)
    code = (
        "import sys; from firecover.outputs.run_folder import RunFolder\n"
        "with RunFolder(sys.argv[1]) as rf:\n"
        "    (rf.staging / 'r.json').write_text('new')\n"
    )
    env = {**os.environ, FAULT_ENV: "run:old-moved=kill", "FIRECOVER_NO_EXCHANGE": "1"}
    res = subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=False)
    assert res.returncode == -9 and not out.exists()
    with RunFolder(out) as rf:  # the next run restores the old complete run first
        assert _tree(out) == before
        (rf.staging / "r.json").write_text("next")
    assert (out / "r.json").read_text() == "next" and _beside(out) == []


def test_verify_detects_changed_missing_and_unlisted_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, {"a.txt": "a", "b.txt": "b"})
    (out / "a.txt").write_text("A")
    (out / "b.txt").unlink()
    (out / "c.txt").write_text("c")
    assert verify_run_folder(out) == ["changed a.txt", "missing b.txt", "unlisted c.txt"]
    assert "no readable" in verify_run_folder(tmp_path)[0]


FIRST = st.lists(st.sampled_from(["a.txt", "b/c.txt", "d.gpkg", "e f.md", "和平.json"]),
                unique=True, max_size=5)  # fmt: skip
SECOND = st.lists(st.sampled_from(["a.txt", "x.png", "b/y.txt"]), unique=True, max_size=3)


@settings(max_examples=25, deadline=None)
@given(FIRST, SECOND)
def test_any_rerun_leaves_exactly_the_new_files(first: list[str], second: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        _run(out, {n: "1" for n in first})
        _run(out, {n: "2" for n in second})
        assert set(_tree(out)) == {*second, MANIFEST} and verify_run_folder(out) == []
