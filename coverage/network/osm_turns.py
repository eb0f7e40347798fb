"""Turn data of an OSM file: ``type=restriction`` relations and junction-control nodes.

One extra pyosmium pass over the file (relations and tagged nodes only) next to the road pass
of :mod:`firecover.network.osm`. Restrictions with a via *node* are kept as records with OSM way
ids (``by = "way"``, see :mod:`firecover.network.turns`); those with a via *way* are counted and
skipped (an edge-based search cannot hold them exactly), as are those that do not bind a fire
engine (``except=emergency|fire``) and non-``no_*``/``only_*`` values. Nodes tagged
``highway=traffic_signals|stop|give_way`` become ``junction_control``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import osmium

from firecover.network.turns import CONTROLS, TurnRestriction, add_restrictions, osm_restriction

__all__ = ["OsmTurnData", "add_relation", "attach_turn_data", "read_turn_data"]

logger = logging.getLogger(__name__)


@dataclass
class OsmTurnData:
    """What :func:`read_turn_data` found in a file."""

    restrictions: list[TurnRestriction] = field(default_factory=list)
    controls: dict[int, str] = field(default_factory=dict)
    relations: int = 0
    via_way: int = 0
    exempt: int = 0


class _TurnCollector(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.data = OsmTurnData()

    def node(self, n: Any) -> None:
        tag = n.tags.get("highway")
        if tag in CONTROLS:
            self.data.controls[int(n.id)] = str(tag)

    def relation(self, r: Any) -> None:
        tags = {t.k: t.v for t in r.tags}
        if tags.get("type") != "restriction":
            return
        add_relation(self.data, tags, [(m.role, m.type, int(m.ref)) for m in r.members])


def add_relation(
    data: OsmTurnData, tags: dict[str, str], members: list[tuple[str, str, int]]
) -> None:
    """Count one ``type=restriction`` relation into ``data`` and keep its records if usable.

    ``members`` are ``(role, type, ref)`` with type ``"n"`` / ``"w"`` / ``"r"`` (pyosmium's
    letters); shared by the file reader and the online (Overpass) reader.
    """
    data.relations += 1
    found = osm_restriction(tags)
    if found is None:
        data.exempt += 1
        return
    roles: dict[str, list[tuple[str, int]]] = {}
    for role, kind_, ref in members:
        roles.setdefault(role, []).append((kind_, ref))
    via, frm, to = roles.get("via", []), roles.get("from", []), roles.get("to", [])
    if len(via) != 1 or via[0][0] != "n" or not frm or not to:
        data.via_way += 1
        return
    kind, value = found
    for _, f in frm:
        for _, t in to:
            data.restrictions.append(TurnRestriction(kind, via[0][1], f, t, "way", value))


def read_turn_data(path: Path) -> OsmTurnData:
    """Restrictions and junction controls of an OSM XML / PBF file (never modified)."""
    collector = _TurnCollector()
    filters: list[object] = [osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.RELATION)]
    try:
        collector.apply_file(str(path), filters=filters)
    except (RuntimeError, ValueError) as exc:  # the road pass reports unreadable files
        logger.warning("could not read turn restrictions of %s: %s", path, exc)
        return OsmTurnData()
    return collector.data


def attach_turn_data(graph: nx.MultiDiGraph, data: OsmTurnData) -> None:
    """Mark junction controls on the graph's nodes and store the restrictions on the graph."""
    marked = 0
    for nid, tag in data.controls.items():
        if nid in graph:
            graph.nodes[nid]["junction_control"] = tag
            marked += 1
    add_restrictions(graph, data.restrictions)
    graph.graph["turn_relations"] = data.relations
    graph.graph["turn_relations_skipped"] = data.via_way + data.exempt
    logger.info(
        "turn data: %d restriction relations (%d kept, %d via ways, %d not binding a fire "
        "engine), %d junction controls on the roads",
        data.relations,
        len(data.restrictions),
        data.via_way,
        data.exempt,
        marked,
    )
