"""Labels of the PNG map (``firecover.outputs.map_labels``).

Oracle: the display-space bounding boxes of every label drawn on the map, compared pair by pair
(brute force, matplotlib's ``Bbox.overlaps``) on a crowded case: 40 stations with long Chinese
names and their districts' area labels in an 8 × 8 km district, where the labels as the map
wrote them before (at fixed offsets from their anchors) overlap.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import geopandas as gpd
import matplotlib
import numpy as np
import pytest
import shapely
from matplotlib.figure import Figure
from matplotlib.text import Text
from shapely.geometry import box

import firecover.outputs.fonts as fonts
import firecover.outputs.maps as maps
from firecover.outputs import CoverageLayers
from firecover.outputs.atlas_labels import label_boxes
from firecover.outputs.glossary import glossary
from firecover.outputs.map_labels import PRIORITY_FAILING, MapLabel, draw_map_labels

CRS = "EPSG:32650"
X0, Y0 = 617000.0, 4290000.0
N = 40


@pytest.fixture(autouse=True)
def _cjk_font() -> Iterator[None]:
    with matplotlib.rc_context({"font.family": fonts.font_families()}):
        yield


def _crowded() -> CoverageLayers:
    rng = np.random.default_rng(3)
    xy = np.column_stack([X0 + rng.uniform(500, 7500, N), Y0 + rng.uniform(500, 7500, N)])
    names = [f"第{i}号路消防救援站" for i in range(N)]
    stations = gpd.GeoDataFrame(
        {"name": names, "class_key": ["standard_2"] * N, "class_zh": ["二级普通消防站"] * N,
         "status": ["existing"] * N, "year": [2010] * N, "snap_m": [0.0] * N},
        geometry=shapely.points(xy), crs=CRS,
    )  # fmt: skip
    frame = box(X0, Y0, X0 + 8000, Y0 + 8000)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame))
    cells = [c.intersection(frame) for c in cells]
    owner = [int(np.flatnonzero(shapely.contains_xy(c, xy[:, 0], xy[:, 1]))[0]) for c in cells]
    jur = gpd.GeoDataFrame(
        {"station": [names[k] for k in owner], "area_km2": [c.area / 1e6 for c in cells],
         "compliant": [k % 5 != 0 for k in owner], "class_key": "standard_2", "limit_km2": 7.0,
         "max_arrival_min": 4.0, "reached_share": 1.0, "reasons": ""},
        geometry=cells, crs=CRS,
    )  # fmt: skip
    return CoverageLayers(stations=stations, jurisdictions=jur,
                          boundary=gpd.GeoSeries([frame], crs=CRS),
                          meta={"title": "Crowded", "title_zh": "拥挤区"})  # fmt: skip


def _label_texts(fig: Figure, layers: CoverageLayers) -> list[Text]:
    names = set(layers.stations["name"])
    ax = fig.axes[0]
    return [t for t in ax.texts if t.get_text() in names or "km²" in t.get_text()]


def _overlaps(texts: list[Text], renderer: object) -> set[tuple[int, int]]:
    shown = [t for t in texts if t.get_visible()]
    boxes = label_boxes(shown, renderer, pad=0.0)
    return {(i, j) for i, j in itertools.combinations(range(len(shown)), 2)
            if boxes[i].overlaps(boxes[j])}  # fmt: skip


def test_crowded_map_labels_do_not_overlap_and_failing_ones_stay() -> None:
    layers = _crowded()
    fig = maps._draw(layers, "拥挤区", {"stations", "jurisdictions"}, glossary("zh"))
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = _label_texts(fig, layers)
    assert len(texts) == 2 * N  # every station name and every district label was drawn
    assert _overlaps(texts, r) == set()
    failing = [t for t in texts if "\n" in t.get_text()]  # area + "不达标" (non-compliant)
    assert len(failing) == N // 5
    assert all(t.get_visible() for t in failing)
    shown = sum(t.get_visible() for t in texts)
    print(f"{shown} of {len(texts)} labels shown")
    assert shown >= 0.5 * len(texts)


def test_crowded_case_overlaps_without_placement() -> None:
    """The case is a real test: the labels at their old fixed offsets collide."""
    layers = _crowded()
    fig = maps._draw(layers, "拥挤区", {"stations", "jurisdictions"}, glossary("zh"))
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    st = layers.stations
    raw = [ax.annotate(n, (p.x, p.y), xytext=(0, 8), textcoords="offset points", ha="center",
                       va="bottom", fontsize=8.5)
           for n, p in zip(st["name"], st.geometry, strict=True)]  # fmt: skip
    assert len(_overlaps(list(raw), r)) >= 5


def test_lone_label_stays_where_the_map_put_it() -> None:
    fig = Figure(figsize=(6, 6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    placed = draw_map_labels(ax, [MapLabel(500, 500, "站", dy_pt=8.0,
                                           priority=PRIORITY_FAILING)])  # fmt: skip
    (t,) = placed.texts
    x, y = t.get_position()
    # a single label is not moved: centred 8 pt + half its line above the anchor
    expect = 500 + (8.0 + 0.5 * 1.2 * 8.5) * fig.dpi / 72.0 * (1000 / ax.bbox.height)
    assert x == pytest.approx(500)
    assert y == pytest.approx(expect, rel=1e-6)
    assert t.get_visible() and placed.hidden == 0


def test_labels_that_do_not_collide_are_not_moved() -> None:
    fig = Figure(figsize=(6, 6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    labels = [MapLabel(200, 200, "文化路消防救援站", dy_pt=8.0),
              MapLabel(800, 800, "兴业路消防救援站", dy_pt=8.0),
              MapLabel(200, 200, "1.2 km²", dy_pt=-11.0)]  # fmt: skip
    placed = draw_map_labels(ax, labels, avoid=([200, 800], [200, 800]))
    per_pt = fig.dpi / 72.0 * (1000 / ax.bbox.height)
    for t, lab in zip(placed.texts, labels, strict=True):
        half = 0.5 * 1.2 * lab.size
        dy = lab.dy_pt + half if lab.dy_pt > 0 else lab.dy_pt - half
        assert t.get_position() == pytest.approx((lab.x, lab.y + dy * per_pt))
    assert placed.hidden == 0
