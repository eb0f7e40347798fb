"""``evaluate`` outputs with ``--lang zh``: no English-only or bilingual leftovers in report.md,
report.docx, tables.xlsx or map.html (what a planner reads), the GeoJSON files named after
themselves, and the roads layer carrying the graph's road names.

The allow-list is what a Chinese report legitimately shows in Latin letters: the synthetic-data
stamp (kept bilingual on purpose), codes (GB, MCLP, LSCP, EPSG, WGS-84, ``--options``, file
and field names), units (m, km², min) and the planner's own text from the scenario file
(plan description, station sources).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from firecover.cli.main import cli
from firecover.plan.scenario import load_scenario

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"
_ALLOWED = re.compile(
    r"SYNTHETIC DEMO DATA"
    r"|(?:[A-Za-z]:)?[\w.-]*/[\w./-]+"  # paths
    r"|[\w-]+\.(?:geojson|json|gpkg|png|html|docx|xlsx|md|toml|csv|graphml)\b"
    r"|--[a-z-]+|\b[A-Z][A-Z0-9-]+\b|\b\w+_\w+\b|firecover|EPSG:\d+|\bsource\b"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']{2,}")
_UNITS = {"min", "km"}


def stray_words(text: str, allowed: list[str]) -> list[str]:
    """Latin words of 3+ letters left after removing ``allowed`` texts and codes."""
    for item in sorted(allowed, key=len, reverse=True):
        text = text.replace(item, " ")
    return sorted({w for w in _WORD.findall(_ALLOWED.sub(" ", text)) if w not in _UNITS})


def test_stray_words_finds_english() -> None:
    assert stray_words("辖区 jurisdiction 5 min, 见 optimum_sites.geojson --lang", []) == [
        "jurisdiction"
    ]
    assert stray_words("C0029 (MCLP) GB 51080 /tmp/a/b.toml 数据", []) == []


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zh") / "run"
    res = CliRunner().invoke(cli, ["evaluate", str(DEMO), "--lang", "zh", "--optimum-time",
                                   "30", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


def _scenario_text() -> list[str]:
    sc = load_scenario(DEMO)
    return [t for t in [sc.description or "", *(str(s.source) for s in sc.stations)] if t]


def _html_text(page: str) -> str:
    """What the page shows: title box, legend, switch labels, popup labels and values."""
    parts = re.findall(r'data-label="([^"]*)"', page)
    parts += re.findall(r'label:"([^"]*)"', page)
    parts += re.findall(r'"aliases": \[([^\]]*)\]', page)
    parts += re.findall(r"<title>([^<]*)</title>", page)
    parts += re.findall(r'class="fc-legend-title">([^<]*)<', page)
    parts += re.findall(r"'<div class=\"fc-switch-title\">' \+ \"([^\"]*)\"", page)
    parts += re.findall(r'<div class="fc-title"[^>]*>(.*?)</div>\n', page, re.S)
    parts += [m for m in re.findall(r'"properties": \{([^{}]*)\}', page)]
    text = "\n".join(parts)
    for code, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        text = text.replace(code, char)
    text = html.unescape(text)
    text = re.sub(r"<[^>]+>", " ", text)  # markup inside popup values
    return re.sub(r'"(?:p\d+|_tip)":', " ", text)  # property keys


def test_zh_outputs_have_no_english_leftovers(zh_run: Path) -> None:
    import docx
    import openpyxl

    allowed = _scenario_text()
    md = (zh_run / "report.md").read_text(encoding="utf-8")
    assert stray_words(md, allowed) == []
    doc = docx.Document(str(zh_run / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    text += "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert stray_words(text, allowed) == []
    wb = openpyxl.load_workbook(zh_run / "tables.xlsx")
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]  # fmt: skip
    assert stray_words("\n".join([*cells, *wb.sheetnames]), allowed) == []
    page = (zh_run / "map.html").read_text(encoding="utf-8")
    shown = _html_text(page)
    assert "图例" in shown and "规划年份" in shown  # the scan saw the legend and the switch
    assert stray_words(shown, allowed) == []


def test_geojson_named_after_the_file(zh_run: Path) -> None:
    for path in zh_run.glob("*.geojson"):
        assert json.loads(path.read_text(encoding="utf-8"))["name"] == path.stem


def test_roads_layer_carries_road_names(zh_run: Path) -> None:
    import networkx as nx

    roads = gpd.read_file(zh_run / "layers.gpkg", layer="roads")
    graph = nx.read_graphml(ROOT / "data" / "demo" / "demo_district.graphml")
    names = {str(d["name"]) for _u, _v, d in graph.edges(data=True) if d.get("name")}
    assert (roads["name"] != "").mean() > 0.9  # (every demo street has a name)
    assert set(roads["name"]) - {""} <= names and len(set(roads["name"])) > 5
    assert {"motorway", "primary"} <= set(roads["road_class"])
