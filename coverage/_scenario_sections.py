"""Private: readers for the sections of a scenario file, returning plain keyword dictionaries.

:mod:`firecover.scenario` turns the dictionaries into its frozen dataclasses; keeping the readers
here keeps both modules short and free of import cycles.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from ._scenario_schema import Table, fold, quote_list

__all__ = [
    "BUILD_TYPES",
    "DATUMS",
    "STATUSES",
    "check_relocations",
    "graph_keys",
    "name_key",
    "read_boundary",
    "read_budget",
    "read_graph",
    "read_layers",
    "read_limits",
    "read_standards",
    "read_station",
    "read_stations",
    "read_years",
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
#: Accepted coordinate datums (see :mod:`firecover.coords`; cgcs2000 is treated as WGS-84).
DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")

_SAME_SITE = frozenset({"expansion", "rebuild"})

_GRAPH_SOURCES = ("file", "place", "polygon", "bbox")
_GRAPH_KEYS = (
    *_GRAPH_SOURCES,
    "profile",
    "congestion_factor",
    "crs",
    "class_column",
    "speed_column",
    "oneway_column",
)
_FILE_ONLY = ("class_column", "speed_column", "oneway_column")
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


# --------------------------------------------------------------------------- graph


def _bbox(t: Table) -> tuple[float, float, float, float]:
    value = t.data["bbox"]
    ok = isinstance(value, list) and len(value) == 4
    if not ok or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        t.fail("bbox", "expected [west, south, east, north] in degrees (4 numbers)")
    w, s, e, n = (float(v) for v in value)
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        t.fail("bbox", "has a value that is not a finite number")
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        t.fail(
            "bbox",
            f"[{w:g}, {s:g}, {e:g}, {n:g}] is not [west, south, east, north] with "
            "west < east in −180…180 and south < north in −90…90",
        )
    return (w, s, e, n)


def _speed_profile(t: Table) -> str | None:
    value = t.text("profile")
    if value is None:
        return None
    if value.endswith(".toml") or "/" in value or "\\" in value:
        return str(t.file("profile", "speed profile file"))
    from .speeds import available_profiles  # lazy: the speeds module is optional here

    names = available_profiles()
    if value not in names:
        t.fail(
            "profile",
            f'unknown speed profile "{value}"; allowed: {quote_list(names)} '
            "or the path of a .toml profile",
        )
    return value


def _crs(t: Table) -> str | None:
    value = t.text("crs")
    if value is None:
        return None
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        t.fail("crs", f'unknown CRS "{value}"; use an EPSG code such as "EPSG:4547"')
    if not crs.is_projected:
        t.fail(
            "crs",
            f'"{value}" is not a projected (metric) CRS; use e.g. a UTM or CGCS2000 '
            "Gauss-Krüger zone",
        )
    return value


def read_graph(t: Table) -> dict[str, Any]:
    """Read ``[scenario.graph]`` into keyword arguments of ``GraphSource``."""
    kind = t.one_of(_GRAPH_SOURCES, required=True)
    assert kind is not None
    if kind != "file":
        for key in _FILE_ONLY:
            if t.has(key):
                t.fail(key, 'only applies to a road file; use it with "file"')
    return {
        "kind": kind,
        "file": t.file("file", "road graph file") if kind == "file" else None,
        "place": t.text("place") if kind == "place" else None,
        "polygon": t.file("polygon", "polygon file") if kind == "polygon" else None,
        "bbox": _bbox(t) if kind == "bbox" else None,
        "profile": _speed_profile(t),
        "congestion_factor": t.number("congestion_factor", minimum=0.0, strict=True),
        "crs": _crs(t),
        **{key: t.text(key) for key in _FILE_ONLY},
    }


def graph_keys() -> tuple[str, ...]:
    """The keys ``[scenario.graph]`` may have."""
    return _GRAPH_KEYS


# --------------------------------------------------------------------------- other sections


def read_boundary(t: Table | None) -> dict[str, Any]:
    """Read ``[scenario.boundary]`` (absent = the graph hull)."""
    if t is None:
        return {"kind": "graph_hull", "file": None, "place": None}
    kind = t.one_of(("file", "place"), required=True)
    return {
        "kind": kind,
        "file": t.file("file", "boundary file") if kind == "file" else None,
        "place": t.text("place") if kind == "place" else None,
    }


def read_budget(t: Table | None, turnout: float, driving: float) -> dict[str, float]:
    """Read ``[scenario.budget]``; missing values take the given defaults."""
    if t is None:
        return {"turnout_min": turnout, "driving_min": driving}
    tm = t.number("turnout_min", minimum=0.0)
    dm = t.number("driving_min", minimum=0.0, strict=True)
    return {
        "turnout_min": turnout if tm is None else tm,
        "driving_min": driving if dm is None else dm,
    }


def read_layers(t: Table | None) -> dict[str, Any]:
    """Read ``[scenario.layers]`` (population and risk layers with their columns)."""
    out: dict[str, Any] = {
        "population": None,
        "population_column": None,
        "risk": None,
        "risk_column": None,
    }
    if t is None:
        return out
    for layer in ("population", "risk"):
        out[layer] = t.file(layer, f"{layer} layer")
        out[f"{layer}_column"] = t.text(f"{layer}_column")
        if out[f"{layer}_column"] is not None and out[layer] is None:
            t.fail(f"{layer}_column", f'needs the layer file; add {layer} = "path"')
    return out


# --------------------------------------------------------------------------- stations


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
    from ._errors import StationClassError
    from .standards import station_class  # lazy: resolved by the standards profile

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


def read_years(
    sc: Table, stations: list[dict[str, Any]], tables: list[Table]
) -> tuple[int | None, int | None]:
    """``first_year`` and ``last_year`` (given or defaulted), checking every station's year."""
    first, last = sc.year("first_year"), sc.year("last_year")
    if first is not None and last is not None and first > last:
        sc.fail("last_year", f"{last} is before first_year {first}")
    years = [s["year"] for s in stations if s["year"] is not None]
    planned = [s["year"] for s in stations if s["status"] == "proposed"]
    if first is None and (planned or years):
        first = min(planned) - 1 if planned else min(years)
        first = first if last is None else min(first, last)
    if last is None and first is not None:
        last = max([first, *years])
    for s, t in zip(stations, tables, strict=True):
        y = s["year"]
        if y is None or first is None or last is None:
            continue
        if y > last:
            t.fail("year", f"{y} is after last_year {last}; allowed: {first}–{last}")
        if s["status"] == "proposed" and y < first:
            t.fail(
                "year",
                f"{y} is before first_year {first}; allowed for a proposed station: {first}–{last}",
            )
    return first, last


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


