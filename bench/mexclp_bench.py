"""MEXCLP on the Binhai-sized bench district: time, status and certified gap (issue 17).

Usage::

    nice python bench/mexclp_bench.py [--quick] [--candidates 5000] [--cell 200] [--p 17]
                                      [--q 0.05,0.15] [--time-limit 300] [--hypercube] [--no-mclp]

The district of ``gen_binhai.py`` (seed 0; ``--quick``: 1/16 of the area), its candidate sites
at graph nodes (34 existing stations first, fixed), the demand cells weighted by area and the
5-minute standard (240 s of driving). For each busy fraction ``q`` the MEXCLP (Daskin 1983;
``--hypercube``: the Batta, Dolan & Krishnamurthy correction too) picks ``p`` new sites,
and the MCLP with the same ``p`` is solved beside it (``q = 0``, the plain cover) for scale.
Printed per model: the reduced size, the solver status, objective, bound, gap and seconds
(the matrix time once). Figures depend on the load of the machine; run it with ``nice``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import LIMIT_S, N_EXISTING, build_instance

from firecover import siting
from firecover.traveltime import bounded_matrix, covered


def main(argv: list[str] | None = None) -> int:
    """Build the instance once, then solve and print each model."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1/16 of the area (smoke run)")
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--candidates", type=int, default=5000)
    ap.add_argument("--cell", type=float, default=200.0, help="demand cell side, m")
    ap.add_argument("--p", type=int, default=17, help="new sites")
    ap.add_argument("--q", default="0.05,0.15", help="busy fractions, comma-separated")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per model")
    ap.add_argument("--hypercube", action="store_true", help="also the hypercube variant")
    ap.add_argument("--no-mclp", action="store_true", help="skip the MCLP run beside it")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t = time.perf_counter()
    inst = build_instance(args.nodes, 0, args.quick, args.candidates, args.cell)
    setup = time.perf_counter() - t
    t = time.perf_counter()
    m = bounded_matrix(inst.net, inst.candidates, LIMIT_S, targets=inst.demand.points)
    cover = covered(m).T.tocsr()
    matrix_s = time.perf_counter() - t
    rows = np.flatnonzero(np.diff(cover.indptr) > 0)
    cover = cover[rows]
    w = inst.demand.cells["area_km2"].to_numpy(np.float64)[rows]
    fixed = np.arange(N_EXISTING)
    print(
        f"district: {inst.net.n_nodes:,} nodes, {len(inst.demand):,} cells ({rows.size:,} "
        f"coverable), {cover.shape[1]:,} sites ({N_EXISTING} fixed), p = {args.p}; setup "
        f"{setup:.1f} s, matrix {matrix_s:.1f} s, {cover.nnz:,} pairs; load {load:.1f}"
    )
    runs: list[tuple[str, float, str]] = [] if args.no_mclp else [("mclp", 0.0, "")]
    for q in (float(x) for x in args.q.split(",")):
        runs.append(("mexclp", q, "independent"))
        if args.hypercube:
            runs.append(("mexclp", q, "hypercube"))
    for model, q, variant in runs:
        if model == "mclp":
            res = siting.mclp(cover, w, args.p, fixed=fixed, time_limit=args.time_limit)
        else:
            res = siting.mexclp(
                cover, w, args.p, q, fixed=fixed, time_limit=args.time_limit, variant=variant
            )
        st = res.stats
        label = model if model == "mclp" else f"mexclp q={q:g} {variant}"
        print(
            f"{label}: {res.status}, objective {res.objective:.3f} km², bound "
            f"{st.get('bound', float('nan')):.3f}, gap {res.mip_gap:.4%}, "
            f"{res.solve_seconds:.1f} s (HiGHS {st.get('milp_seconds', 0.0):.1f} s); reduced "
            f"{int(st.get('rows_reduced', 0)):,} rows × {int(st.get('cols_reduced', 0)):,} "
            f"sites, {int(st.get('y_variables', 0)):,} level variables"
        )
        if "heuristic_value" in st:
            print(
                f"  greedy+swap {st['heuristic_value']:.3f} (≤ {st['heuristic_bound']:.3f}), "
                f"{int(st['heuristic_swaps'])} swaps, {st['heuristic_seconds']:.1f} s; MILP "
                f"{'skipped' if st.get('milp_skipped') else 'run'}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
