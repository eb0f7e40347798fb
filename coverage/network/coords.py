"""Coordinate systems: WGS-84 ↔ GCJ-02 ↔ BD-09 and projection of points onto a road graph.

Chinese web maps publish coordinates on two obfuscated datums:

* **GCJ-02** ("Mars coordinates", 国测局坐标) — used by Gaode/AMap, Tencent and Google China.
  Inside China it sits a few hundred metres from WGS-84 (about 550 m east-north-east in Tianjin).
* **BD-09** (百度坐标) — Baidu's further rotation/offset of GCJ-02.

The formulas below are the widely circulated public reconstruction of the transform (as found in
many open-source packages such as ``eviltransform`` and ``coordTransform``): the Krasovsky 1940
ellipsoid (a = 6378245.0 m, e² = 0.00669342162296594323) and polynomial + sine terms in
(lng − 105°, lat − 35°). Outside a bounding box of China GCJ-02 equals WGS-84. The inverse
transforms are not closed-form; they are solved here by fixed-point iteration to below 1 mm.

CGCS2000 (China's geodetic datum, EPSG:4490) differs from WGS-84 by a few centimetres, which is
far below the accuracy of any road graph; it is treated as identical to WGS-84.

All functions are vectorised over numpy arrays and accept scalars or array-likes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyproj

from firecover._errors import CoordinateError, UnsupportedCRSError
from firecover._schema import fold
from firecover.settings import resolve

__all__ = [
    "DATUMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "datum_word",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "project_points",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

#: Datum names accepted by :func:`to_wgs84`, :func:`from_wgs84` and :func:`project_points`.
DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")

#: A datum column's words (folded: case, spaces, ``-`` and ``_`` ignored) → datum; the EPSG
#: codes of the two geodetic datums are accepted as their names.
_DATUM_WORDS: dict[str, str] = {
    **{d: d for d in DATUMS},
    "epsg:4326": "wgs84",
    "epsg:4490": "cgcs2000",
}


def datum_word(label: str) -> str | None:
    """The datum a file's datum column names (``"WGS-84"``, ``"GCJ02"``, ``"EPSG:4326"`` …), or
    None when the label is no datum word (it may still be a CRS string)."""
    return _DATUM_WORDS.get(fold(str(label)))


_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # BD-09 rotation constant
_BD_DX, _BD_DY = 0.0065, 0.006  # BD-09 offsets, degrees
_TOL_DEG = 1e-10  # inverse iteration tolerance, ~0.01 mm
_MAX_ITER = 40
_DEFAULT_MARGIN_FACTOR = 2.0  # extent margin = factor × snap_max_m


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lo = np.asarray(lon, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    lo, la = np.broadcast_arrays(lo, la)
    return lo.astype(np.float64, copy=True), la.astype(np.float64, copy=True)


def in_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Return True where a point lies in the rough bounding box where GCJ-02 is applied.

    The box (72.004–137.8347 E, 0.8293–55.8271 N) is the one used by the public formula.
    """
    lo, la = _arrays(lon, lat)
    return (lo >= 72.004) & (lo <= 137.8347) & (la >= 0.8293) & (la <= 55.8271)


