"""Speed profiles, road classes and maxspeed parsing (firecover.network.speeds)."""

from __future__ import annotations

import logging
import math
import re
from importlib import resources
from pathlib import Path

import networkx as nx
import pytest

from firecover._errors import DataFormatError, InputFileError
from firecover.network.road_class import CANONICAL_CLASSES, canonical_class, parse_maxspeed
from firecover.network.speeds import SpeedProfile, add_edge_speeds, available_profiles, load_profile


@pytest.fixture(autouse=True)
def _propagate_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI turns propagation off on the "firecover" logger; caplog needs it on."""
    monkeypatch.setattr(logging.getLogger("firecover"), "propagate", True)


ROUTE_MIX = {"motorway": 0.10, "primary": 0.35, "secondary": 0.35, "residential": 0.20}


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_bundled_profile_is_complete_and_valid() -> None:
    assert "china_urban" in available_profiles()
    prof = load_profile()  # the default setting
    assert prof.name == "china_urban"
    assert set(prof.speeds_kph) == set(CANONICAL_CLASSES)
    assert all(0 < v <= prof.cap_kph for v in prof.speeds_kph.values())
    assert prof.default_kph == 25.0
    assert prof.cap_kph == 60.0
    assert prof.honour_maxspeed is True
    # the urban hierarchy is ordered
    s = prof.speeds_kph
    assert s["motorway"] > s["primary"] > s["secondary"] > s["residential"] > s["service"]


def test_header_numbers_match_the_profile() -> None:
    """The averages quoted in the TOML header are what the numbers imply."""
    text = (resources.files("firecover.data") / "speeds" / "china_urban.toml").read_text("utf-8")
    prof = load_profile("china_urban")
    network_avg = prof.mean_speed_kph()
    route_avg = prof.mean_speed_kph(ROUTE_MIX)
    assert f"{network_avg:.1f} km/h" in text
    assert f"{route_avg:.1f} km/h" in text
    assert sum(prof.reference_mix.values()) == pytest.approx(1.0)
    # A = 2 (S / λ)² with S driven in 4 minutes, λ = 1.3 .. 1.5
    s_km = route_avg * 4 / 60
    areas = [2 * (s_km / lam) ** 2 for lam in (1.5, 1.3)]
    assert re.search(rf"A = {areas[0]:.1f}–{areas[1]:.1f} km²", text)
    assert areas[0] < 7.0 < areas[1]  # consistent with the 7 km² district of 建标152-2017
    # 7 km² ↔ 36–42 km/h, as the header says
    speeds = [lam * math.sqrt(7.0 / 2) * 60 / 4 for lam in (1.3, 1.5)]
    assert speeds[0] == pytest.approx(36.5, abs=0.1) and speeds[1] == pytest.approx(42.1, abs=0.1)
    assert "NOT values from 建标152-2017" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("主干路", "primary"),
        ("主干道", "primary"),
        ("次干路", "secondary"),
        ("次干道", "secondary"),
        ("支路", "residential"),
        ("支路/街巷", "residential"),
        ("街巷", "residential"),
        ("快速路", "motorway"),
        ("城市快速路", "motorway"),
        ("高速公路", "motorway"),
        ("expressway", "motorway"),
        ("primary", "primary"),
        ("Primary_Link", "primary_link"),
        ("living_street", "residential"),
        (["residential", "tertiary"], "tertiary"),
        ("['residential', 'secondary']", "secondary"),
        ("service;primary", "primary"),
        ("bogus", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_canonical_class(value: object, expected: str | None) -> None:
    assert canonical_class(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        (40, 40.0),
        ("50 mph", 80.4672),
        ("30 km/h", 30.0),
        ("10 knots", 18.52),
        (["30", "50"], 40.0),
        ("30;50", 40.0),
        ("['20', '40']", 30.0),
        ("CN:urban", 50.0),
        ("RU:urban", 60.0),
        ("DE:zone30", 30.0),
        ("DE:zone:20", 20.0),
        ("DE:living_street", 20.0),
        ("walk", 7.0),
        ("DE:rural", None),
        ("none", None),
        ("signals", None),
        ("0", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value: object, expected: float | None) -> None:
    result = parse_maxspeed(value)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_edge_speed_rules() -> None:
    prof = load_profile()
    assert prof.edge_speed("primary") == 45.0
    assert prof.edge_speed("primary", maxspeed="30") == 30.0  # a lower limit is honoured
    assert prof.edge_speed("primary", maxspeed="80") == 45.0  # never above the profile
    assert prof.edge_speed(None) == prof.default_kph
    assert prof.edge_speed("primary", source_speed_kph=100.0) == prof.cap_kph
    assert prof.edge_speed("primary", source_speed_kph=20.0, maxspeed="10") == 20.0
    assert prof.edge_speed("secondary", congestion_factor=0.5) == 20.0


def test_user_profile_path_with_aliases_and_link_fallback(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'name = "flat"\ndefault_kph = 20\ncap_kph = 50\nhonour_maxspeed = false\n'
        "[speeds_kph]\nprimary = 50\nresidential = 25\n"
        '[aliases]\n"景观路" = "residential"\n',
    )
    prof = load_profile(path)
    assert prof.name == "flat" and prof.path == str(path)
    assert prof.class_speed("primary_link") == 50.0  # parent class
    assert prof.class_speed("secondary") == 20.0  # default
    assert prof.classify("景观路") == "residential"
    assert prof.edge_speed("primary", maxspeed="30") == 50.0  # maxspeed ignored
    assert load_profile(str(path)).speeds_kph == prof.speeds_kph
    assert load_profile(prof) is prof


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("default_kph = 20\n[speeds_kph]\nprimary = 0\n", "speeds_kph.primary"),
        ("default_kph = 20\n[speeds_kph]\nprimary = -5\n", "speeds_kph.primary"),
        ('default_kph = 20\n[speeds_kph]\nprimary = "fast"\n', "speeds_kph.primary"),
        ("default_kph = 20\n[speeds_kph]\nprimary = true\n", "speeds_kph.primary"),
        ("default_kph = 0\n[speeds_kph]\nprimary = 40\n", "default_kph"),
        ("default_kph = 20\nspeed = 3\n[speeds_kph]\nprimary = 40\n", "'speed'"),
        ("default_kph = 20\n[speeds_kph]\nhighway = 40\n", "speeds_kph.highway"),
        ("default_kph = 20\ncap_kph = 30\n[speeds_kph]\nprimary = 40\n", "exceeds cap_kph"),
        ("default_kph = 20\n", "[speeds_kph]"),
        ("default_kph = 20\n[speeds_kph\n", "not valid"),
        ('default_kph = 20\n[speeds_kph]\nprimary = 40\n[aliases]\nx = "road"\n', "aliases.x"),
    ],
)
def test_bad_profiles_name_the_key(tmp_path: Path, body: str, fragment: str) -> None:
    with pytest.raises(DataFormatError) as info:
        load_profile(_write(tmp_path, body))
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_missing_profiles() -> None:
    with pytest.raises(InputFileError, match="unknown speed profile 'nope'"):
        load_profile("nope")
    with pytest.raises(InputFileError, match="not found"):
        load_profile("does/not/exist.toml")


def _two_edge_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:32650")
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=500.0, y=0.0)
    g.add_edge(1, 2, length=500.0, highway="主干路", maxspeed="50")
    g.add_edge(2, 1, length=500.0, highway="mystery")
    g.add_edge(2, 1, length=250.0)  # no class at all
    return g


def test_add_edge_speeds_writes_times_and_counts_unknowns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    g = _two_edge_graph()
    with caplog.at_level(logging.WARNING, logger="firecover.network.speeds"):
        summary = add_edge_speeds(g, congestion_factor=0.8)
    assert summary.edges == 3 and summary.unknown_edges == 2
    assert summary.unknown_values == {"mystery": 1, "<no class>": 1}
    assert "2 of 3 edges have an unrecognised road class" in caplog.text
    known = g.edges[1, 2, 0]
    assert known["road_class"] == "primary" and known["speed_kph"] == pytest.approx(45 * 0.8)
    for _, _, d in g.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / d["speed_kph"] * 3.6)
    unknown = g.edges[2, 1, 0]
    assert unknown["road_class"] == "unclassified" and unknown["class_unknown"] is True
    assert unknown["speed_kph"] == pytest.approx(25 * 0.8)
    # a second run on the same graph (e.g. a reloaded GraphML) gives the same speeds
    before = [d["speed_kph"] for *_, d in g.edges(data=True)]
    add_edge_speeds(g, congestion_factor=0.8)
    assert [d["speed_kph"] for *_, d in g.edges(data=True)] == before


@pytest.mark.parametrize("factor", [0, -1.0, float("nan"), "fast", True])
def test_bad_congestion_factor(factor: object) -> None:
    with pytest.raises(DataFormatError, match="congestion_factor"):
        add_edge_speeds(_two_edge_graph(), congestion_factor=factor)


def test_mean_speed_needs_shares() -> None:
    prof = SpeedProfile(name="x", speeds_kph={"primary": 40.0}, default_kph=20.0, cap_kph=60.0)
    assert prof.mean_speed_kph({"primary": 1.0, "residential": 1.0}) == pytest.approx(
        2 / (1 / 40 + 1 / 20)
    )
    with pytest.raises(DataFormatError):
        prof.mean_speed_kph()
