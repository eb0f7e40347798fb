"""Names are text everywhere: Markdown escaping, and hostile names through a whole run."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from firecover.cli.main import cli
from firecover.outputs.text import display_width, markdown_safe, wrap_display

ROOT = Path(__file__).resolve().parents[2]
GRAPH = ROOT / "data" / "demo" / "demo_district.graphml"


def test_markdown_safe_escapes_html_but_keeps_blockquotes() -> None:
    doc = "# <b>t</b>\n> **SYNTHETIC** a & b\n| <script>x</script> | 1 |"
    out = markdown_safe(doc)
    assert out == ("# &lt;b&gt;t&lt;/b&gt;\n> **SYNTHETIC** a &amp; b\n"
                   "| &lt;script&gt;x&lt;/script&gt; | 1 |")  # fmt: skip
    assert "<" not in out and markdown_safe("") == ""


def test_hostile_station_names_are_text_in_maps_and_reports(tmp_path: Path) -> None:
    csv = tmp_path / "s.csv"
    csv.write_text(
        "name,lon,lat,class\n"
        "$\\frac{1$,118.3517199,38.7566858,二级\n"
        "<script>alert(1)</script>,118.3620216,38.7537457,一级\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["jurisdictions", "--graph", str(GRAPH), "--stations", str(csv),
                                   "--out", str(out), "--cell-size", "200"])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    md = (out / "coverage.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "$\\frac{1$" in md
    html = (out / "map.html").read_text(encoding="utf-8")
    assert not re.search(r"<script>alert\(1\)", html)
    with Image.open(out / "map.png") as img:
        assert img.size[0] > 500 and img.getextrema()  # drawn (math-text would have crashed)


def test_display_width_counts_cjk_double() -> None:
    assert display_width("ab") == 2 and display_width("辖区") == 4 and display_width("km²") == 3


@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs")), min_size=1, max_size=12),
        min_size=1,
        max_size=15,
    ),
    st.integers(min_value=4, max_value=40),
)
def test_wrap_keeps_the_words_and_the_width(words: list[str], width: int) -> None:
    lines = wrap_display(" ".join(words), width)
    assert [w for line in lines for w in line.split(" ") if w] == words
    for i, line in enumerate(lines):
        if len(line.strip().split(" ")) > 1:  # a lone over-long word is kept whole
            assert display_width(line) <= width
        assert i == 0 or line.startswith("  ")
