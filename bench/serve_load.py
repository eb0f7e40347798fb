"""Load check of the what-if page on the Binhai-sized district (run on demand, not in the tests).

Usage::

    nice python bench/serve_load.py [--planners 20] [--edits 5] [--quick] [--nodes 200000]

Generates the bench district (``bench/gen_binhai.py``: 250,000 nodes, 51 stations) as a
scenario, starts ``firecover serve``'s application in this process (uvicorn on 127.0.0.1, a
free port), then

1. one planner alone: the time of each kind of edit (add by click, drag, remove, budget, undo,
   suggest — the first suggest builds the candidates' coverage) — the target is ≤ 3 s per edit;
2. ``--planners`` simulated planners at once, each in its own session, each making ``--edits``
   rounds of add → move → remove at random points of the planning area: median and 95th
   percentile response time, errors, and the peak resident memory of the process.

Only loopback traffic; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import build_instance, write_scenario

from firecover.app.server import create_app
from firecover.app.workspace import Workspace


def _post(base: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any, float]:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(base + path, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            out = json.loads(r.read())
            status = r.status
    except urllib.error.HTTPError as exc:
        out, status = json.loads(exc.read() or b"{}"), exc.code
    return status, out, time.perf_counter() - t0


def _points(ws: Workspace, n: int, seed: int) -> list[tuple[float, float]]:
    """Random road-side points inside the planning area, in WGS-84."""
    rng = random.Random(seed)
    net = ws.net
    out: list[tuple[float, float]] = []
    guard = 0
    while len(out) < n and guard < 100 * n:
        guard += 1
        i = rng.randrange(len(net.x))
        if ws.inside(float(net.x[i]), float(net.y[i])):
            lon, lat = ws.to_wgs84([net.x[i]], [net.y[i]])
            out.append((float(lon[0]), float(lat[0])))
    return out


def _serve(ws: Workspace, scenario: Path) -> tuple[str, Any]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(ws, scenario_path=scenario), host="127.0.0.1",
                                        port=port, log_level="warning"))  # fmt: skip
    threading.Thread(target=srv.run, daemon=True).start()
    deadline = time.monotonic() + 60
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", srv


def single(base: str, pts: list[tuple[float, float]]) -> dict[str, float]:
    """One planner: the time of each kind of edit (seconds)."""
    _, st, t_new = _post(base, "/api/sessions")
    sid = st["session"]
    times = {"open (evaluate 51 stations)": t_new}
    (lon, lat), (lon2, lat2) = pts[0], pts[1]
    steps = [
        ("add by click", "add", {"lon": lon, "lat": lat, "name": "bench"}),
        ("drag", "move", {"name": "bench", "lon": lon2, "lat": lat2}),
        ("remove", "remove", {"name": "bench"}),
        ("budget 3 min", "budget", {"driving_min": 3.0}),
        ("undo (cached)", "undo", {}),
        ("suggest (first: builds candidates)", "suggest", {}),
        ("suggest (again)", "suggest", {}),
    ]
    for label, action, body in steps:
        status, out, dt = _post(base, f"/api/sessions/{sid}/{action}", body)
        if status != 200:
            print(f"  {label}: HTTP {status} {out}")
        times[label] = dt
    return times


def crowd(base: str, pts: list[tuple[float, float]], planners: int, edits: int
          ) -> tuple[list[float], int]:  # fmt: skip
    """Many planners at once: every request's time and the number of errors."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def planner(k: int) -> None:
        status, st, dt = _post(base, "/api/sessions")
        local = [dt]
        bad = int(status != 200)
        sid = st.get("session", "")
        rng = random.Random(k)
        for e in range(edits):
            (lon, lat), (lon2, lat2) = rng.sample(pts, 2)
            name = f"p{k}e{e}"
            for action, body in (
                ("add", {"lon": lon, "lat": lat, "name": name}),
                ("move", {"name": name, "lon": lon2, "lat": lat2}),
                ("remove", {"name": name}),
            ):
                status, _, dt = _post(base, f"/api/sessions/{sid}/{action}", body)
                local.append(dt)
                bad += int(status != 200)
        with lock:
            times.extend(local)
            errors[0] += bad

    threads = [threading.Thread(target=planner, args=(k,)) for k in range(planners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=3600)
    return times, errors[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="1/16 of the area (smoke run)")
    ap.add_argument("--planners", type=int, default=20)
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--cell", type=float, default=200.0, help="demand cell metres")
    ap.add_argument("--folder", type=Path, default=Path("/tmp/firecover-bench-serve"))
    args = ap.parse_args(argv)
    proc = psutil.Process()
    t0 = time.perf_counter()
    inst = build_instance(args.nodes, args.seed, args.quick, 100, args.cell)
    scenario = write_scenario(inst, args.folder)
    ws = Workspace.from_scenario(scenario, cell_size_m=args.cell)
    print(f"district: {len(ws.net.x):,} nodes, {len(ws.demand.cells):,} cells, "
          f"{len(ws.scenario.stations)} stations; loaded in {time.perf_counter() - t0:.0f} s, "
          f"RSS {proc.memory_info().rss / 2**20:,.0f} MB")  # fmt: skip
    base, srv = _serve(ws, scenario)
    pts = _points(ws, 400, args.seed)
    print("one planner (seconds per request):")
    for label, dt in single(base, pts).items():
        print(f"  {label:40s} {dt:7.2f}")
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], proc.memory_info().rss)

    threading.Thread(target=sample, daemon=True).start()
    t1 = time.perf_counter()
    times, errors = crowd(base, pts, args.planners, args.edits)
    wall = time.perf_counter() - t1
    stop.set()
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{args.planners} planners × {args.edits} rounds (add, move, remove): "
          f"{len(times)} requests in {wall:.0f} s; median {statistics.median(times):.2f} s, "
          f"95th percentile {p95:.2f} s, max {times[-1]:.2f} s; errors {errors}; "
          f"peak RSS {peak[0] / 2**20:,.0f} MB")  # fmt: skip
    srv.should_exit = True
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
