"""Turn data: restrictions, junction controls and the turn/delay part of a speed profile.

What is kept on the road graph (so it survives simplification, projection, GraphML and the
graph cache, which store graph, node and edge attributes as they are):

* graph attribute ``turn_restrictions``: a JSON string, a list of records
  ``{"kind": "no"|"only", "via": node, "from": id, "to": id, "by": "way"|"node", "tag": str}``.
  ``by = "way"``: ``from`` / ``to`` are OSM way ids (matched against the edges' ``osmid``);
  ``by = "node"``: they are graph node keys, the from-edge is ``from → via`` and the to-edge
  ``via → to`` (every parallel edge between them).
* node attribute ``junction_control``: ``traffic_signals``, ``stop`` or ``give_way`` (from the
  OSM node tag ``highway``); nodes carrying it are kept by simplification.
* edge attribute ``junction`` (``roundabout`` from OSM): entering a roundabout costs the
  ``roundabout`` junction delay.

The delays and penalties are data in the speed profile (tables ``[junction_delay_s]`` and
``[turn_penalty_s]``, parsed here; :mod:`firecover.network.speeds` only hooks them in). The search
graph they define is built by :mod:`firecover.network.turn_graph`.

Defaults and their sources (fire engine with priority, driving on the right):

* ``u_turn = 20 s``: OSRM's car profile ``u_turn_penalty = 20``.
* ``left = 6 s``, ``right = 3 s``: our choice, in the range of OSRM's car profile
  (``turn_penalty = 7.5`` s for a sharp turn, scaled by angle; right turns cheaper with
  ``turn_bias`` 1.075 for right-hand traffic).
* ``dead_end_u_turn = 30 s``: our choice (a fire engine turns in two or three moves).
* ``traffic_signals = 5 s``: our choice (OSRM's car profile uses 2 s for ordinary cars; an
  engine with siren still slows down to cross a red light safely); ``stop = 3 s``,
  ``give_way = 1.5 s``, ``roundabout = 4 s``: our choice.
* U-turns only at dead ends (``u_turns = "dead_end"``): our choice, a rigid fire engine
  cannot turn around at an ordinary junction; ``"anywhere"`` allows them at the ``u_turn`` cost.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from firecover._errors import DataFormatError, InputFileError

__all__ = [
    "CONTROLS",
    "DEFAULT_TURNS",
    "TURN_KEYS",
    "TURN_MODES",
    "TurnProfile",
    "TurnRestriction",
    "add_restrictions",
    "current_turn_mode",
    "graph_restrictions",
    "graph_turn_profile",
    "has_turn_data",
    "mark_junction_controls",
    "osm_restriction",
    "parse_turn_tables",
    "read_restriction_table",
    "resolve_turn_mode",
    "turn_profile_json",
    "use_turns",
]

logger = logging.getLogger(__name__)

CONTROLS = ("traffic_signals", "stop", "give_way")
"""OSM node ``highway`` values that are junction controls (``junction_control``)."""
TURN_KEYS = frozenset({"junction_delay_s", "turn_penalty_s"})
"""Speed-profile tables parsed by :func:`parse_turn_tables`."""
TURN_MODES = ("auto", "on", "off")
"""``auto``: turns on when the graph carries restrictions or junction controls."""
EXEMPT = frozenset({"emergency", "fire", "fire_engine", "psv;emergency"})
"""``except=`` values under which a restriction does not bind a fire engine."""

_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar("firecover_turns", default=None)


@dataclass(frozen=True)
class TurnProfile:
    """Junction delays and turn penalties (seconds) of a speed profile.

    Attributes
    ----------
    junction_delay_s : Mapping[str, float]
        Delay per passage through a node with that control (``traffic_signals``, ``stop``,
        ``give_way``), and ``roundabout`` on entering a roundabout.
    straight_s, right_s, left_s, u_turn_s : float
        Penalty per turn class at a junction (a node with three or more neighbours).
    dead_end_u_turn_s : float
        Cost of turning round where no other way out exists.
    u_turns : str
        ``dead_end`` (only there) or ``anywhere``.
    straight_deg : float
        Heading changes up to this many degrees are straight on.
    """

    junction_delay_s: Mapping[str, float] = field(
        default_factory=lambda: {
            "traffic_signals": 5.0,
            "stop": 3.0,
            "give_way": 1.5,
            "roundabout": 4.0,
        }
    )
    straight_s: float = 0.0
    right_s: float = 3.0
    left_s: float = 6.0
    u_turn_s: float = 20.0
    dead_end_u_turn_s: float = 30.0
    u_turns: str = "dead_end"
    straight_deg: float = 30.0


DEFAULT_TURNS = TurnProfile()
_PENALTY_KEYS = ("straight", "right", "left", "u_turn", "dead_end_u_turn")


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise DataFormatError(f"{where} must be a number of seconds ≥ 0, got {value!r}")
    return float(value)


def parse_turn_tables(data: Mapping[str, Any], path: str) -> TurnProfile:
    """The :class:`TurnProfile` of a profile's ``[junction_delay_s]`` / ``[turn_penalty_s]``.

    Missing keys keep their defaults (:data:`DEFAULT_TURNS`).
    """
    delays = dict(DEFAULT_TURNS.junction_delay_s)
    table = data.get("junction_delay_s", {})
    if not isinstance(table, dict):
        raise DataFormatError(f"speed profile {path}: junction_delay_s must be a table")
    for key, value in table.items():
        if key not in delays:
            raise DataFormatError(
                f"speed profile {path}: unknown junction_delay_s.{key}; use one of "
                + ", ".join(delays)
            )
        delays[key] = _seconds(value, f"speed profile {path}: junction_delay_s.{key}")
    pen = data.get("turn_penalty_s", {})
    if not isinstance(pen, dict):
        raise DataFormatError(f"speed profile {path}: turn_penalty_s must be a table")
    values: dict[str, Any] = {}
    for key, value in pen.items():
        where = f"speed profile {path}: turn_penalty_s.{key}"
        if key in _PENALTY_KEYS:
            values[f"{key}_s"] = _seconds(value, where)
        elif key == "u_turns":
            if value not in ("dead_end", "anywhere"):
                raise DataFormatError(f"{where} must be 'dead_end' or 'anywhere', got {value!r}")
            values["u_turns"] = value
        elif key == "straight_deg":
            deg = _seconds(value, where)
            if deg >= 90:
                raise DataFormatError(f"{where} must be below 90 degrees, got {value!r}")
            values["straight_deg"] = deg
        else:
            raise DataFormatError(
                f"{where} is unknown; use {', '.join(_PENALTY_KEYS)}, u_turns or straight_deg"
            )
    return TurnProfile(junction_delay_s=delays, **values)


# --------------------------------------------------------------------------- restrictions


@dataclass(frozen=True)
class TurnRestriction:
    """One restriction at a via node (see the module notes for ``by``)."""

    kind: str
    via: Any
    from_id: Any
    to_id: Any
    by: str = "way"
    tag: str = ""

    def as_record(self) -> dict[str, Any]:
        """The JSON record stored in the graph attribute ``turn_restrictions``."""
        return {
            "kind": self.kind,
            "via": self.via,
            "from": self.from_id,
            "to": self.to_id,
            "by": self.by,
            "tag": self.tag,
        }


def osm_restriction(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """``(kind, tag)`` of a ``type=restriction`` relation that binds a fire engine, else None.

    Reads ``restriction:motorcar`` before ``restriction``; ``except`` listing ``emergency`` or
    ``fire`` exempts the engine. Conditional restrictions (``time``, ``day_on``) are taken as
    binding at all times (the cautious choice for a response-time check).
    """
    if tags.get("type") != "restriction":
        return None
    value = tags.get("restriction:motorcar") or tags.get("restriction")
    if not value:
        return None
    exempt = {v.strip() for v in tags.get("except", "").split(";")}
    if exempt & EXEMPT:
        return None
    kind = value.split("_", 1)[0]
    if kind not in ("no", "only"):
        return None
    return kind, value


def graph_restrictions(graph: nx.MultiDiGraph) -> list[TurnRestriction]:
    """The restrictions stored on ``graph`` (empty when it has none)."""
    raw = graph.graph.get("turn_restrictions")
    if not raw:
        return []
    try:
        records = json.loads(raw) if isinstance(raw, str) else list(raw)
        return [
            TurnRestriction(
                str(r["kind"]),
                r["via"],
                r["from"],
                r["to"],
                str(r.get("by", "way")),
                str(r.get("tag", "")),
            )
            for r in records
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(
            f"the graph's turn_restrictions attribute is unreadable ({exc}); import the graph again"
        ) from None


def add_restrictions(graph: nx.MultiDiGraph, items: list[TurnRestriction]) -> int:
    """Append restrictions to the graph attribute; return how many the graph now holds."""
    records = [r.as_record() for r in graph_restrictions(graph)]
    records += [r.as_record() for r in items]
    graph.graph["turn_restrictions"] = json.dumps(records, ensure_ascii=False)
    return len(records)


def _id(text: str, where: str) -> Any:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        if not text:
            raise DataFormatError(f"{where} is empty; give a node or way id") from None
        return text


def read_restriction_table(path: str | Path) -> list[TurnRestriction]:
    """A planner's restriction file (CSV, UTF-8): one banned or mandatory turn per row.

    Columns ``from_way, via_node, to_way`` (OSM way ids and node id) or ``from_node, via_node,
    to_node`` (graph node keys: the turn from edge from_node→via_node onto via_node→to_node);
    optional ``restriction`` (``no_left_turn``, ``only_straight_on``, …; default ``no_turn``).
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"restriction file {p} does not exist; check the path")
    try:
        with p.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"restriction file {p} is not a UTF-8 CSV: {exc}") from None
    out = []
    for i, row in enumerate(rows, start=2):
        cols = {k.strip().lower(): (v or "") for k, v in row.items() if k}
        by = "way" if "from_way" in cols else "node"
        need = (f"from_{by}", "via_node", f"to_{by}")
        if any(c not in cols for c in need):
            raise DataFormatError(
                f"restriction file {p} needs columns from_way, via_node, to_way (or from_node, "
                "via_node, to_node)"
            )
        tag = cols.get("restriction", "").strip() or "no_turn"
        kind = tag.split("_", 1)[0]
        if kind not in ("no", "only"):
            raise DataFormatError(
                f"restriction file {p} line {i}: restriction {tag!r} must start with no_ or only_"
            )
        ids = [_id(cols[c], f"restriction file {p} line {i} column {c}") for c in need]
        out.append(TurnRestriction(kind, ids[1], ids[0], ids[2], by, tag))
    logger.info("read %d turn restrictions from %s", len(out), p)
    return out


