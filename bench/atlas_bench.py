"""``atlas.pdf`` at Binhai scale: time and size of the printable atlas (issue 15).

    python bench/atlas_bench.py                 # Binhai-sized: 250k nodes, 51 stations
    python bench/atlas_bench.py --case district # the 146 km² one-core district

Generates the district (``bench/gen_binhai.py``), evaluates the plan in this process without
the optimum comparison (:func:`firecover.plan.files.evaluate_scenario`, nothing written), then
times :func:`firecover.outputs.atlas.render_atlas` on the final year. Printed: the evaluation
time (context only), atlas wall and CPU time (the CPU time is the fairer figure on a shared
machine), pages, seconds per page, file size and size per page, the load average,
and the PNG map (:func:`~firecover.outputs.maps.render_map`) of the same layers side by side.
``--pages DIR`` also renders pages 1-3 to PNG at 50 dpi with pdftoppm for a look.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_bench import prepare

from firecover.outputs.atlas import atlas_pages, render_atlas
from firecover.outputs.maps import render_map
from firecover.plan.files import evaluate_scenario


def main(argv: list[str] | None = None) -> int:
    """Generate, evaluate, render and print (see the module notes)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=("binhai", "district"), default="binhai")
    ap.add_argument("--cell-m", type=float, default=200.0)
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--pages", type=Path, default=None, help="write pages 1-3 as PNG here")
    args = ap.parse_args(argv)
    scenario, _ = prepare(args.case)
    os.environ["FIRECOVER_CACHE_DIR"] = str(scenario.parent / "cache")
    t = time.perf_counter()
    ev, _ = evaluate_scenario(scenario, None, optimum=False, cell_size_m=args.cell_m)
    eval_s = time.perf_counter() - t
    layers = ev.final.run.layers
    out = Path(tempfile.mkdtemp(prefix="firecover-atlas-"))
    t = time.perf_counter()
    render_map(layers, out / "map.png", lang=args.lang)
    png_s = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    pdf = render_atlas(layers, out / "atlas.pdf", plan=scenario.stem, lang=args.lang)
    atlas_s, atlas_cpu = time.perf_counter() - t, time.process_time() - cpu
    pages = atlas_pages(layers)
    mb = pdf.stat().st_size / 1e6
    print(
        f"atlas ({args.case}, {len(layers.stations)} stations, {len(layers.roads):,} roads, "
        f"{len(layers.gaps)} gaps; year {ev.final.year}); evaluation {eval_s:.1f} s"
    )
    print(
        f"  atlas.pdf: {pages} pages in {atlas_s:.1f} s wall ({atlas_cpu:.1f} s CPU) = "
        f"{atlas_s / pages:.2f} s/page ({atlas_cpu / pages:.2f} s CPU); {mb:.1f} MB = "
        f"{mb / pages * 1000:.0f} kB/page; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  side by side: map.png (one page of the same layers) {png_s:.1f} s, "
        f"{(out / 'map.png').stat().st_size / 1e6:.1f} MB"
    )
    if args.pages is not None and shutil.which("pdftoppm"):
        args.pages.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "3", "-png", str(pdf),
                        str(args.pages / "atlas")], check=False, capture_output=True)  # fmt: skip
        print(f"  pages 1-3 as PNG in {args.pages}")
    print(f"  folder: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
