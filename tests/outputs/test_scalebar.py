"""The print scale of atlas pages (``firecover.outputs.scalebar``).

Oracle: the hand computation of a printed scale — an axes ``w`` inches wide showing ``Δx``
CRS units of ``k`` metres each is at 1:N with N = Δx·k / (w·0.0254), and a bar of L metres is
L/k units wide and L/N metres on paper — with the unit factor read off the CRS by hand
(1 for UTM, 1200/3937 for US survey feet).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from firecover.outputs.scalebar import (
    draw_scale_bar,
    fit_view,
    metres_per_unit,
    ratio_text,
    round_ratio,
    view_ratio,
)

US_FOOT_M = 1200 / 3937  # the US survey foot, by definition


def _axes(w_in: float = 10.0, h_in: float = 8.0) -> tuple[Figure, object]:
    fig = Figure(figsize=(w_in + 2, h_in + 2))
    ax = fig.add_axes((1 / (w_in + 2), 1 / (h_in + 2), w_in / (w_in + 2), h_in / (h_in + 2)))
    return fig, ax


def _bar_units(ax: object) -> float:
    """Total width of the black/white bar segments (zorder 11 rectangles), data units."""
    parts = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 11]  # type: ignore[attr-defined]
    assert len(parts) == 4
    return sum(p.get_width() for p in parts)


def test_metres_per_unit_from_the_crs() -> None:
    assert metres_per_unit("EPSG:32650") == 1.0
    assert metres_per_unit("EPSG:2229") == pytest.approx(US_FOOT_M, rel=1e-9)  # CA zone 5, ftUS


@pytest.mark.parametrize(("needed", "expected"), [(12_000, 15_000), (15_000, 15_000),
                                                  (9_999, 10_000), (76_000, 100_000),
                                                  (2_100, 2_500), (31_000, 40_000)])  # fmt: skip
def test_round_ratio(needed: float, expected: float) -> None:
    assert round_ratio(needed) == pytest.approx(expected)


@given(st.floats(min_value=1.0, max_value=1e8, allow_nan=False))
def test_round_ratio_is_the_next_round_value(needed: float) -> None:
    r = round_ratio(needed)
    assert needed * (1 - 1e-12) <= r <= 1.5 * needed
    mantissa = r / 10 ** math.floor(math.log10(r) + 1e-12)
    assert any(math.isclose(mantissa, m) for m in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10))


def test_round_ratio_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        round_ratio(0.0)


def test_ratio_text() -> None:
    assert ratio_text(25_000) == "1:25 000"
    assert ratio_text(1_500_000.0) == "1:1 500 000"


def test_fit_view_in_metres_by_hand() -> None:
    _, ax = _axes(10.0, 8.0)
    # 3 km × 2 km region on 10 × 8 inches: needs 3000 / 0.254 = 11 811 → 1:15 000
    ratio = fit_view(ax, (500_000.0, 4_000_000.0, 503_000.0, 4_002_000.0), 1.0)  # type: ignore[arg-type]
    assert ratio == 15_000
    x0, x1 = ax.get_xlim()  # type: ignore[attr-defined]
    y0, y1 = ax.get_ylim()  # type: ignore[attr-defined]
    assert x1 - x0 == pytest.approx(15_000 * 10 * 0.0254)  # 3810 m across 10 inches
    assert y1 - y0 == pytest.approx(15_000 * 8 * 0.0254)
    assert (x0 + x1) / 2 == pytest.approx(501_500.0) and (y0 + y1) / 2 == pytest.approx(4_001_000)
    assert view_ratio(ax, 1.0) == pytest.approx(15_000)  # type: ignore[arg-type]


def test_scale_bar_length_in_metres_by_hand() -> None:
    fig, ax = _axes(10.0, 8.0)
    fit_view(ax, (0.0, 0.0, 3000.0, 2000.0), 1.0)  # type: ignore[arg-type]
    bar = draw_scale_bar(ax, 1.0, caption="比例尺 1:15 000")  # type: ignore[arg-type]
    # view 3810 m wide: a fifth is 762 m → the round length below it is 500 m
    assert bar.length_m == 500.0 and bar.label == "500 m"
    assert _bar_units(ax) == pytest.approx(500.0)
    # on paper: 500 m / 15 000 = 33.3 mm; measured through the axes transform
    (px0, _), (px1, _) = ax.transData.transform([(0.0, 0.0), (bar.length_units, 0.0)])  # type: ignore[attr-defined]
    paper_m = (px1 - px0) / fig.dpi * 0.0254
    assert paper_m == pytest.approx(500.0 / 15_000, rel=1e-9)
    texts = [t.get_text() for t in ax.texts]  # type: ignore[attr-defined]
    assert "500 m" in texts and "比例尺 1:15 000" in texts and "0" in texts


def test_scale_bar_in_us_feet_by_hand() -> None:
    fig, ax = _axes(10.0, 8.0)
    # 20 000 ft × 10 000 ft = 6096 m × 3048 m
    ratio = fit_view(ax, (0.0, 0.0, 20_000.0, 10_000.0), US_FOOT_M)  # type: ignore[arg-type]
    assert ratio == round_ratio(20_000 * US_FOOT_M / 0.254)  # 24 000 → 1:25 000
    assert ratio == 25_000
    bar = draw_scale_bar(ax, US_FOOT_M)  # type: ignore[arg-type]
    # view 6350 m wide: a fifth is 1270 m → 1 km; 1000 m = 3280.83 ft
    assert bar.length_m == 1000.0 and bar.label == "1 km"
    assert _bar_units(ax) == pytest.approx(1000.0 / US_FOOT_M)
    assert bar.length_units == pytest.approx(3280.8333, rel=1e-6)
    (px0, _), (px1, _) = ax.transData.transform([(0.0, 0.0), (bar.length_units, 0.0)])  # type: ignore[attr-defined]
    assert (px1 - px0) / fig.dpi * 0.0254 == pytest.approx(1000.0 / 25_000, rel=1e-9)
    assert bar.ratio == pytest.approx(25_000)
