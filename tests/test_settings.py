"""Settings: documented defaults, overrides win, unknown names rejected."""

from __future__ import annotations

import pytest

from firecover.settings import DEFAULTS, Settings, resolve


def test_budget_defaults_follow_the_standard() -> None:
    assert DEFAULTS.turnout_min == 1.0
    assert DEFAULTS.driving_min == 4.0
    assert DEFAULTS.response_min == 5.0


def test_overrides_win_and_none_keeps_default() -> None:
    s = DEFAULTS.with_overrides(driving_min=6.0, turnout_min=None)
    assert s.driving_min == 6.0 and s.turnout_min == 1.0
    assert DEFAULTS.driving_min == 4.0  # frozen, untouched


def test_unknown_override_rejected() -> None:
    with pytest.raises(TypeError, match="no_such"):
        DEFAULTS.with_overrides(no_such=1)


def test_resolve() -> None:
    assert resolve(None, "snap_max_m") == 500.0
    assert resolve(12.0, "snap_max_m") == 12.0


def test_every_field_documented() -> None:
    doc = Settings.__doc__ or ""
    for name in Settings.__dataclass_fields__:
        assert f"{name} :" in doc, name
