"""The planning page in a real headless Chromium (Debian's, driven by Playwright): add by click,
drag, remove, undo, a hostile name, save, and the saved plan evaluated by the CLI.

Skipped when Chromium is not installed (`.ci/run` installs Debian's `chromium`). Screenshots of
every step go to the test's folder, and to ``$FIRECOVER_SCREENSHOTS`` when that is set.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from firecover.app.server import create_app
from firecover.app.workspace import Workspace
from firecover.cli.main import cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(workspace: Workspace) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(workspace, scenario_path=DEMO), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.loads(r.read())


class Shots:
    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.n = page, folder, 0
        extra = os.environ.get("FIRECOVER_SCREENSHOTS")
        self.extra = Path(extra) if extra else None

    def __call__(self, name: str) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}_{name}.png"
        self.page.screenshot(path=str(path))
        if self.extra is not None:
            self.extra.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, self.extra / path.name)


def _pixel(page: Any, lon: float, lat: float) -> tuple[float, float]:
    x, y = page.evaluate(
        """([lon, lat]) => { const p = firecover.map.latLngToContainerPoint(L.latLng(lat, lon));
           const r = document.getElementById('map').getBoundingClientRect();
           return [p.x + r.left, p.y + r.top]; }""",
        [lon, lat],
    )
    return float(x), float(y)


def _rows(page: Any) -> list[str]:
    return page.eval_on_selector_all("#stations tbody tr", "rs => rs.map(r => r.dataset.station)")


def test_edit_a_plan_in_the_browser(server: str, workspace: Workspace, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    c = workspace.demand.boundary.representative_point()
    lon0, lat0 = (float(v[0]) for v in workspace.to_wgs84([c.x + 350.0], [c.y - 250.0]))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: d.accept())
        shot = Shots(page, tmp_path)
        page.goto(server + "/")
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
        sid = page.evaluate("firecover.session")
        state = _api(server, f"/api/sessions/{sid}")
        assert _rows(page) == [r["name"] for r in state["stations"]]
        n0 = len(state["stations"])
        assert page.evaluate("firecover.layers.jurisdictions.getLayers().length") == n0
        shot("loaded")

        # add by clicking on the map, with a hostile name
        hostile = "<img src=x onerror=window.pwned=1>"
        page.click("[data-testid=add-mode]")
        page.fill("[data-testid=name]", hostile)
        page.mouse.click(*_pixel(page, lon0, lat0))
        page.wait_for_function(f"firecover.state.stations.length === {n0 + 1}", timeout=30_000)
        state = _api(server, f"/api/sessions/{sid}")
        assert _rows(page) == [r["name"] for r in state["stations"]] and hostile in _rows(page)
        assert page.evaluate("firecover.layers.jurisdictions.getLayers().length") == n0 + 1
        # hover the new station so its tooltip (where Leaflet would write HTML) is shown
        new_row = next(
            r for r in _api(server, f"/api/sessions/{sid}")["stations"] if r["name"] == hostile
        )
        page.mouse.move(*_pixel(page, new_row["lon"], new_row["lat"]))
        page.wait_for_selector(".leaflet-tooltip", timeout=10_000)
        assert page.inner_text(".leaflet-tooltip") == hostile
        assert page.evaluate("window.pwned === undefined")
        assert page.inner_text(f'#stations tr[data-station="{hostile}"] td') == hostile
        assert "newly covered" in page.inner_text("[data-testid=change]")
        page.click("[data-testid=add-mode]")
        shot("added")

        # drag it east
        before = next(r for r in state["stations"] if r["name"] == hostile)
        x, y = _pixel(page, before["lon"], before["lat"])
        page.mouse.move(x, y)
        page.mouse.down()
        for k in range(1, 11):
            page.mouse.move(x + 6 * k, y + 3 * k)
        page.mouse.up()
        page.wait_for_function(
            f"firecover.state.stations.find(r => r.name === {json.dumps(hostile)}).lon"
            f" > {before['lon'] + 1e-5}",
            timeout=30_000,
        )
        state = _api(server, f"/api/sessions/{sid}")
        after = next(r for r in state["stations"] if r["name"] == hostile)
        assert after["lon"] > before["lon"]
        page_areas = page.evaluate("firecover.state.stations.map(r => r.area_km2)")
        assert page_areas == [r["area_km2"] for r in state["stations"]]
        shot("dragged")

        # remove the first station from the table, then undo
        first = state["stations"][0]["name"]
        page.click(f'button[data-remove="{first}"]')
        page.wait_for_function(f"firecover.state.stations.length === {n0}", timeout=30_000)
        assert first not in _rows(page)
        assert page.evaluate("firecover.layers.jurisdictions.getLayers().length") == n0
        shot("removed")
        page.click("[data-testid=undo]")
        page.wait_for_function(f"firecover.state.stations.length === {n0 + 1}", timeout=30_000)
        assert _rows(page)[0] == first
        shot("undone")

        # a tighter budget leaves gaps; suggest the best next site for them
        page.fill("#driving", "2")
        page.click("#budget")
        page.wait_for_function("firecover.state.summary.driving_min === 2", timeout=30_000)
        assert page.evaluate("firecover.state.layers.gaps.features.length") > 0
        shot("tight_budget")
        # suggest, then save the plan (twice: the second time the page asks to overwrite)
        page.click("[data-testid=suggest]")
        page.wait_for_selector("[data-testid=add-suggested]", timeout=60_000)
        shot("suggested")
        saved = tmp_path / "from_page.toml"
        for _ in range(2):
            page.fill("[data-testid=save-path]", str(saved))
            page.click("[data-testid=save]")
            page.wait_for_function(
                "document.getElementById('status').textContent.includes('saved')", timeout=30_000
            )
            page.evaluate("document.getElementById('status').textContent = ''")
        summary = page.evaluate("firecover.state.summary")
        year = page.evaluate("firecover.state.year")
        assert not errors, errors
        browser.close()

    out = tmp_path / "evaluated"
    res = CliRunner().invoke(
        cli, ["evaluate", str(saved), "--out", str(out), "--no-optimum", "--no-html"]
    )
    assert res.exit_code in (0, 3), res.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    final = next(y for y in report["years"] if y["year"] == year)
    assert final["covered_share"] == pytest.approx(summary["covered_share"], abs=1e-3)
    assert hostile in final["stations"]
