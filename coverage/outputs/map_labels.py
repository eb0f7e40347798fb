"""Labels of the PNG map (station names, district areas) placed together so none overlap.

The layer code (:mod:`firecover.outputs.map_layers`) does not write its labels; it queues a
:class:`MapLabel` per label on the legend, and :func:`draw_map_labels` places all of them at
once with the atlas' routine :func:`firecover.outputs.atlas_labels.place_labels` (adjustText,
then a display-space pairwise check that hides, of each pair still overlapping, the label of
lower priority). Priorities: a non-compliant district's label first, then station names, then
the other district labels, so a failing station's verdict is the last label to go. Each label
starts where the map drew it before (a station name just above its marker, a district's area
just below its station), and where no two labels overlap there, none is moved, so such a map
looks as it did.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes

from firecover.outputs.atlas_labels import Placement, place_labels

__all__ = ["PRIORITY_FAILING", "PRIORITY_OTHER", "PRIORITY_STATION", "MapLabel", "draw_map_labels"]

logger = logging.getLogger(__name__)

#: Priority of a non-compliant district's label (kept first).
PRIORITY_FAILING = 3.0
#: Priority of a station name.
PRIORITY_STATION = 2.0
#: Priority of any other label (a compliant district's area).
PRIORITY_OTHER = 1.0
_LINE = 1.2  # line height in font sizes


@dataclass(frozen=True)
class MapLabel:
    """One queued label.

    Attributes
    ----------
    x, y : float
        Anchor in data coordinates (a station, a district's visual centre).
    text : str
        The label (may hold a line break).
    dy_pt : float
        Where the label's near edge sits, in points above (+) or below (-) the anchor;
        0 centres the label on the anchor.
    priority : float
        Higher wins when two labels cannot both be shown.
    size : float
        Font size in points.
    colour : str
        Text colour.
    weight : str
        Font weight.
    """

    x: float
    y: float
    text: str
    dy_pt: float = 0.0
    priority: float = PRIORITY_OTHER
    size: float = 8.5
    colour: str = "#212121"
    weight: str = "normal"


def _centre_offset_pt(label: MapLabel) -> float:
    """Offset in points of the label's centre from its anchor (``va="center"`` placement)."""
    if not label.dy_pt:
        return 0.0
    half = 0.5 * _LINE * label.size * (label.text.count("\n") + 1)
    return label.dy_pt + half if label.dy_pt > 0 else label.dy_pt - half


def draw_map_labels(
    ax: Axes,
    labels: Sequence[MapLabel],
    *,
    avoid: tuple[Sequence[float], Sequence[float]] | None = None,
    **text_kw: Any,
) -> Placement:
    """Place ``labels`` on ``ax`` so that no two shown labels overlap.

    Parameters
    ----------
    ax : Axes
        The map axes; its limits are made final (aspect applied) before placement.
    labels : sequence of MapLabel
        The queued labels.
    avoid : (xs, ys), optional
        Marker positions labels keep clear of (the stations).
    **text_kw
        Passed to every label's :meth:`Axes.text` (``path_effects``, ``zorder``, …).

    Returns
    -------
    Placement
        The texts (hidden ones invisible) and how many were hidden.
    """
    if not labels:
        return Placement([], 0)
    ax.apply_aspect()
    fig = ax.get_figure()
    dpi = fig.dpi if fig is not None else 72.0
    inv = ax.transData.inverted()
    base = inv.transform((0.0, 0.0))[1]
    per_pt = float(inv.transform((0.0, dpi / 72.0))[1] - base)
    ys = [lab.y + _centre_offset_pt(lab) * per_pt for lab in labels]
    placed = place_labels(
        ax, [lab.x for lab in labels], ys, [lab.text for lab in labels],
        priority=[lab.priority for lab in labels], sizes=[lab.size for lab in labels],
        weights=[lab.weight for lab in labels], avoid=avoid, keep_if_clear=True, **text_kw,
    )  # fmt: skip
    for t, lab in zip(placed.texts, labels, strict=True):
        t.set_color(lab.colour)
    if placed.hidden:
        logger.info("%d of %d map labels hidden: no room at this scale", placed.hidden,
                    len(labels))  # fmt: skip
    return placed
