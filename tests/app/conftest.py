"""A demo-district workspace shared by the app tests (loaded once per test process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from firecover.app.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"


@pytest.fixture(scope="session")
def workspace() -> Workspace:
    return Workspace.from_scenario(DEMO)
