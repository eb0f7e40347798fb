"""Incident records (a brigade's call log) as demand, and the fractile response they get.

A call file is CSV (UTF-8 or GBK) or GeoJSON with one row per incident:

=============  ===========================================================================
column         accepted headers (case, spaces, ``-`` / ``_`` ignored)
=============  ===========================================================================
longitude      ``lon``, ``lng``, ``longitude``, ``x``, ``经度`` (GeoJSON: the point itself)
latitude       ``lat``, ``latitude``, ``y``, ``纬度``
time           ``time``, ``datetime``, ``date``, ``时间``, ``接警时间``, ``报警时间``, ``日期``
type           ``type``, ``kind``, ``category``, ``类型``, ``警情类型``, ``事故类型``, ``灾害类型``
datum          ``datum``, ``坐标系`` — ``wgs84`` (default), ``gcj02``, ``bd09``, ``cgcs2000``
job minutes    ``job_min``, ``duration_min``, ``出动时长``, ``处置时长``, ``出警时长`` (optional)
=============  ===========================================================================

Each incident is projected (GCJ-02 / BD-09 converted as for stations) and snapped to the road;
its arrival time is the turnout plus the driving time of the fastest district-holding station
(the same rule that draws the 辖区), so its *district* is that station's. The fractile
response is reported as brigades elsewhere do (NFPA 1710 §4.1.2.4: the share reached within
the budget and the 90th-percentile arrival, by the nearest-rank method: the smallest time
within which at least 90 % of the incidents are reached), per station district and per type.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from firecover._errors import DataFormatError
from firecover._io import read_text_utf8_or_gbk, require_file
from firecover._schema import fold
from firecover.analysis.demand import DemandSurface
from firecover.analysis.grid import points_in_polygons
from firecover.network.coords import datum_word, project_points
from firecover.network.snapping import Snapped, snap_points
from firecover.traveltime.search import CSRNetwork, k_nearest_times

__all__ = [
    "FRACTILE",
    "IncidentRecords",
    "IncidentResponse",
    "fractile",
    "incident_response",
    "incident_weights",
    "read_incidents",
]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]

#: The fractile of arrival times reported (NFPA 1710: 90 %).
FRACTILE = 0.9
#: Arrival times are searched up to this many times the driving budget (beyond: not reached).
SEARCH_FACTOR = 3.0
#: Arrival within the budget up to this many minutes (coordinate round trips, float sums).
_EPS_MIN = 1e-6

_ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "time": ("time", "datetime", "date", "时间", "接警时间", "报警时间", "日期"),
    "type": ("type", "kind", "category", "类型", "警情类型", "事故类型", "灾害类型"),
    "datum": ("datum", "坐标系"),
    "job_min": ("job_min", "duration_min", "出动时长", "处置时长", "出警时长"),
}
_UNTYPED = "未分类"


@dataclass(frozen=True)
class IncidentRecords:
    """Incidents projected into the network's CRS.

    Attributes
    ----------
    x, y : ndarray
        Metric coordinates in ``crs``.
    types : ndarray of str
        Incident type (``未分类`` where the file gives none).
    times : pandas.DatetimeIndex
        Call times (``NaT`` where missing).
    job_min : ndarray
        Minutes an engine is tied up per call (``nan`` where the file gives none).
    crs : str
    source : str
        The file name.
    """

    x: FloatArray
    y: FloatArray
    types: npt.NDArray[np.str_]
    times: pd.DatetimeIndex
    job_min: FloatArray
    crs: str
    source: str = ""

    def __len__(self) -> int:
        return int(self.x.size)

    def to_frame(self) -> Any:
        """The incidents as a point GeoDataFrame (``type``) in ``crs``, e.g. for the maps."""
        import geopandas as gpd

        return gpd.GeoDataFrame({"type": self.types}, geometry=gpd.points_from_xy(self.x, self.y),
                                crs=self.crs)  # fmt: skip

    def period_hours(self) -> float | None:
        """Hours from the first call's day to the end of the last call's day (``None`` without
        times)."""
        t = self.times.dropna()
        if t.empty:
            return None
        days = (t.max().normalize() - t.min().normalize()).days + 1
        return float(days * 24)


def _rows(p: Path) -> list[dict[str, Any]]:
    text = read_text_utf8_or_gbk(p)
    if p.suffix.lower() == ".csv":
        return [dict(r) for r in csv.DictReader(text.splitlines())]
    if p.suffix.lower() in {".geojson", ".json"}:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"{p}: not valid JSON ({exc.msg}); check the file") from None
        rows = []
        for f in doc.get("features", []):
            props = dict(f.get("properties") or {})
            geom = f.get("geometry") or {}
            if geom.get("type") == "Point":
                props["lon"], props["lat"] = geom["coordinates"][:2]
            rows.append(props)
        return rows
    raise DataFormatError(f"{p}: unsupported incident file {p.suffix!r}; use .csv or .geojson")


def _columns(header: Sequence[str], p: Path) -> dict[str, str]:
    folded = {fold(str(h)): str(h) for h in header if h is not None}
    found = {}
    for key, names in _ALIASES.items():
        for name in names:
            if fold(name) in folded:
                found[key] = folded[fold(name)]
                break
    for key in ("lon", "lat"):
        if key not in found:
            raise DataFormatError(
                f"{p}: no {key} column (accepted: {', '.join(_ALIASES[key])}); name the "
                "coordinate columns lon / lat (经度 / 纬度)"
            )
    return found


def _number(value: Any, p: Path, row: int, what: str) -> float:
    try:
        out = float(str(value).strip())
    except (TypeError, ValueError):
        raise DataFormatError(
            f"{p}: incident {row} {what} {value!r} is not a number; fix or drop the row"
        ) from None
    return out


def read_incidents(
    path: str | os.PathLike[str], crs: str, extent: tuple[float, float, float, float] | None = None
) -> IncidentRecords:
    """Read a call file (module notes) and project it into ``crs``.

    Raises
    ------
    InputFileError
        The file does not exist.
    DataFormatError
        Unsupported suffix, a missing coordinate column, a non-number or unknown datum, or no
        incidents.
    CoordinateError
        Swapped or out-of-extent coordinates (as for stations).
    """
    p = require_file(path, "incident file")
    rows = [r for r in _rows(p) if any(str(v).strip() for v in r.values() if v is not None)]
    if not rows:
        raise DataFormatError(f"{p}: no incidents in the file; give one row per call")
    cols = _columns(list(rows[0].keys()), p)
    lon = np.array([_number(r.get(cols["lon"]), p, i + 1, "longitude") for i, r in enumerate(rows)])
    lat = np.array([_number(r.get(cols["lat"]), p, i + 1, "latitude") for i, r in enumerate(rows)])
    datums = []
    for i, r in enumerate(rows):
        raw = str(r.get(cols.get("datum", ""), "") or "wgs84")
        datum = datum_word(raw)
        if datum is None:
            raise DataFormatError(
                f"{p}: incident {i + 1} datum {raw!r} unknown; use one of "
                "wgs84, gcj02, bd09, cgcs2000"
            )
        datums.append(datum)
    x, y = np.empty(lon.size), np.empty(lon.size)
    for datum in sorted(set(datums)):
        idx = np.array([i for i, d in enumerate(datums) if d == datum])
        x[idx], y[idx] = project_points(lon[idx], lat[idx], crs, datum=datum, extent=extent)
    types = np.array([str(r.get(cols.get("type", ""), "") or "").strip() or _UNTYPED for r in rows])
    times = pd.DatetimeIndex(
        pd.to_datetime(
            [r.get(cols["time"]) if "time" in cols else None for r in rows], errors="coerce"
        )
    )
    job = np.array(
        [
            _number(v, p, i + 1, "job minutes")
            if (v := r.get(cols.get("job_min", ""))) not in (None, "")
            else math.nan
            for i, r in enumerate(rows)
        ]
    )
    if np.any(job[np.isfinite(job)] < 0):
        raise DataFormatError(f"{p}: negative job minutes; give the minutes each call took")
    log.info("%s: %d incident(s), %d type(s)", p.name, lon.size, len(set(types)))
    return IncidentRecords(x, y, types, times, job, crs, p.name)


def fractile(minutes: Any, share: float = FRACTILE) -> float:
    """Nearest-rank fractile: the smallest time within which ``share`` of the values lie.

    ``inf`` values (not reached) count; ``nan`` for no values. ``fractile(range(1, 11)) == 9``.
    """
    t = np.sort(np.asarray(minutes, dtype=np.float64).ravel())
    if t.size == 0:
        return math.nan
    return float(t[max(math.ceil(share * t.size - 1e-9), 1) - 1])


@dataclass(frozen=True)
class IncidentResponse:
    """Arrival time and district of every incident, and the fractile tables.

    Attributes
    ----------
    arrival_min : ndarray
        Minutes from the dispatch order (turnout included); ``inf`` when no station reaches
        the incident within :data:`SEARCH_FACTOR` × the driving budget or it is off the roads.
    district : ndarray of str
        The fastest district-holding station (``""`` when none reaches it).
    types : ndarray of str
    budget_min : float
    by_district, by_type : pandas.DataFrame
        ``n``, ``reached``, ``reached_share``, ``p90_min`` (``inf``: more than 10 % not reached
        in the search) per station / per type; ``all`` is the whole table's row.
    snapped : Snapped
    """

    arrival_min: FloatArray
    district: npt.NDArray[np.str_]
    types: npt.NDArray[np.str_]
    budget_min: float
    by_district: pd.DataFrame
    by_type: pd.DataFrame
    snapped: Snapped

    @property
    def reached_share(self) -> float:
        """Share of all incidents reached within the budget."""
        return float(np.mean(self.arrival_min <= self.budget_min + _EPS_MIN))

    @property
    def p90_min(self) -> float:
        """90th-percentile arrival over all incidents."""
        return fractile(self.arrival_min)


def _table(
    keys: npt.NDArray[np.str_], minutes: FloatArray, budget: float, order: Sequence[str]
) -> pd.DataFrame:
    rows = []
    for key in [*order, "all"]:
        m = minutes if key == "all" else minutes[keys == key]
        if key != "all" and m.size == 0:
            continue
        reached = int(np.sum(m <= budget + _EPS_MIN))
        rows.append(
            {
                "key": key,
                "n": int(m.size),
                "reached": reached,
                "reached_share": reached / m.size if m.size else math.nan,
                "p90_min": fractile(m),
            }
        )
    return pd.DataFrame(rows).set_index("key")


def incident_response(
    net: CSRNetwork,
    stations: Snapped,
    names: Sequence[str],
    incidents: IncidentRecords,
    *,
    turnout_min: float,
    driving_min: float,
    has_district: Sequence[bool] | None = None,
) -> IncidentResponse:
    """Time every incident from the fastest district-holding station (module notes).

    ``has_district[j]`` is False for a station without a district (战勤保障), which is then
    not counted as the first-due station.
    """
    if incidents.crs != net.crs:
        raise DataFormatError(
            "the incidents were projected for another network; read them "
            "again with this network's crs"
        )
    keep = np.ones(len(names), bool) if has_district is None else np.asarray(has_district, bool)
    members = np.flatnonzero(keep)
    pts = snap_points(net, incidents.x, incidents.y)
    budget = float(turnout_min) + float(driving_min)
    arrival = np.full(len(incidents), np.inf)
    district = np.full(len(incidents), "", dtype=object)
    if members.size and len(incidents):
        t, idx = k_nearest_times(
            net,
            stations[members],
            targets=pts,
            k=1,
            limit=SEARCH_FACTOR * 60.0 * float(driving_min),
        )
        ok = np.isfinite(t[:, 0]) & ~pts.too_far
        arrival[ok] = float(turnout_min) + t[ok, 0] / 60.0
        name_arr = np.asarray(list(names), dtype=object)
        district[ok] = name_arr[members[idx[ok, 0]]]
    district_s = district.astype(str)
    type_order = list(pd.Series(incidents.types).value_counts().index)
    return IncidentResponse(
        arrival,
        district_s,
        incidents.types,
        budget,
        _table(district_s, arrival, budget, [n for n in names if n in set(district_s)]),
        _table(incidents.types, arrival, budget, type_order),
        pts,
    )


def incident_weights(demand: DemandSurface, incidents: IncidentRecords) -> FloatArray:
    """Incidents per demand cell (a point on a shared cell edge counts once): the cell weights
    when the call records are the demand."""
    import shapely

    pts = shapely.points(incidents.x, incidents.y)
    ipt, icell = points_in_polygons(demand.cells.geometry.to_numpy(), pts)
    if ipt.size < len(incidents):
        log.info("%d incident(s) lie outside the planning area", len(incidents) - ipt.size)
    return np.bincount(icell, minlength=len(demand)).astype(np.float64)
