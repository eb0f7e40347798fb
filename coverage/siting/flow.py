"""Max-flow shortcut for the area-limited model's min form.

The min form needs an open set that covers every cell, so the LSCP optimum (same coverage, same
costs) is a lower bound on it. If the LSCP sites can also *carry* the area — a transportation
problem, solved as a maximum flow source → cell (a_i) → covering open site → sink (L_j) — that
set is optimal for the area model too, and no large MILP is needed. Split assignments come
straight from the flow; an indivisible one is tried by giving each cell to the site carrying its
largest share and accepted only when every limit still holds.

Capacities are integers (``scipy.sparse.csgraph.maximum_flow``): areas are rounded **up** and
limits **down** to a common unit, so a flow that moves every cell is feasible in real numbers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import maximum_flow

__all__ = ["flow_assignment", "whole_cells"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest total capacity used (well inside int32).
_MAX_UNITS = 2.0e8


def _units(area: FloatArray, limits: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    total = float(area.sum())
    unit = max(total / _MAX_UNITS, 1e-9)
    a = np.ceil(area / unit - 1e-9).astype(np.int64)
    cap = np.where(np.isfinite(limits), np.floor(np.minimum(limits, 2 * total) / unit), 0)
    cap = np.where(np.isfinite(limits), cap, int(a.sum()) + 1).astype(np.int64)
    return a, cap


def flow_assignment(
    cover: sp.csr_array, area: FloatArray, limits: FloatArray, sites: IntArray
) -> sp.csr_array | None:
    """Shares (cells × sites) assigning every cell to open ``sites`` within their limits,
    cells split where the flow splits them (see :func:`whole_cells`).

    Returns ``None`` when the open sites cannot carry every cell. Cells must all be covered by
    ``sites`` (the caller passes a cover).
    """
    n, m = cover.shape
    sub = sp.csr_array(cover[:, sites])
    a, cap = _units(area, limits[sites])
    rows = np.repeat(np.arange(n), np.diff(sub.indptr))
    cols = sub.indices.astype(np.int64)
    src, sink = 0, n + sites.size + 1
    u = np.concatenate([np.zeros(n, np.int64), 1 + rows, 1 + n + np.arange(sites.size)])
    v = np.concatenate([1 + np.arange(n), 1 + n + cols, np.full(sites.size, sink)])
    c = np.concatenate([a, a[rows], cap])
    graph = sp.csr_array((c.astype(np.int32), (u, v)), shape=(sink + 1, sink + 1))
    res = maximum_flow(graph, src, sink)
    if int(res.flow_value) < int(a.sum()):
        return None
    flow = sp.csr_array(res.flow)[1 : n + 1][:, n + 1 : n + 1 + sites.size]
    flow = sp.csr_array(flow.maximum(0))
    shares = sp.csr_array(flow.multiply(1.0 / np.maximum(a, 1)[:, None]))
    shares = _zero_area_rows(sp.csr_array(shares), sub, a)
    coo = shares.tocoo()
    out = sp.csr_array((coo.data, (coo.row, sites[coo.col])), shape=(n, m))
    out.sort_indices()
    return out


def _zero_area_rows(shares: sp.csr_array, sub: sp.csr_array, a: NDArray[np.int64]) -> sp.csr_array:
    """Cells of (rounded) area 0 carry no flow: give each to its first covering site."""
    shares.eliminate_zeros()
    empty = np.flatnonzero(a == 0)
    if empty.size == 0:
        return shares
    first = sub.indices[sub.indptr[empty]]
    extra = sp.csr_array((np.ones(empty.size), (empty, first)), shape=shares.shape)
    return sp.csr_array(shares + extra)


def whole_cells(shares: sp.csr_array, area: FloatArray, limits: FloatArray
                ) -> sp.csr_array | None:  # fmt: skip
    """Each cell to the site with its largest share; ``None`` if a limit then breaks."""
    n, k = shares.shape
    best = np.asarray(shares.argmax(axis=1)).ravel()
    load = np.bincount(best, weights=area, minlength=k)
    if np.any(load > limits * (1 + 1e-12) + 1e-12):
        return None
    return sp.csr_array((np.ones(n), (np.arange(n), best)), shape=(n, k))
