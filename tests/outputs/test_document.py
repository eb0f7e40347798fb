"""The neutral document model (``firecover.outputs.document``)."""

from __future__ import annotations

import pytest

from firecover.outputs.document import Paragraph, Report, Section, Table


def test_table_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="2 cells, the header 3"):
        Table("t", ("a", "b", "c"), ((1, 2),))
    with pytest.raises(ValueError, match="one number format per column"):
        Table("t", ("a", "b"), ((1, 2),), formats=("0",))


def test_printed_columns_and_formats() -> None:
    t = Table("t", ("a", "b", "c"), ((1, 2.5, "x"),), formats=("0", "0.00", None),
              word_columns=(0, 2))  # fmt: skip
    assert t.printed() == (0, 2) and t.format_of(1) == "0.00"
    assert Table("u", ("a",), ((1,),)).printed() == (0,)
    assert Table("u", ("a",), ((1,),)).format_of(0) is None


def test_report_tables_in_order_then_workbook_only() -> None:
    a, b, c = (Table(n, ("x",), ((1,),), sheet=n) for n in "abc")
    r = Report("T", "S", (), (Section("one", (Paragraph("p"), a)), Section("two", (b,))),
               extra_tables=(c,))  # fmt: skip
    assert [t.caption for t in r.tables()] == ["a", "b", "c"]
