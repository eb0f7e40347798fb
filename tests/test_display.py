"""Tests for firecover._display: a shown figure is always on its verdict's side of the limit."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from firecover._display import SHARE_TOL, TOL, at_most, figure, pct, share_floor

values = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)
limits = st.one_of(
    st.sampled_from([2.0, 4.0, 5.0, 7.0, 15.0, 0.01]),
    st.integers(1, 10**8).map(lambda k: k / 10_000),  # limits as written: up to 4 decimals
)


def near(limit: float) -> st.SearchStrategy[float]:
    """Values at and around the limit, where a careless rounding contradicts the verdict."""
    return st.floats(-0.02, 0.02).map(lambda e: max(0.0, limit + e)) | st.just(limit)


@given(st.data(), limits)
def test_at_most_is_on_the_verdicts_side(data: st.DataObject, limit: float) -> None:
    x = data.draw(values | near(limit))
    shown = float(at_most(x, limit))
    fails = x > limit + TOL
    assert (shown > limit) == fails, (x, limit, shown)
    # never more than one display step away from the value on the verdict's side
    assert abs(shown - x) <= 0.01 + 1e-9 or shown == limit


@given(
    st.floats(0, 1, allow_nan=False),
    st.one_of(st.just(1.0), st.integers(1, 10_000).map(lambda k: k / 10_000)),
)
def test_pct_is_on_the_verdicts_side(share: float, threshold: float) -> None:
    text = pct(share, threshold)
    shown = float(text.rstrip("%")) / 100.0
    passes = share >= threshold - SHARE_TOL
    assert (shown >= threshold - 1e-12) == passes, (share, threshold, text)
    assert math.isclose(share_floor(share, threshold), shown, abs_tol=1e-12)


def test_issue_examples() -> None:
    assert pct(0.996) == "99%"  # never "100%" for 99.6 %
    assert pct(1.0) == "100%"
    assert at_most(5.003, 5) == "5.01"  # never "5.0 min 超过 5 min"
    assert at_most(5.0, 5) == "5"
    assert at_most(4.996, 5) == "4.99"
    assert at_most(7.004, 7) == "7.01"
    assert figure(10.0849) == "10.08" and figure(float("inf")) == "∞" and figure(math.nan) == "—"
