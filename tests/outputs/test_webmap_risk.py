"""Risk objects on the HTML map (``firecover.outputs.webmap_risk``).

Oracle: the hand-built objects themselves: every class appears in the page's legend and
popups with its required time, first station and minutes; exactly the late object is ringed.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from firecover.outputs.webmap import render_webmap
from firecover.outputs.webmap_risk import LATE_RED
from tests.layer_data import make_layers


def _with_risk() -> object:
    layers = make_layers()
    b = layers.total_bounds()
    layers.risk_objects = gpd.GeoDataFrame(
        {"name": ["于家堡大厦", "南港储罐"], "risk_class": ["high_rise", "hazmat"],
         "class_zh": ["高层建筑", "危化品"], "class_en": ["High-rise", "Hazardous chemicals"],
         "required_min": [5.0, 5.0], "first_station": ["文化路消防救援站", "兴业路消防救援站"],
         "first_min": [3.2, 7.4], "on_time": [True, False]},
        geometry=gpd.points_from_xy([b[0] + 300, b[0] + 1500], [b[1] + 500, b[1] + 900]),
        crs=layers.crs,
    )  # fmt: skip
    return layers


@pytest.mark.parametrize(("lang", "words"), [("zh", ("重点风险对象", "高层建筑", "危化品",
                                                      "首到站", "超出要求时间")),
                                             ("en", ("Risk objects", "High-rise", "First station",
                                                     "outside its required time"))])  # fmt: skip
def test_webmap_has_the_risk_layer(tmp_path: Path, lang: str, words: tuple[str, ...]) -> None:
    page = render_webmap(_with_risk(), tmp_path / "m.html", offline=True,  # type: ignore[arg-type]
                         lang=lang).read_text(encoding="utf-8")  # fmt: skip
    for w in words:
        assert w in page, w
    assert "兴业路消防救援站 7.4 min" in page and "5.0 min" in page
    assert page.count(f'"color": "{LATE_RED}"') == 1  # the late object only
    assert "$(`" not in page  # no jQuery popup (not inlined: the offline page would break)


def test_without_risk_objects_no_layer(tmp_path: Path) -> None:
    page = render_webmap(make_layers(), tmp_path / "m.html", offline=True,
                         lang="zh").read_text(encoding="utf-8")  # fmt: skip
    assert "重点风险对象" not in page
