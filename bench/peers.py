"""The coverage matrix against its peers on the Binhai-sized bench district (issue 11, target 4).

Usage::

    nice python bench/peers.py [--quick] [--repeat 3] [--peers networkx,scipy,pgrouting,pandana]
                               [--nx-sources N] [--reference old.npz] [--save new.npz]

One run, the same inputs for everyone: the district of ``gen_binhai.py`` (seed 0), its 5,000
candidate sites (at graph nodes; 34 existing stations first), the 200 m demand cells and a
limit of 240 s driving. Timed (wall, median of ``--repeat``; peers once unless said):

* firecover ``bounded_matrix`` candidates × cells (the coverage matrix) and candidates × nodes;
* networkx ``single_source_dijkstra_path_length(cutoff=240)`` per source on the MultiDiGraph;
* plain ``scipy.sparse.csgraph.dijkstra(limit=240)`` on the full CSR ``net.adj``, in chunks of
  sources sized by firecover's old memory rule, to nodes and then to cells;
* pgRouting ``pgr_drivingDistance`` with the array of all start nodes (own local cluster);
* pandana ``Network.nodes_in_range`` (contraction hierarchies; the preprocessing timed apart).

Before anything is timed as equal, each peer's pairs and times are checked against firecover:
the same (source, node) pairs and times within 1e-6 s, pairs closer than 1e-6 s to the limit
being the only ones allowed to differ (float summation order). ``--reference`` compares the
cell matrix with one saved by another firecover version (``--save``), exactly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import LIMIT_S, Instance, Measure, _sampling, build_instance, machine

from firecover.network.snapping import canonical_position
from firecover.traveltime import bounded_matrix

TOL = 1e-6
OLD_CHUNK_BYTES = 256 * 2**20  # the memory rule of firecover's kernel before issue 11


@dataclass
class Row:
    """One peer's figures and the firecover cell-matrix timing (wall, CPU) just before it."""

    name: str
    kind: str
    wall: float
    cpu: float
    fc: tuple[float, float]
    check: str


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, Measure]:
    m, out = Measure(), None
    for _ in range(repeat):
        out = None
        with _sampling(m):
            t = time.perf_counter()
            out = fn()
            m.seconds.append(time.perf_counter() - t)
    return out, m


def _csr(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
) -> sp.csr_array:
    m = sp.csr_array(sp.coo_array((vals, (rows, cols)), shape=shape))
    m.sort_indices()
    return m


def compare(ref: sp.csr_array, got: sp.csr_array, limit: float) -> dict[str, float]:
    """Pairs and times of ``got`` against ``ref`` (both sources × columns, stored = reached)."""
    a, b = ref.tocoo(), got.tocoo()
    n_cols = ref.shape[1]
    ka = a.row.astype(np.int64) * n_cols + a.col
    kb = b.row.astype(np.int64) * n_cols + b.col
    common, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
    only_a = np.setdiff1d(np.arange(ka.size), ia)
    only_b = np.setdiff1d(np.arange(kb.size), ib)
    near_a = np.abs(a.data[only_a] - limit) <= TOL
    near_b = np.abs(b.data[only_b] - limit) <= TOL
    diff = float(np.max(np.abs(a.data[ia] - b.data[ib]))) if common.size else 0.0
    return {"pairs_ref": float(ka.size), "pairs": float(kb.size), "common": float(common.size),
            "only_ref": float(only_a.size), "only_peer": float(only_b.size),
            "only_at_limit": float(near_a.all() and near_b.all()), "max_diff": diff,
            "ok": float(diff <= TOL and near_a.all() and near_b.all())}  # fmt: skip


def _verdict(c: dict[str, float]) -> str:
    extra = ""
    if c["only_ref"] or c["only_peer"]:
        extra = (
            f"; {int(c['only_ref'])} pairs only in firecover, {int(c['only_peer'])} only in "
            f"the peer{' (all within 1e-6 s of the limit)' if c['only_at_limit'] else ''}"
        )
    return (f"{'SAME' if c['ok'] else 'DIFFERENT'} pairs/times ({int(c['common']):,} common, "
            f"max |Δ| {c['max_diff']:.1e} s{extra})")  # fmt: skip


# --------------------------------------------------------------------------- peers


def networkx_nodes(inst: Instance, pick: np.ndarray) -> sp.csr_array:
    """networkx bounded Dijkstra on the MultiDiGraph from the candidates ``pick``."""
    g, net = inst.case.graph, inst.net
    rows, cols, vals = [], [], []
    for r, i in enumerate(pick):
        d = nx.single_source_dijkstra_path_length(g, int(inst.candidate_nodes[i]),
                                                  cutoff=LIMIT_S, weight="travel_time")  # fmt: skip
        rows.append(np.full(len(d), r))
        cols.append(net.node_index(list(d)))
        vals.append(np.fromiter(d.values(), float, len(d)))
    return _csr(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                (pick.size, net.n_nodes))  # fmt: skip


