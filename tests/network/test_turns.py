"""Turn data records, the profile's turn tables, the planner's restriction file, turn modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from firecover._errors import DataFormatError, InputFileError
from firecover.network.speeds import load_profile
from firecover.network.turns import (
    DEFAULT_TURNS,
    TurnRestriction,
    add_restrictions,
    graph_restrictions,
    graph_turn_profile,
    has_turn_data,
    osm_restriction,
    parse_turn_tables,
    read_restriction_table,
    resolve_turn_mode,
    turn_profile_json,
    use_turns,
)
from tests.graphs import straight_road


def test_profile_tables_parse_with_defaults() -> None:
    prof = parse_turn_tables(
        {
            "junction_delay_s": {"traffic_signals": 8},
            "turn_penalty_s": {"left": 9.5, "u_turns": "anywhere"},
        },
        "p.toml",
    )
    assert prof.junction_delay_s["traffic_signals"] == 8.0
    assert prof.junction_delay_s["stop"] == DEFAULT_TURNS.junction_delay_s["stop"]
    assert prof.left_s == 9.5 and prof.u_turns == "anywhere"
    assert prof.right_s == DEFAULT_TURNS.right_s


@pytest.mark.parametrize(
    "data",
    [
        {"junction_delay_s": {"lights": 3}},
        {"junction_delay_s": {"stop": -1}},
        {"turn_penalty_s": {"u_turns": "never"}},
        {"turn_penalty_s": {"sideways": 2}},
        {"turn_penalty_s": {"straight_deg": 95}},
        {"turn_penalty_s": 3},
    ],
)
def test_bad_profile_tables_are_refused(data: dict) -> None:
    with pytest.raises(DataFormatError, match=r"speed profile p\.toml"):
        parse_turn_tables(data, "p.toml")


def test_bundled_profile_carries_the_tables(tmp_path: Path) -> None:
    prof = load_profile("china_urban")
    assert prof.turns.junction_delay_s["traffic_signals"] == 5.0
    toml = tmp_path / "mine.toml"
    toml.write_text(
        "default_kph = 20.0\n[speeds_kph]\nprimary = 40.0\n[turn_penalty_s]\nleft = 12.0\n",
        encoding="utf-8",
    )
    assert load_profile(toml).turns.left_s == 12.0


def test_osm_restriction_tags() -> None:
    assert osm_restriction({"type": "restriction", "restriction": "no_left_turn"}) == (
        "no",
        "no_left_turn",
    )
    assert (
        osm_restriction(
            {"type": "restriction", "restriction": "only_straight_on", "except": "psv;emergency"}
        )
        is None
    )
    assert (
        osm_restriction({"type": "restriction", "restriction": "no_left_turn", "except": "fire"})
        is None
    )
    assert osm_restriction(
        {"type": "restriction", "restriction": "no_left_turn", "except": "bicycle"}
    ) == ("no", "no_left_turn")
    assert osm_restriction(
        {"type": "restriction", "restriction:motorcar": "no_u_turn", "restriction": "no_left_turn"}
    ) == ("no", "no_u_turn")
    assert osm_restriction({"type": "multipolygon"}) is None


def test_restriction_table_both_forms(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("from_way,via_node,to_way,restriction\n11,5,12,no_left_turn\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("from_node,via_node,to_node\n1,2,3\n", encoding="utf-8")
    assert read_restriction_table(a) == [TurnRestriction("no", 5, 11, 12, "way", "no_left_turn")]
    assert read_restriction_table(b) == [TurnRestriction("no", 2, 1, 3, "node", "no_turn")]


def test_restriction_table_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        read_restriction_table(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="needs columns"):
        read_restriction_table(bad)
    bad.write_text("from_node,via_node,to_node,restriction\n1,2,3,maybe_left\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="line 2"):
        read_restriction_table(bad)


def test_graph_round_trip_and_modes() -> None:
    g = straight_road()
    assert not has_turn_data(g)
    assert resolve_turn_mode(None, g) is False  # auto, nothing on the graph
    assert resolve_turn_mode("on", g) is True
    with use_turns("on"):
        assert resolve_turn_mode(None, g) is True
        assert resolve_turn_mode("off", g) is False  # explicit wins
    add_restrictions(g, [TurnRestriction("no", 1, 0, 0, "node", "no_u_turn")])
    assert has_turn_data(g) and resolve_turn_mode(None, g) is True
    assert graph_restrictions(g)[0].tag == "no_u_turn"
    with pytest.raises(ValueError, match="turns must be"):
        resolve_turn_mode("maybe", g)
    g.graph["travel_model"] = "radius"
    assert resolve_turn_mode("on", g) is False
    g.graph["turn_profile"] = turn_profile_json(DEFAULT_TURNS)
    assert graph_turn_profile(g) == DEFAULT_TURNS
    g.graph["turn_restrictions"] = "{not json"
    with pytest.raises(DataFormatError, match="import the graph again"):
        graph_restrictions(g)
