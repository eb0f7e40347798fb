"""The plan's ``atlas.pdf``: the final year's districts, drawn by :mod:`firecover.outputs.atlas`.

Which year: the plan's **final evaluated year** — the state the plan builds towards and the one
its verdict is about (``report.json`` ``years[-1]``). Earlier years are in ``report.docx`` (a map
per year) and ``map_<year>.png``; a note on the overview page says so when the plan has more
than one year. The title blocks carry the plan's name and each station's check reasons in the
run's language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from firecover.outputs.atlas import render_atlas
from firecover.outputs.glossary import glossary
from firecover.plan.report import plan_lang
from firecover.plan.results import PlanEvaluation

__all__ = ["write_atlas"]

log = logging.getLogger(__name__)


def write_atlas(ev: PlanEvaluation, path: Path, *, lang: str | None = None,
                inputs: Iterable[Path] = ()) -> Path:  # fmt: skip
    """Write the atlas of ``ev``'s final year to ``path`` (A3 PDF, overview + one page per
    district) in ``lang`` (default the scenario's)."""
    lang = plan_lang(ev, lang)
    final = ev.final
    sc = ev.scenario
    note = glossary(lang)("atlas_year_note", year=final.year) if len(ev.years) > 1 else ""
    reasons = {c.name: list(c.reasons) for c in final.run.checks}
    return render_atlas(final.run.layers, path, plan=sc.description or sc.name, lang=lang,
                        inputs=inputs, reasons=reasons, note=note)  # fmt: skip
