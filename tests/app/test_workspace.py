"""firecover.app.workspace under a travel choice (``serve --period/--speeds/--turns``).

Oracle: ``evaluate_scenario`` run directly under the same choice; the workspace is evaluated
from a fresh thread, as the server's thread pool does (it does not inherit the CLI context).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from firecover.app.workspace import Evaluation, Workspace
from firecover.network.periods import use_travel
from firecover.plan.files import evaluate_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"
CELL = 300.0


def _tight(folder: Path) -> Path:
    """The demo with a 2-minute driving budget (its 4 minutes cover everything in any period)."""
    text = DEMO.read_text(encoding="utf-8").replace("driving_min = 4.0", "driving_min = 2.0")
    text = text.replace('"../data/', f'"{(ROOT / "data").as_posix()}/')
    path = folder / "tight.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _final_share(ws: Workspace) -> float:
    sc = ws.scenario
    specs = sc.stations_in_service(sc.last_year)
    out: list[Evaluation] = []
    t = threading.Thread(
        target=lambda: out.append(ws.evaluate(specs, sc.budget.turnout_min, sc.budget.driving_min))
    )
    t.start()
    t.join()
    return float(out[0].summary["covered_share"])


def _evaluate_share(tmp: Path, period: str) -> float:
    with use_travel(period=period):
        ev, _ = evaluate_scenario(
            _tight(tmp), tmp / period, optimum=False, cell_size_m=CELL, html=False
        )
    return float(ev.final.run.summary.covered_share)


def test_workspace_under_a_period_matches_evaluate(tmp_path: Path) -> None:
    tight = _tight(tmp_path)
    peak = Workspace.from_scenario(tight, cell_size_m=CELL, period="am_peak")
    assert peak.travel.period == "am_peak" and "period am_peak" in peak.travel_model
    got = _final_share(peak)
    assert got == pytest.approx(_evaluate_share(tmp_path, "am_peak"), abs=1e-4)
    with use_travel(period="offpeak"):  # the CLI's context, captured by from_scenario
        off = Workspace.from_scenario(tight, cell_size_m=CELL)
    assert "period offpeak" in off.travel_model
    assert _final_share(off) == pytest.approx(_evaluate_share(tmp_path, "offpeak"), abs=1e-4)
    assert got < _final_share(off) - 0.05  # the period really applied (0.66 vs 0.81)
