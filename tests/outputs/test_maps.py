"""Static PNG map: output, Chinese glyphs, fallback without a CJK font, atomic write."""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.image
import pandas as pd
import pytest
from layer_data import NAMES, make_layers
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

import firecover.outputs.fonts as _fonts
import firecover.outputs.map_layers as map_layers
import firecover.outputs.maps as maps
from firecover._errors import OutputError
from firecover.outputs import SYNTHETIC_LABEL, CoverageLayers
from firecover.outputs.glossary import glossary

HAS_PACKAGED_FONT = importlib.util.find_spec("noto_cjk_sans_otc") is not None


@pytest.fixture(autouse=True)
def _fresh_font_search() -> Iterator[None]:
    _fonts.reset_cache()
    yield
    _fonts.reset_cache()


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend no font with Chinese glyphs exists anywhere."""
    monkeypatch.delenv(_fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(_fonts, "SC_FAMILIES", ())
    monkeypatch.setattr(_fonts, "OTHER_FAMILIES", ())
    monkeypatch.setattr(_fonts, "packaged_font_paths", lambda: [])
    monkeypatch.setattr(_fonts, "_from_scan", lambda: None)


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def test_render_map_png(tmp_path: Path) -> None:
    out = maps.render_map(make_layers(), tmp_path / "maps" / "coverage.png", dpi=80)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000
    height, width = matplotlib.image.imread(out).shape[:2]
    assert 700 < width < 1400 and 400 < height < 1300
    assert [p.name for p in out.parent.iterdir()] == ["coverage.png"]


def test_cjk_font_has_glyphs() -> None:
    font = _fonts.find_cjk_font()
    if font is None:
        if HAS_PACKAGED_FONT:
            pytest.fail("noto-cjk-sans-otc is installed but no CJK font was found")
        pytest.skip("no CJK font here: pip install noto-cjk-sans-otc")
    ft = FT2Font(font.path, face_index=font.index)
    assert all(ft.get_char_index(ord(ch)) != 0 for ch in "消防站虚构示例数据")
    resolved = font_manager.findfont(font_manager.FontProperties(family=font.family),
                                     fallback_to_default=False)  # fmt: skip
    assert Path(resolved) == Path(font.path)
    assert _fonts.font_families()[0] == font.family


@pytest.mark.skipif(not HAS_PACKAGED_FONT, reason="needs noto-cjk-sans-otc")
def test_packaged_font_prefers_simplified_chinese_face(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fonts, "SC_FAMILIES", ())
    font = _fonts.find_cjk_font()
    assert font is not None
    assert font.source == "package:noto_cjk_sans_otc"
    assert font.family.endswith(" SC")


def test_chinese_renders_without_missing_glyphs(tmp_path: Path) -> None:
    if _fonts.find_cjk_font() is None:
        pytest.skip("no CJK font here: pip install noto-cjk-sans-otc")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        maps.render_map(make_layers(), tmp_path / "m.png", dpi=60)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_env_var_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    font = _fonts.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font here")
    monkeypatch.setenv(_fonts.ENV_VAR, font.path)
    _fonts.reset_cache()
    found = _fonts.find_cjk_font()
    assert found is not None and found.source == "env"
    monkeypatch.setenv(_fonts.ENV_VAR, str(tmp_path / "missing.ttf"))
    _fonts.reset_cache()
    assert _fonts.find_cjk_font() is not None  # falls back to the search


def test_no_cjk_font_warns_once_and_renders(
    tmp_path: Path, no_cjk_font: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="firecover")
    layers = make_layers()
    for name in ("a.png", "b.png"):
        out = maps.render_map(layers, tmp_path / name, dpi=50)
        assert out.stat().st_size > 5_000
    warned = [r for r in caplog.records if "no font with Chinese glyphs" in r.getMessage()]
    assert len(warned) == 1
    assert _fonts.font_families() == [_fonts.LATIN_FAMILY]


def test_synthetic_stamp_and_budget_title() -> None:
    both = glossary("both")
    fig = maps._draw(make_layers(synthetic=True), "测试区", set(maps.DEFAULT_SHOW), both)
    texts = _texts(fig)
    assert SYNTHETIC_LABEL in texts
    assert any("5 min = 1 turnout + 4 driving" in t for t in texts)
    assert all(name in texts for name in NAMES)
    assert any("km" in t for t in texts)  # scale bar
    assert "N" in texts  # north arrow
    real = _texts(maps._draw(make_layers(synthetic=False), "t", set(maps.DEFAULT_SHOW),
                             glossary("both")))  # fmt: skip
    assert SYNTHETIC_LABEL not in real


def test_stamp_without_cjk_font_is_latin() -> None:
    fig = maps._draw(make_layers(synthetic=True), "t", set(maps.DEFAULT_SHOW), glossary("en"))
    assert "SYNTHETIC DEMO DATA" in _texts(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legend_in_one_language(lang: str) -> None:
    """The legend, summary and budget line carry only the chosen language's glossary words."""
    fig = maps._draw(make_layers(), "t", set(maps.DEFAULT_SHOW), glossary(lang))
    texts = " ".join(_texts(fig))
    zh, en = glossary("zh"), glossary("en")
    legend = fig.axes[1].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert legend.get_title().get_text() == (zh if lang == "zh" else en)("legend")
    keep, drop = (zh, en) if lang == "zh" else (en, zh)
    assert keep("boundary") in labels and keep("existing_station") in labels
    assert drop("boundary") not in texts and drop("summary") not in texts
    assert keep("budget_short", total=5, turnout=1, driving=4) in texts


