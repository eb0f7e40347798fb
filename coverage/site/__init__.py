"""Siting on the road network: candidate sites, the cells × sites problem, reports.

Owns candidate sites (thinned road points on classes a station can face, exclusion zones around
schools, hospitals and hazardous sites, the planner's own sites), building the coverage / time
matrices for a :class:`SiteProblem` (existing stations first and fixed), solving it with
:mod:`firecover.siting`, and the ``site`` command's reports and files.

May import: :mod:`firecover.analysis`, :mod:`firecover.siting` and everything below them.
"""

from __future__ import annotations

from .candidates import (
    EXCLUSION_BUFFERS_M,
    EXCLUSION_KINDS,
    Candidates,
    generate_candidates,
    read_exclusions,
)
from .files import site_from_files, write_site
from .problem import MODELS, SiteProblem, SitingRun, build_problem, site_stations, solve_problem
from .risk_site import requirement_builder, weighted_demand

__all__ = [
    "EXCLUSION_BUFFERS_M",
    "EXCLUSION_KINDS",
    "MODELS",
    "Candidates",
    "SiteProblem",
    "SitingRun",
    "build_problem",
    "generate_candidates",
    "read_exclusions",
    "requirement_builder",
    "site_from_files",
    "site_stations",
    "solve_problem",
    "weighted_demand",
    "write_site",
]
