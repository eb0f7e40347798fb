"""A neutral model of a planner's document: what the Word and Excel writers render.

The wings above build a :class:`Report` from their report dictionaries (``plan.deliverables``
from ``plan.report.plan_report``); :mod:`firecover.outputs.docx_report` renders it as Word and
:mod:`firecover.outputs.xlsx_tables` writes its tables as sheets. Cells hold numbers as
numbers (``None`` = no value), so Excel can sum them and Word can format them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Bullets", "Figure", "Paragraph", "Report", "Section", "Table"]


@dataclass(frozen=True)
class Paragraph:
    """Running text; ``emphasis`` renders it bold (a verdict), ``note`` small and grey."""

    text: str
    emphasis: bool = False
    note: bool = False


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of typed cells.

    Attributes
    ----------
    caption : str
        Shown above the table in Word.
    columns : tuple of str
        Header texts, units included (``"辖区面积（km²）"``).
    rows : tuple of tuple
        Cells: ``int`` / ``float`` (numbers stay numbers), ``str``, ``bool`` or ``None``.
    formats : tuple of str or None
        Excel number format per column (``"0.00"``, ``"0.0%"``, ``"0"``); ``None`` = general.
    sheet : str or None
        Sheet name in the workbook; ``None`` = the table is not written to Excel.
    flag_rows : tuple of int
        Rows highlighted as failing (a station that does not comply).
    word_columns : tuple of int or None
        The columns printed in Word (a page is narrower than a sheet); ``None`` = all.
    """

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[str | None, ...] = ()
    sheet: str | None = None
    flag_rows: tuple[int, ...] = ()
    word_columns: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.caption!r}: a row has {len(row)} cells, "
                                 f"the header {len(self.columns)}")  # fmt: skip
        if self.formats and len(self.formats) != len(self.columns):
            raise ValueError(f"table {self.caption!r}: one number format per column")

    def printed(self) -> tuple[int, ...]:
        """Indices of the columns printed in Word."""
        return tuple(range(len(self.columns))) if self.word_columns is None else self.word_columns

    def format_of(self, column: int) -> str | None:
        """Excel number format of ``column`` (``None`` = general)."""
        return self.formats[column] if self.formats else None


@dataclass(frozen=True)
class Figure:
    """An image file (a PNG map) with its caption."""

    path: Path
    caption: str


Block = Paragraph | Bullets | Table | Figure


@dataclass(frozen=True)
class Section:
    """A heading and its blocks; ``level`` 1 = chapter, 2 = sub-section."""

    heading: str
    blocks: tuple[Block, ...] = ()
    level: int = 1


@dataclass(frozen=True)
class Report:
    """A whole document.

    Attributes
    ----------
    title, subtitle : str
    cover : tuple of (label, value)
        The cover block (district, plan, date, data sources, model, budget).
    sections : tuple of Section
    lang : str
        ``"zh"``, ``"en"`` or ``"both"`` (the writers pick fonts from it).
    stamp : str or None
        A warning printed on the cover and in every header (invented data).
    footer : str
    extra_tables : tuple of Table
        Tables for the workbook only (not printed in the Word document).
    """

    title: str
    subtitle: str
    cover: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    lang: str = "zh"
    stamp: str | None = None
    footer: str = ""
    extra_tables: tuple[Table, ...] = field(default=())

    def tables(self) -> list[Table]:
        """Every table, in document order, then the workbook-only tables."""
        found = [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
        return [*found, *self.extra_tables]
