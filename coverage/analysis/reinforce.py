"""Who reaches each risk object and cell, and how fast the 2nd and 3rd engines come (增援).

For every target (a risk object's representative point, or a demand cell's point) the ``k``
fastest stations come from :func:`firecover.traveltime.search.k_nearest_times` (exact
Dijkstra from each station's road position; access legs included). Times are minutes from the
dispatch order: ``turnout + driving``.

Per risk object (:func:`risk_response`):

* ``first_station``, ``first_min`` — the station that reaches it first and when;
* ``second_min``, ``third_min`` (and stations) — reinforcements; ``inf`` when fewer stations
  reach it at all;
* ``required_by_min`` — the first arrival of a station of the class's ``required_station``
  (e.g. 特勤, the first arrival of any station when the class names none);
* ``on_time`` — ``required_by_min <= required_min``;
* ``reinforce_count`` — stations arriving within ``reinforce_min``; ``reinforce_ok`` —
  ``reinforce_count >= reinforce_stations`` (True where the class asks none).

:func:`cell_reinforcement` gives the 2nd and 3rd arrival minutes of every demand cell.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped, snap_points
from firecover.traveltime.search import k_nearest_times

__all__ = ["REINFORCE_K", "cell_reinforcement", "risk_response", "risk_targets"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
#: Arrivals reported per target: first, second and third station.
REINFORCE_K = 3


def risk_targets(net: CSRNetwork, objects: gpd.GeoDataFrame) -> Snapped:
    """Road positions of the risk objects (polygons at their representative point)."""
    pts = shapely.point_on_surface(objects.geometry.to_numpy())
    return snap_points(net, shapely.get_x(pts), shapely.get_y(pts))


def _minutes(seconds: FloatArray, turnout_min: float) -> FloatArray:
    return turnout_min + np.asarray(seconds, dtype=np.float64) / 60.0


def risk_response(
    net: CSRNetwork,
    station_names: Sequence[str],
    station_classes: Sequence[str],
    stations: Snapped,
    objects: gpd.GeoDataFrame,
    *,
    turnout_min: float,
    targets: Snapped | None = None,
) -> gpd.GeoDataFrame:
    """The ``risk_objects`` layer with the response columns (see the module notes).

    Parameters
    ----------
    net : CSRNetwork
    station_names, station_classes : sequence of str
        Name and class key of each station (``stations`` order).
    stations : Snapped
        The stations' road positions.
    objects : GeoDataFrame
        A ``risk_objects`` layer (:func:`firecover.analysis.risk.read_risk_objects`).
    turnout_min : float
        Minutes added to every driving time.
    targets : Snapped, optional
        The objects' road positions (:func:`risk_targets` when omitted).
    """
    out = objects.copy()
    n = len(out)
    names = np.asarray(list(station_names), dtype=object)
    classes = np.asarray(list(station_classes), dtype=object)
    if targets is None:
        targets = risk_targets(net, objects) if n else Snapped.empty()
    k = int(max(REINFORCE_K, int(out["reinforce_stations"].max()) if n else 0))
    k_eff = min(k, len(names))
    times = np.full((n, k), np.inf)
    index = np.full((n, k), -1, dtype=np.int64)
    if n and k_eff:
        t, i = k_nearest_times(net, stations, targets, k=k_eff)
        times[:, :k_eff], index[:, :k_eff] = t, i
    minutes = _minutes(times, turnout_min)

    def station_of(col: int) -> list[str]:
        return ["" if j < 0 else str(names[j]) for j in index[:, col]]

    out["first_station"] = station_of(0)
    out["first_min"] = minutes[:, 0]
    out["second_station"] = station_of(1)
    out["second_min"] = minutes[:, 1]
    out["third_station"] = station_of(2)
    out["third_min"] = minutes[:, 2]
    req_min = minutes[:, 0].copy()
    req_station = np.array(out["first_station"], dtype=object)
    for cls in sorted(set(out["required_station"]) - {""}):
        rows = np.flatnonzero(out["required_station"].to_numpy() == cls)
        cols = np.flatnonzero(classes == cls)
        req_min[rows], req_station[rows] = np.inf, ""
        if cols.size:
            t1, i1 = k_nearest_times(net, stations[cols], targets[rows], k=1)
            req_min[rows] = _minutes(t1[:, 0], turnout_min)
            req_station[rows] = ["" if j < 0 else str(names[cols[j]]) for j in i1[:, 0]]
    out["required_by"] = req_station
    out["required_by_min"] = req_min
    out["on_time"] = req_min <= out["required_min"].to_numpy(np.float64) + 1e-9
    within = minutes <= out["reinforce_min"].to_numpy(np.float64)[:, None] + 1e-9
    out["reinforce_count"] = within.sum(axis=1).astype(np.int64)
    need = out["reinforce_stations"].to_numpy(np.int64)
    out["reinforce_ok"] = (need == 0) | (out["reinforce_count"].to_numpy() >= need)
    late = int((~out["on_time"]).sum())
    log.info("risk objects: %d of %d outside their required time", late, n)
    return out


def cell_reinforcement(
    net: CSRNetwork,
    stations: Snapped,
    cell_points: Snapped,
    *,
    turnout_min: float,
    k: int = REINFORCE_K,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Arrival minutes (cells × k, ascending; ``inf`` where fewer stations reach) and stations.

    Column 0 is the first-due station, 1 the second, 2 the third.
    """
    times = np.full((len(cell_points), k), np.inf)
    index = np.full((len(cell_points), k), -1, dtype=np.int64)
    k_eff = min(k, len(stations))
    if k_eff and len(cell_points):
        t, i = k_nearest_times(net, stations, cell_points, k=k_eff)
        times[:, :k_eff], index[:, :k_eff] = t, i
    return _minutes(times, turnout_min), index
