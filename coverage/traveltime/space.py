"""The search space of a network: its node graph, or its turn (line) graph (private).

Without turns the searches run on the node adjacency ``net.adj`` (states = nodes). With
turns (``net.turns``, :mod:`firecover.network.turn_graph`) they run on the edge-based graph:
states ``0 … m−1`` are edge starts ``S[e]``, states ``m + v`` node arrivals ``A[v]``.

Points part-way along edges map onto states as follows (turn graph). A point on edge e at
fraction f, with twin t and access time a:

* reached from its **u side** at ``S[e] + f·t(e)`` — or, at ``f = 0``, at ``A[u]`` (the point is
  the node: every approach counts, whatever turn it would need next);
* from its **v side** at ``S[t] + (1 − f)·t(t)`` (two-way roads) — or, at ``f = 1``, ``A[v]``;
* a **source** there leaves forward: ``A[v]`` at ``a + (1 − f)·t(e)`` and every allowed turn
  ``e → e'`` into ``S[e']`` at that plus the turn cost; backward likewise along the twin; at a
  node (f = 0 or 1) it may start on any out-edge of the node at cost ``a`` (no turn made).

Node times are the arrivals ``A[v]``. The along-road shortcut between a source and a target on
the same road is unchanged (no junction in between).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from firecover.network.csr import CSRNetwork
from firecover.traveltime.sparse import _ranges

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def search_adj(net: CSRNetwork) -> sp.csr_array:
    """The adjacency the searches run on (node graph or turn graph)."""
    return net.adj if net.turns is None else net.turns.adj


def n_states(net: CSRNetwork) -> int:
    """Number of states of the search graph."""
    return net.n_nodes if net.turns is None else net.n_edges + net.n_nodes


def node_state(net: CSRNetwork) -> int:
    """Offset of node v's state: v (node graph) or m + v (arrival state of the turn graph)."""
    return 0 if net.turns is None else net.n_edges


def turn_point_costs(
    net: CSRNetwork, e: IntArray, f: FloatArray
) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
    """(u-side state, cost from it, v-side state, cost from it) of canonical points."""
    m = net.n_edges
    t_e = net.edge_time[e]
    twin = net.edge_reverse[e]
    t_twin = net.edge_time[np.maximum(twin, 0)]
    at_u, at_v = f <= 0.0, f >= 1.0
    su = np.where(at_u, m + net.edge_u[e], e)
    cu = np.where(at_u, 0.0, f * t_e)
    sv = np.where(at_v, m + net.edge_v[e], np.where(twin >= 0, twin, e))
    cv = np.where(at_v, 0.0, np.where(twin >= 0, (1.0 - f) * t_twin, np.inf))
    return su.astype(np.int64), cu, sv.astype(np.int64), cv


def _arcs_from(
    net: CSRNetwork, rows: IntArray, edges: IntArray, base: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Legs ``rows → S[e']`` for every allowed turn out of ``edges``, at ``base`` + turn cost."""
    tg = net.turns
    assert tg is not None
    lo, hi = tg.arc_ptr[edges], tg.arc_ptr[edges + 1]
    pos = _ranges(lo, hi)
    counts = hi - lo
    return (
        np.repeat(rows, counts),
        tg.arc_to[pos],
        np.repeat(base, counts) + tg.arc_cost[pos],
    )


def _starts_at(
    net: CSRNetwork, rows: IntArray, nodes: IntArray, base: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Legs ``rows → S[x]`` for every out-edge x of ``nodes`` and ``rows → A[node]``."""
    tg = net.turns
    assert tg is not None
    lo, hi = tg.out_ptr[nodes], tg.out_ptr[nodes + 1]
    counts = hi - lo
    return (
        np.concatenate([np.repeat(rows, counts), rows]),
        np.concatenate([tg.out_edges[_ranges(lo, hi)], net.n_edges + nodes]),
        np.concatenate([np.repeat(base, counts), base]),
    )


def turn_source_legs(
    net: CSRNetwork, e: IntArray, f: FloatArray, a: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Legs (virtual row, state, seconds) of canonical source points on the turn graph."""
    m = net.n_edges
    rows = np.arange(e.size, dtype=np.int64)
    fwd = a + (1.0 - f) * net.edge_time[e]
    twin = net.edge_reverse[e]
    two = twin >= 0
    bwd = a[two] + f[two] * net.edge_time[twin[two]]
    parts = [
        (rows, m + net.edge_v[e], fwd),
        _arcs_from(net, rows, e, fwd),
        (rows[two], m + net.edge_u[e][two], bwd),
        _arcs_from(net, rows[two], twin[two], bwd),
    ]
    at_u, at_v = f <= 0.0, f >= 1.0
    parts.append(_starts_at(net, rows[at_u], net.edge_u[e][at_u], a[at_u]))
    parts.append(_starts_at(net, rows[at_v], net.edge_v[e][at_v], a[at_v]))
    return (
        np.concatenate([p[0] for p in parts]).astype(np.int64),
        np.concatenate([p[1] for p in parts]).astype(np.int64),
        np.concatenate([p[2] for p in parts]).astype(np.float64),
    )
