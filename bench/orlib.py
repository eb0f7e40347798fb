"""OR-Library benchmarks for :mod:`firecover.siting` (run on demand, never in the tests).

Usage::

    python bench/orlib.py --pmed all --scp all [--time-limit 600] [--models pmedian,pcenter]
    python bench/orlib.py --pmed 1-10          # p-median and p-center on pmed1..pmed10
    python bench/orlib.py --scp 4 --scp A      # set covering sets 4 and A
    python bench/orlib.py --scp scp41 --pmed 7

Prints one line per (instance, model): objective, known optimum, match, status, wall and
CPU seconds (the process's, HiGHS included) and the certificate: for p-median the proven
lower bound, for p-center the next smaller cost proven infeasible. Then totals per model and
the load average before and after (the machine may be shared). The OR-Library data are
found beside the checkout (``../shared/benchmarks/orlib``), not beside the installed package.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from firecover import siting
from firecover.siting.orlib import orlib_root, read_optima, read_pmed, read_scp

SCP_SETS = {
    "4": [f"scp4{i}" for i in range(1, 11)],
    "5": [f"scp5{i}" for i in range(1, 11)],
    "6": [f"scp6{i}" for i in range(1, 6)],
}
SCP_SETS.update({s: [f"scp{s.lower()}{i}" for i in range(1, 6)] for s in "ABCD"})
HEADER = (
    f"{'instance':<10} {'model':<8} {'objective':>10} {'optimum':>9} {'match':>6} "
    f"{'status':>10} {'seconds':>8} {'cpu_s':>8} {'certificate':>14}"
)


def pmed_names(spec: str) -> list[str]:
    """``all``, ``N`` or ``A-B`` to pmed instance names."""
    if spec == "all":
        return [f"pmed{i}" for i in range(1, 41)]
    if "-" in spec:
        a, b = (int(x) for x in spec.split("-"))
        return [f"pmed{i}" for i in range(a, b + 1)]
    return [spec if spec.startswith("pmed") else f"pmed{int(spec)}"]


def scp_names(spec: str) -> list[str]:
    """``all``, a set name (4, 5, 6, A-D) or an instance name to scp instance names."""
    if spec == "all":
        return [n for s in ("4", "5", "6", "A", "B", "C", "D") for n in SCP_SETS[s]]
    if spec.upper() in SCP_SETS:
        return SCP_SETS[spec.upper()]
    return [spec if spec.startswith("scp") else f"scp{spec.lower()}"]


def _line(
    name: str,
    model: str,
    value: float,
    opt: float | None,
    status: str,
    seconds: float,
    cpu: float | None = None,
    cert: str = "",
) -> str:
    match = "-" if opt is None else ("yes" if abs(value - opt) < 1e-6 else "NO")
    opt_s = "?" if opt is None else f"{opt:g}"
    cpu_s = "" if cpu is None else f"{cpu:8.2f}"
    return (
        f"{name:<10} {model:<8} {value:>10g} {opt_s:>9} {match:>6} {status:>10} "
        f"{seconds:>8.2f} {cpu_s:>8} {cert:>14}"
    ).rstrip()


def _certificate(model: str, result: siting.SitingResult) -> str:
    stats = result.stats
    if model == "pmedian":
        bound = stats.get("bound", result.objective if result.status == "optimal" else math.nan)
        return f">= {bound:g}"
    below = stats.get("infeasible_below", math.nan)
    return "-" if math.isnan(below) else f"{below:g} infeas."


def run_pmed(
    root: Path, names: list[str], models: set[str], time_limit: float | None
) -> Iterator[str]:
    """Solve p-median and/or p-center on each pmed instance."""
    med_opt = read_optima(root / "pmed" / "pmedopt.txt")
    cen_opt = read_optima(root / "pmed" / "pcenteropt.txt")
    for name in names:
        dist, p = read_pmed(root / "pmed" / f"{name}.txt")
        for model, solve, opt in (
            ("pmedian", siting.pmedian, med_opt),
            ("pcenter", siting.pcenter, cen_opt),
        ):
            if model not in models:
                continue
            t, c = time.perf_counter(), time.process_time()
            r = solve(dist, p, time_limit=time_limit)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            yield _line(name, model, r.objective, opt.get(name), r.status, wall, cpu,
                        _certificate(model, r))  # fmt: skip


def run_scp(root: Path, names: list[str], time_limit: float | None) -> Iterator[str]:
    """Solve each weighted set-covering instance with :func:`firecover.siting.lscp`."""
    opt = read_optima(root / "scp" / "scpopt.txt")
    for name in names:
        cover, cost = read_scp(root / "scp" / f"{name}.txt")
        t = time.perf_counter()
        r = siting.lscp(cover, cost, time_limit=time_limit)
        yield _line(name, "lscp", r.objective, opt.get(name), r.status, time.perf_counter() - t)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pmed", action="append", default=[], help="all | N | A-B (repeatable)")
    ap.add_argument("--scp", action="append", default=[], help="all | 4|5|6|A|B|C|D | scp41")
    ap.add_argument("--models", default="pmedian,pcenter", help="for pmed: pmedian,pcenter")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    ap.add_argument("--root", type=Path, default=None, help="folder holding pmed/ and scp/")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    # the checkout's ../shared first (bench/ sits in the checkout), then the package's guess
    root = args.root or orlib_root(Path(__file__).resolve().parent / "x") or orlib_root()
    if root is None:
        print("OR-Library data not found (expected ../shared/benchmarks/orlib)", file=sys.stderr)
        return 2
    models = set(args.models.split(","))
    print(f"# load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    print(HEADER, flush=True)
    total, mismatches = time.perf_counter(), 0
    lines: list[Iterator[str]] = []
    for spec in args.pmed:
        lines.append(run_pmed(root, pmed_names(spec), models, args.time_limit))
    for spec in args.scp:
        lines.append(run_scp(root, scp_names(spec), args.time_limit))
    sums: dict[str, list[float]] = {}
    for gen in lines:
        for line in gen:
            mismatches += " NO " in line
            fields = line.split()
            entry = sums.setdefault(fields[1], [0.0, 0.0, 0.0, 0.0])
            entry[0] += float(fields[6])
            entry[1] += float(fields[7]) if len(fields) > 7 else 0.0
            entry[2] = max(entry[2], float(fields[6]))
            entry[3] += fields[5] != "optimal"
            print(line, flush=True)
    for model, (wall, cpu, worst, open_) in sums.items():
        print(f"# {model}: wall {wall:.1f} s, cpu {cpu:.1f} s, slowest {worst:.1f} s, "
              f"{int(open_)} not optimal", flush=True)  # fmt: skip
    print(f"# load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    print(f"# total {time.perf_counter() - total:.1f} s, {mismatches} mismatches", flush=True)
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
