"""The national standards as data and rules: GB 51080-2015 and 建标152-2017.

Owns the standards profiles (``data/standards/*.toml``: station classes and aliases, district
area limits with their clauses, the response budget, the barrier and adjacency rules), the
per-station check and its result records, and the district summary (应建数). Pure functions on
numbers: no geometry, no graph.

May import: :mod:`firecover.network` and the package root (it uses neither today).
"""

from __future__ import annotations

from .check import (
    DEFAULT_PROFILE,
    area_limit,
    check_stations,
    district_summary,
    implied_population,
    load_standards,
    station_class,
)
from .profile import Budget, Rule, Standards, StationClass, bundled_profiles
from .results import DistrictSummary, StationCheck

__all__ = [
    "DEFAULT_PROFILE",
    "Budget",
    "DistrictSummary",
    "Rule",
    "Standards",
    "StationCheck",
    "StationClass",
    "area_limit",
    "bundled_profiles",
    "check_stations",
    "district_summary",
    "implied_population",
    "load_standards",
    "station_class",
]
