"""Stations as the plan files write them: the :class:`StationSpec` record and its validation.

One ``[[station]]`` table of a scenario, or one row of a stations file (CSV / GeoJSON / TOML,
:mod:`firecover.analysis.stations`), is read by :func:`read_station` into the keyword dictionary
of a :class:`StationSpec`; :func:`read_stations` reads a list of them and checks the names are
unique. Statuses, build types and datums accept the Chinese spellings planners use.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from firecover._schema import Table, fold, quote_list

__all__ = [
    "BUILD_TYPES",
    "DATUMS",
    "STATUSES",
    "StationSpec",
    "check_relocations",
    "name_key",
    "read_station",
    "read_stations",
    "start_year",
    "station_keys",
]

#: Canonical status → accepted spellings.
STATUSES: dict[str, tuple[str, ...]] = {
    "existing": ("existing", "现有", "已建", "现状", "在役"),
    "proposed": ("proposed", "planned", "规划", "拟建", "新建站"),
}
#: Canonical build type → (Chinese name, other accepted spellings).
BUILD_TYPES: dict[str, tuple[str, ...]] = {
    "new": ("新建", "new"),
    "expansion": ("改扩建", "expansion", "expand", "extension", "扩建", "改建"),
    "rebuild": ("重建", "rebuild", "原址重建"),
    "relocate": ("异地重建", "relocate", "relocation", "迁建"),
    "joint": ("合建", "joint", "joint-built", "co-located"),
}
#: Accepted coordinate datums (see :mod:`firecover.network.coords`; cgcs2000 is treated as WGS-84).
DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")

_SAME_SITE = frozenset({"expansion", "rebuild"})

_STATION_KEYS = (
    "name",
    "name_en",
    "class",
    "status",
    "year",
    "build_type",
    "replaces",
    "urban_edge",
    "lon",
    "lat",
    "datum",
    "source",
    "precision_m",
)


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(alias): key for key, names in table.items() for alias in (key, *names)}


_STATUS_ALIASES = _aliases(STATUSES)
_BUILD_ALIASES = _aliases(BUILD_TYPES)
_DATUM_ALIASES = {fold(d): d for d in DATUMS}
_STATUS_ALLOWED = "existing (现有, 已建), proposed (规划, 拟建)"
_BUILD_ALLOWED = ", ".join(f"{names[0]} ({key})" for key, names in BUILD_TYPES.items())


def station_keys() -> tuple[str, ...]:
    """The keys a ``[[station]]`` table may have."""
    return _STATION_KEYS


def _lonlat(t: Table) -> tuple[float, float]:
    what = "the station's WGS-84 (or datum) coordinates in degrees"
    lon = t.number("lon", required=True, what=what)
    lat = t.number("lat", required=True, what=what)
    assert lon is not None and lat is not None
    if not -90.0 <= lat <= 90.0:
        hint = "; are lon and lat swapped?" if -90.0 <= lon <= 90.0 else ""
        t.fail("lat", f"{lat!r} is not a latitude (−90…90){hint}")
    if not -180.0 <= lon <= 180.0:
        t.fail("lon", f"{lon!r} is not a longitude (−180…180)")
    return lon, lat


def _class(t: Table, standards: Any) -> tuple[str, str]:
    from firecover._errors import StationClassError
    from firecover.standards.check import station_class  # lazy: resolved by the standards profile

    name = t.text("class", required=True, what="一级, 二级, 小型站, 特勤 or 战勤保障 (or English)")
    assert name is not None
    try:
        return name, station_class(name, standards).key
    except StationClassError:
        t.fail(
            "class",
            f'unknown value "{name}"; allowed: {standards.allowed_names()} '
            "(or a Chinese/English alias)",
        )


def read_station(t: Table, standards: Any, name: str) -> dict[str, Any]:
    """Read one ``[[station]]`` table into keyword arguments of ``StationSpec``."""
    status = t.choice(
        "status", _STATUS_ALIASES, _STATUS_ALLOWED, required=True, what="existing or proposed"
    )
    year = t.year(
        "year", required=status == "proposed", what="the year a proposed station enters service"
    )
    build = t.choice("build_type", _BUILD_ALIASES, _BUILD_ALLOWED)
    if build is None and status == "proposed":
        build = "new"
    replaces = t.text("replaces")
    if build == "relocate" and replaces is None:
        t.fail(
            "replaces",
            "missing; required for 异地重建 (relocate): name the station whose old site closes",
        )
    if replaces is not None and build != "relocate":
        t.fail("replaces", 'only allowed with build_type = "异地重建" (relocate)')
    if build == "relocate" and year is None:
        t.fail("year", "missing; required for 异地重建 (relocate): the year the new site opens")
    class_name, class_key = _class(t, standards)
    lon, lat = _lonlat(t)
    datum = t.choice("datum", _DATUM_ALIASES, quote_list(DATUMS)) or "wgs84"
    source = t.text(
        "source",
        required=True,
        what='where the coordinate came from and how exact ("approximate" if guessed)',
    )
    return {
        "name": name,
        "name_en": t.text("name_en"),
        "class_name": class_name,
        "class_key": class_key,
        "status": status,
        "year": year,
        "build_type": build,
        "replaces": None if replaces is None else unicodedata.normalize("NFKC", replaces),
        "urban_edge": t.flag("urban_edge", False),
        "lon": lon,
        "lat": lat,
        "datum": datum,
        "source": source,
        "precision_m": t.number("precision_m", minimum=0.0),
        "index": (t.index or 0) + 1,
        "line": t.line(None),
    }


def name_key(name: str) -> str:
    """How station names are compared: NFKC-normalised, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def start_year(year: int | None, build_type: str | None) -> float:
    """First year in service: ``-inf`` without a year or for a same-site 改扩建/重建."""
    if year is None or build_type in _SAME_SITE:
        return -math.inf
    return float(year)


