"""``firecover evaluate`` end to end, measured from outside (issue 11 targets 1 and 2).

Used by ``bench/scale.py`` (figure 4 and ``--evaluate-only``) and runnable alone::

    python bench/evaluate_bench.py --case binhai      # 250k nodes, 58k cells, 51 stations
    python bench/evaluate_bench.py --case district    # ≈146 km², one 30 km² core, 1 station

The generated district is written as a scenario (GraphML, boundary, stations) into a temporary
folder; one untimed ``firecover check`` fills the graph cache there; then ``firecover -vv
evaluate`` runs in a child process (the optimum comparison included) while this script samples
the RSS of the child every 20 ms (psutil) and its ``write_bytes`` I/O counter. Printed: wall
time, peak RSS, bytes written (output folder size and the process's write counter), per-phase
times from the phase display (stderr), each comparison model's answer from ``report.json``, and
the target verdicts. The ``-vv`` debug log (HiGHS's log of each solve included) is kept as
``evaluate.log`` in the folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_binhai import BinhaiCase, generate, generate_district

#: (wall s, peak MB, written MB) targets of issue 11.
TARGETS = {"binhai": (180.0, 4096.0, 100.0), "district": (60.0, 1024.0, 1e18)}
_YEARS = [2021] * 3 + [2022] * 4 + [2023] * 2 + [2024] * 5 + [2025] * 3  # the Binhai schedule
_PHASE = re.compile(r"^\s*… \[\s*([0-9.]+) s\] (.*)$")


@dataclass
class EvalRun:
    """What one measured ``firecover evaluate`` did."""

    wall_s: float
    peak_mb: float
    out_mb: float
    io_write_mb: float
    returncode: int
    phases: list[tuple[str, float]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    log: Path | None = None
    stdout: str = ""
    cpu_s: float = 0.0


def write_case_scenario(case: BinhaiCase, folder: Path, n_existing: int, years: list[int],
                        name: str) -> Path:  # fmt: skip
    """The generated district as a scenario file (GraphML, boundary, existing + proposed)."""
    from pyproj import Transformer

    from firecover.network import save_graph

    folder.mkdir(parents=True, exist_ok=True)
    save_graph(case.graph, folder / "roads.graphml")
    crs = case.graph.graph["crs"]
    gpd.GeoSeries([case.boundary], crs=crs).to_file(folder / "boundary.geojson")
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        case.stations_xy[:, 0], case.stations_xy[:, 1])  # fmt: skip
    lines = ["[scenario]", f'name = "{name}"', "synthetic = true", "first_year = 2020",
             "last_year = 2025", "", "[scenario.graph]", 'file = "roads.graphml"', "",
             "[scenario.boundary]", 'file = "boundary.geojson"']  # fmt: skip
    for k, st in enumerate(case.station_names):
        new = k >= n_existing
        lines += ["", "[[station]]", f'name = "{st}"', 'class = "一级"',
                  f'status = "{"proposed" if new else "existing"}"', f"lon = {lon[k]:.7f}",
                  f"lat = {lat[k]:.7f}", 'source = "synthetic, exact"']  # fmt: skip
        if new:
            lines.append(f"year = {years[k - n_existing]}")
    path = folder / "scenario.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli() -> list[str]:
    return [sys.executable, "-c", "from firecover.cli.main import main; main()"]


def _sample(proc: subprocess.Popen[bytes], state: dict[str, float]) -> None:
    try:
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                procs = [ps, *ps.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs)
                state["peak"] = max(state["peak"], rss)
                state["io"] = max(state["io"], float(ps.io_counters().write_bytes))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            time.sleep(0.02)
    except psutil.NoSuchProcess:
        return


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def run_evaluate(scenario: Path, out: Path, cell_m: float, extra: list[str]) -> EvalRun:
    """Run ``firecover -vv evaluate`` in a child process and measure it."""
    env = {**os.environ, "FIRECOVER_CACHE_DIR": str(scenario.parent / "cache")}
    log = scenario.parent / "evaluate.log"
    cmd = [*_cli(), "-vv", "evaluate", str(scenario), "--cell-size", f"{cell_m:g}", "--out",
           str(out), *extra]  # fmt: skip
    state = {"peak": 0.0, "io": 0.0}
    cpu0 = _children_cpu()
    t = time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err)
        sampler = threading.Thread(target=_sample, args=(proc, state), daemon=True)
        sampler.start()
        stdout, _ = proc.communicate()
        sampler.join()
    wall = time.perf_counter() - t
    phases = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _PHASE.match(line)
        if m:
            phases.append((m.group(2), float(m.group(1))))
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    return EvalRun(wall, state["peak"] / 2**20, _folder_mb(out), state["io"] / 1e6,
                   proc.returncode, phases, report, log, stdout.decode(),
                   _children_cpu() - cpu0)  # fmt: skip


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished children."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def fill_cache(scenario: Path, cell_m: float) -> float:
    """``firecover check`` once (fills the graph cache); its wall seconds."""
    env = {**os.environ, "FIRECOVER_CACHE_DIR": str(scenario.parent / "cache")}
    t = time.perf_counter()
    subprocess.run([*_cli(), "-q", "check", str(scenario), "--cell-size", f"{cell_m:g}"],
                   env=env, check=False, capture_output=True)  # fmt: skip
    return time.perf_counter() - t


def prepare(case_name: str, seed: int = 0) -> tuple[Path, BinhaiCase]:
    """Generate the case and write its scenario into a fresh temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"firecover-eval-{case_name}-"))
    if case_name == "district":
        case = generate_district(seed)
        years = [2022, 2024]
        return write_case_scenario(case, folder, 1, years, "146 km² one-core district"), case
    case = generate(200_000, seed)
    return write_case_scenario(case, folder, 34, _YEARS, "Binhai-sized synthetic district"), case


