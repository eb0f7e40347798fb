"""Time-of-day periods of speed profiles and the run's travel choice (network/periods.py)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firecover._errors import DataFormatError
from firecover.network.cache_key import graph_cache_key
from firecover.network.load import load_graph
from firecover.network.periods import (
    current_travel,
    parse_periods,
    travel_model_line,
    use_travel,
)
from firecover.network.prepare import prepare_graph
from firecover.network.speeds import load_profile

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "demo_district.graphml"

PROFILE = """
name = "p"
default_kph = 20.0
cap_kph = 50.0
[speeds_kph]
primary = 40.0
residential = 30.0
[periods.am_peak]
factor = 0.5
primary = 0.75
[periods.night]
factor = 1.5
"""


def _profile(tmp_path: Path, text: str = PROFILE) -> Path:
    p = tmp_path / "p.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_period_factors_by_hand(tmp_path):
    p = _profile(tmp_path)
    base = load_profile(p)
    assert base.period is None and base.class_speed("primary") == 40.0
    am = load_profile(p, "am_peak")
    assert am.class_speed("primary") == 30.0  # 40 × 0.75
    assert am.class_speed("primary_link") == 30.0  # link: parent's speed and factor
    assert am.class_speed("residential") == 15.0  # 30 × 0.5 (period default factor)
    assert am.class_speed("nonsense") == 10.0  # default 20 × 0.5
    night = load_profile(p, "night")
    assert night.class_speed("primary") == 50.0  # 60 capped at cap_kph
    assert night.class_speed("residential") == 45.0


def test_bundled_periods_documented():
    prof = load_profile("china_urban")
    assert list(prof.periods) == ["offpeak", "am_peak", "pm_peak", "night"]
    off = load_profile("china_urban", "offpeak")
    for cls in prof.speeds_kph:
        assert off.class_speed(cls) == prof.class_speed(cls)
    am = load_profile("china_urban", "am_peak")
    assert all(am.class_speed(c) <= prof.class_speed(c) for c in prof.speeds_kph)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[periods]\nam_peak = 3", "must be a table"),
        ("[periods.AM]\nfactor = 1", "not a period name"),
        ("[periods.all]\nfactor = 1", "not a period name"),
        ("[periods.x]\nfactor = 0", "must be > 0"),
        ("[periods.x]\nprimary = 2.5", "must be > 0 and <= 2"),
        ("[periods.x]\nhighway = 0.5", "neither a road class"),
        ("[periods.x]\nfactor = true", "must be a number"),
    ],
)
def test_bad_periods_one_line_errors(tmp_path, table, message):
    head = PROFILE.split("[periods.am_peak]")[0]
    with pytest.raises(DataFormatError, match=message) as info:
        load_profile(_profile(tmp_path, head + table))
    assert "\n" not in str(info.value)


def test_unknown_period_lists_the_known_ones():
    with pytest.raises(DataFormatError, match=r"has no period 'rush'.*offpeak, am_peak"):
        load_profile("china_urban", "rush")


@given(st.floats(0.01, 2.0), st.floats(0.01, 2.0), st.floats(1.0, 120.0))
def test_factor_scales_and_cap_holds(factor, primary, kph):
    from firecover.network.periods import with_period
    from firecover.network.speeds import SpeedProfile

    periods = parse_periods({"x": {"factor": factor, "primary": primary}}, "t")
    assert periods["x"].class_factor("primary_link") == primary
    assert periods["x"].class_factor("residential") == factor
    prof = with_period(SpeedProfile("t", {"primary": kph, "residential": kph}, 20.0, 60.0,
                                    periods=periods), "x")  # fmt: skip
    assert prof.class_speed("primary") == pytest.approx(min(kph * primary, 60.0))
    assert prof.class_speed("residential") == pytest.approx(min(kph * factor, 60.0))
    assert prof.class_speed("service") <= 60.0
    # a source speed column is scaled by the period too, and capped
    assert prof.edge_speed("primary", source_speed_kph=kph) == pytest.approx(
        min(kph * primary, 60.0)
    )


def _graph_times(graph: nx.MultiDiGraph) -> dict[tuple[int, int, int], float]:
    return {(u, v, k): d["travel_time"] for u, v, k, d in graph.edges(keys=True, data=True)}


def test_use_travel_applies_to_every_prepared_graph_and_resets():
    base = load_graph(DEMO)
    assert current_travel().period is None
    with use_travel(period="am_peak"):
        peak = load_graph(DEMO)  # a prepared GraphML is prepared again under a period
        assert current_travel().period == "am_peak"
    assert current_travel().period is None
    assert peak.graph["period"] == "am_peak"
    prof = load_profile("china_urban", "am_peak")
    bt, pt = _graph_times(base), _graph_times(peak)
    for (u, v, k), d in base.edges.items():
        expect = d["length"] / prof.class_speed(d["road_class"]) * 3.6
        assert pt[(u, v, k)] == pytest.approx(expect)
        assert pt[(u, v, k)] >= bt[(u, v, k)] - 1e-9
    # a networkx oracle: the fastest am_peak route is never faster than the base one
    a, b = next(iter(base.nodes)), list(base.nodes)[-1]
    t0 = nx.shortest_path_length(base, a, b, weight="travel_time")
    t1 = nx.shortest_path_length(peak, a, b, weight="travel_time")
    assert t1 > t0


def test_speeds_choice_overrides_the_given_profile(tmp_path):
    p = _profile(tmp_path)
    graph = load_graph(DEMO)
    with use_travel(speeds=str(p), period="am_peak"):
        oracle = prepare_graph(graph, profile="china_urban")
    assert oracle.graph["speed_profile"] == "p"
    speeds = {d["road_class"]: d["speed_kph"] for *_, d in oracle.edges(data=True)}
    assert speeds["primary"] == 30.0 and speeds["residential"] == 15.0


def test_cache_keys_never_mix_periods():
    from firecover.analysis.files import file_key

    keys = set()
    for period in (None, "am_peak", "night"):
        with use_travel(period=period):
            keys.add(graph_cache_key(DEMO, key_parts=file_key({})))
    assert len(keys) == 3


def test_travel_model_line():
    line = travel_model_line("china_urban", "am_peak", None)
    assert "profile china_urban" in line and "period am_peak" in line
    assert "turns not modelled" in line and "calibration none" in line
    line = travel_model_line("x", None, "runs.csv (40 records)", "turns on: 3 restrictions")
    assert "turns on: 3 restrictions" in line and "calibration runs.csv" in line
    assert "period base" in line
