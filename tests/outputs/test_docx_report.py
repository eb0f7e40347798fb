"""The Word writer (``firecover.outputs.docx_report``), read back with python-docx.

Oracles: the document XML itself (style fonts, table cells, embedded image size) compared with
the hand-made report that was written.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from matplotlib.figure import Figure as MplFigure

from firecover._errors import OutputError
from firecover.outputs.document import Bullets, Figure, Paragraph, Report, Section, Table
from firecover.outputs.docx_report import (
    BODY_FONT,
    HEADING_FONT,
    MAP_WIDTH_CM,
    _cell_text,
    write_docx,
)


@pytest.fixture(scope="module")
def png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fig = MplFigure(figsize=(11.0, 8.0))
    fig.add_subplot().plot([0, 1], [0, 1])
    path = tmp_path_factory.mktemp("png") / "map.png"
    fig.savefig(path, dpi=150)
    return path


def _report(png: Path) -> Report:
    stations = Table(
        "各站", ("消防站", "辖区面积（km²）", "覆盖率", "结论", "经度"),
        (("文化路消防救援站", 1.1734, 0.987, "达标", 118.35),
         ("海昌路消防救援站", 3.08, 1.0, "不达标", 118.36)),
        ("0", "0.00", "0.0%", None, "0.000000"), sheet="2024年", flag_rows=(1,),
        word_columns=(0, 1, 2, 3),
    )  # fmt: skip
    return Report(
        title="澜河示范区", subtitle="消防站规划评估",
        cover=(("规划范围", "澜河示范区"), ("编制日期", "2026-12-01")),
        sections=(Section("2024年：仍有 1 座消防站不达标", (Paragraph("要点", emphasis=True),
                                                         stations, Figure(png, "2024年覆盖图"))),
                  Section("附录", (Bullets(("车速为假设",)), Paragraph("注", note=True)))),
        lang="zh", stamp="虚构示例数据", footer="澜河示范区 · firecover",
    )  # fmt: skip


def test_fonts_are_set_for_east_asian_text(tmp_path: Path, png: Path) -> None:
    path = write_docx(_report(png), tmp_path / "r.docx")
    d = docx.Document(str(path))
    for name, family in (("Normal", BODY_FONT), ("Heading 1", HEADING_FONT),
                         ("Title", HEADING_FONT)):  # fmt: skip
        fonts = d.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == family, name
        assert fonts.get(qn("w:asciiTheme")) is None  # no theme font overriding the family
    assert d.core_properties.language == "zh-CN"


def test_content_tables_and_map(tmp_path: Path, png: Path) -> None:
    d = docx.Document(str(write_docx(_report(png), tmp_path / "r.docx")))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "澜河示范区" in text and "虚构示例数据" in text and "2024年覆盖图" in text
    cover, stations = d.tables
    assert [c.text for c in cover.rows[0].cells] == ["规划范围", "澜河示范区"]
    # Word gets only the printed columns; numbers formatted by their column's format
    assert [c.text for c in stations.rows[0].cells] == ["消防站", "辖区面积（km²）", "覆盖率",
                                                        "结论"]  # fmt: skip
    assert [c.text for c in stations.rows[1].cells] == ["文化路消防救援站", "1.17", "98.7%",
                                                        "达标"]  # fmt: skip
    fail_run = stations.rows[2].cells[0].paragraphs[0].runs[0]
    assert str(fail_run.font.color.rgb) == "B71C1C"
    (shape,) = d.inline_shapes
    assert shape.width.cm == pytest.approx(MAP_WIDTH_CM, abs=0.01)
    # print resolution: the 11 in × 150 dpi map printed 16 cm wide is over 250 dpi
    assert 11.0 * 150 / (MAP_WIDTH_CM / 2.54) > 250


def test_cell_text() -> None:
    assert _cell_text(None, "0.00") == "—"
    assert _cell_text(0.12345, "0.0%") == "12.3%"
    assert _cell_text(2021, "0") == "2021"
    assert _cell_text(2.0, None) == "2"


def test_refuses_to_overwrite_an_input(tmp_path: Path, png: Path) -> None:
    with pytest.raises(OutputError):
        write_docx(_report(png), png, inputs=[png])
    assert png.read_bytes()[:4] == b"\x89PNG"
