"""The proposed stations of a siting answer (private; used by :mod:`firecover.site.problem`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from firecover.analysis.station_spec import StationSpec
from firecover.standards.check import station_class

if TYPE_CHECKING:
    from firecover.site.problem import SiteProblem
    from firecover.siting.reduce import IntArray

__all__ = ["proposed_specs"]


def proposed_specs(problem: SiteProblem, new_sites: IntArray,
                   model: str) -> list[StationSpec]:  # fmt: skip
    """The new sites of a siting answer as proposed stations of the problem's new class."""
    idx = np.asarray(new_sites, dtype=np.int64) - problem.n_fixed
    cand = problem.candidates
    zh = station_class(problem.new_class).zh_short
    lon, lat = problem.candidate_lonlat(new_sites)
    return [
        StationSpec(
            name=str(cand.name[i]),
            class_name=zh,
            class_key=problem.new_class,
            status="proposed",
            lon=round(float(lo), 7),
            lat=round(float(la), 7),
            source=f"firecover site --model {model}: candidate {cand.name[i]} "
            f"({cand.origin[i]}, on a {cand.road_class[i]} road)",
            build_type="new",
        )
        for i, lo, la in zip(idx, np.atleast_1d(lon), np.atleast_1d(lat), strict=True)
    ]
