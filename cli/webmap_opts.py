"""``--tiles URL --tiles-attribution TEXT``: the optional basemap of every command that writes
an HTML map (off by default, so the page stays offline)."""

from __future__ import annotations

from typing import Any

import click

from firecover.outputs.webmap_tiles import TileSource, check_tiles

__all__ = ["tiles_from", "tiles_options"]


def tiles_options(f: Any) -> Any:
    """Add ``--tiles`` and ``--tiles-attribution`` to a command."""
    f = click.option(
        "--tiles-attribution", default=None, metavar="TEXT",
        help="Credit line of the tile server, shown on the map (required with --tiles).",
    )(f)  # fmt: skip
    return click.option(
        "--tiles", default=None, metavar="URL",
        help="Basemap tiles for map.html, a URL with {z}/{x}/{y} (e.g. "
             "https://tile.openstreetmap.org/{z}/{x}/{y}.png or a Tianditu WMTS URL). "
             "Default none: the page makes no network request.",
    )(f)  # fmt: skip


def tiles_from(kw: dict[str, Any]) -> TileSource | None:
    """The checked basemap of a command's ``tiles`` / ``tiles_attribution`` (removed from
    ``kw``); a bad pair raises :class:`~firecover._errors.DataFormatError` before any work."""
    return check_tiles(kw.pop("tiles", None), kw.pop("tiles_attribution", None))
