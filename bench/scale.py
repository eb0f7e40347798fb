"""Scale benchmark on a Binhai-sized synthetic district (issue 6 figures; run on demand).

Usage::

    nice python bench/scale.py [--nodes 200000] [--seed 0] [--repeat 3] [--quick]
                               [--skip-networkx] [--skip-spopt] [--profile]

Figures (median wall time of ``--repeat`` runs; memory = peak resident set size sampled every
10 ms with psutil during the run, and its rise over the RSS before it):

1. 5-minute coverage matrix: ``bounded_matrix`` from 5,000 candidate sites to every demand
   cell (200 m cells over the land, about 57,000), limit = 4 min driving (240 s; the 5-minute
   response minus 1 min turnout). Target ≤ 20 s, ≤ 3 GB.
2. Jurisdictions of 51 stations: ``assign_jurisdictions`` (k = 2 fastest stations per cell,
   dissolve, statistics) and, separately, the pure network Voronoi (``node_times`` multi-source
   Dijkstra + ``point_times`` for the cells). Target ≤ 2 s.
3. MCLP on that matrix, 34 existing stations fixed + 17 new (HiGHS, 60 s limit).
   Target: optimal or gap ≤ 0.5 % within 60 s.
4. ``firecover evaluate`` end to end — HOOK for the lead (:func:`figure_4_evaluate`).
5. Baselines in the same run: networkx bounded Dijkstra
   (``nx.single_source_dijkstra_path_length(cutoff=240)``) on a sample of sources,
   extrapolated to all 5,000 (node times only, no cell targets); PySAL spopt MCLP
   (``MCLP.from_cost_matrix(..., predefined_facilities_arr=...)``, PuLP CBC, time-limited) on a
   sub-instance (the cells and candidates in a window around the largest core), solved by both
   libraries, plus spopt's model-building time on the full instance extrapolated from a slice
   of rows (its dense formulation has 5,000 terms per row).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import resource
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_binhai import BinhaiCase, generate

from firecover.analysis.demand import DemandSurface, build_demand
from firecover.analysis.jurisdiction import assign_jurisdictions
from firecover.network.snapping import Snapped, snap_stations
from firecover.siting import evaluate_mclp, mclp
from firecover.traveltime import (
    CSRNetwork,
    bounded_matrix,
    covered,
    node_times,
    point_times,
)

LIMIT_S = 240.0  # 5-minute response = 1 min turnout + 4 min driving
N_EXISTING, N_NEW = 34, 17


# --------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    """Wall times and peak memory of repeated runs."""

    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    rise_mb: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def text(self) -> str:
        runs = ", ".join(f"{s:.2f}" for s in self.seconds)
        return (f"median {self.median:.2f} s (runs: {runs}); peak RSS {self.peak_mb:,.0f} MB "
                f"(+{self.rise_mb:,.0f} MB over the start)")  # fmt: skip


def _rss_mb() -> float:
    try:
        import psutil

        return float(psutil.Process().memory_info().rss) / 2**20
    except ImportError:  # Linux fallback
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def _sampling(m: Measure) -> Iterator[None]:
    start = _rss_mb()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], _rss_mb())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield
    finally:
        done.set()
        t.join()
        peak[0] = max(peak[0], _rss_mb())
        m.peak_mb = max(m.peak_mb, peak[0])
        m.rise_mb = max(m.rise_mb, peak[0] - start)


def measure(fn: Callable[[], Any], repeat: int) -> tuple[Any, Measure]:
    """Run ``fn`` ``repeat`` times; return the last result and the measurements."""
    m = Measure()
    out = None
    for _ in range(repeat):
        out = None  # free the previous result before the next run
        with _sampling(m):
            t = time.perf_counter()
            out = fn()
            m.seconds.append(time.perf_counter() - t)
    return out, m


def profile(fn: Callable[[], Any], top: int = 15) -> str:
    """cProfile one call of ``fn``; the top functions by cumulative and by own time."""
    prof = cProfile.Profile()
    prof.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- instance


@dataclass
class Instance:
    """The district, its network, demand, stations and candidate sites."""

    case: BinhaiCase
    net: CSRNetwork
    demand: DemandSurface
    stations: Snapped
    candidates: Snapped
    candidate_nodes: np.ndarray  # graph node key of each candidate
    setup: dict[str, float]


def build_instance(nodes: int, seed: int, quick: bool, n_candidates: int,
                   cell_m: float) -> Instance:  # fmt: skip
    """Generate the district and everything the figures need (timed, once)."""
    setup: dict[str, float] = {}
    t = time.perf_counter()
    case = generate(nodes, seed, quick=quick)
    setup["generate"] = time.perf_counter() - t
    t = time.perf_counter()
    net = CSRNetwork.from_graph(case.graph)
    setup["CSRNetwork.from_graph"] = time.perf_counter() - t
    t = time.perf_counter()
    demand = build_demand(net, case.boundary, cell_size_m=cell_m)
    setup["build_demand"] = time.perf_counter() - t
    stations = snap_stations(net, case.stations_xy[:, 0], case.stations_xy[:, 1],
                             case.station_names)  # fmt: skip
    rng = np.random.default_rng(seed + 1)
    pos = net.node_index(case.ground_nodes)
    station_pos = net.node_index(_nearest_nodes(net, case.stations_xy[:N_EXISTING]))
    pool = np.setdiff1d(pos, station_pos)
    extra = rng.choice(pool, size=min(n_candidates - N_EXISTING, pool.size), replace=False)
    cand_pos = np.concatenate([station_pos, np.sort(extra)])
    candidates = Snapped.at_nodes(net, cand_pos)
    return Instance(case, net, demand, stations, candidates, net.node_ids[cand_pos], setup)


def _nearest_nodes(net: CSRNetwork, xy: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    _, idx = cKDTree(np.c_[net.x, net.y]).query(xy)
    return np.asarray(net.node_ids[idx])


# --------------------------------------------------------------------------- figures


def figure_1(inst: Instance, repeat: int) -> tuple[sp.csr_array, Measure]:
    """Coverage matrix: candidates × demand cells within LIMIT_S."""
    return measure(lambda: bounded_matrix(inst.net, inst.candidates, LIMIT_S,
                                          targets=inst.demand.points), repeat)  # fmt: skip


def figure_2(inst: Instance, repeat: int) -> tuple[Measure, Measure, float, float]:
    """Jurisdictions (full) and the pure network Voronoi part.

    Also returns the share of cells given the same station by both (ties may differ) and the
    largest difference of their fastest times (seconds).
    """
    names = inst.case.station_names
    jur, m_full = measure(lambda: assign_jurisdictions(inst.net, inst.stations, names,
                                                       inst.demand), repeat)  # fmt: skip

    def voronoi() -> tuple[np.ndarray, np.ndarray]:
        nt = node_times(inst.net, inst.stations)
        return point_times(inst.net, nt, inst.demand.points)

    (times, which), m_vor = measure(voronoi, repeat)
    label = np.array([None, *names], dtype=object)[which + 1]
    agree = float(np.mean(label == jur.cells["station"].to_numpy()))
    best_s = (jur.cells["best_min"].to_numpy() - jur.turnout_min) * 60.0
    diff = float(np.max(np.abs(times - best_s)))
    return m_full, m_vor, agree, diff


def figure_3(matrix: sp.csr_array, inst: Instance, time_limit: float) -> tuple[Any, float]:
    """MCLP with the 34 existing stations fixed and 17 new sites."""
    cov = covered(matrix).T.tocsr()
    w = inst.demand.cells["weight"].to_numpy(np.float64)
    t = time.perf_counter()
    res = mclp(cov, w, N_NEW, fixed=np.arange(N_EXISTING), time_limit=time_limit)
    return res, time.perf_counter() - t


_YEARS = [2021] * 3 + [2022] * 4 + [2023] * 2 + [2024] * 5 + [2025] * 3  # the Binhai schedule


def write_scenario(inst: Instance, folder: Path) -> Path:
    """The generated district as a scenario: GraphML, boundary, 34 existing + 17 proposed."""
    from pyproj import Transformer

    from firecover.network import save_graph

    folder.mkdir(parents=True, exist_ok=True)
    save_graph(inst.case.graph, folder / "binhai.graphml")
    crs = inst.case.graph.graph["crs"]
    gpd.GeoSeries([inst.case.boundary], crs=crs).to_file(folder / "boundary.geojson")
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        inst.case.stations_xy[:, 0], inst.case.stations_xy[:, 1])  # fmt: skip
    lines = [
        "[scenario]",
        'name = "Binhai-sized synthetic district"',
        "synthetic = true",
        "first_year = 2020",
        "last_year = 2025",
        "",
        "[scenario.graph]",
        'file = "binhai.graphml"',
        "",
        "[scenario.boundary]",
        'file = "boundary.geojson"',
    ]
    for k, name in enumerate(inst.case.station_names):
        new = k >= N_EXISTING
        lines += [
            "",
            "[[station]]",
            f'name = "{name}"',
            'class = "一级"',
            f'status = "{"proposed" if new else "existing"}"',
            f"lon = {lon[k]:.7f}",
            f"lat = {lat[k]:.7f}",
            'source = "synthetic, exact"',
        ]
        if new:
            lines.append(f"year = {_YEARS[k - N_EXISTING]}")
    path = folder / "binhai.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def figure_4_evaluate(inst: Instance, args: argparse.Namespace) -> Measure | None:
    """``firecover evaluate`` end to end on this district, the graph from the cache.

    One untimed run fills the graph cache (in a temporary folder); the timed runs then load
    the graph from it, as a second run of the same scenario does.
    """
    import os
    import tempfile

    from firecover.plan.files import evaluate_scenario

    folder = Path(tempfile.mkdtemp(prefix="firecover-bench-"))
    os.environ["FIRECOVER_CACHE_DIR"] = str(folder / "cache")
    scenario = write_scenario(inst, folder)

    def run() -> Any:
        return evaluate_scenario(scenario, folder / "out", cell_size_m=args.cell_m,
                                 time_limit=args.mclp_time_limit)  # fmt: skip

    t = time.perf_counter()
    run()
    print(f"   (cache-filling first run: {time.perf_counter() - t:.1f} s)")
    return measure(run, args.evaluate_repeat)[1]


def figure_5_networkx(inst: Instance, n_sample: int, seed: int) -> dict[str, float]:
    """networkx bounded Dijkstra from a sample of candidates, extrapolated to all of them."""
    rng = np.random.default_rng(seed + 2)
    pick = rng.choice(len(inst.candidates), size=min(n_sample, len(inst.candidates)),
                      replace=False)  # fmt: skip
    g = inst.case.graph
    t = time.perf_counter()
    res = [nx.single_source_dijkstra_path_length(g, int(inst.candidate_nodes[i]), cutoff=LIMIT_S,
                                                 weight="travel_time") for i in pick]  # fmt: skip
    per_source = (time.perf_counter() - t) / pick.size
    # the same sources with firecover, to nodes (what networkx computes)
    t = time.perf_counter()
    ours = bounded_matrix(inst.net, inst.candidates[pick], LIMIT_S)
    ours_per_source = (time.perf_counter() - t) / pick.size
    worst, pairs = 0.0, 0
    for row, d in enumerate(res):
        cols = inst.net.node_index(list(d))
        got = ours[[row], :].toarray()[0, cols]
        worst = max(worst, float(np.max(np.abs(got - np.fromiter(d.values(), float)))))
        pairs += len(d)
        if ours.indptr[row + 1] - ours.indptr[row] != len(d):
            worst = float("inf")
    return {"sample": float(pick.size), "nx_per_source_s": per_source,
            "nx_extrapolated_s": per_source * len(inst.candidates),
            "fc_per_source_s": ours_per_source, "max_abs_diff_s": worst,
            "pairs": float(pairs)}  # fmt: skip


def _window(inst: Instance, km: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells and candidates inside a km × km window around the first (largest) core."""
    st = inst.case.stations_xy[0]
    half = km * 500.0
    px, py = inst.demand.points.x, inst.demand.points.y
    cells = np.flatnonzero((np.abs(px - st[0]) <= half) & (np.abs(py - st[1]) <= half))
    cx, cy = inst.candidates.x, inst.candidates.y
    cands = np.flatnonzero((np.abs(cx - st[0]) <= half) & (np.abs(cy - st[1]) <= half))
    return cells, cands


