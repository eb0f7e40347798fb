"""The printable atlas (``firecover.outputs.atlas``, its pages ``atlas_page`` and their title
block ``atlas_block``).

Oracles: the layers themselves (one page per jurisdictions row, every station name), the A3
paper size in PostScript points (420 × 297 mm = 1190.55 × 841.89 pt) as poppler reads the
file (``pdfinfo``, ``pdftotext``, ``pdffonts``: an independent PDF reader), and the scale
that the page must show by hand (the view holds its district, at a round 1:N).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pytest

import firecover.outputs.fonts as fonts
from firecover._errors import OutputError
from firecover.outputs.atlas import atlas_pages, render_atlas
from firecover.outputs.atlas_block import AtlasContext, _district_rows
from firecover.outputs.atlas_page import A3_LANDSCAPE_IN, district_page
from firecover.outputs.glossary import glossary
from firecover.outputs.scalebar import ratio_text, round_ratio, view_ratio
from tests.layer_data import NAMES, make_layers

ROOT = Path(__file__).resolve().parents[2]
A3_PT = (420 / 25.4 * 72, 297 / 25.4 * 72)
poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) not installed",
)


def _info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    lines = (ln.partition(":") for ln in out.stdout.splitlines())
    return {k.strip(): v.strip() for k, _, v in lines}


def _page_text(pdf: Path, n: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


def _raw_text(pdf: Path, n: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


def check_atlas(pdf: Path, stations: list[str], districts: int) -> None:
    """What every atlas must hold (shared with the plan's slow test)."""
    info = _info(pdf)
    assert int(info["Pages"]) == 1 + districts
    w, h = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (w, h) == pytest.approx(A3_PT, abs=0.5)
    assert "A3" in info["Page size"]
    text = "\n".join(_page_text(pdf, n) for n in range(1, districts + 2))
    for name in stations:
        assert name in text.replace(" ", ""), name
    for n in range(1, districts + 2):
        page = _page_text(pdf, n)
        assert re.search(r"(比例尺|Scale) 1:[\d ]+", page), f"no scale on page {n}"
        assert re.search(r"\d+(\.\d+)? (k?m)\b", page), f"no scale-bar length on page {n}"
        assert re.search(r"^\s*N\s*$", _raw_text(pdf, n), re.M), f"no north arrow on page {n}"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows), fonts  # every font embedded (and subset)


def test_page_count_and_size_constants() -> None:
    layers = make_layers()
    assert atlas_pages(layers) == 1 + len(layers.jurisdictions) == 3
    assert pytest.approx((16.535, 11.693), abs=1e-3) == A3_LANDSCAPE_IN


def test_title_block_rows_in_one_language() -> None:
    layers = make_layers()
    ctx = AtlasContext(
        layers,
        glossary("zh"),
        "bold",
        "测试规划",
        3,
        {NAMES[1]: ["边缘到达 8.7 分钟 > 5 分钟 / slowest 8.7 min > 5 min"]},
    )
    row = layers.jurisdictions.iloc[1]
    rows = dict(_district_rows(ctx, row, layers.stations.iloc[1]))
    assert rows["消防站"] == NAMES[1]
    assert rows["结论"] == "不达标"
    assert rows["原因"] == "边缘到达 8.7 分钟 > 5 分钟"  # the Chinese half only
    assert rows["辖区面积 / 限值"] == "2 / 7 km²"
    assert rows["最远到达"] == "8.7 分钟"
    assert rows["规划方案"] == "测试规划" and rows["规划范围"] == "测试区"
    ok = dict(_district_rows(ctx, layers.jurisdictions.iloc[0], layers.stations.iloc[0]))
    assert ok["结论"] == "达标" and "原因" not in ok
    assert ok["状态"] == "现有（2008年）"
    en = dict(_district_rows(AtlasContext(layers, glossary("en"), "bold", "p", 3), row, None))
    assert en["Result"] == "FAIL" and "Station" in en


@poppler
def test_render_atlas_of_hand_layers(tmp_path: Path) -> None:
    layers = make_layers()
    pdf = render_atlas(layers, tmp_path / "atlas.pdf", plan="测试规划", lang="zh")
    check_atlas(pdf, list(NAMES), len(layers.jurisdictions))
    first, district = _page_text(pdf, 1), _page_text(pdf, 3)
    assert "消防站辖区图集" in first and "图页索引" in first
    assert f"{NAMES[1]}辖区" in district.replace(" ", "")  # page 3: the second district
    assert "第3页/共3页" in district.replace(" ", "")


def test_atlas_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    given = tmp_path / "stations.pdf"
    given.write_bytes(b"%PDF-1.4 user data")
    with pytest.raises(OutputError):
        render_atlas(make_layers(), given, inputs=[given])
    assert given.read_bytes() == b"%PDF-1.4 user data"


def test_district_page_shows_its_district_at_a_round_scale() -> None:
    layers = make_layers()
    ctx = AtlasContext(layers, glossary("en"), "bold", "p", 3)
    row = layers.jurisdictions.iloc[1]
    with matplotlib.rc_context({"font.family": fonts.font_families(), "text.parse_math": False}):
        fig = district_page(ctx, row, 3)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    minx, miny, maxx, maxy = row.geometry.bounds
    assert x0 < minx and maxx < x1 and y0 < miny and maxy < y1  # the whole district, padded
    ratio = view_ratio(ax, 1.0)
    assert ratio == pytest.approx(round_ratio(ratio * (1 - 1e-9)))  # a round 1:N, as titled
    w_in = ax.get_position().width * fig.get_size_inches()[0]
    assert (x1 - x0) == pytest.approx(ratio * w_in * 0.0254)  # by hand: N × paper width
    assert fig.get_size_inches() == pytest.approx(A3_LANDSCAPE_IN)
    texts = [t.get_text() for t in ax.texts if t.get_visible()]
    assert NAMES[1] in texts and "Scale " + ratio_text(ratio) in texts and "N" in texts


def test_a_district_with_nothing_inside_the_area_still_gets_its_page() -> None:
    """A station outside the planning area has an empty district: its page centres on it."""
    from shapely.geometry import Polygon

    layers = make_layers()
    jur = layers.jurisdictions.copy()
    jur.loc[1, "geometry"] = Polygon()
    layers.jurisdictions = jur
    ctx = AtlasContext(layers, glossary("en"), "bold", "p", 3)
    with matplotlib.rc_context({"font.family": fonts.font_families(), "text.parse_math": False}):
        fig = district_page(ctx, jur.iloc[1], 3)
    (x0, x1), (y0, y1) = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
    own = layers.stations.geometry.iloc[1]
    assert x0 < own.x < x1 and y0 < own.y < y1
