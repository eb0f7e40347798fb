"""firecover.plan.scenario_writer: a plan written as TOML reads back to the same plan."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firecover.plan.scenario import Scenario, load_scenario
from firecover.plan.scenario_writer import scenario_toml

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def _plain(sc: Scenario) -> dict[str, Any]:
    d = sc.to_dict()
    d.pop("path", None)
    for s in d["stations"]:
        s.pop("line", None)
    return d


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_round_trip(path: Path, tmp_path: Path) -> None:
    sc = load_scenario(path)
    out = tmp_path / "again.toml"
    out.write_text(scenario_toml(sc, note="round trip\nsecond line"), encoding="utf-8")
    assert _plain(load_scenario(out)) == _plain(sc)


def test_optimum_time_round_trips(tmp_path: Path) -> None:
    sc = dataclasses.replace(load_scenario(SCENARIOS[0]), optimum_time=42.5)
    out = tmp_path / "again.toml"
    out.write_text(scenario_toml(sc), encoding="utf-8")
    assert load_scenario(out).optimum_time == 42.5


def test_given_files_replace_the_sources(tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "scenarios" / "heping.toml")
    graph, boundary = tmp_path / "g.graphml", tmp_path / "b.geojson"
    graph.write_text("<graphml/>", encoding="utf-8")  # the reader checks the files exist
    boundary.write_text("{}", encoding="utf-8")
    text = scenario_toml(sc, graph_file=graph, boundary_file=boundary)
    out = tmp_path / "x.toml"
    out.write_text(text, encoding="utf-8")
    again = load_scenario(out)
    assert again.graph.kind == "file" and again.graph.file == graph.resolve()
    assert again.boundary.kind == "file" and again.boundary.file == boundary.resolve()


NAMES = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20
).filter(lambda s: s.strip() != "")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NAMES, source=NAMES)
def test_any_text_survives(name: str, source: str, tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "scenarios" / "demo.toml")
    first = dataclasses.replace(sc.stations[0], name=" ".join(name.split()), source=source)
    if any(s.name.casefold() == first.name.casefold() for s in sc.stations[1:]):
        return
    edited = dataclasses.replace(sc, stations=(first, *sc.stations[1:]))
    out = tmp_path / "t.toml"
    out.write_text(scenario_toml(edited), encoding="utf-8")
    again = load_scenario(out)
    # the scenario reader trims text fields (a source "0 " reads back as "0")
    assert again.stations[0].name == first.name and again.stations[0].source == source.strip()
