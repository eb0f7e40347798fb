"""The evaluate HTML map of the demo in a real headless Chromium (Debian's, driven by
Playwright): the legend and its entries, the year switch changing what is drawn, one layer per
time break, and no network request without ``--tiles`` (one to the tile server with it).

Skipped when Chromium is not installed (`.ci/run` installs Debian's `chromium`). Screenshots go
to the test's folder, and to ``$FIRECOVER_SCREENSHOTS`` when that is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from layer_data import make_layers

from firecover.cli.main import cli
from firecover.outputs.glossary import Glossary
from firecover.outputs.webmap import render_webmap
from firecover.outputs.webmap_tiles import check_tiles
from firecover.plan.scenario import load_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip
ZH = Glossary("zh")


@pytest.fixture(scope="module")
def demo_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("webmap") / "run"
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO), "--no-optimum", "--deliverables",
                                   "none", "--lang", "zh", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out / "map.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _shot(page: Any, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    extra = os.environ.get("FIRECOVER_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


def _open(browser: Any, url: str, requests: list[str]) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.route("http*://**", lambda route: route.abort())  # never leave the machine
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
    assert errors == []
    return page


def _labels(page: Any, n: int) -> list[str]:
    """The station labels once ``n`` are shown (Leaflet fades removed ones out in 200 ms)."""
    page.wait_for_function(f"document.querySelectorAll('.fc-station-label').length === {n}",
                           timeout=10_000)  # fmt: skip
    return sorted(page.eval_on_selector_all(".fc-station-label", "ls => ls.map(l => l.innerText)"))


def test_demo_map_legend_years_and_breaks(demo_map: Path, browser: Any, tmp_path: Path) -> None:
    scenario = load_scenario(DEMO)
    years = [str(y) for y in scenario.years]
    requests: list[str] = []
    page = _open(browser, demo_map.as_uri(), requests)
    _shot(page, tmp_path, "webmap_final_year")

    # the legend, in Chinese, with the entries of what is drawn
    legend = page.eval_on_selector_all(".fc-legend-row", "rs => rs.map(r => r.dataset.label)")
    budget = f"{scenario.budget.turnout_min + scenario.budget.driving_min:g}"
    for term in (ZH("existing_station"), ZH("proposed_station"), ZH("compliant_districts"),
                 ZH("wm_failing_district"), ZH("gap", budget=budget), ZH("boundary"),
                 ZH("arterial"), ZH("river")):  # fmt: skip
        assert term in legend, (term, legend)
    assert page.inner_text("#fc-legend .fc-legend-title") == ZH("legend")
    font = page.eval_on_selector("#fc-legend", "e => getComputedStyle(e).fontFamily")
    names = [f.strip().strip('"') for f in font.split(",")]
    wanted = ["微软雅黑", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "sans-serif"]
    assert [n for n in names if n in wanted] == wanted, font  # in this order

    # a year switch with every plan year, the last chosen; each time break is its own layer
    radios = page.eval_on_selector_all("input[name=fc-year]", "rs => rs.map(r => r.value)")
    assert radios == years
    assert page.is_checked(f"input[data-year='{years[-1]}']")
    breaks = page.evaluate(f"Object.keys(firecoverMap.groups['{years[-1]}'])")
    assert [k for k in breaks if k.startswith("service_")] == [f"service_{budget}"]
    boxes = page.eval_on_selector_all(".fc-switch input[type=checkbox]",
                                      "bs => bs.map(b => b.dataset.theme)")  # fmt: skip
    assert f"service_{budget}" in boxes and "jurisdictions" in boxes and "stations" in boxes

    # the year switch changes the drawn layers and the station labels
    final = {s.name for s in scenario.stations_in_service(scenario.years[-1])}
    assert _labels(page, len(final)) == sorted(final)
    visible = page.evaluate("firecoverMap.visible()")
    assert all(v.split("/")[0] in (years[-1], "*") for v in visible)
    assert f"{years[-1]}/stations" in visible and f"{years[-1]}/service_{budget}" in visible
    page.check(f"input[data-year='{years[0]}']")
    first = {s.name for s in scenario.stations_in_service(scenario.years[0])}
    assert first != final and _labels(page, len(first)) == sorted(first)
    visible = page.evaluate("firecoverMap.visible()")
    assert f"{years[0]}/stations" in visible and not any(v.startswith(years[-1]) for v in visible)
    _shot(page, tmp_path, "webmap_first_year")

    # a theme box hides that layer in every year
    page.uncheck(f"input[data-theme='service_{budget}']")
    assert f"{years[0]}/service_{budget}" not in page.evaluate("firecoverMap.visible()")
    page.check(f"input[data-year='{years[-1]}']")
    assert f"{years[-1]}/service_{budget}" not in page.evaluate("firecoverMap.visible()")

    # offline: nothing but the file itself (and inline data: images) was requested
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    page.close()


def test_tiles_are_the_only_request(browser: Any, tmp_path: Path) -> None:
    tiles = check_tiles("https://tiles.example.test/{z}/{x}/{y}.png", "© Example tiles")
    path = render_webmap(make_layers(), tmp_path / "tiles.html", lang="zh", tiles=tiles)
    requests: list[str] = []
    page = _open(browser, path.as_uri(), requests)
    page.wait_for_timeout(500)
    remote = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert remote and all(u.startswith("https://tiles.example.test/") for u in remote)
    assert "© Example tiles" in page.inner_text(".leaflet-control-attribution")
    page.close()
