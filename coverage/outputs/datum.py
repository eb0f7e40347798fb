"""The datum of written longitude/latitude (``--output-datum``).

Planners paste coordinates into web maps on GCJ-02 (Amap, Tencent), BD-09 (Baidu) or
CGCS2000 (Tianditu; WGS-84 to centimetres). Every CSV, GeoJSON and Excel coordinate firecover
writes goes through :func:`frame_in_datum` / :func:`lonlat_in_datum`; GeoPackage layers stay in
the metric CRS of the run and say so in their metadata.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd

from firecover._errors import DataFormatError
from firecover.network.coords import from_wgs84

__all__ = ["OUTPUT_DATUMS", "check_output_datum", "frame_in_datum", "lonlat_in_datum"]

#: Datums of written longitude/latitude.
OUTPUT_DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")


def check_output_datum(datum: str) -> str:
    """``datum`` normalised (``"GCJ-02"`` → ``"gcj02"``) if it is one of :data:`OUTPUT_DATUMS`,
    else a one-line :class:`DataFormatError`."""
    key = str(datum).strip().lower().replace("-", "").replace("_", "")
    if key not in OUTPUT_DATUMS:
        raise DataFormatError(f"unknown output datum {datum!r}; use --output-datum with one "
                              f"of {', '.join(OUTPUT_DATUMS)}")  # fmt: skip
    return key


def lonlat_in_datum(points: Sequence[Sequence[float]], datum: str) -> list[tuple[float, float]]:
    """WGS-84 ``(lon, lat)`` points in ``datum``, rounded to 1e-7° (~1 cm)."""
    key = check_output_datum(datum)
    if not points:
        return []
    lon, lat = from_wgs84([p[0] for p in points], [p[1] for p in points], key)
    return [(round(float(a), 7), round(float(b), 7)) for a, b in zip(lon, lat, strict=True)]


def frame_in_datum(frame: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    """A copy of a point frame in WGS-84 with its points, ``lon`` / ``lat`` columns (when
    present) and a ``datum`` column in ``datum``.

    The GeoJSON keeps its ``EPSG:4326`` label (the format knows no other), the ``datum`` column
    says which datum the numbers are on.
    """
    key = check_output_datum(datum)
    out = frame.to_crs("EPSG:4326") if frame.crs is not None else frame.copy()
    if len(out):
        pts = lonlat_in_datum(list(zip(out.geometry.x, out.geometry.y, strict=True)), key)
        lon = [p[0] for p in pts]
        lat = [p[1] for p in pts]
        out = out.set_geometry(gpd.points_from_xy(lon, lat, crs="EPSG:4326"))
        if "lon" in out.columns:
            out["lon"], out["lat"] = lon, lat
    out["datum"] = key
    return out
