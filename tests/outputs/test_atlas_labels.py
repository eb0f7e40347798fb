"""Label placement of the atlas (``firecover.outputs.atlas_labels``).

Oracle: bounding boxes of the drawn labels in display coordinates compared pair by pair
(brute force, matplotlib's own ``Bbox.overlaps``) on a crowded case where the labels as
written at their anchors overlap.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import firecover.outputs.fonts as fonts
from firecover.outputs.atlas_labels import label_boxes, overlapping_pairs, place_labels

NAMES = [f"第{i}号消防救援站" for i in range(24)]


@pytest.fixture(autouse=True)
def _cjk_font() -> Iterator[None]:
    with matplotlib.rc_context({"font.family": fonts.font_families()}):
        yield


def _crowd(seed: int = 0) -> tuple[Figure, object, np.ndarray, np.ndarray]:
    fig = Figure(figsize=(8, 6))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
    ax.set_xlim(0, 10_000)
    ax.set_ylim(0, 7_500)
    rng = np.random.default_rng(seed)
    # 24 stations in a 2.5 × 2 km patch of a 10 × 7.5 km map: their names collide
    xs = 4_000 + rng.uniform(0, 2_500, len(NAMES))
    ys = 3_000 + rng.uniform(0, 2_000, len(NAMES))
    return fig, ax, xs, ys


def _brute_force_overlaps(texts: list, renderer: object) -> set[tuple[int, int]]:
    boxes = label_boxes(texts, renderer, pad=0.0)
    shown = [i for i, t in enumerate(texts) if t.get_visible()]
    return {(i, j) for i, j in itertools.combinations(shown, 2) if boxes[i].overlaps(boxes[j])}


def test_written_at_their_anchors_they_overlap() -> None:
    fig, ax, xs, ys = _crowd()
    texts = [ax.text(x, y, s, ha="center", va="center", fontsize=9)  # type: ignore[attr-defined]
             for x, y, s in zip(xs, ys, NAMES, strict=True)]  # fmt: skip
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    pairs = overlapping_pairs(texts, r)
    assert len(pairs) >= 10  # the case is crowded
    assert set(pairs) == _brute_force_overlaps(texts, r)  # the vectorised check agrees


def test_placed_labels_do_not_overlap() -> None:
    fig, ax, xs, ys = _crowd()
    prio = [1.0] * len(NAMES)
    prio[7] = 5.0
    placed = place_labels(ax, xs, ys, NAMES, priority=prio, marker_pt=5.0, offset_pt=10.0,  # type: ignore[arg-type]
                          fontsize=9, time_lim=3.0)  # fmt: skip
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert _brute_force_overlaps(placed.texts, r) == set()
    assert overlapping_pairs(placed.texts, r) == []
    shown = [t for t in placed.texts if t.get_visible()]
    assert len(shown) + placed.hidden == len(NAMES)
    print(f"{placed.hidden} of {len(NAMES)} hidden")
    assert len(shown) >= 0.75 * len(NAMES)  # adjustText made room; hiding is the exception
    assert placed.texts[7].get_visible()  # the page's own station is never the one dropped
    axes_box = ax.get_window_extent(r)  # type: ignore[attr-defined]
    for box in label_boxes(shown, r, pad=0.0):  # kept inside the map
        assert axes_box.x0 - 1 <= box.x0 and box.x1 <= axes_box.x1 + 1
        assert axes_box.y0 - 1 <= box.y0 and box.y1 <= axes_box.y1 + 1


def test_labels_that_left_their_anchor_get_a_leader_line() -> None:
    fig, ax, xs, ys = _crowd(1)
    before = len(ax.patches)  # type: ignore[attr-defined]
    placed = place_labels(ax, xs, ys, NAMES, fontsize=9, time_lim=2.0)  # type: ignore[arg-type]
    anchors = ax.transData.transform(np.column_stack([xs, ys]))  # type: ignore[attr-defined]
    moved = sum(1 for t, a in zip(placed.texts, anchors, strict=True) if t.get_visible()
                and np.hypot(*(ax.transData.transform(t.get_position()) - a))  # type: ignore[attr-defined]
                * 72 / fig.dpi >= 6.0)  # fmt: skip
    assert moved > 0
    assert len(ax.patches) - before == moved  # type: ignore[attr-defined]


def test_nothing_to_place() -> None:
    _, ax, _, _ = _crowd()
    assert place_labels(ax, [], [], []).texts == []  # type: ignore[arg-type]