def _delta_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """Latitude polynomial + sine term of the GCJ-02 formula; x = lng − 105, y = lat − 35."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lng(x: FloatArray, y: FloatArray) -> FloatArray:
    """Longitude polynomial + sine term of the GCJ-02 formula; x = lng − 105, y = lat − 35."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 to GCJ-02 (public formula; identity outside China).

    With x = lng − 105, y = lat − 35 and the polynomial + sine terms dlat(x, y), dlng(x, y),
    the offsets in degrees are::

        m = 1 − e² sin²(lat)
        Δlat = dlat · 180 / (a (1 − e²) / m^{3/2} · π)
        Δlng = dlng · 180 / (a / √m · cos(lat) · π)

    with a = 6378245.0 and e² = 0.00669342162296594323 (Krasovsky 1940).
    """
    lo, la = _arrays(lon, lat)
    dlat = _delta_lat(lo - 105.0, la - 35.0)
    dlng = _delta_lng(lo - 105.0, la - 35.0)
    radlat = np.radians(la)
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china(lo, la)
    return np.where(inside, lo + dlng, lo), np.where(inside, la + dlat, la)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    lon: FloatArray,
    lat: FloatArray,
    start: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(p) = (lon, lat) by the fixed-point iteration p ← p − (forward(p) − target)."""
    plon, plat = start
    for _ in range(_MAX_ITER):
        flon, flat = forward(plon, plat)
        dlon, dlat = flon - lon, flat - lat
        plon, plat = plon - dlon, plat - dlat
        err = np.maximum(np.abs(dlon), np.abs(dlat))
        if not np.any(err > _TOL_DEG):  # NaN-safe: NaN never compares greater
            break
    return plon, plat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 to WGS-84 by fixed-point iteration of :func:`wgs84_to_gcj02`.

    Starting from w₀ = g, iterate wₖ₊₁ = wₖ − (gcj(wₖ) − g); the shift varies slowly, so the
    error shrinks by about three orders of magnitude per step and is below 1 mm after a few
    steps (the one-step inverse is off by 1–2 m). Identity outside China.
    """
    lo, la = _arrays(lon, lat)
    return _invert(wgs84_to_gcj02, lo, la, (lo.copy(), la.copy()))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 to BD-09 (public formula).

    ``z = √(x² + y²) + 2e-5 · sin(y · x_π)``, ``θ = atan2(y, x) + 3e-6 · cos(x · x_π)``,
    ``bd = (z cos θ + 0.0065, z sin θ + 0.006)`` with x_π = π · 3000 / 180.
    """
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + _BD_DX, z * np.sin(theta) + _BD_DY


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 to GCJ-02.

    The published closed-form inverse (subtract the offsets, then remove the rotation with the
    signs flipped) is only approximate; it is used as the starting point of a fixed-point
    iteration on :func:`gcj02_to_bd09`, which converges below 1 mm.
    """
    bx, by = _arrays(lon, lat)
    x, y = bx - _BD_DX, by - _BD_DY
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    start = (z * np.cos(theta), z * np.sin(theta))
    return _invert(gcj02_to_bd09, bx, by, start)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 to WGS-84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _normalise_datum(datum: str) -> str:
    key = str(datum).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key not in DATUMS:
        raise CoordinateError(
            f"unknown datum {datum!r}; use one of {', '.join(DATUMS)} "
            "(cgcs2000 is treated as wgs84)"
        )
    return key


def to_wgs84(lon: ArrayLike, lat: ArrayLike, datum: str) -> tuple[FloatArray, FloatArray]:
    """Convert longitude/latitude on ``datum`` to WGS-84.

    Parameters
    ----------
    lon, lat : array_like
        Degrees, longitude first.
    datum : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        Case, ``-`` and ``_`` are ignored ("GCJ-02" works). ``cgcs2000`` is returned unchanged:
        it differs from WGS-84 by centimetres.

    Raises
    ------
    CoordinateError
        For an unknown datum.
    """
    key = _normalise_datum(datum)
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    return _arrays(lon, lat)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, datum: str) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to ``datum`` (inverse of :func:`to_wgs84`)."""
    key = _normalise_datum(datum)
    if key == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if key == "bd09":
        return wgs84_to_bd09(lon, lat)
    return _arrays(lon, lat)


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    try:
        return pyproj.Transformer.from_crs(src, dst, always_xy=True)
    except pyproj.exceptions.CRSError as exc:
        raise UnsupportedCRSError(
            f"cannot transform from {src!r} to {dst!r} ({exc}); give an EPSG code like EPSG:32650"
        ) from None


def _crs(value: str | pyproj.CRS) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        raise UnsupportedCRSError(
            f"unknown coordinate reference system {value!r}; give an EPSG code like EPSG:32650"
        ) from None


def _check_finite(lon: FloatArray, lat: FloatArray) -> None:
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise CoordinateError(
            f"{int(bad.sum())} point(s) have missing or non-numeric coordinates (first at row "
            f"{first}); fill or drop them"
        )


def _check_degrees(lon: FloatArray, lat: FloatArray) -> None:
    bad = (np.abs(lat) > 90.0) | (np.abs(lon) > 180.0)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    where = f"(first at row {first}: lon={lon[first]:g}, lat={lat[first]:g})"
    swapped = (np.abs(lon[bad]) <= 90.0) & (np.abs(lat[bad]) <= 180.0)
    if swapped.all():
        raise CoordinateError(
            f"{int(bad.sum())} point(s) have latitude beyond ±90° {where}: looks like lat/lon "
            "are swapped; put longitude first"
        )
    raise CoordinateError(
        f"{int(bad.sum())} point(s) are outside longitude ±180° / latitude ±90° {where}; "
        "give degrees in WGS-84 or pass input_crs for projected coordinates"
    )


