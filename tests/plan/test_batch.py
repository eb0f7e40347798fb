"""Batch evaluation on Dask (``firecover.plan.batch``) and the ``firecover batch`` command.

Oracle: each scenario's ``report.json`` from the batch equals a direct in-process
:func:`evaluate_scenario` run of the same file, and the summary rows equal that report's final
year. Real ``distributed`` clusters of two worker processes run the tasks (no mocks).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import LocalCluster
from hypothesis import given
from hypothesis import strategies as st

from firecover._errors import BatchError, ScenarioError
from firecover.cli.main import cli
from firecover.plan.batch import output_folders, run_batch, run_scenario_task
from firecover.plan.batch_summary import BatchResult
from firecover.plan.files import evaluate_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"
FAST: dict[str, Any] = {"optimum": False, "cell_size_m": 300.0, "html": False}


def _broken(folder: Path) -> Path:
    """The demo scenario with an unknown station class (fails validation)."""
    text = DEMO.read_text(encoding="utf-8").replace('class = "小型"', 'class = "九级"')
    text = text.replace('"../data/', f'"{(ROOT / "data").as_posix()}/')
    path = folder / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _report(folder: Path) -> dict[str, Any]:
    """``report.json`` without timing fields (none today; keys naming seconds are dropped)."""

    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if "seconds" not in k}
        return [strip(v) for v in x] if isinstance(x, list) else x

    doc: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return strip(doc)


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A direct ``evaluate_scenario`` run of the demo with the fast options."""
    out = tmp_path_factory.mktemp("direct")
    evaluate_scenario(DEMO, out, **FAST)
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, list[str]]:
    """The demo twice plus a broken scenario on a private 2-process local cluster."""
    tmp = tmp_path_factory.mktemp("batch")
    messages: list[str] = []
    result = run_batch([DEMO, DEMO, _broken(tmp)], tmp / "out", n_workers=2,
                       progress=messages.append, **FAST)  # fmt: skip
    return result, messages


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """A running scheduler with two worker processes, as `dask scheduler` + `dask worker`."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as c:  # fmt: skip
        yield c


# --------------------------------------------------------------------------- local cluster


def test_folders_and_outcomes(batch: tuple[BatchResult, list[str]]) -> None:
    result, messages = batch
    names = [Path(o.out).name for o in result.outcomes]
    assert names == ["demo", "demo-2", "broken"]
    assert [o.ok for o in result.outcomes] == [True, True, False]
    assert result.scheduler == "local (2 workers)" and not result.ok
    bad = result.failed[0]
    assert bad.error_type == "ScenarioError" and not bad.internal and "九级" in (bad.error or "")
    assert "\n" not in (bad.error or "") and bad.detail is None
    broken = result.out_dir / "broken"
    assert not broken.exists() or not any(broken.iterdir())
    assert sorted(m.split(":")[0] for m in messages) == sorted(names)


def test_reports_equal_direct_run(batch: tuple[BatchResult, list[str]], direct: Path) -> None:
    result, _ = batch
    expected = _report(direct)
    for o in result.outcomes[:2]:
        out = Path(o.out)
        assert _report(out) == expected
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in direct.iterdir())


def test_outcome_matches_report(batch: tuple[BatchResult, list[str]], direct: Path) -> None:
    result, _ = batch
    final = _report(direct)["years"][-1]
    for o in result.outcomes[:2]:
        assert o.year == final["year"] and o.stations == len(final["stations"])
        assert o.area_km2 == pytest.approx(final["area_km2"], abs=1e-4)
        assert o.covered_share == pytest.approx(final["covered_share"], abs=1e-6)
        assert list(o.noncompliant) == final["noncompliant"]
        assert o.compliant is (not final["noncompliant"]) and o.synthetic is True
        assert o.min_new_for_compliance is None  # optimum off


def test_summary_files(batch: tuple[BatchResult, list[str]]) -> None:
    result, _ = batch
    assert set(result.paths) == {"csv", "md", "json"}
    assert result.paths["csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(result.paths["csv"], encoding="utf-8-sig")
    table = result.table()
    assert list(csv.columns) == list(table.columns)
    assert csv["folder"].tolist() == ["demo", "demo-2", "broken"]
    assert csv["ok"].tolist() == [True, True, False]
    assert csv["stations"].iloc[:2].tolist() == [o.stations for o in result.outcomes[:2]]
    assert str(table["noncompliant"].dtype) == "Int64" and pd.isna(table["noncompliant"].iloc[2])
    assert table["noncompliant"].iloc[0] == len(result.outcomes[0].noncompliant)
    assert table["error"].iloc[2].startswith("ScenarioError: ")
    md = result.paths["md"].read_text(encoding="utf-8")
    assert "批量评估汇总 Batch evaluation summary" in md and "覆盖率 Covered share" in md
    assert md.count("\n| ") == 4 and "否 FAILED" in md and "| demo-2 |" in md
    doc = json.loads(result.paths["json"].read_text(encoding="utf-8"))
    assert doc["scenarios"] == 3 and doc["failed"] == 1
    assert [d["ok"] for d in doc["outcomes"]] == [True, True, False]


# --------------------------------------------------------------------------- pure parts


@given(st.lists(st.sampled_from(["a", "A", "a-2", "b", "heping", "heping-2"]), max_size=8))
def test_output_folders_distinct(stems: list[str]) -> None:
    folders = output_folders([Path(f"/x/{i}/{s}.toml") for i, s in enumerate(stems)], Path("/o"))
    assert all(f.parent == Path("/o") for f in folders)
    earlier: set[str] = set()
    for stem, folder in zip(stems, folders, strict=True):
        name = folder.name
        assert name.casefold() not in earlier  # distinct, also case-insensitively
        if stem.casefold() not in earlier:
            assert name == stem  # no clash: the stem itself
        else:  # the smallest free suffix
            k = int(name.removeprefix(f"{stem}-"))
            assert k >= 2 and name == f"{stem}-{k}"
            assert all(f"{stem}-{j}".casefold() in earlier for j in range(2, k))
        earlier.add(name.casefold())


def test_output_folders_order() -> None:
    got = output_folders([Path("a/heping.toml"), Path("b/heping.toml"), Path("c/Heping.toml")],
                         Path("/o"))  # fmt: skip
    assert [f.name for f in got] == ["heping", "heping-2", "Heping-3"]


def test_task_reports_internal_and_input_errors(tmp_path: Path) -> None:
    missing = run_scenario_task(str(tmp_path / "nope.toml"), str(tmp_path / "o"), {})
    assert not missing.ok and missing.error_type == "InputFileError" and not missing.internal
    bug = run_scenario_task(str(DEMO), str(tmp_path / "o"), {"no_such_option": 1})
    assert not bug.ok and bug.internal and bug.error_type == "TypeError"
    assert bug.detail is not None and "Traceback" in bug.detail


def test_no_scenarios(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no scenario"):
        run_batch([], tmp_path)


def test_unreachable_scheduler(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}),\
            pytest.raises(BatchError, match="cannot connect to the Dask scheduler"):  # fmt: skip
        run_batch([DEMO], tmp_path, scheduler=f"tcp://127.0.0.1:{port}", **FAST)
    assert not (tmp_path / "summary.csv").exists()


# --------------------------------------------------------------------------- scheduler + CLI


def test_cli_on_scheduler_with_optimum(cluster: LocalCluster, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["batch", str(DEMO), "--out", str(out), "--scheduler", cluster.scheduler_address,
            "--cell-size", "300", "--time-limit", "20", "--no-html"]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "demo" in res.stdout and "summary.csv" in res.stdout
    ev, _ = evaluate_scenario(DEMO, tmp_path / "direct", cell_size_m=300.0, time_limit=20.0,
                              html=False)  # fmt: skip
    assert ev.optimum is not None
    assert _report(out / "demo") == _report(tmp_path / "direct")
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert doc["scheduler"] == cluster.scheduler_address
    assert doc["outcomes"][0]["min_new_for_compliance"] == ev.optimum["min_new_for_compliance"]


def test_cli_failures_exit_code(cluster: LocalCluster, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["batch", str(_broken(tmp_path)), str(tmp_path / "missing.toml"), "--out", str(out),
            "--scheduler", cluster.scheduler_address, "--no-optimum", "--no-html"]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == BatchError.exit_code == 8
    assert "2 of 2 scenarios failed" in res.stderr and "Traceback" not in res.output
    assert "FAILED ScenarioError" in res.stdout and "FAILED InputFileError" in res.stdout
    csv = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert csv["folder"].tolist() == ["broken", "missing"] and not csv["ok"].any()


# --------------------------------------------------------------------------- travel choice


def _tight(folder: Path) -> Path:
    """The demo with a 2-minute driving budget (its 4 minutes cover everything in any period)."""
    text = DEMO.read_text(encoding="utf-8").replace("driving_min = 4.0", "driving_min = 2.0")
    text = text.replace('"../data/', f'"{(ROOT / "data").as_posix()}/')
    path = folder / "tight.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _direct(scenario: Path, out: Path, **travel: str) -> float:
    """Covered share of a direct in-process ``evaluate_scenario`` under the choice."""
    from firecover.network.travel_scope import TravelScope

    with TravelScope(**travel).applied():
        ev, _ = evaluate_scenario(scenario, out, **FAST)
    return float(ev.final.run.summary.covered_share)


def test_batch_period_reaches_the_workers(tmp_path: Path) -> None:
    """``period`` crosses into the worker process: the batch equals ``evaluate --period``."""
    tight = _tight(tmp_path)
    result = run_batch([tight], tmp_path / "out", n_workers=1, period="am_peak", **FAST)
    assert result.ok
    peak = _direct(tight, tmp_path / "peak", period="am_peak")
    assert result.outcomes[0].covered_share == pytest.approx(peak, abs=1e-9)
    assert _report(tmp_path / "out" / "tight") == _report(tmp_path / "peak")
    off = _direct(tight, tmp_path / "off", period="offpeak")
    assert peak < off - 0.05  # 0.66 vs 0.81 on the demo roads: the period really applied


def test_task_applies_travel_in_process(tmp_path: Path) -> None:
    tight = _tight(tmp_path)
    got = run_scenario_task(str(tight), str(tmp_path / "o"), FAST, {"period": "offpeak"})
    assert got.ok
    assert got.covered_share == pytest.approx(_direct(tight, tmp_path / "d", period="offpeak"))


def test_cli_period_and_turns_on_scheduler(cluster: LocalCluster, tmp_path: Path) -> None:
    tight = _tight(tmp_path)
    runs = {}
    for turns in ("off", "on"):
        out = tmp_path / f"out-{turns}"
        args = ["batch", str(tight), "--out", str(out), "--scheduler", cluster.scheduler_address,
                "--cell-size", "300", "--no-optimum", "--no-html", "--period", "am_peak",
                "--turns", turns]  # fmt: skip
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, res.output
        _direct(tight, tmp_path / f"direct-{turns}", period="am_peak", turns=turns)
        assert _report(out / "tight") == _report(tmp_path / f"direct-{turns}")
        runs[turns] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "turns: off" in json.dumps(_report(tmp_path / "out-off" / "tight"), ensure_ascii=False)
    shares = {k: v["outcomes"][0]["covered_share"] for k, v in runs.items()}
    assert shares["on"] < shares["off"]  # junction and turn penalties cost coverage
