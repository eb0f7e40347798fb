"""The Excel tables (``tables.xlsx``, openpyxl) of a :class:`~firecover.outputs.document.Report`.

One sheet per table that names a sheet (:attr:`Table.sheet`): numbers are written as numbers
with the table's number format (units are in the headers, never in the cells), the header row
is bold and frozen, an auto-filter is set on it, column widths follow the longest text
(CJK characters counted double), failing rows are shaded, and each sheet prints on A4
landscape one page wide with the header repeated.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from firecover._io import atomic_path, check_not_input
from firecover.outputs.document import Report, Table
from firecover.outputs.text import display_width

__all__ = ["display_width", "sheet_title", "write_xlsx"]

log = logging.getLogger(__name__)

_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_FAIL_FILL = PatternFill("solid", fgColor="FDE0DC")
_MAX_WIDTH = 60.0
_FONT = "等线"  # Excel's default CJK font since 2016; other suites substitute


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet title: no ``[]:*?/\\``, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _sheet(wb: Workbook, table: Table, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_title(table.sheet or table.caption, taken))
    ws.append(list(table.columns))
    for row in table.rows:
        ws.append([_value(v) for v in row])
    bold = Font(name=_FONT, bold=True)
    for cell in ws[1]:
        cell.font, cell.fill = bold, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for j, head in enumerate(table.columns, start=1):
        fmt = table.format_of(j - 1)
        letter = get_column_letter(j)
        width = display_width(head) * 0.8
        for i, row in enumerate(table.rows, start=2):
            cell = ws.cell(row=i, column=j)
            cell.font = Font(name=_FONT)
            if fmt and isinstance(row[j - 1], int | float) and not isinstance(row[j - 1], bool):
                cell.number_format = fmt
            shown = cell.value if not isinstance(cell.value, float) else f"{cell.value:.4f}"
            width = max(width, display_width("" if shown is None else str(shown)))
            if i - 2 in table.flag_rows:
                cell.fill = _FAIL_FILL
        ws.column_dimensions[letter].width = min(width + 2.0, _MAX_WIDTH)
    ws.freeze_panes = "B2"
    # printed: A4 landscape, one page wide, the header row repeated on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    if table.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"


def write_xlsx(report: Report, path: str | os.PathLike[str], *,
               inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:  # fmt: skip
    """Write every table of ``report`` that names a sheet into one workbook, atomically.

    Parameters
    ----------
    report : Report
        Its :meth:`Report.tables` with a ``sheet`` become sheets, in order.
    path : path-like
        Destination ``.xlsx``.
    inputs : iterable of path-like, optional
        Input files; writing over one of them is refused.

    Returns
    -------
    Path
        The written file.
    """
    dest = Path(path)
    check_not_input(dest, inputs)
    wb = Workbook()
    first = wb.active
    taken: set[str] = set()
    for table in report.tables():
        if table.sheet is not None:
            _sheet(wb, table, taken)
    if first is not None and len(wb.worksheets) > 1:
        wb.remove(first)
    wb.properties.title = report.title
    with atomic_path(dest) as tmp:
        wb.save(str(tmp))
    log.info("wrote Excel tables %s", dest)
    return dest