def _station_label(index: int, data: Any) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    if isinstance(name, str) and name.strip():
        return f'station {index + 1} ("{name.strip()}")'
    return f"station {index + 1}"


def read_stations(
    value: Any, top: Table, standards: Any
) -> tuple[list[dict[str, Any]], list[Table]]:
    """Read the ``[[station]]`` array: keyword dicts and their tables (for later messages)."""
    if not isinstance(value, list):
        top.fail(
            "station",
            "must be an array of tables: write each station as [[station]], not [station]",
            field=False,
        )
    stations: list[dict[str, Any]] = []
    tables: list[Table] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(value):
        t = Table(data, top.ctx, ("station",), _station_label(i, data), _STATION_KEYS, index=i)
        name = t.text("name", required=True, what="the station's name")
        assert name is not None
        key = name_key(name)
        if key in seen:
            first = tables[seen[key]]
            t.fail(
                "name",
                f"duplicate: station {seen[key] + 1} (line {first.line(None)}) is also "
                f'called "{name}"; station names must be unique',
            )
        seen[key] = i
        stations.append(read_station(t, standards, name))
        tables.append(t)
    return stations, tables


def check_relocations(stations: list[dict[str, Any]], tables: list[Table]) -> None:
    """Each ``replaces`` names another station that is in service before the relocation."""
    index = {name_key(s["name"]): i for i, s in enumerate(stations)}
    taken: dict[int, int] = {}
    for i, (s, t) in enumerate(zip(stations, tables, strict=True)):
        if s["replaces"] is None:
            continue
        j = index.get(name_key(s["replaces"]))
        if j is None or j == i:
            names = quote_list(f'"{o["name"]}"' for k, o in enumerate(stations) if k != i)
            t.fail("replaces", f'unknown station "{s["replaces"]}"; allowed: {names or "none"}')
        old = stations[j]
        if start_year(old["year"], old["build_type"]) >= s["year"]:
            t.fail(
                "replaces",
                f'"{old["name"]}" is not in service before {s["year"]} (its year '
                f"is {old['year']}); a relocation replaces an earlier station",
            )
        if j in taken:
            t.fail("replaces", f'"{old["name"]}" is already replaced by station {taken[j] + 1}')
        taken[j] = i


@dataclass(frozen=True)
class StationSpec:
    """One ``[[station]]`` entry.

    Attributes
    ----------
    name, name_en : str, str or None
    class_name : str
        The class as written; ``class_key`` is the canonical key (``level1`` … ``logistics``).
    class_key : str
    status : {"existing", "proposed"}
    year : int or None
        Year in service (``None``: an existing station in service from the start).
    build_type : {"new", "expansion", "rebuild", "relocate", "joint"} or None
    replaces : str or None
        For a relocation, the station whose old site closes in ``year``.
    urban_edge : bool
    lon, lat : float
        Degrees on ``datum``.
    datum : str
        ``wgs84``, ``gcj02``, ``bd09`` or ``cgcs2000``.
    source : str
        Where the coordinate came from.
    precision_m : float or None
        How far the true site may be from ``lon, lat``, metres (a stated precision marks the
        location approximate; maps draw a dashed ring of this radius).
    index : int
        1-based position among the ``[[station]]`` tables.
    line : int or None
        Line of the ``[[station]]`` header.
    """

    name: str
    class_name: str
    class_key: str
    status: str
    lon: float
    lat: float
    source: str
    name_en: str | None = None
    year: int | None = None
    build_type: str | None = None
    replaces: str | None = None
    urban_edge: bool = False
    datum: str = "wgs84"
    index: int = 0
    line: int | None = None
    precision_m: float | None = None

    @property
    def approximate(self) -> bool:
        """Whether the location is approximate: ``source`` says so (approximate / 近似 /
        大致 / 约) or a ``precision_m`` is given."""
        s = self.source.casefold()
        words = ("approximate", "approx.", "近似", "大致", "大概", "约")
        return self.precision_m is not None or any(w in s for w in words)

    @property
    def build_type_zh(self) -> str | None:
        """The Chinese name of the build type (新建, 改扩建, 重建, 异地重建, 合建)."""
        return None if self.build_type is None else BUILD_TYPES[self.build_type][0]

    @property
    def start_year(self) -> float:
        """First year in service (``-inf`` = from the start; see the module notes on years)."""
        return start_year(self.year, self.build_type)

    def wgs84(self) -> tuple[float, float]:
        """``(lon, lat)`` converted from ``datum`` to WGS-84 (:mod:`firecover.network.coords`)."""
        from firecover.network.coords import to_wgs84

        lon, lat = to_wgs84(self.lon, self.lat, self.datum)
        return float(lon), float(lat)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary (``class`` for ``class_name``, plus ``build_type_zh``)."""
        d = asdict(self)
        d["class"] = d.pop("class_name")
        d["build_type_zh"] = self.build_type_zh
        return d
