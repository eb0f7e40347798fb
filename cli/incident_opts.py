"""``--incidents``, ``--population`` and the busy-station options of ``evaluate`` and ``site``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from firecover.cli.options import HOURS, MINUTES, SHARE

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


def incident_options(siting: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options shared by ``evaluate`` and ``site`` (``siting``: the MEXCLP ones too)."""
    return lambda f: _add(f, siting)


def _add(f: Callable[..., Any], siting: bool) -> Callable[..., Any]:
    opts = [
        click.option("--incidents", type=_FILE, default=None,
                     help="Call records (CSV/GeoJSON: time, lon, lat, datum, type; 经度/纬度/"
                     "警情类型): fractile response, busy stations; site: the demand weights."),
        click.option("--population", type=_FILE, default=None,
                     help="Population GeoTIFF, or points/polygons with a count column: "
                     "population reached, stations per 100,000 people; weights the cells."),
        click.option("--period-hours", type=HOURS, default=None,
                     help="Hours the call records cover (default: the whole days they span)."),
        click.option("--job-min", type=MINUTES, default=None,
                     help="Minutes an engine is out per call (default: the file's job_min "
                     "column, else 60)."),
        click.option("--busy-fraction", type=SHARE, default=None,
                     help="site --model mexclp: the system busy fraction q (0 ≤ q < 1; "
                     "default: from --incidents)."),
        click.option("--mexclp-variant", type=click.Choice(["independent", "hypercube"]),
                     default="independent", show_default=True,
                     help="site --model mexclp: stations busy independently (Daskin) or the "
                     "hypercube correction (Batta, Dolan & Krishnamurthy)."),
    ]  # fmt: skip
    if not siting:
        opts = opts[:4]
    for opt in reversed(opts):
        f = opt(f)
    return f


def incident_kwargs(kw: dict[str, Any], *, siting: bool) -> dict[str, Any]:
    """The library keyword arguments of these options (``siting``: the MEXCLP ones too)."""
    out = {k: kw[k] for k in ("incidents", "population", "period_hours", "job_min")}
    if siting:
        out |= {"busy_fraction": kw["busy_fraction"], "mexclp_variant": kw["mexclp_variant"]}
    return out