def figure_5_spopt(matrix: sp.csr_array, inst: Instance, window_km: float, p: int,
                   time_limit: float, build_rows: int) -> dict[str, Any]:  # fmt: skip
    """spopt MCLP (PuLP CBC) vs firecover.siting.mclp on a window sub-instance."""
    import pulp
    from spopt.locate import MCLP

    cells, cands = _window(inst, window_km)
    fixed_mask = cands < N_EXISTING
    sub = matrix[cands][:, cells].T.tocsr()  # cells × candidates, seconds
    w = inst.demand.cells["weight"].to_numpy(np.float64)[cells]
    dense = np.full(sub.shape, np.inf, dtype=np.float64)
    rows = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
    dense[rows, sub.indices] = sub.data
    t = time.perf_counter()
    ours = mclp(covered(sub), w, p, fixed=np.flatnonzero(fixed_mask), time_limit=time_limit)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    model = MCLP.from_cost_matrix(dense, w, LIMIT_S, int(fixed_mask.sum()) + p,
                                  predefined_facilities_arr=fixed_mask.astype(int))  # fmt: skip
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    t_solve = time.perf_counter() - t
    theirs = float(pulp.value(model.problem.objective))
    chosen = [j for j, x in enumerate(model.fac_vars) if (x.value() or 0) > 0.5]
    theirs_eval = evaluate_mclp(covered(sub), w, chosen)
    status = pulp.LpStatus[model.problem.status]
    # spopt's model building on the full instance, extrapolated from a slice of rows
    full_rows = matrix.shape[1]
    slice_rows = min(build_rows, full_rows)
    cov_t = matrix.T.tocsr()[:slice_rows]
    dense_slice = np.full(cov_t.shape, np.inf)
    r = np.repeat(np.arange(cov_t.shape[0]), np.diff(cov_t.indptr))
    dense_slice[r, cov_t.indices] = cov_t.data
    t = time.perf_counter()
    MCLP.from_cost_matrix(dense_slice, np.ones(slice_rows), LIMIT_S, N_EXISTING + N_NEW,
                          predefined_facilities_arr=(np.arange(matrix.shape[0]) < N_EXISTING
                                                     ).astype(int))  # fmt: skip
    t_slice = time.perf_counter() - t
    return {"cells": cells.size, "candidates": cands.size, "fixed": int(fixed_mask.sum()),
            "p": p, "ours": ours.objective, "ours_status": ours.status, "t_ours": t_ours,
            "theirs": theirs, "theirs_eval": theirs_eval, "theirs_status": status,
            "t_build": t_build, "t_solve": t_solve, "slice_rows": slice_rows,
            "t_slice": t_slice, "full_build_extrapolated": t_slice * full_rows / slice_rows,
            "full_dense_gb": 2 * 8 * matrix.shape[0] * matrix.shape[1] / 1e9}  # fmt: skip


