"""Write a station plan back as a scenario file (the inverse of :func:`load_scenario`).

:func:`scenario_toml` renders a :class:`~firecover.plan.scenario.Scenario` — typically one whose
stations or budget were edited (``firecover serve``'s "Save as scenario") — as TOML text that
:func:`~firecover.plan.scenario.load_scenario` reads back to the same plan. Paths are written
absolute, so the file works wherever it is saved. Strings are TOML basic strings (the JSON
escapes of :func:`json.dumps` are valid TOML escapes).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from firecover._version import __version__
from firecover.analysis.station_spec import BUILD_TYPES, StationSpec
from firecover.plan.scenario import Scenario

__all__ = ["scenario_toml"]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v!r} in a scenario file")
        return repr(v)
    if isinstance(v, Path):
        return json.dumps(str(v.resolve()), ensure_ascii=False)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} in a scenario file")


def _table(name: str, items: Iterable[tuple[str, Any]], *, array: bool = False) -> list[str]:
    rows = [f"{k} = {_value(v)}" for k, v in items if v is not None]
    if not rows and not array:
        return []
    head = f"[[{name}]]" if array else f"[{name}]"
    return ["", head, *rows]


def _graph(sc: Scenario, graph_file: Path | None) -> list[tuple[str, Any]]:
    g = sc.graph
    source: list[tuple[str, Any]]
    if graph_file is not None:
        source = [("file", Path(graph_file))]
    elif g.kind == "file":
        source = [("file", g.file)]
    elif g.kind == "place":
        source = [("place", g.place)]
    elif g.kind == "polygon":
        source = [("polygon", g.polygon)]
    else:
        source = [("bbox", list(g.bbox) if g.bbox else None)]
    profile = g.profile
    if profile is not None and Path(profile).suffix == ".toml":
        profile = str(Path(profile).resolve())
    opts = [
        ("profile", profile),
        ("congestion_factor", g.congestion_factor),
        ("crs", g.crs),
        ("period", g.period),
    ]
    if graph_file is None and g.kind == "file":
        opts += [
            ("class_column", g.class_column),
            ("speed_column", g.speed_column),
            ("oneway_column", g.oneway_column),
        ]
    return source + opts


def _boundary(sc: Scenario, boundary_file: Path | None) -> list[tuple[str, Any]]:
    if boundary_file is not None:
        return [("file", Path(boundary_file))]
    b = sc.boundary
    if b.kind == "file":
        return [("file", b.file)]
    if b.kind in ("place", "admin"):
        return [(b.kind, b.place)]
    return []


def _station(s: StationSpec) -> list[tuple[str, Any]]:
    build = None if s.build_type is None else BUILD_TYPES[s.build_type][0]
    return [
        ("name", s.name),
        ("name_en", s.name_en),
        ("class", s.class_name),
        ("status", s.status),
        ("year", s.year),
        ("build_type", build),
        ("replaces", s.replaces),
        ("urban_edge", s.urban_edge or None),
        ("lon", float(s.lon)),
        ("lat", float(s.lat)),
        ("datum", s.datum),
        ("source", s.source),
        ("precision_m", s.precision_m),
    ]


def _zone(z: Any) -> list[tuple[str, Any]]:
    """A ``[[scenario.quota.zone]]`` table; template blanks are written back as ``"XX"``."""
    q = z.zone

    def blank(key: str, value: Any) -> Any:
        return "XX" if key in z.blanks else value

    return [
        ("name", q.name),
        ("area_km2", blank("area_km2", q.area_km2)),
        ("required", blank("required", q.required)),
        ("class", q.class_name),
        ("urban_edge", q.urban_edge or None),
        ("existing", blank("existing", q.existing)),
        ("reported_rate", z.reported_rate),
        ("source", q.source),
    ]


def scenario_toml(
    scenario: Scenario,
    *,
    graph_file: Path | None = None,
    boundary_file: Path | None = None,
    note: str | None = None,
) -> str:
    """The scenario as TOML text.

    Parameters
    ----------
    scenario : Scenario
        The plan to write (stations, budget, years, standards overrides, layers).
    graph_file, boundary_file : Path, optional
        Road graph and boundary files that replace the scenario's own sources (the files a
        run was given on the command line, e.g. ``--graph`` for offline use).
    note : str, optional
        A comment line written at the top (e.g. where the plan was edited).

    Returns
    -------
    str
    """
    head = [
        f"# firecover scenario, written by firecover {__version__}.",
        *(f"# {line}" for line in (note or "").splitlines() if line.strip()),
    ]
    out = head + _table(
        "scenario",
        [
            ("name", scenario.name),
            ("name_zh", scenario.name_zh),
            ("description", scenario.description),
            ("synthetic", scenario.synthetic or None),
            ("first_year", scenario.first_year),
            ("last_year", scenario.last_year),
            ("optimum_time", scenario.optimum_time),
        ],
    )
    out += _table("scenario.graph", _graph(scenario, graph_file))
    out += _table("scenario.boundary", _boundary(scenario, boundary_file))
    t = scenario.travel
    if t != type(t)():
        out += _table("scenario.travel", [("model", t.model), ("shape", t.shape),
                                          ("speed_kph", t.speed_kph),
                                          ("curvature", t.curvature)])  # fmt: skip
    b = scenario.budget
    out += _table(
        "scenario.budget", [("turnout_min", b.turnout_min), ("driving_min", b.driving_min)]
    )
    st = scenario.standards
    profile = st.profile
    if profile is not None and Path(profile).suffix == ".toml":
        profile = str(Path(profile).resolve())
    out += _table(
        "scenario.standards",
        [
            ("profile", profile),
            ("barrier_rule", st.barrier_rule),
            ("barrier_min_km2", st.barrier_min_km2),
            ("barrier_min_share", st.barrier_min_share),
        ],
    )
    limits: Mapping[str, float] = st.limits
    out += _table("scenario.standards.limits", [(_key(k), float(v)) for k, v in limits.items()])
    lay = scenario.layers
    out += _table(
        "scenario.layers",
        [
            ("population", lay.population),
            ("population_column", lay.population_column),
            ("risk", lay.risk),
            ("risk_column", lay.risk_column),
        ],
    )
    for z in scenario.quota:
        out += _table("scenario.quota.zone", _zone(z), array=True)
    bu = scenario.built_up
    out += _table(
        "scenario.built_up",
        [
            ("file", None if bu.file is None else str(Path(bu.file).resolve())),
            ("area_km2", bu.area_km2),
        ],
    )
    for s in scenario.stations:
        out += _table("station", _station(s), array=True)
    return "\n".join(out) + "\n"


def _key(name: str) -> str:
    """A TOML key: bare when it is plain ASCII, quoted otherwise."""
    bare = (
        name.replace("_", "").replace("-", "").isascii()
        and name.replace("_", "").replace("-", "").isalnum()
    )
    return name if bare else json.dumps(name, ensure_ascii=False)
