"""firecover.siting against PySAL spopt 0.7 on the same matrices (run on demand).

Usage::

    python bench/vs_spopt.py [--sizes 100x50,400x100,1000x200] [--solver cbc|highs] [--pmed 1]

For each random Euclidean instance (demand points x candidate sites in the unit square) it
solves LSCP, MCLP and p-median with both libraries (spopt through PuLP, default CBC) and
prints both objectives, both wall times and the ratio spopt / firecover. With ``--pmed N``
the OR-Library instance pmedN is added (p-median only). Wall times include model building.

``--window-km K`` instead takes the Binhai-sized bench district of ``gen_binhai.py`` (seed 0):
the cells and candidate sites in a K km window around its largest core, the coverage matrix
from ``bounded_matrix`` (240 s driving), the existing station there fixed, and solves MCLP
(``--p`` new sites, area weights) and LSCP (every cell a window candidate reaches) with both
libraries; spopt's objective is re-evaluated on firecover's matrix and must match.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pulp
from spopt.locate import LSCP, MCLP, PMedian

from firecover import siting
from firecover.siting.orlib import orlib_root, read_pmed

HEADER = (
    f"{'instance':<14} {'model':<8} {'firecover':>11} {'spopt':>11} {'fc s':>8} "
    f"{'spopt s':>8} {'ratio':>7}"
)


def euclidean(n_demand: int, n_sites: int, seed: int) -> np.ndarray:
    """Distance matrix between random demand points and random sites in the unit square."""
    rng = np.random.default_rng(seed)
    a, b = rng.random((n_demand, 2)), rng.random((n_sites, 2))
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _cpu() -> float:
    """CPU seconds of this process and its finished children (spopt's CBC runs as one)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed_cpu(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c = _cpu()
    out, wall = _timed(fn)
    return out, wall, _cpu() - c


CPU_HEADER = f"{'instance':<14} {'model':<8} {'fc cpu s':>9} {'spopt cpu s':>12} {'cpu ratio':>10}"


def _cpu_row(name: str, model: str, c_ours: float, c_theirs: float) -> str:
    ratio = c_theirs / max(c_ours, 1e-9)
    return f"{name:<14} {model:<8} {c_ours:>9.2f} {c_theirs:>12.2f} {ratio:>10.1f}"


def _solver(name: str) -> Any:
    if name == "highs":
        return pulp.HiGHS(msg=False)
    return pulp.PULP_CBC_CMD(msg=False)


def _row(name: str, model: str, ours: float, theirs: float, t_ours: float, t_theirs: float) -> str:
    return (
        f"{name:<14} {model:<8} {ours:>11.4f} {theirs:>11.4f} {t_ours:>8.2f} "
        f"{t_theirs:>8.2f} {t_theirs / max(t_ours, 1e-9):>7.1f}"
    )


def compare(
    name: str, dist: np.ndarray, solver: str, models: set[str], p: int, radius: float
) -> list[str]:
    """Run the selected models in both libraries on one distance matrix."""
    rows = []
    cover = dist <= radius
    w = np.ones(dist.shape[0])
    if "lscp" in models:  # the smallest radius at which every demand can be covered, +10 %
        r_all = max(radius, 1.1 * float(dist.min(axis=1).max()))
        ours, t1 = _timed(lambda: siting.lscp(dist <= r_all))
        theirs, t2 = _timed(lambda: LSCP.from_cost_matrix(dist, r_all).solve(_solver(solver)))
        rows.append(
            _row(name, "lscp", ours.objective, pulp.value(theirs.problem.objective), t1, t2)
        )
    if "mclp" in models:
        ours, t1 = _timed(lambda: siting.mclp(cover, w, p))
        theirs, t2 = _timed(
            lambda: MCLP.from_cost_matrix(dist, w, radius, p).solve(_solver(solver))
        )
        rows.append(
            _row(name, "mclp", ours.objective, pulp.value(theirs.problem.objective), t1, t2)
        )
    if "pmedian" in models:
        ours, t1 = _timed(lambda: siting.pmedian(dist, p, w))
        theirs, t2 = _timed(lambda: PMedian.from_cost_matrix(dist, w, p).solve(_solver(solver)))
        rows.append(
            _row(name, "pmedian", ours.objective, pulp.value(theirs.problem.objective), t1, t2)
        )
    return rows


def window(km: float, p: int, solver: str) -> list[str]:
    """LSCP and MCLP on the scale bench's window (see the module docstring)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import scale

    from firecover.traveltime import bounded_matrix, covered

    inst = scale.build_instance(200_000, 0, False, 5000, 200.0)
    cells, cands = scale._window(inst, km)
    matrix = bounded_matrix(inst.net, inst.candidates[cands], scale.LIMIT_S,
                            targets=inst.demand.points[cells])  # fmt: skip
    sub = matrix.T.tocsr()  # cells × candidates, seconds
    fixed_mask = cands < scale.N_EXISTING
    fixed = np.flatnonzero(fixed_mask)
    w = inst.demand.cells["weight"].to_numpy(np.float64)[cells]
    dense = np.full(sub.shape, np.inf)
    dense[np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr)), sub.indices] = sub.data
    cov = covered(sub)
    name = f"win{km:g}km"
    print(f"# {name}: {cov.shape[0]:,} cells × {cov.shape[1]:,} candidates, "
          f"{fixed.size} fixed, {cov.nnz:,} pairs", flush=True)  # fmt: skip
    import highspy  # noqa: F401  (firecover imports it on first use: load it outside the timings)

    cpu = []
    ours, t1, c1 = _timed_cpu(lambda: siting.mclp(cov, w, p, fixed=fixed))
    model, t2, c2 = _timed_cpu(lambda: MCLP.from_cost_matrix(
        dense, w, scale.LIMIT_S, fixed.size + p,
        predefined_facilities_arr=fixed_mask.astype(int)).solve(_solver(solver)))  # fmt: skip
    chosen = [j for j, x in enumerate(model.fac_vars) if (x.value() or 0) > 0.5]
    rows = [_row(name, "mclp", ours.objective, siting.evaluate_mclp(cov, w, chosen), t1, t2)]
    cpu.append(_cpu_row(name, "mclp", c1, c2))
    keep = np.diff(cov.indptr) > 0
    lcov, ldense = cov[np.flatnonzero(keep)], dense[keep]
    ours, t1, c1 = _timed_cpu(lambda: siting.lscp(lcov, fixed=fixed))
    model, t2, c2 = _timed_cpu(lambda: LSCP.from_cost_matrix(
        ldense, scale.LIMIT_S,
        predefined_facilities_arr=fixed_mask.astype(int)).solve(_solver(solver)))  # fmt: skip
    chosen = [j for j, x in enumerate(model.fac_vars) if (x.value() or 0) > 0.5]
    ok = siting.check_cover(lcov, chosen).size == 0
    theirs = float(len(set(chosen) - set(fixed.tolist()))) if ok else float("nan")
    rows.append(_row(name, "lscp", ours.objective, theirs, t1, t2))
    cpu.append(_cpu_row(name, "lscp", c1, c2))
    load = os.getloadavg()
    loads = " / ".join(f"{x:.1f}" for x in load)
    return [*rows, "", CPU_HEADER, *cpu, f"# load average {loads} (1 / 5 / 15 min)"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes", default="100x50,400x100,1000x200", help="comma-separated DEMANDxSITES"
    )
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--radius", type=float, default=0.15, help="coverage radius (unit square)")
    ap.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    ap.add_argument("--models", default="lscp,mclp,pmedian")
    ap.add_argument("--pmed", type=int, action="append", default=[])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--window-km", type=float, help="the scale bench's window instead")
    ap.add_argument("--window-p", type=int, default=5, help="new sites for the window's MCLP")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    models = set(args.models.split(","))
    print(HEADER, flush=True)
    if args.window_km:
        for line in window(args.window_km, args.window_p, args.solver):
            print(line, flush=True)
        return 0
    for i, size in enumerate(args.sizes.split(",")):
        n_d, n_s = (int(x) for x in size.split("x"))
        dist = euclidean(n_d, n_s, args.seed + i)
        for line in compare(f"rand{size}", dist, args.solver, models, args.p, args.radius):
            print(line, flush=True)
    root = orlib_root()
    for k in args.pmed:
        if root is None:
            print("OR-Library data not found; skipping --pmed", file=sys.stderr)
            break
        dist, p = read_pmed(root / "pmed" / f"pmed{k}.txt")
        for line in compare(f"pmed{k}", dist, args.solver, {"pmedian"}, p, 0.0):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
