"""Print scale for map pages: a round representative fraction, the view that shows it, and
the scale bar and north arrow drawn on the map axes.

A printed map at scale 1:N shows N metres of ground per metre of paper. For an axes
``w`` inches wide showing ``Δx`` CRS units of ``k`` metres each,

    N = Δx · k / (w · 0.0254).

:func:`round_ratio` picks the smallest round N (1, 1.5, 2, 2.5, 3, 4, 5 or 7.5 × 10^j)
that fits a region on the axes; :func:`fit_view` centres the view on the region at exactly
that N. The scale bar (:func:`draw_scale_bar`) is
:func:`~firecover.outputs.maps.nice_scale_length` metres long, drawn ``length_m / k`` CRS
units wide, so on paper it is ``length_m / N`` metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from pyproj import CRS

from firecover.outputs.maps import nice_scale_length

__all__ = [
    "INCH_M",
    "ScaleBar",
    "axes_size_in",
    "draw_north_arrow",
    "draw_scale_bar",
    "fit_view",
    "metres_per_unit",
    "ratio_text",
    "round_ratio",
    "view_ratio",
]

#: One inch in metres.
INCH_M = 0.0254
_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0)


@dataclass(frozen=True)
class ScaleBar:
    """A drawn scale bar.

    Attributes
    ----------
    length_m : float
        Ground length of the whole bar, metres.
    length_units : float
        The same in CRS units (the bar's width in data coordinates).
    ratio : float
        The map's representative fraction N of 1:N at the page's print size.
    label : str
        The text at the bar's right end (``"1 km"``).
    """

    length_m: float
    length_units: float
    ratio: float
    label: str


def metres_per_unit(crs: Any) -> float:
    """Metres in one unit of the first axis of ``crs`` (1 for metre CRSs, 0.3048 for feet)."""
    try:
        factor = CRS.from_user_input(crs).axis_info[0].unit_conversion_factor
    except (IndexError, AttributeError):
        return 1.0
    return float(factor) if factor else 1.0


def axes_size_in(ax: Axes) -> tuple[float, float]:
    """Width and height of ``ax`` on the page, inches."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    box = ax.get_position()
    w_in, h_in = fig.get_size_inches()
    return float(box.width * w_in), float(box.height * h_in)


def round_ratio(needed: float) -> float:
    """The smallest round scale denominator (1, 1.5, 2, 2.5, 3, 4, 5, 7.5 × 10^j) ≥ ``needed``."""
    if not math.isfinite(needed) or needed <= 0:
        raise ValueError(f"scale denominator must be positive and finite, got {needed!r}")
    exp = math.floor(math.log10(needed))
    for step in _STEPS:
        value = step * 10.0**exp
        if value >= needed * (1 - 1e-12):
            return value
    return 10.0 ** (exp + 1)  # pragma: no cover - the 10.0 step always matches


def fit_view(ax: Axes, bounds: tuple[float, float, float, float], mpu: float = 1.0) -> float:
    """Set ``ax``'s limits to show ``bounds`` (CRS units) centred at a round scale 1:N.

    Returns N. The view keeps the axes' aspect ratio, so x and y have the same scale.
    """
    w_in, h_in = axes_size_in(ax)
    minx, miny, maxx, maxy = bounds
    dx, dy = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
    needed = max(dx * mpu / (w_in * INCH_M), dy * mpu / (h_in * INCH_M))
    ratio = round_ratio(needed)
    half_w = ratio * w_in * INCH_M / mpu / 2.0
    half_h = ratio * h_in * INCH_M / mpu / 2.0
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal", adjustable="box")
    return ratio


def view_ratio(ax: Axes, mpu: float = 1.0) -> float:
    """The representative fraction N of ``ax`` as printed (ground metres per paper metre)."""
    w_in, _ = axes_size_in(ax)
    x0, x1 = ax.get_xlim()
    return abs(x1 - x0) * mpu / (w_in * INCH_M)


def ratio_text(ratio: float) -> str:
    """``"1:25 000"`` (thin groups of three digits, the Chinese map convention)."""
    return "1:" + f"{round(ratio):,}".replace(",", " ")


def draw_scale_bar(ax: Axes, mpu: float = 1.0, *, caption: str | None = None,
                   fontsize: float = 8.0) -> ScaleBar:  # fmt: skip
    """Draw a two-part scale bar in the lower left of ``ax`` and return what it shows.

    ``caption`` (e.g. ``"比例尺 1:25 000"``) is written above the bar.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width, height = x1 - x0, y1 - y0
    length_m = nice_scale_length(width * mpu)
    length = length_m / mpu
    left, bottom, h = x0 + 0.03 * width, y0 + 0.035 * height, 0.008 * height
    box_h = (0.085 if caption else 0.06) * height
    ax.add_patch(Rectangle((left - 0.012 * width, bottom - 0.03 * height),
                           length + 0.045 * width, box_h, facecolor="white", edgecolor="#9e9e9e",
                           linewidth=0.5, alpha=0.9, zorder=10))  # fmt: skip
    for i in range(4):
        ax.add_patch(Rectangle((left + i * length / 4, bottom), length / 4, h, zorder=11,
                               facecolor="black" if i % 2 == 0 else "white", edgecolor="black",
                               linewidth=0.6))  # fmt: skip
    unit, div = ("km", 1000.0) if length_m >= 1000 else ("m", 1.0)
    label = f"{length_m / div:g} {unit}"
    for frac in (0.0, 0.5, 1.0):
        text = label if frac == 1.0 else f"{length_m * frac / div:g}"
        ax.text(left + frac * length, bottom - 0.5 * h, text, ha="center", va="top",
                fontsize=fontsize, zorder=11)  # fmt: skip
    if caption:
        ax.text(left, bottom + 2.2 * h, caption, ha="left", va="bottom", fontsize=fontsize,
                zorder=11)  # fmt: skip
    return ScaleBar(length_m, length, view_ratio(ax, mpu), label)


def draw_north_arrow(ax: Axes, bold: str = "bold") -> None:
    """A north arrow in the upper right of ``ax`` (the CRS's grid north is up) with an "N"
    written as text (no path effects: it stays in the PDF's text layer)."""
    ax.annotate("", xy=(0.955, 0.95), xytext=(0.955, 0.87), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "lw": 1.8,
                            "color": "black"}, zorder=11)  # fmt: skip
    ax.text(0.955, 0.86, "N", transform=ax.transAxes, ha="center", va="top", fontsize=11,
            fontweight=bold, zorder=11,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.8,
                  "edgecolor": "none"})  # fmt: skip