def mark_junction_controls(graph: nx.MultiDiGraph) -> int:
    """Copy OSM node tags ``highway=traffic_signals|stop|give_way`` to ``junction_control``.

    Returns the number of nodes marked. Call before simplification (which keeps them).
    """
    count = 0
    for _, data in graph.nodes(data=True):
        tag = data.get("highway")
        if isinstance(tag, str) and tag in CONTROLS:
            data["junction_control"] = tag
            count += 1
    return count


def has_turn_data(graph: nx.MultiDiGraph) -> bool:
    """Whether the graph carries restrictions or junction controls (``auto`` turns on)."""
    if graph.graph.get("turn_restrictions") not in (None, "", "[]"):
        return True
    return any(d.get("junction_control") in CONTROLS for _, d in graph.nodes(data=True))


@contextlib.contextmanager
def use_turns(mode: str | None) -> Iterator[None]:
    """Within the block, networks built without an explicit ``turns`` use ``mode``.

    This is how the CLI's ``--turns`` reaches every network a command builds.
    """
    if mode is not None and mode not in TURN_MODES:
        raise ValueError(f"turns must be one of {', '.join(TURN_MODES)}, got {mode!r}")
    token = _mode.set(mode)
    try:
        yield
    finally:
        _mode.reset(token)


def current_turn_mode() -> str | None:
    """The mode :func:`use_turns` set for this context (``None``: not chosen)."""
    return _mode.get()


