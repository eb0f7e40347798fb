"""Names are text everywhere: escaping for the Markdown reports (HTML maps escape themselves,
PNG maps turn matplotlib math-text off).

The reports are generated Markdown that uses no raw HTML, so escaping ``&``, ``<`` and ``>``
in the whole document (except a blockquote's leading ``>``) makes every interpolated name, such
as a station called ``<script>alert(1)</script>``, show as the text it is in any Markdown viewer.
"""

from __future__ import annotations

import html
import unicodedata

__all__ = ["display_width", "markdown_safe", "wrap_display"]


def display_width(text: str) -> float:
    """Width of ``text`` in character cells: wide (CJK) characters count double (Excel's column
    units, and a fair measure of how much room a label takes in any font)."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text)))


def wrap_display(line: str, width: float, indent: str = "  ") -> list[str]:
    """``line`` broken at spaces into lines of at most ``width`` :func:`display_width` (a word
    longer than that stays whole); continuation lines start with ``indent``."""
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = word if not current else f"{current} {word}"
        if current and display_width(candidate) > width:
            out.append(current)
            current = indent + word
        else:
            current = candidate
    out.append(current)
    return out


def markdown_safe(doc: str) -> str:
    """``doc`` with ``&``, ``<`` and ``>`` HTML-escaped, keeping blockquote markers."""
    out = []
    for line in doc.split("\n"):
        stripped = line.lstrip(" ")
        lead = line[: len(line) - len(stripped)]
        quote = ""
        while stripped.startswith(">"):
            quote += ">"
            stripped = stripped[1:]
        out.append(lead + quote + html.escape(stripped, quote=False))
    return "\n".join(out)
