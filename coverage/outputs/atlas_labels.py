"""Map labels that do not overlap: placed with adjustText, then checked in display space.

:func:`place_labels` writes each label at its anchor point and lets ``adjustText``
(https://github.com/Phlya/adjustText, MIT; a force-directed layout: labels repel each other
and the anchor points, are pulled back to their anchors and kept inside the axes) move them
apart, drawing a leader line where a label left its anchor. adjustText minimises overlaps but
does not promise none, so :func:`overlapping_pairs` measures every pair of label bounding boxes
in display coordinates (points on the page) and :func:`place_labels` hides, of each pair that
still overlaps, the label of lower priority (a neighbouring station before the page's own).
What is shown therefore never overlaps; what was hidden is counted in the result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from adjustText import adjust_text
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["Placement", "label_boxes", "overlapping_pairs", "place_labels"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """The labels of one map after placement.

    Attributes
    ----------
    texts : list of Text
        Every label, in the order given (hidden ones have ``get_visible() is False``).
    hidden : int
        Labels hidden because they still overlapped a label of higher priority.
    """

    texts: list[Text]
    hidden: int


def _renderer(ax: Axes) -> Any:
    fig = ax.get_figure()
    assert fig is not None
    if not isinstance(fig.canvas, FigureCanvasAgg):  # a bare Figure() has no renderer
        FigureCanvasAgg(fig)  # type: ignore[arg-type]
    return cast(FigureCanvasAgg, fig.canvas).get_renderer()


def _leaders(ax: Axes, texts: Sequence[Text], xs: Sequence[float], ys: Sequence[float],
             colour: str, min_pt: float = 6.0) -> None:  # fmt: skip
    """A thin line from each shown label that left its anchor back to the anchor."""
    to_px = ax.transData.transform
    fig = ax.get_figure()
    scale = 72.0 / (fig.dpi if fig is not None else 72.0)
    for t, x, y in zip(texts, xs, ys, strict=True):
        if not t.get_visible():
            continue
        tx, ty = t.get_position()
        (ax_, ay_), (bx, by) = to_px((tx, ty)), to_px((x, y))
        if np.hypot(ax_ - bx, ay_ - by) * scale < min_pt:
            continue
        line = FancyArrowPatch(posA=(tx, ty), posB=(x, y), patchA=t.get_bbox_patch(),
                               arrowstyle="-", color=colour, lw=0.5, shrinkA=1, shrinkB=3,
                               zorder=t.get_zorder() - 0.1)  # fmt: skip
        ax.add_patch(line)


def _marker_boxes(ax: Axes, xs: Sequence[float], ys: Sequence[float],
                  half_pt: float) -> list[Bbox] | None:  # fmt: skip
    """Display-space boxes of the markers at ``(xs, ys)`` (``None`` without a size)."""
    if half_pt <= 0 or not len(xs):
        return None
    fig = ax.get_figure()
    half = half_pt * (fig.dpi if fig is not None else 72.0) / 72.0
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    return [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in pts]


def label_boxes(texts: Sequence[Text], renderer: Any, pad: float = 1.0) -> list[Bbox]:
    """Display-space bounding boxes of ``texts`` grown by ``pad`` points on each side."""
    boxes = []
    for t in texts:
        box = t.get_window_extent(renderer=renderer)
        fig = t.get_figure()
        px = pad * (fig.dpi / 72.0 if fig is not None else 1.0)
        boxes.append(Bbox.from_extents(box.x0 - px, box.y0 - px, box.x1 + px, box.y1 + px))
    return boxes


def overlapping_pairs(texts: Sequence[Text], renderer: Any,
                      pad: float = 0.0) -> list[tuple[int, int]]:  # fmt: skip
    """Index pairs ``(i, j)``, ``i < j``, of visible labels whose boxes overlap (display space)."""
    shown = [i for i, t in enumerate(texts) if t.get_visible()]
    boxes = label_boxes([texts[i] for i in shown], renderer, pad)
    if not boxes:
        return []
    ext = np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes])
    pairs: list[tuple[int, int]] = []
    for a in range(len(shown)):
        hit = ((ext[a + 1 :, 0] < ext[a, 2]) & (ext[a + 1 :, 2] > ext[a, 0])
               & (ext[a + 1 :, 1] < ext[a, 3]) & (ext[a + 1 :, 3] > ext[a, 1]))  # fmt: skip
        pairs.extend((shown[a], shown[a + 1 + int(b)]) for b in np.flatnonzero(hit))
    return pairs


def place_labels(
    ax: Axes,
    xs: Sequence[float],
    ys: Sequence[float],
    labels: Sequence[str],
    *,
    priority: Sequence[float] | None = None,
    sizes: Sequence[float] | None = None,
    weights: Sequence[str] | None = None,
    avoid: tuple[Sequence[float], Sequence[float]] | None = None,
    marker_pt: float = 0.0,
    offset_pt: float = 0.0,
    colour: str = "#212121",
    time_lim: float = 1.0,
    keep_if_clear: bool = False,
    **text_kw: Any,
) -> Placement:
    """Write ``labels`` at ``(xs, ys)`` (data coordinates) and move them apart.

    Parameters
    ----------
    ax : Axes
        Its limits must be final (labels are kept inside them).
    xs, ys, labels : sequences
        Anchor points and texts.
    priority : sequence of float, optional
        Higher wins when two labels still overlap after adjustText (default: earlier wins).
    sizes : sequence of float, optional
        Font size of each label in points (default ``text_kw["fontsize"]`` or 8.5).
    weights : sequence of str, optional
        Font weight of each label (default ``text_kw["fontweight"]``).
    avoid : (xs, ys), optional
        Further points labels keep clear of (other markers); the anchors are always avoided.
    marker_pt : float
        Half-size in points of the marker at each anchor and ``avoid`` point; labels keep
        clear of these boxes.
    offset_pt : float
        Labels start this many points above their anchors.
    colour : str
        Text and leader-line colour.
    time_lim : float
        Seconds adjustText may iterate at most.
    keep_if_clear : bool
        Leave every label where it was written when no two of them overlap there (the PNG
        map keeps its look where nothing collides); adjustText runs only otherwise.
    **text_kw
        Passed to :meth:`Axes.text` (``fontsize``, ``fontweight``, ``path_effects``, …).
    """
    n = len(labels)
    if n == 0:
        return Placement([], 0)
    size = text_kw.pop("fontsize", 8.5)
    fs = list(sizes) if sizes is not None else [size] * n
    if weights is not None:
        text_kw.pop("fontweight", None)
    fig = ax.get_figure()
    assert fig is not None
    lift = 0.0
    if offset_pt:
        inv = ax.transData.inverted()
        y0 = inv.transform((0.0, 0.0))[1]
        lift = float(inv.transform((0.0, offset_pt * fig.dpi / 72.0))[1] - y0)
    texts = [ax.text(float(x), float(y) + lift, str(s), ha="center", va="center", color=colour,
                     fontsize=f, **text_kw)
             for x, y, s, f in zip(xs, ys, labels, fs, strict=True)]  # fmt: skip
    for t, w in zip(texts, weights or (), strict=False):
        t.set_fontweight(w)
    px, py = list(map(float, xs)), list(map(float, ys))
    if avoid is not None:
        px += list(map(float, avoid[0]))
        py += list(map(float, avoid[1]))
    clear = keep_if_clear and not overlapping_pairs(texts, _renderer(ax), pad=1.0)
    if not clear and (n > 1 or avoid is not None or marker_pt):
        adjust_text(texts, x=px, y=py, objects=_marker_boxes(ax, px, py, marker_pt), ax=ax,
                    time_lim=time_lim, expand=(1.15, 1.35), ensure_inside_axes=True)  # fmt: skip
    rank = list(priority) if priority is not None else [-float(i) for i in range(n)]
    order = sorted(range(n), key=lambda i: -rank[i])
    renderer = _renderer(ax)
    boxes = label_boxes(texts, renderer)
    kept: list[int] = []
    hidden = 0
    for i in order:
        b = boxes[i]
        if any(b.overlaps(boxes[k]) for k in kept):
            texts[i].set_visible(False)
            hidden += 1
        else:
            kept.append(i)
    _leaders(ax, texts, px[:n], py[:n], colour)
    if hidden:
        logger.debug("%d of %d labels hidden: no room left after placement", hidden, n)
    return Placement(texts, hidden)
