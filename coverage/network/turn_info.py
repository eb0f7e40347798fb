"""What turn data a road graph carries, for ``firecover graph info`` (private)."""

from __future__ import annotations

import logging
from typing import Any

import networkx as nx

from firecover._errors import FirecoverError
from firecover.network.csr import CSRNetwork
from firecover.network.turn_graph import build_turn_graph
from firecover.network.turns import graph_turn_profile, has_turn_data

__all__ = ["turn_summary", "turn_text"]

logger = logging.getLogger(__name__)


def turn_summary(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Restrictions (given, on the network, off it), junction controls, U-turn policy, delays.

    Empty for a graph that cannot be searched yet (not prepared). ``auto`` says whether runs
    on this graph model turns by default.
    """
    try:
        net = CSRNetwork.from_graph(graph, turns="off")
    except (FirecoverError, ValueError, TypeError) as exc:
        logger.debug("no turn summary: %s", exc)
        return {}
    prof = graph_turn_profile(graph)
    stats = build_turn_graph(graph, net, prof).stats
    stats["relations_skipped"] = int(graph.graph.get("turn_relations_skipped", 0) or 0)
    stats["auto"] = "on" if has_turn_data(graph) else "off"
    stats["restrictions_note"] = str(graph.graph.get("turn_restrictions_note", "") or "")
    stats["junction_delay_s"] = dict(prof.junction_delay_s)
    stats["turn_penalty_s"] = {
        "straight": prof.straight_s,
        "right": prof.right_s,
        "left": prof.left_s,
        "u_turn": prof.u_turn_s,
        "dead_end_u_turn": prof.dead_end_u_turn_s,
    }
    return stats


def turn_text(s: dict[str, Any]) -> list[str]:
    """Lines for :meth:`firecover.network.info.GraphInfo.to_text`."""
    if not s:
        return []
    c = s["controls"]
    d, p = s["junction_delay_s"], s["turn_penalty_s"]
    return [
        f"restrictions {s['restrictions']} ({s['restrictions_applied']} on the network, "
        f"{s['restrictions_off_network']} off it; {s['relations_skipped']} OSM relations "
        f"skipped), {s['turns_banned']} turns banned",
        f"junctions    signals {c['traffic_signals']}, stop {c['stop']}, give way "
        f"{c['give_way']}, roundabout edges {s['roundabout_edges']}",
        f"delays       signals {d['traffic_signals']:g} s, stop {d['stop']:g} s, give way "
        f"{d['give_way']:g} s, roundabout {d['roundabout']:g} s; turns right {p['right']:g} s, "
        f"left {p['left']:g} s, U {p['u_turn']:g} s (U-turns {s['u_turns']}, dead end "
        f"{p['dead_end_u_turn']:g} s)",
        f"turn model   --turns auto → {s['auto']} for this graph",
    ] + (
        [f"note         {s['restrictions_note']}: the graph carries no OSM restrictions"]
        if s.get("restrictions_note")
        else []
    )
