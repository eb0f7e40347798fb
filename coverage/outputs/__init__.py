"""Writers of what a planner opens: coverage layers, GeoPackage, PNG and HTML maps, fonts.

Owns the layer schema (:class:`CoverageLayers`, one schema for GeoPackage, maps and reports),
the GeoPackage writer and reader, the static map (matplotlib, CJK labels, legend, scale bar,
north arrow), the offline HTML map (folium with vendored Leaflet) and CJK font discovery. Each
wing above writes its own reports with these (``analysis.report``, ``site.report``,
``plan.report``); a new document format (Word, Excel, PDF) belongs here.

May import: :mod:`firecover.traveltime`, :mod:`firecover.standards`, :mod:`firecover.network`
and the package root.
"""

from __future__ import annotations

from .atlas import atlas_pages, render_atlas
from .fonts import find_cjk_font
from .layers import (
    GPKG_LAYER_NAMES,
    LAYER_COLUMNS,
    SYNTHETIC_LABEL,
    CoverageLayers,
    CoverageMeta,
    read_geopackage,
    write_geopackage,
)
from .maps import render_map
from .risk_draw import risk_overlay
from .webmap import render_webmap
from .webmap_tiles import TileSource, check_tiles

__all__ = [
    "GPKG_LAYER_NAMES",
    "LAYER_COLUMNS",
    "SYNTHETIC_LABEL",
    "CoverageLayers",
    "CoverageMeta",
    "TileSource",
    "atlas_pages",
    "check_tiles",
    "find_cjk_font",
    "read_geopackage",
    "render_atlas",
    "render_map",
    "render_webmap",
    "risk_overlay",
    "write_geopackage",
]