def resolve_turn_mode(turns: str | bool | None, graph: nx.MultiDiGraph) -> bool:
    """Whether to search with turns: explicit argument, then :func:`use_turns`, then ``auto``.

    Never on the straight-line lattice (graph attribute ``travel_model = "radius"``).
    """
    if graph.graph.get("travel_model") == "radius":
        return False  # the straight-line lattice has no junctions to turn at
    if isinstance(turns, bool):
        return turns
    mode = turns or _mode.get() or graph.graph.get("turns") or "auto"
    if mode not in TURN_MODES:
        raise ValueError(f"turns must be one of {', '.join(TURN_MODES)}, got {mode!r}")
    return mode == "on" or (mode == "auto" and has_turn_data(graph))


def turn_profile_json(profile: TurnProfile) -> str:
    """The profile's turn part as JSON, stored by ``prepare_graph`` as ``turn_profile``."""
    data = {k: getattr(profile, k) for k in TurnProfile.__dataclass_fields__}
    data["junction_delay_s"] = dict(profile.junction_delay_s)
    return json.dumps(data, sort_keys=True)


def graph_turn_profile(graph: nx.MultiDiGraph) -> TurnProfile:
    """The turn profile recorded on the graph (``turn_profile``), else the defaults."""
    raw = graph.graph.get("turn_profile")
    if not raw:
        return DEFAULT_TURNS
    try:
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
        return TurnProfile(**data)
    except (ValueError, TypeError) as exc:
        logger.warning("graph turn_profile unreadable (%s); using the default turn costs", exc)
        return DEFAULT_TURNS
