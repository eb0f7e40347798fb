"""firecover.network.travel_scope: the run's travel choice captured, shipped and re-entered.

Oracle: the context variables themselves (``current_travel``, ``current_turn_mode``) read inside
and outside the block, and a fresh thread (which starts with an empty context).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from firecover._errors import DataFormatError
from firecover.network.periods import current_travel, use_travel
from firecover.network.travel_scope import TravelScope
from firecover.network.turns import current_turn_mode, use_turns


def _in_thread(fn):  # type: ignore[no-untyped-def]
    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_current_captures_context_and_explicit_wins() -> None:
    assert TravelScope.current() == TravelScope()
    with use_travel(speeds="china_urban", period="am_peak"), use_turns("off"):
        assert TravelScope.current() == TravelScope("china_urban", "am_peak", "off")
        assert TravelScope.current(period="night", turns="on") == TravelScope(
            "china_urban", "night", "on"
        )
    assert TravelScope.current() == TravelScope()


def test_a_thread_does_not_inherit_but_applied_restores_it() -> None:
    with use_travel(period="am_peak"), use_turns("off"):
        scope = TravelScope.current()
        assert _in_thread(lambda: current_travel().period) is None  # why the scope exists

        def inside() -> tuple[str | None, str | None]:
            with scope.applied():
                return current_travel().period, current_turn_mode()

        assert _in_thread(inside) == ("am_peak", "off")
    with TravelScope(period="pm_peak").applied():
        assert current_travel().period == "pm_peak" and current_turn_mode() is None
    assert current_travel().period is None


def test_as_dict_round_trip_and_speeds_file_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    scope = TravelScope("mine.toml", "am_peak", "auto")
    assert scope.speeds == str((tmp_path / "mine.toml").resolve())
    assert TravelScope(**scope.as_dict()) == scope
    assert TravelScope("china_urban").speeds == "china_urban"  # a bundled name stays a name


def test_bad_values_are_refused() -> None:
    with pytest.raises(DataFormatError, match="not a turn mode"):
        TravelScope(turns="sometimes")
    with pytest.raises(DataFormatError, match="period"), TravelScope(period="AM peak").applied():
        pass
