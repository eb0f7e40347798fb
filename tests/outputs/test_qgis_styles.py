"""QGIS styles in the GeoPackage (``firecover.outputs.qgis_styles``).

Oracles: the QML parsed back as XML (every layer's renderer, categories and aliases), the PNG
map's own station palette for the jurisdiction colours, and GDAL's ``ogrinfo`` reading the
``layer_styles`` table of a written GeoPackage.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from layer_data import make_layers

from firecover.outputs.glossary import glossary
from firecover.outputs.layers import GPKG_LAYER_NAMES, write_geopackage
from firecover.outputs.maps import station_colours
from firecover.outputs.qgis_styles import layer_qml


def _qml(name: str, lang: str = "zh") -> ET.Element:
    layers = make_layers()
    frame = dict(layers.layers())[name]
    colours = station_colours(layers.jurisdictions["station"])
    text = layer_qml(name, frame, colours=colours, response_min=5.0, lang=lang)
    return ET.fromstring(text.split("\n", 1)[1])


def test_jurisdictions_coloured_as_the_png() -> None:
    layers = make_layers()
    colours = station_colours(layers.jurisdictions["station"])
    root = _qml("jurisdictions")
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "station"
    cats = renderer.findall("categories/category")
    assert [c.get("value") for c in cats] == list(layers.jurisdictions["station"].astype(str))
    for cat in cats:
        sym = renderer.find(f"symbols/symbol[@name='{cat.get('symbol')}']")
        assert sym is not None
        colour = sym.find("layer/prop[@k='color']").get("v")  # type: ignore[union-attr]
        r, g, b, _ = (int(v) for v in colour.split(","))
        assert f"#{r:02x}{g:02x}{b:02x}" == colours[cat.get("value")]


def test_stations_gaps_and_aliases() -> None:
    root = _qml("stations")
    cats = {c.get("value"): c.get("label") for c in root.findall("renderer-v2/categories/category")}
    assert cats == {"existing": "现状消防站", "proposed": "规划消防站"}
    assert root.find("labeling/settings/text-style").get("fieldName") == "name"  # type: ignore[union-attr]
    aliases = {a.get("field"): a.get("name") for a in root.findall("aliases/alias")}
    assert aliases["name"] == glossary("zh")("station") and aliases["status"] == "状态"
    gaps = _qml("gaps")
    styles = [p.get("v") for p in gaps.findall(".//prop[@k='style']")]
    assert "b_diagonal" in styles  # hatched, as on the PNG
    assert _qml("cells").find("renderer-v2").get("type") == "graduatedSymbol"  # type: ignore[union-attr]
    en = {a.get("field"): a.get("name") for a in _qml("stations", "en").findall("aliases/alias")}
    assert en["status"] == "Status"


def test_layer_styles_table_in_the_geopackage(tmp_path: Path) -> None:
    path = write_geopackage(make_layers(), tmp_path / "l.gpkg", lang="zh")
    table = pyogrio.read_dataframe(path, layer="layer_styles")
    written = {n for n, _ in pyogrio.list_layers(path)} - {"metadata", "layer_styles"}
    assert set(table["f_table_name"]) == written
    assert set(table["f_table_name"]) <= set(GPKG_LAYER_NAMES.values())
    assert table["useAsDefault"].astype(bool).all()
    assert (table["f_geometry_column"] == "geom").all()
    if shutil.which("ogrinfo") is None:
        pytest.skip("GDAL's ogrinfo (gdal-bin) is not installed")
    out = subprocess.run(["ogrinfo", "-ro", "-q", str(path), "layer_styles"], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    assert "f_table_name (String) = jurisdictions" in out and "<qgis" in out


def test_every_layer_kind_has_a_style() -> None:
    """Each layer of the schema gets a QML (a new layer without one would fail a whole run)."""
    from firecover.outputs.layers import LAYER_COLUMNS

    for name in LAYER_COLUMNS:
        frame = gpd.GeoDataFrame({c: [] for c in LAYER_COLUMNS[name]}, geometry=[],
                                 crs="EPSG:32650")  # fmt: skip
        assert "<qgis" in layer_qml(name, frame, colours={}, response_min=5.0, lang="zh")


def test_search_zones_dashed_purple_and_labelled_by_site() -> None:
    """The optimum's search zones (选址范围) as on the PNG: dashed purple outline, site labels."""
    from firecover.outputs.zones_draw import ZONE_COLOUR

    frame = gpd.GeoDataFrame({"site": ["S1"], "n_candidates": [3], "loss": [0.01]},
                             geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:32650")  # fmt: skip
    root = ET.fromstring(layer_qml("search_zones", frame, colours={}, response_min=5.0,
                                   lang="zh").split("\n", 1)[1])  # fmt: skip
    r, g, b, _ = (int(v) for v in root.find(".//prop[@k='outline_color']").get("v").split(","))  # type: ignore[union-attr]
    assert f"#{r:02x}{g:02x}{b:02x}" == ZONE_COLOUR
    assert root.find(".//prop[@k='outline_style']").get("v") == "dash"  # type: ignore[union-attr]
    assert root.find("labeling/settings/text-style").get("fieldName") == "site"  # type: ignore[union-attr]
    aliases = {a.get("field"): a.get("name") for a in root.findall("aliases/alias")}
    assert aliases["site"] == glossary("zh")("site")


def test_roads_aliases_and_class_labels() -> None:
    root = _qml("roads")
    aliases = {a.get("field"): a.get("name") for a in root.findall("aliases/alias")}
    assert aliases["name"] == "道路名称" and aliases["road_class"] == "道路等级"  # not 消防站
    cats = {c.get("value"): c.get("label") for c in root.findall("renderer-v2/categories/category")}
    assert cats["motorway"] == "快速路" and cats["primary"] == "主干路"
