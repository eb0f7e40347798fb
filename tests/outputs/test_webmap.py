"""Interactive HTML map: content, popups, offline mode without remote assets, atomic write."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from layer_data import NAMES, make_layers

pytest.importorskip("folium", reason="the web map needs folium")

import firecover.outputs.webmap as webmap
import firecover.outputs.webmap_layers as webmap_layers
from firecover._errors import OutputError
from firecover.outputs import SYNTHETIC_LABEL, CoverageLayers, TileSource

REMOTE_ASSET = re.compile(
    r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//"
    r"|@import\s+(?:url\()?[\"']?(?:https?:)?//"
    r"|url\(\s*[\"']?(?:https?:)?//",
    re.I,
)


def _needs_leaflet() -> None:
    pytest.importorskip("xstatic.pkg.leaflet", reason="offline mode needs xstatic-leaflet")


OSM = TileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors")


def test_online_map_content(tmp_path: Path) -> None:
    out = webmap.render_webmap(make_layers(), tmp_path / "web" / "coverage.html", offline=False,
                               tiles=OSM)  # fmt: skip
    page = out.read_text(encoding="utf-8")
    for name in NAMES:
        assert name in page
    assert SYNTHETIC_LABEL in page
    assert "5 min = 1 turnout + 4 driving" in page
    assert "L.tileLayer" in page and "tile.openstreetmap.org" in page  # the basemap asked for
    assert "© OpenStreetMap contributors" in page
    assert "fc-switch" in page and "fc-legend" in page  # layer switch and legend
    assert re.search(r"\[118\.3\d+, 38\.7\d+\]", page)  # coordinates are WGS-84 lon/lat
    assert "最快到达 Fastest arrival" in page and "面积限值 Limit" in page  # cell, limit facts
    assert "否 no" in page  # a non-compliant jurisdiction
    assert [p.name for p in out.parent.iterdir()] == ["coverage.html"]


def test_offline_map_has_no_remote_assets(tmp_path: Path) -> None:
    _needs_leaflet()
    page = webmap.render_webmap(make_layers(), tmp_path / "m.html", offline=True).read_text(
        encoding="utf-8"
    )
    assert REMOTE_ASSET.search(page) is None, REMOTE_ASSET.search(page)
    assert "L.tileLayer" not in page
    assert "L.map(" in page and "fc-switch" in page
    assert "leaflet-container" in page  # Leaflet's CSS is inlined
    assert "data:image/png;base64," in page  # ... with its images
    assert "jquery" not in page.lower() and "$(" not in page
    for name in NAMES:
        assert name in page


def test_offline_without_leaflet_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)
    with pytest.raises(OutputError, match="xstatic-leaflet"):
        webmap.render_webmap(make_layers(), tmp_path / "m.html", offline=True)
    assert not (tmp_path / "m.html").exists()


def test_names_are_escaped(tmp_path: Path) -> None:
    layers = make_layers()
    stations = layers.stations.copy()
    stations.loc[0, "name"] = "<script>alert(1)</script>站"
    page = webmap.render_webmap(
        CoverageLayers(stations=stations, meta=layers.meta), tmp_path / "m.html", offline=False
    ).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "\\u003cscript" not in page  # not merely JSON-escaped: HTML-escaped first
    assert "&lt;script&gt;alert(1)&lt;/script&gt;站" in page.replace("\\u0026", "&")


def test_minimal_layers(tmp_path: Path) -> None:
    layers = make_layers()
    out = webmap.render_webmap(CoverageLayers(roads=layers.roads), tmp_path / "r.html")
    assert "L.map(" in out.read_text(encoding="utf-8")


def test_failed_write_leaves_existing_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "m.html"
    dest.write_text("old map", encoding="utf-8")

    def crash(*args: object, **kwargs: object) -> str:
        raise RuntimeError("template crashed")

    monkeypatch.setattr(webmap, "_unescape_unicode", crash)
    with pytest.raises(RuntimeError, match="template crashed"):
        webmap.render_webmap(make_layers(), dest)
    assert dest.read_text(encoding="utf-8") == "old map"
    with pytest.raises(OutputError, match="also an input"):
        webmap.render_webmap(make_layers(), dest, inputs=[dest])


def test_unescape_unicode_keeps_js_meaning() -> None:
    raw = r'"\u6d88\u9632" \\u6d88 \u0041 \u2028 \ud83d'
    assert webmap._unescape_unicode(raw) == r'"消防" \\u6d88 \u0041 \u2028 \ud83d'


def test_large_layers_are_left_out_or_thinned(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    layers = make_layers()
    full = webmap.render_webmap(layers, tmp_path / "full.html", offline=True).read_text("utf-8")
    assert "需求网格" in full
    monkeypatch.setattr(webmap_layers, "MAX_WEB_CELLS", len(layers.cells) - 1)
    monkeypatch.setattr(webmap_layers, "MAX_WEB_ROADS", len(layers.roads) - 1)
    small = webmap.render_webmap(layers, tmp_path / "small.html", offline=True).read_text("utf-8")
    assert "需求网格" not in small  # the cells layer is gone
    assert len(small) < len(full)
    assert "辖区 Jurisdiction" in small and "道路 Roads" in small


def test_approximate_stations_get_a_dashed_ring(tmp_path: Path) -> None:
    import dataclasses

    import numpy as np

    layers = make_layers()
    st = layers.stations.copy()
    st["approximate"] = [True] + [False] * (len(st) - 1)
    st["precision_m"] = [250.0] + [np.nan] * (len(st) - 1)
    page = webmap.render_webmap(dataclasses.replace(layers, stations=st),
                                tmp_path / "m.html").read_text(encoding="utf-8")  # fmt: skip
    assert "位置为近似 location approximate" in page and "±250 m" in page
    assert '"radius": 250.0' in page and '"dashArray": "6 4"' in page


def _years() -> list[CoverageLayers]:
    import dataclasses

    later = make_layers(year=2024)
    first = dataclasses.replace(make_layers(year=2021),
                                stations=later.stations.iloc[:2].copy())  # fmt: skip
    return [first, later]


def _switch(page: str) -> tuple[list[str], dict[str, list[str]]]:
    years = json.loads(re.search(r"years = (\[[^\]]*\])", page).group(1))  # type: ignore[union-attr]
    body = re.search(r"groups = (\{.*?\}\}), shared", page).group(1)  # type: ignore[union-attr]
    groups = {y: re.findall(r'"(\w+)":feature_group_', per)
              for y, per in re.findall(r'"(\d*)":\{([^{}]*)\}', body)}  # fmt: skip
    return years, groups


def test_one_group_per_year_with_a_switch(tmp_path: Path) -> None:
    page = webmap.render_webmap(_years(), tmp_path / "m.html").read_text("utf-8")
    years, groups = _switch(page)
    assert years == ["2021", "2024"]
    assert set(groups) == {"2021", "2024"}
    for per in groups.values():
        assert {"jurisdictions", "gaps", "service_5", "stations"} <= set(per)
    assert 'name="fc-year"' in page  # the radio buttons are built from the years


def test_every_time_break_is_its_own_layer_with_a_legend_row(tmp_path: Path) -> None:
    import dataclasses

    import pandas as pd

    layers = make_layers()
    sa = layers.service_areas
    more = [sa.assign(minutes=m, driving_min=m - 1) for m in (3.0, 8.0)]
    layers = dataclasses.replace(layers, service_areas=pd.concat([sa, *more], ignore_index=True))
    page = webmap.render_webmap(layers, tmp_path / "m.html", lang="en").read_text("utf-8")
    _, groups = _switch(page)
    assert [k for k in groups["2025"] if k.startswith("service_")] == [
        "service_3", "service_5", "service_8"]  # fmt: skip
    rows = re.findall(r'data-label="(Reached in [^"]*)"', page)
    assert rows == ["Reached in 3 min", "Reached in 5 min (response budget)", "Reached in 8 min"]
    # shorter than the budget blue, the budget dark green, longer orange (hand-picked palette)
    assert webmap_layers.break_colours([3.0, 5.0, 8.0], 5.0) == {
        3.0: "#0d47a1", 5.0: "#1b5e20", 8.0: "#ef6c00"}  # fmt: skip
    for colour in ("#0d47a1", "#1b5e20", "#ef6c00"):  # legend swatch and drawn style agree
        assert f'stroke="{colour}"' in page and f'"color": "{colour}"' in page


def test_chinese_page_has_no_english_labels(tmp_path: Path) -> None:
    page = webmap.render_webmap(_years(), tmp_path / "m.html", lang="zh").read_text("utf-8")
    shown = re.findall(r'data-label="([^"]*)"', page) + re.findall(r'label:"([^"]*)"', page)
    shown += re.findall(r'"aliases": \[([^\]]*)\]', page)
    assert shown and not [s for s in shown if re.search(r"[A-Za-z]{3,}", s)], shown
    assert "图例" in page and "规划年份" in page and "离线地图" in page
    assert "微软雅黑" in page and "Noto Sans CJK SC" in page  # the CJK font stack


def test_no_basemap_unless_asked_and_attribution_escaped(tmp_path: Path) -> None:
    _needs_leaflet()
    page = webmap.render_webmap(make_layers(), tmp_path / "a.html").read_text("utf-8")
    assert "L.tileLayer(" not in page.split("</script>", 1)[1]  # only Leaflet's own code has it
    hostile = TileSource("https://t.example/{z}/{x}/{y}.png", "<img src=x onerror=alert(1)>")
    page = webmap.render_webmap(make_layers(), tmp_path / "b.html", tiles=hostile).read_text(
        "utf-8"
    )
    assert "https://t.example/{z}/{x}/{y}.png" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page.replace("\\u0026", "&")
