"""Search zones of a network siting run, against one-by-one swaps on the demo district."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio
import pytest

from firecover.analysis.files import load_inputs
from firecover.plan.scenario import load_scenario
from firecover.site import site_stations
from firecover.site.candidates import generate_candidates
from firecover.site.files import write_site
from firecover.siting.ties import evaluate_time

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def srun():  # type: ignore[no-untyped-def]
    inputs = load_inputs(DEMO / "demo_district.graphml", boundary=DEMO / "boundary.geojson",
                         cell_size_m=200.0)  # fmt: skip
    existing = load_scenario(ROOT / "scenarios" / "demo.toml").stations_in_service(2021)[:1]
    cands = generate_candidates(inputs.net, boundary=inputs.demand.boundary, spacing_m=300.0)
    return site_stations(inputs.net, inputs.demand, existing, cands, model="mclp", p=2,
                         zone_loss=0.02)  # fmt: skip


def test_zones_are_the_swaps_within_the_loss(srun) -> None:  # type: ignore[no-untyped-def]
    pb, res = srun.problem, srun.result
    cov, area = pb.coverage[srun.rows], pb.area[srun.rows]

    def covered(sites: list[int]) -> float:
        hit = np.asarray(cov[:, sites].sum(axis=1)).ravel() > 0
        return float(area[hit].sum())

    base = covered(res.sites.tolist())
    zones = srun.zones
    assert list(zones["site"]) == [pb.site_name(int(j)) for j in res.new_sites]
    for j, names in zip(res.new_sites, zones["candidates"], strict=True):
        expect = {pb.site_name(int(j))}
        for k in range(pb.n_fixed, pb.coverage.shape[1]):
            if k in res.sites:
                continue
            swapped = [s for s in res.sites.tolist() if s != j] + [k]
            if covered(swapped) >= base * (1 - 0.02) - 1e-12:
                expect.add(pb.site_name(k))
        assert set(names.split(";")) == expect
    assert (zones["loss"] == 0.02).all()
    assert zones.geometry.is_valid.all() and (zones.geometry.area > 0).all()


def test_tie_break_lowers_or_keeps_the_weighted_time(srun) -> None:  # type: ignore[no-untyped-def]
    pb, res = srun.problem, srun.result
    t = evaluate_time(pb.times[srun.rows], pb.weights[srun.rows], res.sites)
    assert t == pytest.approx(res.stats["weighted_time_s"])
    assert res.stats["weighted_time_s"] <= res.stats["weighted_time_before_s"] + 1e-9


def test_written_layer_and_report(srun, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = write_site(srun, tmp_path, title="demo", html=True)
    assert "search_zones" in {str(r[0]) for r in pyogrio.list_layers(paths["gpkg"])}
    gj = pyogrio.read_dataframe(paths["search_zones"])
    assert gj.crs.to_epsg() == 4326 and len(gj) == 2
    md = (tmp_path / "site.md").read_text(encoding="utf-8")
    assert "选址范围" in md and "并列最优 Ties" in md
    assert "选址范围 Search zones" in (tmp_path / "map.html").read_text(encoding="utf-8")


def test_report_says_how_the_tie_was_broken() -> None:
    from firecover.site.zones import tie_break_summary, zones_markdown

    base = {"weighted_time_s": 90.0, "weighted_time_before_s": 120.0, "time_weight": 1.0}
    proven = tie_break_summary({**base, "tie_break_optimal": 1.0, "tie_break_milp": 1.0}, "time")
    swaps = tie_break_summary({**base, "tie_break_optimal": 0.0, "tie_break_milp": 0.0,
                               "tie_break_swaps": 3.0}, "time")  # fmt: skip
    cut = tie_break_summary({**base, "tie_break_optimal": 0.0, "tie_break_milp": 1.0}, "time")
    assert (proven["method"], swaps["method"], swaps["swaps"]) == ("milp", "swaps", 3)
    text = {k: "\n".join(zones_markdown(v, [])) for k, v in
            {"proven": proven, "swaps": swaps, "cut": cut}.items()}  # fmt: skip
    assert "120 s → 90 s" in text["proven"] and "not proven" not in text["proven"]
    assert "one-site swaps" in text["swaps"] and "未证明为最短" in text["swaps"]
    assert "time limit: best found" in text["cut"]
