"""The synthetic demo district (deterministic generator of ``data/demo/`` and
``scenarios/demo.toml``): ``python -m firecover.demo.build`` writes it again.

May import: the package root only.
"""

from __future__ import annotations

from .build import build_graph, station_sites, write_demo

__all__ = [
    "build_graph",
    "station_sites",
    "write_demo",
]