def test_cells_layer_and_minimal_layers(tmp_path: Path) -> None:
    full = make_layers()
    cells = full.cells.copy()
    cells.loc[[0, 5], "best_min"] = float("inf")  # unreachable cells are drawn grey
    with_inf = CoverageLayers(cells=cells, stations=full.stations, meta=full.meta)
    fig = maps._draw(with_inf, "t", {"cells", "stations"}, glossary("both"))
    assert len(fig.axes) == 3  # map, side panel, colour bar
    maps.render_map(full, tmp_path / "cells.png", show=("cells", "stations"), dpi=50)
    only_roads = CoverageLayers(roads=full.roads, meta={"synthetic": False})
    assert maps.render_map(only_roads, tmp_path / "roads.png", dpi=50).exists()


def test_unknown_layer_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown map layer"):
        maps.render_map(make_layers(), tmp_path / "x.png", show=("roads", "heat"))


@pytest.mark.parametrize(
    ("width_m", "expected"),
    [(2000.0, 250.0), (4200.0, 500.0), (10_000.0, 2000.0), (123.0, 20.0), (60_000.0, 10_000.0)],
)
def test_nice_scale_length(width_m: float, expected: float) -> None:
    assert maps.nice_scale_length(width_m) == expected


def test_station_colours() -> None:
    colours = maps.station_colours(["乙站", "甲站", "乙站"])
    assert set(colours) == {"甲站", "乙站"}
    assert len(set(colours.values())) == 2
    assert "#d62728" not in colours.values()  # tab10 red is reserved for stations and gaps
    assert maps.station_colours(["甲站", "乙站"]) == colours


def test_failed_render_leaves_existing_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "m.png"
    dest.write_bytes(b"old map")

    def half_then_crash(self: Figure, fname: Any, **kwargs: object) -> None:
        if hasattr(fname, "write"):  # the palette writer renders into memory first
            fname.write(b"\x89PNG half")
        else:
            Path(fname).write_bytes(b"\x89PNG half")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(Figure, "savefig", half_then_crash)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        maps.render_map(make_layers(), dest)
    assert dest.read_bytes() == b"old map"
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]


def test_refuses_to_overwrite_input(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    src.write_bytes(b"input")
    with pytest.raises(OutputError, match="also an input"):
        maps.render_map(make_layers(), src, inputs=[src])


def test_service_areas_at_budget_only() -> None:
    areas = make_layers().service_areas
    early = areas.assign(minutes=3.0, driving_min=2.0)
    both = pd.concat([early, areas], ignore_index=True)
    assert set(map_layers._at_budget(both, 5.0)["minutes"]) == {5.0}
    assert len(map_layers._at_budget(early, 5.0)) == len(early)  # no budget row: draw what there is


def test_approximate_stations_are_drawn_as_such() -> None:
    """Issue 12: an approximate location gets a dashed hollow ring, a dashed circle of its
    precision_m (radius in metres, measured on the patch) and a legend entry."""
    import dataclasses

    import numpy as np
    from matplotlib.patches import Circle

    layers = make_layers()
    st = layers.stations.copy()
    st["approximate"] = [True] + [False] * (len(st) - 1)
    st["precision_m"] = [300.0] + [np.nan] * (len(st) - 1)
    fig = maps._draw(dataclasses.replace(layers, stations=st), "t", set(maps.DEFAULT_SHOW), True)
    texts = _texts(fig)
    assert any("Approximate location" in t and "位置为近似" in t for t in texts)
    rings = [p for ax in fig.axes for p in ax.patches if isinstance(p, Circle)]
    assert len(rings) == 1 and rings[0].get_radius() == 300.0
    assert rings[0].center == (st.geometry.x.iloc[0], st.geometry.y.iloc[0])
    assert rings[0].get_linestyle() == "--"
    plain = _texts(maps._draw(make_layers(), "t", set(maps.DEFAULT_SHOW), True))
    assert not any("Approximate location" in t for t in plain)
