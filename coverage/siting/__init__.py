"""Exact siting models on plain arrays, solved with HiGHS (through :func:`scipy.optimize.milp`).

Owns LSCP, MCLP, p-median, p-center, backup covering and the area-limited model (districts
within the class limits), each with its ``evaluate_*`` / checker; exact reductions, Lagrangian
bounds and heuristics, LP-first solving, max-flow feasibility, the HiGHS wrapper and the
OR-Library readers. Matrices are demand rows × sites; nothing here knows about roads or maps.

May import: :mod:`firecover.outputs`, :mod:`firecover.traveltime`, :mod:`firecover.standards`,
:mod:`firecover.network` and the package root (it uses only the root today). Not
:mod:`firecover.analysis` (a sibling).
"""

from __future__ import annotations

from .api import (
    SitingResult,
    backup_coverage,
    check_cover,
    evaluate_backup,
    evaluate_lscp,
    evaluate_mclp,
    evaluate_pcenter,
    evaluate_pmedian,
    lscp,
    mclp,
    pcenter,
    pmedian,
)
from .area_api import area_limited, check_area_assignment, evaluate_area, restrict_to_zones
from .mexclp import (
    MEXCLP_VARIANTS,
    evaluate_mexclp,
    expected_cover,
    expected_coverage,
    hypercube_correction,
    level_values,
    mexclp,
)
from .requirements import Requirement, check_requirements, required_cover

__all__ = [
    "MEXCLP_VARIANTS",
    "Requirement",
    "SitingResult",
    "area_limited",
    "backup_coverage",
    "check_area_assignment",
    "check_cover",
    "check_requirements",
    "evaluate_area",
    "evaluate_backup",
    "evaluate_lscp",
    "evaluate_mclp",
    "evaluate_mexclp",
    "evaluate_pcenter",
    "evaluate_pmedian",
    "expected_cover",
    "expected_coverage",
    "hypercube_correction",
    "level_values",
    "lscp",
    "mclp",
    "mexclp",
    "pcenter",
    "pmedian",
    "required_cover",
    "restrict_to_zones",
]
