"""The Word report (``report.docx``, python-docx) of a :class:`~firecover.outputs.document.Report`.

A4 portrait, a cover block, numbered headings, tables with a repeated header row, the maps
embedded at print resolution (16 cm wide; a 150 dpi map of ~11 in is ~270 dpi there) and a
page footer. Chinese text is set in 宋体 (body) and 黑体 (headings): the family names are
written into the document styles with the east-asian font slot (``w:eastAsia``), so Word on
a machine without Noto fonts renders it with the fonts every Chinese Windows has, and other
office suites substitute their own CJK fonts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from firecover._io import atomic_path, check_not_input
from firecover.outputs.document import Bullets, Figure, Paragraph, Report, Section, Table
from firecover.outputs.text import display_width

__all__ = ["BODY_FONT", "HEADING_FONT", "LATIN_FONT", "MAP_WIDTH_CM", "write_docx"]

log = logging.getLogger(__name__)

#: East-asian font family of body text and tables.
BODY_FONT = "宋体"
#: East-asian font family of the title and headings.
HEADING_FONT = "黑体"
#: Latin font family (digits, units, English).
LATIN_FONT = "Times New Roman"
#: Width of an embedded map, centimetres (A4 text width is 16 cm with 2.5 cm margins).
MAP_WIDTH_CM = 16.0
_TEXT_WIDTH_CM = 16.0
_FAIL_RED = RGBColor(0xB7, 0x1C, 0x1C)
_GREY = RGBColor(0x61, 0x61, 0x61)


def _set_fonts(style: Any, east_asian: str, size_pt: float | None = None,
               bold: bool | None = None) -> None:  # fmt: skip
    """Latin and east-asian family of a style (``w:rFonts`` ascii/hAnsi/eastAsia)."""
    font = style.font
    font.name = LATIN_FONT
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would override the family names


def _styles(doc: Any) -> None:
    styles = doc.styles
    _set_fonts(styles["Normal"], BODY_FONT, 10.5)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    _set_fonts(styles["Title"], HEADING_FONT, 20, bold=True)
    for level, size in ((1, 15), (2, 12.5), (3, 11)):
        st = styles[f"Heading {level}"]
        _set_fonts(st, HEADING_FONT, size, bold=True)
        st.font.color.rgb = RGBColor(0, 0, 0)
    for name in ("Table Grid", "List Bullet", "Caption"):
        _set_fonts(styles[name], BODY_FONT)
    styles["Caption"].font.size = Pt(9)


def _page(doc: Any, footer: str) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(2.5))
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.2)
    para = sec.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(footer + "  ·  ")
    run.font.size = Pt(8)
    _page_number(para)


def _page_number(para: Any) -> None:
    """A PAGE field (Word and LibreOffice fill it in)."""
    run = para.add_run()
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)


def _cell_text(value: Any, fmt: str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and fmt:
        if fmt.endswith("%"):
            digits = fmt.count("0") - 1
            return f"{100 * float(value):.{max(digits, 0)}f}%"
        digits = len(fmt.split(".")[1]) if "." in fmt else 0
        return f"{float(value):.{digits}f}" if digits else f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _widths(table: Table, cols: tuple[int, ...], total_cm: float) -> list[float]:
    """Column widths in cm, by the longest text of each column (header words count less)."""
    weights = []
    for j in cols:
        longest = max([min(display_width(table.columns[j]), 8.0)] + [
            display_width(_cell_text(r[j], table.format_of(j))) for r in table.rows])  # fmt: skip
        weights.append(min(max(longest, 6.5), 20.0) + 2.0)
    scale = total_cm / sum(weights)
    return [w * scale for w in weights]


def _table(doc: Any, table: Table) -> None:
    cap = doc.add_paragraph(table.caption, style="Caption")
    cap.paragraph_format.keep_with_next = True
    cols = table.printed()
    t = doc.add_table(rows=1, cols=len(cols), style="Table Grid")
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = [Cm(w) for w in _widths(table, cols, _TEXT_WIDTH_CM)]
    small = Pt(8 if len(cols) > 7 else 9)
    for cell, j in zip(t.rows[0].cells, cols, strict=True):
        run = cell.paragraphs[0].add_run(table.columns[j])
        run.bold, run.font.size = True, small
    _repeat_header(t.rows[0])
    for i, row in enumerate(table.rows):
        cells = t.add_row().cells
        for cell, j in zip(cells, cols, strict=True):
            value = row[j]
            para = cell.paragraphs[0]
            run = para.add_run(_cell_text(value, table.format_of(j)))
            run.font.size = small
            if isinstance(value, int | float) and not isinstance(value, bool):
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if i in table.flag_rows:
                run.font.color.rgb = _FAIL_RED
    _set_widths(t, widths)
    doc.add_paragraph()


def _set_widths(t: Any, widths: list[Any]) -> None:
    """Column widths on the grid and on every cell (Word reads the cells, LibreOffice the grid)."""
    for col, w in zip(t.columns, widths, strict=True):
        col.width = w
    for row in t.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w


def _figure(doc: Any, fig: Figure) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.keep_with_next = True
    para.add_run().add_picture(str(fig.path), width=Cm(MAP_WIDTH_CM))
    cap = doc.add_paragraph(fig.caption, style="Caption")
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraph(doc: Any, p: Paragraph) -> None:
    para = doc.add_paragraph()
    run = para.add_run(p.text)
    run.bold = p.emphasis
    if p.note:
        run.font.size, run.font.color.rgb = Pt(9), _GREY


def _section(doc: Any, section: Section) -> None:
    doc.add_heading(section.heading, level=section.level)
    for block in section.blocks:
        if isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Figure):
            _figure(doc, block)
        elif isinstance(block, Bullets):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        else:
            _paragraph(doc, block)


def _cover(doc: Any, report: Report) -> None:
    doc.add_paragraph(report.title, style="Title")
    sub = doc.add_paragraph()
    run = sub.add_run(report.subtitle)
    run.font.size, run.bold = Pt(14), True
    if report.stamp:
        stamp = doc.add_paragraph().add_run(report.stamp)
        stamp.bold, stamp.font.color.rgb, stamp.font.size = True, _FAIL_RED, Pt(12)
    t = doc.add_table(rows=0, cols=2, style="Table Grid")
    t.autofit = False
    for label, value in report.cover:
        cells = t.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].paragraphs[0].add_run(value)
    _set_widths(t, [Cm(3.5), Cm(_TEXT_WIDTH_CM - 3.5)])
    doc.add_page_break()


def write_docx(report: Report, path: str | os.PathLike[str], *,
               inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:  # fmt: skip
    """Write ``report`` as a Word document, atomically.

    Parameters
    ----------
    report : Report
        The document (cover, sections with text, tables and map figures).
    path : path-like
        Destination ``.docx``.
    inputs : iterable of path-like, optional
        Input files; writing over one of them is refused.

    Returns
    -------
    Path
        The written file.
    """
    dest = Path(path)
    check_not_input(dest, inputs)
    doc = Document()
    _styles(doc)
    _page(doc, report.footer)
    doc.core_properties.title = report.title
    doc.core_properties.subject = report.subtitle
    doc.core_properties.language = {"zh": "zh-CN", "en": "en-GB"}.get(report.lang, "zh-CN")
    _cover(doc, report)
    for section in report.sections:
        _section(doc, section)
    with atomic_path(dest) as tmp:
        doc.save(str(tmp))
    log.info("wrote Word report %s", dest)
    return dest