# --------------------------------------------------------------------------- output


def machine() -> list[str]:
    """Machine and library versions."""
    from importlib import metadata

    import scipy
    import shapely

    cpu = "unknown"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    vers = {"numpy": np.__version__, "scipy": scipy.__version__, "networkx": nx.__version__,
            "shapely": shapely.__version__}  # fmt: skip
    for mod in ("highspy", "spopt", "pulp", "psutil"):
        try:
            vers[mod] = metadata.version(mod)
        except metadata.PackageNotFoundError:
            vers[mod] = "not installed"
    return [f"machine: {os.cpu_count()} CPUs ({cpu}), {mem_kb / 2**20:.1f} GiB RAM, "
            f"Python {platform.python_version()}",
            "libraries: " + ", ".join(f"{k} {v}" for k, v in vers.items())]  # fmt: skip


def _ok(flag: bool) -> str:
    return "target MET" if flag else "target MISSED"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small district, 1,000 candidates")
    ap.add_argument("--candidates", type=int, default=None, help="default 5000 (quick 1000)")
    ap.add_argument("--cell-m", type=float, default=200.0)
    ap.add_argument("--mclp-time-limit", type=float, default=60.0)
    ap.add_argument("--skip-networkx", action="store_true")
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--nx-sample", type=int, default=50)
    ap.add_argument("--spopt-window-km", type=float, default=10.0)
    ap.add_argument("--spopt-p", type=int, default=5)
    ap.add_argument("--spopt-time-limit", type=float, default=300.0)
    ap.add_argument("--spopt-build-rows", type=int, default=300)
    ap.add_argument("--profile", action="store_true", help="cProfile figures 1 and 2 once")
    ap.add_argument("--skip-evaluate", action="store_true", help="skip figure 4")
    ap.add_argument(
        "--evaluate-repeat",
        type=int,
        default=1,
        help="timed runs of figure 4 (after one cache-filling run)",
    )
    ap.add_argument(
        "--evaluate-only",
        action="store_true",
        help="only figure 4, measured from outside (bench/evaluate_bench.py)",
    )
    ap.add_argument("--case", choices=("binhai", "district"), default="binhai",
                    help="with --evaluate-only: the district to evaluate")  # fmt: skip
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.evaluate_only:
        import evaluate_bench

        return evaluate_bench.main(["--case", args.case, "--seed", str(args.seed),
                                    "--cell-m", f"{args.cell_m:g}"])  # fmt: skip
    n_cand = args.candidates or (1000 if args.quick else 5000)
    print("\n".join(machine()))
    print(f"command: {' '.join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])])}")
    inst = build_instance(args.nodes, args.seed, args.quick, n_cand, args.cell_m)
    g = inst.case.graph
    print(f"district: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} directed edges, "
          f"land {inst.case.boundary.area / 1e6:,.0f} km², lattice step {inst.case.step:g} m; "
          f"{len(inst.demand.points):,} cells of {args.cell_m:g} m; {len(inst.candidates):,} "
          f"candidates ({N_EXISTING} existing stations first); 51 stations")  # fmt: skip
    print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in inst.setup.items()))
    print(f"memory: RSS sampled every 10 ms (psutil); limit {LIMIT_S:g} s driving")

    matrix, m1 = figure_1(inst, args.repeat)
    print(f"1. coverage matrix {matrix.shape[0]:,} × {matrix.shape[1]:,} ({matrix.nnz:,} "
          f"pairs): {m1.text()} — {_ok(m1.median <= 20 and m1.peak_mb <= 3 * 1024)} "
          "(≤ 20 s, ≤ 3 GB)")  # fmt: skip
    m2, m2v, agree, diff = figure_2(inst, args.repeat)
    print(
        f"2. jurisdictions (assign_jurisdictions, 51 stations): {m2.text()} — "
        f"{_ok(m2.median <= 2)} (≤ 2 s)"
    )
    print(
        f"   network Voronoi only (node_times + point_times): {m2v.text()}; same station for "
        f"{100 * agree:.2f} % of cells (rest: ties), fastest times differ by ≤ {diff:.1e} s"
    )
    res, t3 = figure_3(matrix, inst, args.mclp_time_limit)
    ok3 = t3 <= 60 and (res.status == "optimal" or res.mip_gap <= 0.005)
    print(
        f"3. MCLP {N_EXISTING} fixed + {N_NEW} new: {t3:.2f} s, status {res.status}, gap "
        f"{100 * res.mip_gap:.3f} %, covered weight {res.objective:.3f} of "
        f"{inst.demand.cells['weight'].sum():.3f} — {_ok(ok3)} (optimal or ≤ 0.5 % in 60 s)"
    )
    m4 = None if args.skip_evaluate else figure_4_evaluate(inst, args)
    print(
        "4. firecover evaluate end to end (graph from cache): "
        + ("skipped" if m4 is None else f"{m4.text()} — {_ok(m4.median <= 180)} (≤ 3 min)")
    )
    if not args.skip_networkx:
        r = figure_5_networkx(inst, args.nx_sample, args.seed)
        print(f"5a. networkx bounded Dijkstra, {int(r['sample'])} sampled sources: "
              f"{r['nx_per_source_s'] * 1000:.1f} ms/source → EXTRAPOLATED "
              f"{r['nx_extrapolated_s']:.1f} s for {len(inst.candidates):,} sources (node times "
              f"only) vs firecover {m1.median:.2f} s with cell targets: ratio "
              f"{r['nx_extrapolated_s'] / m1.median:.1f}×; same sources to nodes: firecover "
              f"{r['fc_per_source_s'] * 1000:.1f} ms/source; max |Δ| {r['max_abs_diff_s']:.2e} s "
              f"over {int(r['pairs']):,} pairs")  # fmt: skip
    if not args.skip_spopt:
        s = figure_5_spopt(matrix, inst, args.spopt_window_km, args.spopt_p,
                           args.spopt_time_limit, args.spopt_build_rows)  # fmt: skip
        same = abs(s["ours"] - s["theirs_eval"]) <= 1e-6 * max(1.0, abs(s["ours"]))
        print(f"5b. spopt MCLP on a {args.spopt_window_km:g} km window ({s['cells']:,} cells × "
              f"{s['candidates']:,} candidates, {s['fixed']} fixed + {s['p']} new): firecover "
              f"{s['t_ours']:.2f} s ({s['ours_status']}, {s['ours']:.4f}); spopt build "
              f"{s['t_build']:.1f} s + CBC {s['t_solve']:.1f} s ({s['theirs_status']}, "
              f"{s['theirs']:.4f}, re-evaluated {s['theirs_eval']:.4f}); ratio "
              f"{(s['t_build'] + s['t_solve']) / max(s['t_ours'], 1e-9):.1f}×; objectives "
              f"{'MATCH' if same else 'DIFFER'}")  # fmt: skip
        print(f"    spopt on the full {matrix.shape[1]:,} × {matrix.shape[0]:,} instance: model "
              f"building alone EXTRAPOLATED {s['full_build_extrapolated']:.0f} s (from "
              f"{s['slice_rows']} rows in {s['t_slice']:.2f} s) and ≈ {s['full_dense_gb']:.1f} GB "
              "for its dense cost and aij matrices; not run")  # fmt: skip
    if args.profile:
        print(profile(lambda: bounded_matrix(inst.net, inst.candidates, LIMIT_S,
                                             targets=inst.demand.points)))  # fmt: skip
        print(
            profile(
                lambda: assign_jurisdictions(
                    inst.net, inst.stations, inst.case.station_names, inst.demand
                )
            )
        )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (getrusage ru_maxrss): {maxrss:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
