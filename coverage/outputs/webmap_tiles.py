"""An optional basemap for the HTML map: a tile server URL and its attribution, checked.

The HTML map is offline by default (no tile layer, no request leaves the page). A planner who
wants a basemap names a tile server, e.g. OpenStreetMap
(``https://tile.openstreetmap.org/{z}/{x}/{y}.png``, attribution "© OpenStreetMap contributors")
or a Tianditu WMTS URL with ``TILEMATRIX={z}&TILEROW={y}&TILECOL={x}`` and its key. Tile
servers' terms require their attribution, so one is demanded whenever a URL is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from firecover._errors import DataFormatError

__all__ = ["TileSource", "check_tiles"]

_PLACEHOLDERS = ("{z}", "{x}", "{y}")
_SCHEME = re.compile(r"^https?://[^\s/{}]", re.I)
#: Placeholders Leaflet's ``L.tileLayer`` fills in (``{s}`` subdomain, ``{r}`` retina, ``{-y}``).
_KNOWN = re.compile(r"\{(?:z|x|y|-y|s|r)\}")


@dataclass(frozen=True)
class TileSource:
    """A checked tile server: Leaflet URL template and the attribution shown on the map.

    Attributes
    ----------
    url : str
        ``http(s)://`` template with ``{z}``, ``{x}`` and ``{y}`` (also ``{s}``, ``{r}``,
        ``{-y}`` as Leaflet reads them).
    attribution : str
        Plain text shown in the map's corner (HTML-escaped when written).
    """

    url: str
    attribution: str


def check_tiles(url: str | None, attribution: str | None) -> TileSource | None:
    """The basemap of ``--tiles URL --tiles-attribution TEXT``, or ``None`` (offline map).

    Raises
    ------
    DataFormatError
        An attribution without a URL, a URL that is not ``http(s)://`` or lacks one of
        ``{z}``, ``{x}``, ``{y}``, an unknown ``{…}`` placeholder, or a URL without attribution.
    """
    url = (url or "").strip()
    text = " ".join((attribution or "").split())
    if not url:
        if text:
            raise DataFormatError("--tiles-attribution given without --tiles; add --tiles URL")
        return None
    if not _SCHEME.match(url):
        raise DataFormatError(
            f"--tiles {url!r} is not an http(s) URL; give e.g. "
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
    y_ok = "{y}" in url or "{-y}" in url
    missing = [p for p in _PLACEHOLDERS if p not in url and not (p == "{y}" and y_ok)]
    if missing:
        raise DataFormatError(
            f"--tiles URL lacks {', '.join(missing)}; a tile URL needs {{z}}, {{x}} and {{y}}"
        )
    unknown = sorted(set(re.findall(r"\{[^{}]*\}", url)) - set(_KNOWN.findall(url)))
    if unknown:
        raise DataFormatError(
            f"--tiles URL has unknown placeholder(s) {', '.join(unknown)}; "
            "use {z}, {x}, {y}, {s}, {r} or {-y}"
        )
    if not text:
        raise DataFormatError(
            "--tiles needs --tiles-attribution TEXT (the tile server's required credit, "
            'e.g. "© OpenStreetMap contributors")'
        )
    return TileSource(url, text)