def _old_chunk(n_nodes: int, n_cols: int) -> int:
    return int(max(1, min(2048, OLD_CHUNK_BYTES // (8 * (3 * n_nodes + 4 * n_cols) + 1))))


def scipy_full(inst: Instance, to_cells: bool) -> sp.csr_array:
    """Plain csgraph Dijkstra(limit) on the full CSR from the candidate nodes, chunk by chunk.

    ``to_cells``: then the cells from the node times (the candidates are nodes, so no
    same-road shortcut can beat the way through the cell's edge ends).
    """
    net, pts = inst.net, inst.demand.points
    src = net.node_index(inst.candidate_nodes)
    e, f = canonical_position(net, pts.edge, pts.fraction)
    twin = net.edge_reverse[e]
    cu = f * net.edge_time[e]
    cv = np.where(twin >= 0, (1 - f) * net.edge_time[np.maximum(twin, 0)],
                  np.where(f >= 1, 0.0, np.inf))  # fmt: skip
    u, v, acc = net.edge_u[e], net.edge_v[e], pts.access_s
    n_cols = len(pts) if to_cells else net.n_nodes
    chunk = _old_chunk(net.n_nodes, n_cols)
    lim = LIMIT_S * (1 + 1e-12) + 1e-9
    rows, cols, vals = [], [], []
    for s in range(0, src.size, chunk):
        d = dijkstra(net.adj, directed=True, indices=src[s : s + chunk], limit=lim)
        if to_cells:
            d = np.minimum(d[:, u] + cu, d[:, v] + cv) + acc
        r, c = np.nonzero(d <= LIMIT_S)
        rows.append(r + s)
        cols.append(c)
        vals.append(d[r, c])
    return _csr(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                (src.size, n_cols))  # fmt: skip


def pandana_nodes(inst: Instance, pick: np.ndarray) -> tuple[sp.csr_array, float, float]:
    """pandana (contraction hierarchies): build time, query time, result."""
    import pandas as pd
    from pandana import Network

    net = inst.net
    a = net.adj.tocoo()  # min over parallel edges, one row per directed (u, v)
    t = time.perf_counter()
    pn = Network(pd.Series(net.x, index=np.arange(net.n_nodes)),
                 pd.Series(net.y, index=np.arange(net.n_nodes)),
                 pd.Series(a.row), pd.Series(a.col), pd.DataFrame({"tt": a.data}),
                 twoway=False)  # fmt: skip
    t_build = time.perf_counter() - t
    src = net.node_index(inst.candidate_nodes[pick])
    t, c = time.perf_counter(), time.process_time()
    df = pn.nodes_in_range(src, LIMIT_S, imp_name="tt")
    t_query, c_query = time.perf_counter() - t, time.process_time() - c
    row_of = np.full(net.n_nodes, -1)
    row_of[src] = np.arange(src.size)
    m = _csr(row_of[df["source"].to_numpy()], df["destination"].to_numpy(),
             df["tt"].to_numpy(np.float64), (src.size, net.n_nodes))  # fmt: skip
    return m, t_build, t_query, c_query


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pgrouting_nodes(
    inst: Instance, pick: np.ndarray
) -> tuple[sp.csr_array, float, float, float, str]:
    """pgRouting pgr_drivingDistance from all starts at once: load time, query time, result."""
    import pgrouting

    net = inst.net
    with pgrouting.cluster() as conn:
        ver = pgrouting.version(conn)
        t = time.perf_counter()
        pgrouting.load_edges(conn, net.edge_u + 1, net.edge_v + 1, net.edge_time)
        t_load = time.perf_counter() - t
        starts = net.node_index(inst.candidate_nodes[pick]) + 1
        backend = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        t, c = time.perf_counter(), _proc_cpu(backend)
        pgrouting.driving_distance_count(conn, starts, LIMIT_S)
        t_query, c_query = time.perf_counter() - t, _proc_cpu(backend) - c
        s, node, cost = pgrouting.driving_distance(conn, starts, LIMIT_S)
    row_of = np.full(net.n_nodes + 1, -1)
    row_of[starts] = np.arange(starts.size)
    keep = cost <= LIMIT_S
    m = _csr(row_of[s[keep]], node[keep] - 1, cost[keep], (starts.size, net.n_nodes))
    return m, t_load, t_query, c_query, ver


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="1/16-area district, 1,000 candidates")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", default="networkx,scipy,pgrouting,pandana")
    ap.add_argument(
        "--nx-sources",
        type=int,
        default=0,
        help="networkx on this many sampled sources, extrapolated (0 = all)",
    )
    ap.add_argument("--reference", type=Path, help="cell matrix (.npz) of another version")
    ap.add_argument("--save", type=Path, help="save firecover's cell matrix (.npz)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    peers = set(args.peers.split(","))
    print("\n".join(machine()))
    print(f"command: {' '.join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])])}")
    with open("/proc/loadavg") as fh:
        print(f"load average at start: {' '.join(fh.read().split()[:3])} (2 cores, shared)")
    inst = build_instance(args.nodes, args.seed, args.quick, 1000 if args.quick else 5000, 200.0)
    net, n_src = inst.net, len(inst.candidates)
    cand, cell_pts = inst.candidates, inst.demand.points
    print(f"district: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges; {n_src:,} "
          f"candidates at nodes; {len(cell_pts):,} cells; limit {LIMIT_S:g} s")  # fmt: skip
    cells, m_cells = _timed(lambda: bounded_matrix(net, cand, LIMIT_S, targets=cell_pts),
                            args.repeat)  # fmt: skip
    nodes, m_nodes = _timed(lambda: bounded_matrix(net, inst.candidates, LIMIT_S), args.repeat)
    fc_c, fc_n = m_cells.median, m_nodes.median
    print(f"firecover cells: {cells.nnz:,} pairs, {m_cells.text()}")
    print(f"firecover nodes: {nodes.nnz:,} pairs ({nodes.nnz / n_src:,.0f} nodes per source), "
          f"{m_nodes.text()}")  # fmt: skip
    if args.save:
        sp.save_npz(args.save, cells, compressed=False)
    if args.reference:
        ref = sp.csr_array(sp.load_npz(args.reference))
        ref.sort_indices()
        c = compare(ref, cells, LIMIT_S)
        exact = c["ok"] and c["max_diff"] == 0.0 and c["only_ref"] == c["only_peer"] == 0
        print(f"reference {args.reference.name}: {'IDENTICAL' if exact else _verdict(c)}")
    rows: list[Row] = []

    def pair() -> tuple[float, float]:
        """firecover's cell matrix once more, right before a peer (wall, CPU seconds)."""
        t, c = time.perf_counter(), time.process_time()
        bounded_matrix(net, cand, LIMIT_S, targets=cell_pts)
        return time.perf_counter() - t, time.process_time() - c

    if "networkx" in peers:
        pick = np.arange(n_src)
        if args.nx_sources:
            rng = np.random.default_rng(args.seed + 2)
            pick = np.sort(rng.choice(n_src, size=min(args.nx_sources, n_src), replace=False))
        fc = pair()
        c = time.process_time()
        res, m = _timed(lambda: networkx_nodes(inst, pick))
        scale_up = n_src / pick.size
        cpu = (time.process_time() - c) * scale_up
        note = "" if pick.size == n_src else f", EXTRAPOLATED from {pick.size} sources"
        rows.append(Row("networkx bounded Dijkstra", "nodes", m.median * scale_up, cpu, fc,
                        _verdict(compare(nodes[pick], res, LIMIT_S)) + note))  # fmt: skip
    if "scipy" in peers:
        for to_cells in (False, True):
            fc = pair()
            c = time.process_time()
            res, m = _timed(lambda: scipy_full(inst, to_cells))  # noqa: B023
            ref = cells if to_cells else nodes
            rows.append(Row("scipy dijkstra(limit) full CSR", "cells" if to_cells else "nodes",
                            m.median, time.process_time() - c, fc,
                            _verdict(compare(ref, res, LIMIT_S))))  # fmt: skip
    if "pgrouting" in peers:
        fc = pair()
        res, t_load, t_q, c_q, ver = pgrouting_nodes(inst, np.arange(n_src))
        rows.append(Row(f"{ver} pgr_drivingDistance", "nodes", t_q, c_q, fc,
                        _verdict(compare(nodes, res, LIMIT_S)) + f"; loading edges "
                        f"{t_load:.1f} s untimed; CPU = the server backend's"))  # fmt: skip
    if "pandana" in peers:
        from importlib import metadata

        fc = pair()
        res, t_build, t_q, c_q = pandana_nodes(inst, np.arange(n_src))
        rows.append(Row(f"pandana {metadata.version('pandana')} nodes_in_range", "nodes", t_q,
                        c_q, fc, _verdict(compare(nodes, res, LIMIT_S)) +
                        f"; contraction {t_build:.1f} s untimed"))  # fmt: skip
    print("\nratios: peer / firecover's cell matrix (5,000 × 58,484) timed RIGHT BEFORE that "
          "peer (wall and CPU seconds); peers marked 'nodes' compute node times only (less than "
          "the cell matrix).")  # fmt: skip
    print(f"{'peer':<52} {'wall s':>7} {'CPU s':>7} {'fc wall':>7} {'fc CPU':>7} "
          f"{'× wall':>7} {'× CPU':>7}  check")  # fmt: skip
    print(f"{'firecover bounded_matrix (cells, median)':<52} {fc_c:>7.2f}")
    print(f"{'firecover bounded_matrix (nodes, median)':<52} {fc_n:>7.2f}")
    for r in rows:
        print(f"{r.name + ' (' + r.kind + ')':<52} {r.wall:>7.2f} {r.cpu:>7.2f} "
              f"{r.fc[0]:>7.2f} {r.fc[1]:>7.2f} {r.wall / r.fc[0]:>7.1f} "
              f"{r.cpu / max(r.fc[1], 1e-9):>7.1f}  {r.check}")  # fmt: skip
    with open("/proc/loadavg") as fh:
        print(f"load average at end: {' '.join(fh.read().split()[:3])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
