"""Station files: CSV, GeoJSON or TOML lists of stations for the coverage commands.

A station file gives at least ``name``, ``lon``, ``lat`` and ``class`` per station. Optional
columns are those of a scenario's ``[[station]]`` table (``status``, ``year``, ``build_type``,
``urban_edge``, ``datum``, ``source``, ``name_en``) plus ``crs`` (a GeoJSON ``crs`` member
fills it for every feature):

* a datum name (``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000``) or ``EPSG:4326`` only labels the
  coordinates' datum; gcj02/bd09 are converted later by :mod:`firecover.network.coords`;
* any other CRS pyproj reads (EPSG code, URN, WKT) is converted to WGS-84 longitude/latitude with
  pyproj here: a geographic CRS (``EPSG:4490`` CGCS2000, ``EPSG:4214`` Beijing 1954, …) takes
  ``lon``/``lat`` in degrees, a projected one metres in ``lon``/``lat`` (or ``x``/``y``). Where
  PROJ knows no transformation for the place it uses a ballpark offset (logged as a warning,
  except for CGCS2000, which is within centimetres of WGS-84).
Missing ``status`` means ``existing``; missing ``source`` is filled with the file name.

Every row is validated exactly like a scenario station (same messages, same class aliases).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firecover._errors import DataFormatError, ScenarioError, UnsupportedCRSError
from firecover._io import read_text_utf8_or_gbk, require_file
from firecover._schema import Context, Table
from firecover.analysis.station_spec import StationSpec, name_key, read_stations, station_keys

if TYPE_CHECKING:
    from pyproj import CRS

__all__ = ["read_stations_file"]

log = logging.getLogger(__name__)

_DATUM_CRS = {"epsg:4326": "wgs84", "wgs84": "wgs84", "wgs-84": "wgs84"}
#: Datums a ballpark (no-shift) transformation to WGS-84 is accurate for (centimetres).
_NEAR_WGS84 = frozenset({"China 2000"})


def read_stations_file(
    path: str | os.PathLike[str], *, standards_profile: str | None = None
) -> list[StationSpec]:
    """Read and validate a station file (``.csv``, ``.geojson``/``.json`` or ``.toml``).

    Parameters
    ----------
    path : path
        The station file. CSV must be UTF-8 (a BOM is accepted) or GBK.
    standards_profile : str, optional
        Standards profile used to resolve station classes (default profile if ``None``).

    Returns
    -------
    list of StationSpec
        In file order.

    Raises
    ------
    InputFileError
        The file does not exist.
    DataFormatError
        Unsupported suffix, unreadable file, or no stations in it.
    ScenarioError
        A row fails validation (names the row, field and allowed values).
    """
    from firecover.standards.check import load_standards

    p = require_file(path, "station file")
    suffix = p.suffix.lower()
    readers = {".csv": _csv_rows, ".geojson": _geojson_rows, ".json": _geojson_rows,
               ".toml": _toml_rows}  # fmt: skip
    if suffix not in readers:
        raise DataFormatError(
            f"{p}: unsupported station file type {suffix or '(none)'}; use .csv, .geojson or .toml"
        )
    text, rows = readers[suffix](p)
    if not rows:
        raise DataFormatError(f"{p}: no stations found; add at least one row with name, lon, lat")
    rows = [_normalise(r, p) for r in rows]
    if suffix != ".toml":
        _check_unique(rows, p)  # TOML files get the scenario message with line numbers
    ctx = Context(str(p), text, p.parent)
    top = Table({"station": rows}, ctx, (), "top level", ("station",))
    kwargs, _ = read_stations(rows, top, load_standards(standards_profile))
    return [StationSpec(**kw) for kw in kwargs]


def _check_unique(rows: list[dict[str, Any]], p: Path) -> None:
    """Duplicate names, named by row (CSV / GeoJSON text has no TOML line to cite)."""
    seen: dict[str, int] = {}
    for i, row in enumerate(rows, 1):
        name = row.get("name")
        if not isinstance(name, str) or not name.strip():
            continue  # validation reports the missing name
        key = name_key(name)
        if key in seen:
            raise ScenarioError(
                f'{p}: station {i} ("{name.strip()}") field "name": duplicate: station '
                f"{seen[key]} has the same name; station names must be unique"
            )
        seen[key] = i


def _csv_rows(p: Path) -> tuple[str, list[dict[str, Any]]]:
    text = read_text_utf8_or_gbk(p)
    reader = csv.DictReader(text.splitlines())
    rows: list[dict[str, Any]] = []
    for row in reader:
        clean = {k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip()}
        if clean:
            rows.append(clean)
    return text, rows


def _geojson_rows(p: Path) -> tuple[str, list[dict[str, Any]]]:
    text = read_text_utf8_or_gbk(p)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{p}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise DataFormatError(f"{p}: not a GeoJSON FeatureCollection; export stations as one")
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name")
    rows = []
    for i, f in enumerate(feats, 1):
        geom = (f or {}).get("geometry") or {}
        if geom.get("type") != "Point":
            raise DataFormatError(f"{p}: feature {i} is not a Point; stations must be points")
        row = dict(f.get("properties") or {})
        coords = geom.get("coordinates")
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool)
                           for c in coords[:2])):  # fmt: skip
            raise DataFormatError(f"{p}: feature {i} is a Point without numeric coordinates; "
                                  "give [lon, lat] in its geometry")  # fmt: skip
        row["lon"], row["lat"] = coords[:2]
        if crs and "crs" not in row:
            short = crs.replace("urn:ogc:def:crs:", "").replace("::", ":")
            # "EPSG:…" short form for datum names; anything else (e.g. GDAL's default
            # "urn:ogc:def:crs:OGC:1.3:CRS84", whose short form pyproj rejects) as written
            row["crs"] = short if short.upper().startswith("EPSG:") else crs
        rows.append(row)
    return text, rows


def _toml_rows(p: Path) -> tuple[str, list[dict[str, Any]]]:
    text = read_text_utf8_or_gbk(p)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFormatError(f"{p}: invalid TOML: {exc}") from None
    rows = data.get("station", [])
    if not isinstance(rows, list):
        raise DataFormatError(f"{p}: write each station as a [[station]] table")
    return text, rows


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"true", "yes", "1", "是"}:
            return True
        if low in {"false", "no", "0", "否", ""}:
            return False
    return value


def _normalise(row: dict[str, Any], p: Path) -> dict[str, Any]:
    """Turn a flat row into a scenario ``[[station]]`` table (types, defaults, crs)."""
    out = {k: v for k, v in row.items() if k not in {"crs", "x", "y"}}
    for key in ("lon", "lat", "year"):
        if key in out:
            out[key] = _number(out[key])
    if "urban_edge" in out:
        out["urban_edge"] = _flag(out["urban_edge"])
    if "x" in row and "y" in row:
        out["lon"], out["lat"] = _number(row["x"]), _number(row["y"])
    out.setdefault("status", "existing")
    out.setdefault("source", f"station file {p.name}")
    crs = str(row.get("crs", "")).strip()
    if crs:
        _apply_crs(out, crs, p)
    unknown = set(out) - set(station_keys())
    if unknown:
        raise ScenarioError(
            f"{p}: station {out.get('name', '?')!r}: unknown column(s) {', '.join(sorted(unknown))}"
            f"; allowed: {', '.join(station_keys())}, crs, x, y"
        )
    return out


def _apply_crs(out: dict[str, Any], crs: str, p: Path) -> None:
    """Label a datum name, or convert a geographic / projected CRS to WGS-84 lon/lat."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    key = crs.strip().lower()
    folded = key.replace("-", "").replace("_", "").replace(" ", "")
    if folded in {"gcj02", "bd09", "cgcs2000", "wgs84"}:  # the scenario's datum words
        key = folded
    if key in _DATUM_CRS or key in {"gcj02", "bd09", "cgcs2000"}:
        out.setdefault("datum", _DATUM_CRS.get(key, key))
        return
    where = f"{p}: station {out.get('name', '?')!r}"
    try:
        src = CRS.from_user_input(crs)
    except CRSError:
        raise UnsupportedCRSError(
            f"{where}: unknown crs {crs!r}; use wgs84, gcj02, bd09 or an EPSG code"
        ) from None
    if not (src.is_geographic or src.is_projected):
        raise UnsupportedCRSError(
            f"{where}: crs {crs!r} is a {src.type_name}; use a geographic or projected CRS"
        )
    if src.equals("EPSG:4326", ignore_axis_order=True):
        return  # already WGS-84 longitude/latitude (e.g. OGC:CRS84)
    if not all(isinstance(out.get(k), int | float) for k in ("lon", "lat")):
        return  # validation reports the missing coordinates
    if src.is_geographic and not (abs(out["lon"]) <= 180 and abs(out["lat"]) <= 90):
        return  # validation reports out-of-range or swapped degrees
    _to_wgs84(out, src, crs, where)


def _to_wgs84(out: dict[str, Any], src: CRS, crs: str, where: str) -> None:
    """Replace ``out``'s lon/lat (degrees or metres in ``src``) by WGS-84 lon/lat."""
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    lon, lat = (float(v) for v in tr.transform(out["lon"], out["lat"]))
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise UnsupportedCRSError(
            f"{where}: ({out['lon']}, {out['lat']}) cannot be converted from {crs} to WGS-84; "
            "check the coordinates and the crs"
        )
    out["lon"], out["lat"] = lon, lat
    try:  # a CRS with several candidate transformations picks one per point
        used = tr.get_last_used_operation().description
    except ProjError:
        used = tr.description
    datum = src.datum.name if src.datum is not None else crs
    if "ballpark" in used.lower() and datum not in _NEAR_WGS84:
        log.warning(
            "%s: PROJ has no %s to WGS-84 transformation here; used a ballpark offset (may be "
            "off by tens of metres or more); give WGS-84 coordinates if accuracy matters",
            where,
            datum,
        )
    else:
        log.info("%s: converted from %s to WGS-84 (%s)", where, crs, used)
