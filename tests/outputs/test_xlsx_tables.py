"""The Excel writer (``firecover.outputs.xlsx_tables``), read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firecover._errors import OutputError
from firecover.outputs.document import Report, Section, Table
from firecover.outputs.xlsx_tables import display_width, sheet_title, write_xlsx


def _report() -> Report:
    year = Table("2024年各站", ("消防站", "辖区面积（km²）", "到达比例", "结论"),
                 (("文化路消防救援站", 1.1734, 0.987, "达标"),
                  ("海昌路消防救援站", 3.08, float("nan"), "不达标")),
                 (None, "0.00", "0.0%", None), sheet="2024年", flag_rows=(1,))  # fmt: skip
    word_only = Table("不写入", ("a",), ((1,),))
    sites = Table("最优选址", ("站址编号", "经度（GCJ-02）"), (("C0001", 118.3464551),),
                  (None, "0.000000"))  # fmt: skip
    sites = Table(sites.caption, sites.columns, sites.rows, sites.formats, sheet="最优选址")
    return Report("T", "S", (), (Section("s", (year, word_only)),), extra_tables=(sites,))


def test_numbers_stay_numbers(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_xlsx(_report(), tmp_path / "t.xlsx"))
    assert wb.sheetnames == ["2024年", "最优选址"]
    ws = wb["2024年"]
    assert [c.value for c in ws[1]] == ["消防站", "辖区面积（km²）", "到达比例", "结论"]
    assert ws["B2"].value == pytest.approx(1.1734) and ws["B2"].number_format == "0.00"
    assert ws["C2"].number_format == "0.0%"
    assert ws["C3"].value is None  # NaN is an empty cell, not text
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:D3"
    assert ws["A3"].fill.fgColor.rgb.endswith("FDE0DC")  # the failing station is shaded
    assert ws["A1"].font.bold
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1"
    # widths follow the longest text, CJK counted double: 8 characters -> 16 units (+2)
    assert ws.column_dimensions["A"].width == pytest.approx(18.0)
    assert wb["最优选址"]["B2"].value == pytest.approx(118.3464551)


def test_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"keep")
    with pytest.raises(OutputError):
        write_xlsx(_report(), src, inputs=[src])
    assert src.read_bytes() == b"keep"


def test_display_width() -> None:
    assert display_width("abc") == 3 and display_width("辖区") == 4


@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=12))
def test_sheet_titles_valid_and_unique(names: list[str]) -> None:
    taken: set[str] = set()
    titles = [sheet_title(n, taken) for n in names]
    assert len({t.lower() for t in titles}) == len(titles)
    for t in titles:
        assert 0 < len(t) <= 31 and not set(t) & set("[]:*?/\\")
