"""Travel times on the road network: the CSR search engine and reach computations.

Owns the bounded searches in :mod:`scipy.sparse.csgraph` from virtual source nodes (exact partial
edges and access legs): node and point times, the bounded sources × targets matrix, k-nearest
times, and which parts of which edges a budget reaches (for service areas). Times are seconds of
driving; higher layers add the turnout.

May import: :mod:`firecover.network` and the package root.
"""

from __future__ import annotations

from firecover.network.csr import CSRNetwork

from .reach import ReachedEdges, reached_edges, reached_multi
from .search import (
    NodeTimes,
    bounded_matrix,
    covered,
    k_nearest_times,
    node_times,
    point_times,
    time_matrix,
    travel_time_between,
)

__all__ = [
    "CSRNetwork",
    "NodeTimes",
    "ReachedEdges",
    "bounded_matrix",
    "covered",
    "k_nearest_times",
    "node_times",
    "point_times",
    "reached_edges",
    "reached_multi",
    "time_matrix",
    "travel_time_between",
]
