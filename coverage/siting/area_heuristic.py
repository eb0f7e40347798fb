"""A feasible answer and a lower bound for the area model's min form under a time limit.

:func:`repair_assignment` turns an open set (e.g. the LSCP incumbent) into a whole-cell
assignment within the area limits, opening more sites where the open ones cannot take every
cell: cells are placed tightest first (fewest open usable sites, then largest) on the open site
with the most room left; the cells left over are given, one site at a time, to the closed site
that can take the most of their area. The result is checked by the caller
(:func:`firecover.siting.area_api.check_area_assignment`).

:func:`capacity_bound` is the counting bound: the open sites must hold the whole area, a fixed
site at most ``min(L_j, area it can take)`` and a new one at most the largest such value of any
free site.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["capacity_bound", "repair_assignment"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_RTOL = 1e-9


def capacity_bound(pairs: sp.csr_array, area: FloatArray, limits: FloatArray,
                   fixed: IntArray) -> int:  # fmt: skip
    """Fewest new sites (unit costs) the limits allow: ``ceil((A − fixed capacity) / max cap)``."""
    load = np.asarray(pairs.T.astype(np.float64) @ area).ravel()
    cap = np.minimum(limits, load)
    is_fixed = np.zeros(cap.size, dtype=bool)
    is_fixed[fixed] = True
    rest = float(area.sum()) - float(cap[is_fixed].sum())
    free = cap[~is_fixed]
    if rest <= _RTOL * max(1.0, float(area.sum())) or free.size == 0:
        return 0
    best = float(free.max())
    if not math.isfinite(best):
        return 1
    return math.ceil(rest / best - 1e-9) if best > 0 else 0


def _place(order: IntArray, pairs: sp.csr_array, area: FloatArray, room: FloatArray,
           is_open: NDArray[np.bool_], site_of: IntArray) -> None:  # fmt: skip
    """Give each cell of ``order`` to its open usable site with most room (in place)."""
    indptr, indices = pairs.indptr, pairs.indices
    for i in order.tolist():
        js = indices[indptr[i] : indptr[i + 1]]
        js = js[is_open[js] & (room[js] >= area[i] * (1 - _RTOL))]
        if js.size:
            j = int(js[np.argmax(room[js])])
            site_of[i] = j
            room[j] -= area[i]


def repair_assignment(
    pairs: sp.csr_array, area: FloatArray, limits: FloatArray, open_sites: IntArray,
    cost: FloatArray,
) -> tuple[IntArray, IntArray] | None:  # fmt: skip
    """``(open sites, site of every cell)`` within the limits, or ``None`` if it gets stuck.

    ``pairs`` are the usable (cell, site) pairs (a cell fits the site's limit).
    """
    n_rows, n_cols = pairs.shape
    is_open = np.zeros(n_cols, dtype=bool)
    is_open[open_sites] = True
    room = np.where(np.isfinite(limits), limits, np.inf).astype(np.float64)
    site_of = np.full(n_rows, -1, dtype=np.int64)
    options = np.asarray(pairs.astype(np.int64) @ is_open.astype(np.int64)).ravel()
    _place(np.lexsort((-area, options)).astype(np.int64), pairs, area, room, is_open, site_of)
    csc = sp.csc_array(pairs, dtype=np.float64)
    opened = 0
    while (site_of < 0).any():
        left = np.where(site_of < 0, area, 0.0)
        gain = np.minimum(np.asarray(csc.T @ left).ravel(), room)
        gain[is_open] = -1.0
        score = gain / np.maximum(cost, 1e-12)
        j = int(np.argmax(score))
        if gain[j] <= 0:
            log.info("area repair: %d cell(s) fit no site", int((site_of < 0).sum()))
            return None
        is_open[j] = True
        opened += 1
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        rows = rows[site_of[rows] < 0]
        _place(rows[np.argsort(-area[rows], kind="stable")].astype(np.int64), pairs, area,
               room, is_open, site_of)  # fmt: skip
    log.info("area repair: opened %d more site(s)", opened)
    return np.flatnonzero(is_open).astype(np.int64), site_of
