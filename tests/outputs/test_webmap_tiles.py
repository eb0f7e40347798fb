"""``--tiles URL --tiles-attribution TEXT``: what is accepted and each refusal."""

from __future__ import annotations

import pytest

from firecover._errors import DataFormatError
from firecover.outputs.webmap_tiles import TileSource, check_tiles

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TIANDITU = ("http://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec"
            "&TILEMATRIXSET=w&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY")  # fmt: skip


def test_off_by_default() -> None:
    assert check_tiles(None, None) is None
    assert check_tiles("  ", "") is None


@pytest.mark.parametrize("url", [OSM, TIANDITU, "https://a.b/{z}/{x}/{-y}{r}.png"])
def test_accepted(url: str) -> None:
    assert check_tiles(url, "  © someone  ") == TileSource(url, "© someone")


@pytest.mark.parametrize(
    ("url", "attribution", "match"),
    [
        (None, "© x", "without --tiles"),
        ("tile.openstreetmap.org/{z}/{x}/{y}.png", "© x", "not an http"),
        ("file:///tiles/{z}/{x}/{y}.png", "© x", "not an http"),
        ("https://a.b/{z}/{x}.png", "© x", r"lacks \{y\}"),
        ("https://a.b/{x}/{y}.png", "© x", r"lacks \{z\}"),
        ("https://a.b/{z}/{x}/{y}/{key}.png", "© x", r"unknown placeholder.*\{key\}"),
        (OSM, None, "needs --tiles-attribution"),
        (OSM, "   ", "needs --tiles-attribution"),
    ],
)
def test_refused(url: str | None, attribution: str | None, match: str) -> None:
    with pytest.raises(DataFormatError, match=match) as info:
        check_tiles(url, attribution)
    assert "\n" not in str(info.value) and isinstance(info.value, ValueError)
