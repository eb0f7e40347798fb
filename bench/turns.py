"""Turns on vs off: the coverage matrix on the Binhai-sized district (issue 13; run on demand).

Usage::

    nice python bench/turns.py [--nodes 200000] [--seed 0] [--repeat 3] [--quick]
                               [--candidates N] [--restricted-share 0.05]

The district of :mod:`gen_binhai` has no turn data, so this adds some: every junction (three or
more neighbours) on a ``primary`` or ``secondary`` road gets ``traffic_signals``, and a share of
all junctions (``--restricted-share``) a random ``no_left_turn``-style ban of one turn. Junction
delays and turn penalties are the ``china_urban`` defaults (:mod:`firecover.network.turns`).

Figures: the same coverage matrix as ``scale.py`` figure 1 (``bounded_matrix`` from the candidate
sites to every demand cell, 240 s) with turns off and on, the median wall time of ``--repeat``
runs each (alternating), their ratio (target ≤ 2×) and the time to build the turn graph; and how
much the turn model changes the matrix (pairs within 240 s, mean time of the pairs both keep).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

from firecover.network.csr import CSRNetwork
from firecover.network.turns import TurnRestriction, add_restrictions
from firecover.traveltime import bounded_matrix


def add_turn_data(graph, share: float, seed: int) -> tuple[int, int]:
    """Signals at arterial junctions and random single-turn bans; returns (signals, bans)."""
    rng = np.random.default_rng(seed)
    signals, items = 0, []
    for v in graph.nodes:
        nbrs = set(graph.successors(v)) | set(graph.predecessors(v))
        if len(nbrs) < 3:
            continue
        classes = {d.get("road_class") for *_, d in graph.out_edges(v, data=True)}
        if classes & {"primary", "secondary"}:
            graph.nodes[v]["junction_control"] = "traffic_signals"
            signals += 1
        if rng.random() < share:
            ins = list(graph.predecessors(v))
            outs = list(graph.successors(v))
            a = ins[int(rng.integers(len(ins)))]
            b = [o for o in outs if o != a]
            if b:
                items.append(TurnRestriction("no", v, a, b[int(rng.integers(len(b)))], "node"))
    add_restrictions(graph, items)
    return signals, len(items)


def timed(fn, repeat: int) -> tuple[object, list[float]]:
    runs, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return out, runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small district, 1,000 candidates")
    ap.add_argument("--candidates", type=int, default=None, help="default 5000 (quick 1000)")
    ap.add_argument("--cell-m", type=float, default=200.0)
    ap.add_argument("--restricted-share", type=float, default=0.05)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    n_cand = args.candidates or (1000 if args.quick else 5000)
    print("\n".join(scale.machine()))
    inst = scale.build_instance(args.nodes, args.seed, args.quick, n_cand, args.cell_m)
    graph = inst.case.graph
    signals, bans = add_turn_data(graph, args.restricted_share, args.seed)
    t = time.perf_counter()
    on = CSRNetwork.from_graph(graph, turns="on")
    build = time.perf_counter() - t
    off = inst.net
    assert on.turns is not None
    print(
        f"network: {off.n_nodes:,} nodes, {off.n_edges:,} edges; turn graph "
        f"{on.turns.adj.shape[0]:,} states, {on.turns.stats['arcs']:,} turns "
        f"(built in {build:.2f} s incl. CSRNetwork); {signals:,} signals, {bans:,} bans"
    )
    print(on.turn_model)
    cells = inst.demand.points
    # the candidates are node positions of the turn-free net: same nodes, same edges on both.
    # Runs alternate (off, on, off, on, ...) so that a change of machine load hits both alike.
    r_off: list[float] = []
    r_on: list[float] = []
    for _ in range(args.repeat):
        m_off, t_off = timed(
            lambda: bounded_matrix(off, inst.candidates, scale.LIMIT_S, targets=cells), 1
        )
        m_on, t_on = timed(
            lambda: bounded_matrix(on, inst.candidates, scale.LIMIT_S, targets=cells), 1
        )
        r_off += t_off
        r_on += t_on
    a, b = statistics.median(r_off), statistics.median(r_on)
    print(f"coverage matrix {len(inst.candidates):,} × {len(cells):,}, {scale.LIMIT_S:g} s:")
    print(
        f"  turns off: median {a:.2f} s (runs {', '.join(f'{x:.2f}' for x in r_off)}), "
        f"{m_off.nnz:,} pairs"
    )
    print(
        f"  turns on:  median {b:.2f} s (runs {', '.join(f'{x:.2f}' for x in r_on)}), "
        f"{m_on.nnz:,} pairs"
    )
    print(f"  ratio on/off {b / a:.2f}x — target {'MET' if b <= 2 * a else 'MISSED'} (≤ 2x)")
    both = m_off.multiply(m_on.astype(bool)).tocsr()
    mean_off = float(both.data.mean()) if both.nnz else float("nan")
    mean_on = float(m_on.multiply(m_off.astype(bool)).tocsr().data.mean()) if both.nnz else 0.0
    print(
        f"  pairs within {scale.LIMIT_S:g} s: {m_on.nnz / max(m_off.nnz, 1):.1%} of the "
        f"turn-free count; mean time of the shared pairs {mean_off:.1f} s → {mean_on:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
