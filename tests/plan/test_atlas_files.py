"""The plan's ``atlas.pdf`` (``firecover.plan.atlas_files``) written by ``firecover evaluate``.

Oracles: the evaluation's own records (the final year's districts and stations, each check's
reasons) against what poppler reads back from the PDF (``pdfinfo`` / ``pdftotext`` /
``pdffonts``, see ``tests/outputs/test_atlas.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from firecover.cli.deliverable_opts import chosen_deliverables
from firecover.cli.main import cli
from firecover.plan.files import evaluate_scenario
from tests.outputs.test_atlas import _page_text, check_atlas

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"


def test_switches() -> None:
    assert chosen_deliverables(None) == ("docx", "xlsx", "atlas")
    assert chosen_deliverables(None, no_atlas=True) == ("docx", "xlsx")
    assert chosen_deliverables("atlas", no_docx=True) == ("atlas",)


def test_no_atlas_option(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO), "--out", str(out), "--cell-size",
                                   "300", "--no-optimum", "--no-html", "--no-atlas",
                                   "--no-docx"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (out / "tables.xlsx").is_file() and not (out / "atlas.pdf").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                    reason="poppler-utils are needed")  # fmt: skip
def test_demo_atlas(tmp_path: Path) -> None:
    """The demo plan's atlas: overview + one A3 page per final-year district, every station
    name and the scale in the text layer, fonts embedded, each failing district's reason."""
    ev, paths = evaluate_scenario(DEMO, tmp_path / "o", cell_size_m=200, optimum=False,
                                  html=False, deliverables="atlas")  # fmt: skip
    pdf = paths["atlas"]
    assert pdf == tmp_path / "o" / "atlas.pdf" and pdf.is_file()
    final = ev.final
    districts = final.run.layers.jurisdictions
    check_atlas(pdf, [s.name for s in final.stations], len(districts))
    assert len(ev.years) > 1
    first = _page_text(pdf, 1).replace(" ", "").replace("\n", "")
    assert f"{final.year}年" in first and "各年的覆盖图见说明书" in first  # which year is drawn
    for n, (_, row) in enumerate(districts.iterrows(), start=2):
        page = _page_text(pdf, n).replace(" ", "").replace("\n", "")
        assert f"{row['station']}辖区" in page
        check = next(c for c in final.run.checks if c.name == row["station"])
        assert ("不达标" in page) == (not check.compliant)
        for reason in check.reasons:  # the Chinese half of each reason, wrapped in the block
            head = reason.partition(" / ")[0].replace(" ", "")[:12]
            assert head in page, (row["station"], head)
