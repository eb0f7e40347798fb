"""The ``--risk FILE|osm`` option shared by ``evaluate`` and ``site`` (risk objects, 增援)."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["risk_option"]

RISK_HELP = (
    "Risk objects (高层/大型综合体/地下/危化品/重点单位/文物古建 or your own class): a CSV "
    "(name, class, lon, lat, datum; Chinese headers accepted), GPKG, SHP or GeoJSON file, an "
    ".osm/.pbf file, or 'osm' for the OpenStreetMap file the road graph came from (tag rules: "
    "data/risk_rules.toml). Reports list objects outside their required time and the 2nd/3rd "
    "arrivals."
)


def risk_option(f: Any) -> Any:
    """Add ``--risk`` (a string: a path or ``osm``; the library checks the file)."""
    return click.option(
        "--risk", "risk", type=str, default=None, metavar="FILE|osm", help=RISK_HELP
    )(f)