# --------------------------------------------------------------------------- standards


def read_standards(t: Table | None) -> tuple[Any, str | None]:
    """Load the standards profile of ``[scenario.standards]``: ``(Standards, profile)``."""
    from ._errors import DataFormatError, InputFileError
    from .standards import bundled_profiles, load_standards  # lazy: optional dependency

    value = None if t is None else t.text("profile")
    if t is None or value is None:
        return load_standards(), None
    profile = value
    if value.endswith(".toml") or "/" in value or "\\" in value:
        profile = str(t.file("profile", "standards profile"))
    elif value not in bundled_profiles():
        t.fail(
            "profile",
            f'unknown value "{value}"; allowed: {quote_list(bundled_profiles())} '
            "or the path of a .toml profile",
        )
    try:
        return load_standards(profile), profile
    except (InputFileError, DataFormatError) as exc:
        t.fail("profile", f"cannot load the standards profile: {exc}")


def read_limits(t: Table | None, standards: Any, stations: list[dict[str, Any]]) -> dict[str, Any]:
    """Read ``[scenario.standards.limits]``: ``limits``, ``class_limits``, ``station_limits``."""
    out: dict[str, dict[str, float]] = {"limits": {}, "class_limits": {}, "station_limits": {}}
    lt = None if t is None else t.table("limits", None)
    if lt is None:
        return out
    by_name = {name_key(s["name"]): s for s in stations}
    for key in lt.data:
        value = lt.number(key, minimum=0.0, strict=True)
        assert value is not None
        out["limits"][key] = value
        station = by_name.get(name_key(key))
        cls = standards.classes[station["class_key"]] if station else standards.lookup(key)
        if cls is None:
            lt.fail(
                key,
                f'unknown class or station "{key}"; allowed: {standards.allowed_names()}'
                " (or an alias) or a station name of this scenario",
            )
        if not cls.district:
            lt.fail(key, f"a {cls.zh_short} ({cls.key}) station has no district; remove the limit")
        if station is not None:
            out["station_limits"][station["name"]] = value
            continue
        if out["class_limits"].get(cls.key, value) != value:
            lt.fail(key, f"gives class {cls.key} a second value; keep one")
        out["class_limits"][cls.key] = value
    return out
