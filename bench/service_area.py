"""Wall time of service areas on a 40 x 40 grid (> 5,000 directed edges), four budgets.

Moved out of the test suite (issue 14: tests assert results, benchmarks measure time)::

    python bench/service_area.py            # prints seconds; exit 1 above --limit (10 s)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from graphs import grid

from firecover.analysis.service_area import service_areas
from firecover.network.snapping import Snapped
from firecover.traveltime.search import CSRNetwork


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0, help="seconds allowed (10)")
    args = parser.parse_args()
    net = CSRNetwork.from_graph(grid(40, 40, spacing=150.0, seed=1))
    src = Snapped.at_nodes(net, [820])
    start = time.perf_counter()
    service_areas(net, src, ["A"], [3.0, 4.0, 5.0, 8.0], mode="both")
    elapsed = time.perf_counter() - start
    print(f"{net.n_edges} edges, 4 budgets: {elapsed:.2f} s (limit {args.limit:g} s)")
    return 0 if elapsed < args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
