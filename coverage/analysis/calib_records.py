"""Reading a brigade's response records (dispatch → arrival) for ``firecover calibrate``.

A CSV (UTF-8, a BOM accepted, or GBK) with one run per row. Canonical columns and the Chinese
headers accepted for them:

========== ===================================== =========================================
column     aliases                               meaning
========== ===================================== =========================================
station    站名, 站点, 出动站, 消防站           name of the station the engine left from
lon, lat   经度, 纬度                            where it arrived (degrees)
datum      坐标系                                ``wgs84`` (default), ``gcj02``, ``bd09``,
                                                 ``cgcs2000``
dispatched 调派时间, 接警时间                    the dispatch order (ISO 8601)
departed   出车时间, 出动时间                    wheels rolling (optional)
arrived    到场时间                              arrival on scene (ISO 8601)
========== ===================================== =========================================

The recorded driving time is ``arrived − departed``; without ``departed`` it is ``arrived −
dispatched − turnout`` (setting ``turnout_min``). A row that cannot be read (a missing column,
an unparseable time or coordinate, an unknown datum) is an error naming the row and column;
nothing is fitted or written. Rows that read but cannot be right (arrival before departure)
are kept and rejected later with a reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from firecover._errors import DataFormatError
from firecover._io import require_file
from firecover.network.coords import _normalise_datum
from firecover.settings import resolve

__all__ = ["COLUMN_ALIASES", "ResponseRecords", "read_records"]

#: Canonical column → accepted headers (case and surrounding spaces ignored).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "station": ("station", "站名", "站点", "出动站", "消防站"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "datum": ("datum", "坐标系"),
    "dispatched": ("dispatched", "调派时间", "接警时间"),
    "departed": ("departed", "出车时间", "出动时间"),
    "arrived": ("arrived", "到场时间"),
}
_REQUIRED = ("station", "lon", "lat", "dispatched", "arrived")


@dataclass(frozen=True)
class ResponseRecords:
    """Response records read from a file (one entry per row, file order).

    Attributes
    ----------
    station : list of str
    lon, lat : ndarray
        WGS-84 degrees (converted from the row's datum).
    driving_s : ndarray
        Recorded driving time in seconds (may be ≤ 0 for inconsistent rows).
    turnout_assumed : ndarray of bool
        The row had no ``departed``; the turnout setting was subtracted.
    row : ndarray of int
        1-based data row number in the file (the header is row 0).
    datum : list of str
    path : Path
    """

    station: list[str]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    driving_s: npt.NDArray[np.float64]
    turnout_assumed: npt.NDArray[np.bool_]
    row: npt.NDArray[np.int64]
    datum: list[str]
    path: Path

    def __len__(self) -> int:
        return len(self.station)


def _decode(raw: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataFormatError(f"records file {path} is neither UTF-8 nor GBK text; save it as UTF-8")


def _header_map(header: list[str], path: Path) -> dict[str, int]:
    lookup = {a.lower(): canon for canon, names in COLUMN_ALIASES.items() for a in names}
    out: dict[str, int] = {}
    for i, name in enumerate(header):
        canon = lookup.get(name.strip().lower())
        if canon is not None and canon not in out:
            out[canon] = i
    missing = [c for c in _REQUIRED if c not in out]
    if missing:
        want = ", ".join(f"{c} ({'/'.join(COLUMN_ALIASES[c][1:2] or COLUMN_ALIASES[c])})"
                         for c in missing)  # fmt: skip
        raise DataFormatError(
            f"records file {path}: missing column(s) {want}; the header must name station, lon, "
            "lat, dispatched, arrived (departed, datum optional)"
        )
    return out


def _time(text: str, col: str, row: int, path: Path) -> dt.datetime:
    value = text.strip()
    try:
        stamp = dt.datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise DataFormatError(
            f"records file {path}, row {row}: {col} {value!r} is not an ISO 8601 time; "
            "write e.g. 2024-03-05T08:01:30 (or 2024-03-05 08:01:30, +08:00 optional)"
        ) from None
    return stamp.replace(tzinfo=None) if stamp.tzinfo is None else stamp


def _seconds(later: dt.datetime, earlier: dt.datetime, row: int, path: Path) -> float:
    if (later.tzinfo is None) != (earlier.tzinfo is None):
        raise DataFormatError(
            f"records file {path}, row {row}: one time has a UTC offset and another not; "
            "give offsets on all times of a row or on none"
        )
    return (later - earlier).total_seconds()


def _degrees(text: str, col: str, row: int, path: Path) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    limit = 180.0 if col == "lon" else 90.0
    word = "longitude" if col == "lon" else "latitude"
    if not math.isfinite(value) or abs(value) > limit:
        raise DataFormatError(
            f"records file {path}, row {row}: {col} {text.strip()!r} is not a {word} in "
            f"degrees (|{col}| <= {limit:g}); fix or delete the row"
        )
    return value


def read_records(
    path: str | os.PathLike[str], *, turnout_min: float | None = None
) -> ResponseRecords:
    """Read and check a response-records CSV (see the module notes).

    Parameters
    ----------
    path : path
        The CSV file.
    turnout_min : float, optional
        Turnout assumed for rows without ``departed`` (``None`` → setting ``turnout_min``).

    Raises
    ------
    InputFileError
        The file does not exist.
    DataFormatError
        No data rows, a missing column, or a row with an unreadable value (row and column named).
    """
    from firecover.network.coords import to_wgs84

    p = require_file(path, "records file")
    rows = list(csv.reader(io.StringIO(_decode(p.read_bytes(), p))))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise DataFormatError(f"records file {p} has no data rows; give a header and one run a row")
    cols = _header_map(rows[0], p)
    turnout_s = 60.0 * float(resolve(turnout_min, "turnout_min"))
    station: list[str] = []
    lon, lat, drive, assumed, datums = [], [], [], [], []
    for n, r in enumerate(rows[1:], start=1):
        cell = {c: (r[i] if i < len(r) else "") for c, i in cols.items()}
        name = cell["station"].strip()
        if not name:
            raise DataFormatError(f"records file {p}, row {n}: empty station; fill in the name")
        raw_datum = cell.get("datum", "").strip() or "wgs84"
        try:
            datum = _normalise_datum(raw_datum)
        except ValueError as exc:
            raise DataFormatError(f"records file {p}, row {n}: {exc}") from None
        x = _degrees(cell["lon"], "lon", n, p)
        y = _degrees(cell["lat"], "lat", n, p)
        sent = _time(cell["dispatched"], "dispatched", n, p)
        there = _time(cell["arrived"], "arrived", n, p)
        left_text = cell.get("departed", "").strip()
        if left_text:
            left = _time(left_text, "departed", n, p)
            drive.append(_seconds(there, left, n, p))
            assumed.append(False)
        else:
            drive.append(_seconds(there, sent, n, p) - turnout_s)
            assumed.append(True)
        wx, wy = to_wgs84([x], [y], datum)
        station.append(name)
        lon.append(float(wx[0]))
        lat.append(float(wy[0]))
        datums.append(datum)
    return ResponseRecords(
        station=station,
        lon=np.asarray(lon, dtype=np.float64),
        lat=np.asarray(lat, dtype=np.float64),
        driving_s=np.asarray(drive, dtype=np.float64),
        turnout_assumed=np.asarray(assumed, dtype=bool),
        row=np.arange(1, len(station) + 1, dtype=np.int64),
        datum=datums,
        path=p,
    )
