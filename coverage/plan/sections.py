"""Readers for the sections of a scenario file, returning plain keyword dictionaries.

:mod:`~firecover.plan.scenario` turns the dictionaries into its frozen dataclasses; keeping the
readers here keeps both modules short. The ``[[station]]`` tables are read by
:mod:`firecover.analysis.station_spec`.
"""

from __future__ import annotations

import math
from typing import Any

from firecover._errors import DataFormatError
from firecover._schema import Table, check_period, quote_list
from firecover.analysis.station_spec import name_key

__all__ = [
    "BARRIER_KEYS",
    "graph_keys",
    "read_barrier_rule",
    "read_boundary",
    "read_budget",
    "read_built_up",
    "read_graph",
    "read_layers",
    "read_limits",
    "read_standards",
    "read_years",
]


_GRAPH_SOURCES = ("file", "place", "polygon", "bbox")
_GRAPH_KEYS = (
    *_GRAPH_SOURCES,
    "profile",
    "congestion_factor",
    "crs",
    "class_column",
    "speed_column",
    "oneway_column",
    "period",
)
_FILE_ONLY = ("class_column", "speed_column", "oneway_column")
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
    from firecover.network.speeds import (
        available_profiles,  # lazy: the speeds module is optional here
    )

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
        "congestion_factor": t.number("congestion_factor", rule="positive_factor"),
        "crs": _crs(t),
        "period": _period(t),
        **{key: t.text(key) for key in _FILE_ONLY},
    }


def _period(t: Table) -> str | None:
    """``period = "am_peak"``: the speed profile's time-of-day period (network/periods.py)."""
    value = t.text("period")
    if value is None:
        return None
    try:
        return str(check_period(value, "period"))
    except DataFormatError as exc:
        t.fail("period", str(exc).split(": ", 1)[-1])


def graph_keys() -> tuple[str, ...]:
    """The keys ``[scenario.graph]`` may have."""
    return _GRAPH_KEYS


# --------------------------------------------------------------------------- other sections


def read_boundary(t: Table | None) -> dict[str, Any]:
    """Read ``[scenario.boundary]`` (absent = the graph hull)."""
    if t is None:
        return {"kind": "graph_hull", "file": None, "place": None}
    kind = t.one_of(("file", "place", "admin"), required=True)
    return {
        "kind": kind,
        "file": t.file("file", "boundary file") if kind == "file" else None,
        "place": t.text(kind) if kind in ("place", "admin") else None,
    }


def read_budget(t: Table | None, turnout: float, driving: float) -> dict[str, float]:
    """Read ``[scenario.budget]``; missing values take the given defaults."""
    if t is None:
        return {"turnout_min": turnout, "driving_min": driving}
    tm = t.number("turnout_min", rule="non_negative_minutes")
    dm = t.number("driving_min", rule="positive_minutes")
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


# --------------------------------------------------------------------------- standards


def read_standards(t: Table | None) -> tuple[Any, str | None]:
    """Load the standards profile of ``[scenario.standards]``: ``(Standards, profile)``."""
    from firecover._errors import DataFormatError, InputFileError
    from firecover.standards.check import (  # lazy: optional dependency
        bundled_profiles,
        load_standards,
    )

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


#: Barrier-rule keys of ``[scenario.standards]``.
BARRIER_KEYS = ("barrier_rule", "barrier_min_km2", "barrier_min_share")


def read_barrier_rule(t: Table | None) -> dict[str, Any]:
    """Read the barrier-rule keys of ``[scenario.standards]`` (absent = ``None``)."""
    if t is None:
        return dict.fromkeys(BARRIER_KEYS)
    rule = t.choice("barrier_rule", {"fail": "fail", "warn": "warn"}, '"fail", "warn"')
    share = t.number("barrier_min_share", minimum=0.0)
    if share is not None and share > 1:
        t.fail("barrier_min_share", f"{share!r} is out of range; a share between 0 and 1")
    return {"barrier_rule": rule, "barrier_min_km2": t.number("barrier_min_km2", minimum=0.0),
            "barrier_min_share": share}  # fmt: skip


def read_built_up(t: Table | None) -> dict[str, Any]:
    """Read ``[scenario.built_up]``: ``file`` (polygon layer) and/or ``area_km2``."""
    if t is None:
        return {"file": None, "area_km2": None}
    out = {"file": t.file("file", "built-up area layer"),
           "area_km2": t.number("area_km2", minimum=0.0, strict=True)}  # fmt: skip
    if out["file"] is None and out["area_km2"] is None:
        t.fail(None, 'empty; give file = "built_up.geojson" or area_km2 = 30')
    return out


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