def _durations(phases: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(name, nxt - start) for (name, start), (_, nxt) in itertools.pairwise(phases)]


def report_lines(case_name: str, run: EvalRun, fill_s: float) -> list[str]:
    """The printed figures of one run."""
    wall_t, mem_t, out_t = TARGETS[case_name]
    opt = run.report.get("optimum") or {}
    lines = [
        f"evaluate ({case_name}): exit {run.returncode}, wall {run.wall_s:.1f} s, peak RSS "
        f"{run.peak_mb:,.0f} MB, written {run.out_mb:.1f} MB in the output folder "
        f"(process write_bytes {run.io_write_mb:.1f} MB); cache-filling check {fill_s:.1f} s",
        f"  CPU {run.cpu_s:.1f} s (user + system of the child); load average "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (1 / 5 / 15 min) at the end",
        "  phases (the start-up before the first one, Python imports and the CLI, is "
        f"{run.wall_s - (run.phases[-1][1] if run.phases else 0.0):.1f} s):",
    ]
    lines += [f"    {d:7.1f} s  {name}" for name, d in _durations(run.phases)]
    for key in ("mclp", "area_model", "lscp"):
        m = opt.get(key, {})
        lines.append(
            f"  {key}: status {m.get('status')}, objective {m.get('objective')}, new "
            f"{m.get('new')}, bound {m.get('bound')}, gap {m.get('gap')}, "
            f"{m.get('seconds')} s of limit {m.get('time_limit')} s"
        )
    if opt:
        lines.append(f"  optimum: {opt.get('seconds')} s of budget {opt.get('time_budget_s')} s; "
                     f"{opt.get('candidates')} candidates ({opt.get('candidate_spacing_m')} m / "
                     f"{opt.get('candidate_rural_spacing_m')} m); phases "
                     f"{opt.get('phase_seconds')}")  # fmt: skip
    answered = all((opt.get(k, {}).get("status") in ("optimal", "time_limit")
                    and opt.get(k, {}).get("bound") is not None)
                   or opt.get(k, {}).get("status") == "infeasible"  # proven, with its reason
                   for k in ("mclp", "area_model", "lscp"))  # fmt: skip
    ok = run.wall_s <= wall_t and run.peak_mb <= mem_t and run.out_mb <= out_t and answered
    lines.append(f"  targets (≤ {wall_t:g} s, ≤ {mem_t:,.0f} MB"
                 + (f", ≤ {out_t:g} MB written" if out_t < 1e17 else "")
                 + f", every model certified): {'MET' if ok else 'MISSED'}")  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    """Generate, fill the cache, run and print (see the module notes)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=sorted(TARGETS), default="district")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cell-m", type=float, default=200.0)
    ap.add_argument("--optimum-time", type=float, default=None)
    args = ap.parse_args(argv)
    scenario, _ = prepare(args.case, args.seed)
    fill_s = fill_cache(scenario, args.cell_m)
    extra = [] if args.optimum_time is None else ["--optimum-time", f"{args.optimum_time:g}"]
    run = run_evaluate(scenario, scenario.parent / "out", args.cell_m, extra)
    print("\n".join(report_lines(args.case, run, fill_s)))
    print(f"  folder: {scenario.parent} (debug log evaluate.log)")
    return 0 if run.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
