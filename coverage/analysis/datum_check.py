"""Detect a station file in GCJ-02 (Amap / Tencent) given as WGS-84.

Coordinates copied from a Chinese web map are on GCJ-02, shifted by a few hundred metres from
WGS-84. Read as WGS-84 they sit off the roads; the tell-tale sign (issue 15) is that **most**
stations declared WGS-84 are 300–700 m from the nearest road while the GCJ-02 inverse of their
coordinates brings them onto roads. Then :func:`check_station_datum` refuses the run with a
one-line error naming the datum option; ``datum_check=False`` (``--datum-check off``) skips it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from firecover._errors import CoordinateError
from firecover.analysis.station_spec import StationSpec
from firecover.network.coords import gcj02_to_wgs84, in_china, project_points
from firecover.network.snapping import snap_points
from firecover.traveltime.search import CSRNetwork

__all__ = ["OFF_ROAD_BAND_M", "ON_ROAD_M", "check_station_datum"]

log = logging.getLogger(__name__)

#: Distances from the road, metres, typical of GCJ-02 coordinates read as WGS-84.
OFF_ROAD_BAND_M: tuple[float, float] = (300.0, 700.0)
#: After the GCJ-02 inverse a station within this distance of a road counts as on the road.
ON_ROAD_M: float = 100.0
_WGS84_LIKE = frozenset({"wgs84", "cgcs2000"})


def _distances(net: CSRNetwork, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x, y = project_points(lon, lat, net.crs, datum="wgs84")
    return np.asarray(snap_points(net, x, y, max_m=np.inf).distance_m, dtype=np.float64)


def check_station_datum(net: CSRNetwork, stations: Sequence[StationSpec]) -> None:
    """Raise :class:`CoordinateError` when the WGS-84 stations look like GCJ-02.

    Only stations declared ``wgs84`` / ``cgcs2000`` inside China are considered, and at least
    two of them: more than half must lie 300–700 m from the nearest road, and more than half
    of those must be within 100 m of a road after the GCJ-02 inverse.
    """
    idx = [i for i, s in enumerate(stations) if s.datum.lower().replace("-", "") in _WGS84_LIKE]
    if len(idx) < 2:
        return
    lon = np.array([stations[i].lon for i in idx], dtype=np.float64)
    lat = np.array([stations[i].lat for i in idx], dtype=np.float64)
    if not bool(np.all(in_china(lon, lat))):
        return
    before = _distances(net, lon, lat)
    lo, hi = OFF_ROAD_BAND_M
    band = (before >= lo) & (before <= hi)
    if band.sum() * 2 <= len(idx):
        return
    after = _distances(net, *gcj02_to_wgs84(lon, lat))
    onto = band & (after <= ON_ROAD_M)
    if onto.sum() * 2 <= band.sum():
        return
    log.debug("datum check: before %s m, after GCJ-02 inverse %s m", before.round(), after.round())
    raise CoordinateError(
        f"{int(band.sum())} of {len(idx)} WGS-84 stations are {lo:g}–{hi:g} m from the nearest "
        f"road and {int(onto.sum())} move onto a road when read as GCJ-02 (Amap/Tencent "
        'coordinates): set datum = "gcj02" for them in the station file (or --datum-check off)'
    )