def _outside_distance(
    x: FloatArray, y: FloatArray, extent: tuple[float, float, float, float]
) -> FloatArray:
    """Euclidean distance (m) from each point to the extent rectangle (0 inside)."""
    minx, miny, maxx, maxy = extent
    dx = np.maximum(np.maximum(minx - x, x - maxx), 0.0)
    dy = np.maximum(np.maximum(miny - y, y - maxy), 0.0)
    return np.hypot(dx, dy)


def _check_extent(
    x: FloatArray,
    y: FloatArray,
    extent: tuple[float, float, float, float],
    margin_m: float,
    swapped_xy: tuple[FloatArray, FloatArray] | None,
) -> None:
    dist = _outside_distance(x, y, extent)
    out = dist > margin_m
    if not out.any():
        return
    if swapped_xy is not None:
        sdist = _outside_distance(swapped_xy[0], swapped_xy[1], extent)
        if np.all(sdist[out] <= margin_m):
            raise CoordinateError(
                f"{int(out.sum())} point(s) lie outside the road graph but inside it with "
                "latitude and longitude exchanged: looks like lat/lon are swapped; put "
                "longitude first"
            )
    worst = float(dist[out].max())
    raise CoordinateError(
        f"{int(out.sum())} of {x.size} point(s) lie outside the road graph's extent by up to "
        f"{worst / 1000.0:.3g} km; check the datum (wgs84 / gcj02 / bd09) and that the graph "
        "covers the area"
    )


def _swapped_projection(
    lon: FloatArray, lat: FloatArray, transformer: pyproj.Transformer
) -> tuple[FloatArray, FloatArray] | None:
    ok = (np.abs(lon) <= 90.0) & (np.abs(lat) <= 180.0)
    if not ok.all():
        return None
    with np.errstate(all="ignore"):
        sx, sy = transformer.transform(lat, lon)
    return np.asarray(sx, dtype=np.float64), np.asarray(sy, dtype=np.float64)


def project_points(
    lon: ArrayLike,
    lat: ArrayLike,
    crs: str | pyproj.CRS,
    *,
    datum: str = "wgs84",
    extent: tuple[float, float, float, float] | None = None,
    input_crs: str | pyproj.CRS | None = None,
    margin_m: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Project points onto a road graph's metric CRS, with sanity checks.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees on ``datum`` (longitude first). When ``input_crs``
        is given, these are instead the x / y coordinates in that CRS.
    crs : str or pyproj.CRS
        Target CRS (the graph's ``crs`` attribute, metres).
    datum : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        Datum of geographic input; GCJ-02 / BD-09 are converted to WGS-84 first.
    extent : (minx, miny, maxx, maxy), optional
        The graph's bounds in ``crs``. Points farther than ``margin_m`` outside it are an error.
    input_crs : str or pyproj.CRS, optional
        CRS of already-projected (or other geographic) input. With a geographic ``input_crs``
        the degree checks still apply; ``datum`` must then be ``wgs84``.
    margin_m : float, optional
        Allowed distance outside ``extent``; default 2 × ``snap_max_m`` (1000 m).

    Returns
    -------
    x, y : ndarray
        Coordinates in ``crs``.

    Raises
    ------
    CoordinateError
        NaN coordinates, out-of-range degrees, swapped lat/lon ("looks like lat/lon are
        swapped; put longitude first"), unknown datum, or points outside the graph extent.
    UnsupportedCRSError
        An unknown CRS.
    """
    lo, la = _arrays(lon, lat)
    _check_finite(lo, la)
    key = _normalise_datum(datum)
    src = _crs(input_crs) if input_crs is not None else pyproj.CRS.from_epsg(4326)
    dst = _crs(crs)
    geographic = src.is_geographic
    if input_crs is not None and key not in ("wgs84", "cgcs2000"):
        raise CoordinateError(
            f"datum {datum!r} applies to longitude/latitude input only; drop input_crs or "
            "use datum='wgs84'"
        )
    if geographic:
        _check_degrees(lo, la)
        lo, la = to_wgs84(lo, la, key)
    transformer = _transformer(src.to_string(), dst.to_string())
    x, y = transformer.transform(lo, la)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if extent is not None:
        margin = (
            float(margin_m)
            if margin_m is not None
            else (_DEFAULT_MARGIN_FACTOR * float(resolve(None, "snap_max_m")))
        )
        swapped = _swapped_projection(lo, la, transformer) if geographic else None
        _check_extent(x, y, extent, margin, swapped)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise CoordinateError(
            f"some points cannot be projected to {dst.to_string()}; check the coordinates and CRS"
        )
    logger.debug("projected %d point(s) from %s/%s to %s", x.size, src.to_string(), key, dst)
    return x, y
