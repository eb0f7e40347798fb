"""Names are text everywhere: escaping for the Markdown reports (HTML maps escape themselves,
PNG maps turn matplotlib math-text off).

The reports are generated Markdown that uses no raw HTML, so escaping ``&``, ``<`` and ``>``
in the whole document (except a blockquote's leading ``>``) makes every interpolated name, such
as a station called ``<script>alert(1)</script>``, show as the text it is in any Markdown viewer.
"""

from __future__ import annotations

import html

__all__ = ["markdown_safe"]


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
