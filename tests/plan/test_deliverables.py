"""The plan deliverables (``firecover.plan.deliverables``): ``report.docx`` and ``tables.xlsx``
of the demo plan, in every language and output datum.

Oracles: the evaluation's own check records (independent of the writers) for every number in
the workbook, the datum conversion functions run backwards for the coordinates, and — in the
slow test — LibreOffice rendering both files to PDF, read back with pdftotext.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from firecover._errors import DataFormatError
from firecover.cli.main import cli
from firecover.network.coords import gcj02_to_wgs84
from firecover.outputs.glossary import glossary
from firecover.plan import PlanEvaluation
from firecover.plan.deliverables import parse_deliverables, plan_document, write_deliverables
from firecover.plan.files import evaluate_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "scenarios" / "demo.toml"
_HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlanEvaluation, Path]:
    out = tmp_path_factory.mktemp("plan")
    ev, _ = evaluate_scenario(DEMO_SCENARIO, out, cell_size_m=200, time_limit=30, html=False,
                              output_datum="gcj02")  # fmt: skip
    return ev, out


def test_evaluate_writes_both_in_chinese(evaluated: tuple[PlanEvaluation, Path]) -> None:
    ev, out = evaluated
    d = docx.Document(str(out / "report.docx"))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "消防站规划评估" in text and "附录：计算假设" in text and "虚构示例数据" in text
    assert len(d.inline_shapes) == len(ev.years)  # one map per year
    wb = openpyxl.load_workbook(out / "tables.xlsx")
    assert wb.sheetnames[0] == "逐年汇总"
    assert [f"{y.year}年" for y in ev.years] == wb.sheetnames[1 : 1 + len(ev.years)]
    assert "最优选址" in wb.sheetnames and "不达标消防站" in wb.sheetnames
    # the optimum's counts as report.md words them (unreachable km² included when any)
    from firecover.outputs.glossary import glossary
    from firecover.plan.report import optimum_rows

    assert ev.optimum is not None
    rows = list(wb["与最优方案比较"].iter_rows(min_row=2, values_only=True))
    assert rows == [tuple(r) for r in optimum_rows(ev.optimum, glossary("zh"))]


def test_year_sheets_match_the_checks(evaluated: tuple[PlanEvaluation, Path]) -> None:
    ev, out = evaluated
    wb = openpyxl.load_workbook(out / "tables.xlsx")
    for yr in ev.years:
        ws = wb[f"{yr.year}年"]
        head = [c.value for c in ws[1]]
        assert head[4] == "辖区面积（km²）" and head[10] == "经度（GCJ-02（高德/腾讯））"
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(yr.run.checks)
        for row, c, spec in zip(rows, yr.run.checks, yr.stations, strict=True):
            assert row[0] == c.name
            assert isinstance(row[4], float) and row[4] == pytest.approx(c.jurisdiction_km2,
                                                                           abs=1e-4)  # fmt: skip
            assert row[6] == pytest.approx(c.max_arrival_min, abs=1e-3)
            assert row[8] == ("达标" if c.compliant else "不达标")
            # the GCJ-02 coordinates go back to the station's WGS-84 position
            lon, lat = gcj02_to_wgs84(row[10], row[11])
            assert np.allclose([lon, lat], spec.wgs84(), atol=1e-6)
            # and they are the shifted ones (GCJ-02 differs by hundreds of metres here)
            assert abs(row[10] - spec.wgs84()[0]) > 1e-3
    summary = list(wb["逐年汇总"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in summary] == [y.year for y in ev.years]
    assert [r[4] for r in summary] == pytest.approx(
        [y.run.summary.covered_share for y in ev.years], abs=1e-6)  # fmt: skip


def test_failing_stations_with_clauses(evaluated: tuple[PlanEvaluation, Path]) -> None:
    ev, out = evaluated
    ws = openpyxl.load_workbook(out / "tables.xlsx")["不达标消防站"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    expect = [(y.year, c.name) for y in ev.years for c in y.run.checks if not c.compliant]
    assert [(r[0], r[1]) for r in rows] == expect
    assert all("GB 51080" in r[7] or "建标152" in r[7] for r in rows)
    assert all(_HAN.search(r[6]) and " / " not in r[6] for r in rows)  # Chinese reasons only


def test_optimum_sites_geojson_in_output_datum(evaluated: tuple[PlanEvaluation, Path]) -> None:
    ev, out = evaluated
    import geopandas as gpd

    sites = gpd.read_file(out / "optimum_sites.geojson")
    assert set(sites["datum"]) == {"gcj02"}
    wgs = np.array((ev.optimum or {})["mclp"]["lonlat"])
    back = np.column_stack(gcj02_to_wgs84(sites["lon"].to_numpy(), sites["lat"].to_numpy()))
    assert np.allclose(back, wgs, atol=1e-6)
    assert np.allclose(sites.geometry.x, sites["lon"])


def test_english_document_has_no_chinese_headers(evaluated: tuple[PlanEvaluation, Path]) -> None:
    ev, _ = evaluated
    rep = plan_document(ev, lang="en")
    for t in rep.tables():
        assert not any(_HAN.search(h) for h in t.columns), t.columns
        assert not _HAN.search(t.caption)
    assert rep.title == ev.scenario.name
    both = plan_document(ev, lang="both")
    assert both.tables()[0].columns[0] == glossary("both")("year") == "年份 Year"


def test_switches(evaluated: tuple[PlanEvaluation, Path], tmp_path: Path) -> None:
    ev, _ = evaluated
    assert write_deliverables(ev, tmp_path, which=()) == {}
    assert list(write_deliverables(ev, tmp_path, which=("xlsx",))) == ["xlsx"]
    assert not (tmp_path / "report.docx").exists()
    assert parse_deliverables("docx, XLSX") == ("docx", "xlsx")
    assert parse_deliverables("none") == ()
    assert parse_deliverables(None) == ("docx", "xlsx", "atlas")
    with pytest.raises(DataFormatError, match="--deliverables"):
        parse_deliverables("docx,pdf")
    with pytest.raises(DataFormatError, match="--output-datum"):
        plan_document(ev, datum="beijing54")


def test_cli_options(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO_SCENARIO), "--out", str(out),
                                   "--cell-size", "250", "--no-optimum", "--no-html",
                                   "--lang", "en", "--no-docx"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (out / "tables.xlsx").is_file() and not (out / "report.docx").exists()
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Year by year" in md and "逐年覆盖" not in md
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO_SCENARIO), "--out", str(out),
                                   "--deliverables", "pdf"])  # fmt: skip
    assert res.exit_code == 2 and "unknown deliverable" in res.output


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(_soffice() is None or shutil.which("pdftotext") is None
                    or shutil.which("pdftoppm") is None,
                    reason="LibreOffice (soffice) and poppler-utils are needed")  # fmt: skip
def test_rendered_by_libreoffice(evaluated: tuple[PlanEvaluation, Path], tmp_path: Path) -> None:
    """Open both files as the client would: LibreOffice → PDF → text layer and PNG pages."""
    ev, out = evaluated
    profile = tmp_path / "lo-profile"
    cmd = [str(_soffice()), f"-env:UserInstallation=file://{profile}", "--headless",
           "--convert-to", "pdf", "--outdir", str(tmp_path), str(out / "report.docx"),
           str(out / "tables.xlsx")]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=240)
    names = {c.name for y in ev.years for c in y.run.checks}
    for stem, min_pages in (("report", 4), ("tables", 2)):
        pdf = tmp_path / f"{stem}.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
        pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
        assert pages >= min_pages, stem
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout  # fmt: skip
        assert all(n in text for n in names), stem
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                        str(tmp_path / stem)], check=True, timeout=60)  # fmt: skip
        assert list(tmp_path.glob(f"{stem}*.png")), stem
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    assert "附录" in text and "不达标" in text
