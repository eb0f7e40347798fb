"""Input normalisation and exact problem reductions for the siting models.

Everything here works on whole arrays (numpy / scipy.sparse); nothing loops over demand rows.

* :func:`as_coverage` — any bool-like (demand x sites) matrix to a canonical CSR bool matrix.
* :func:`as_costs` — a dense or sparse cost matrix to triplets of *reachable* pairs (a missing
  sparse entry, ``inf`` or ``nan`` means unreachable; a stored zero is a real zero cost).
* :func:`group_identical_rows` — merge identical rows (verified exactly, not just hashed).
* :func:`dominated_columns` — columns whose cover set is inside a better column's cover set.
* :func:`dominated_rows` — set-covering rows whose cover set contains another row's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from firecover._errors import DataFormatError, InfeasibleModelError

__all__ = [
    "Costs",
    "as_costs",
    "as_coverage",
    "as_fixed",
    "as_p",
    "as_weights",
    "describe_rows",
    "dominated_columns",
    "dominated_rows",
    "group_identical_rows",
    "reachable_coverage",
]

log = logging.getLogger(__name__)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Column blocks for the dominance product ``A[:, block].T @ A`` (bounds peak memory).
_DOMINANCE_BLOCK = 2048


def describe_rows(rows: NDArray[Any], what: str = "rows", limit: int = 5) -> str:
    """``"rows 3, 7, 9, ... (12 in total)"`` — the first few indices and the count."""
    rows = np.asarray(rows).ravel()
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    more = ", ..." if rows.size > limit else ""
    return f"{what} {shown}{more} ({rows.size} in total)"


def _check_2d(shape: tuple[int, ...], name: str) -> None:
    if len(shape) != 2:
        raise DataFormatError(f"{name} must be a 2-D (demand x sites) matrix, got shape {shape}")


def as_coverage(coverage: Any, name: str = "coverage") -> sp.csr_array:
    """Return ``coverage`` as a canonical CSR bool matrix (sorted indices, no stored False)."""
    if sp.issparse(coverage):
        _check_2d(coverage.shape, name)
        mat = sp.csr_array(coverage, copy=True)
        mat.sum_duplicates()
        if mat.dtype.kind not in "biuf":
            raise DataFormatError(f"{name} must be boolean or numeric, got dtype {mat.dtype}")
        if mat.dtype.kind == "f" and np.isnan(mat.data).any():
            raise DataFormatError(f"{name} contains NaN; use True/False (or 1/0) entries")
        mat.data = mat.data != 0
        mat.eliminate_zeros()
    else:
        try:
            arr = np.asarray(coverage)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{name} is not array-like ({exc}); pass a matrix") from exc
        _check_2d(arr.shape, name)
        if arr.dtype.kind not in "biuf":
            raise DataFormatError(f"{name} must be boolean or numeric, got dtype {arr.dtype}")
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise DataFormatError(f"{name} contains NaN; use True/False (or 1/0) entries")
        mat = sp.csr_array(arr != 0)
    mat.sort_indices()
    return sp.csr_array(mat, dtype=bool)


@dataclass(frozen=True)
class Costs:
    """Reachable (demand, site, cost) triplets of a cost matrix, sorted by row then cost."""

    n_rows: int
    n_cols: int
    row: IntArray
    col: IntArray
    val: FloatArray

    def matrix(self) -> sp.csr_array:
        """CSR matrix of the reachable costs (zeros stored explicitly)."""
        return sp.csr_array((self.val, (self.row, self.col)), shape=(self.n_rows, self.n_cols))

    def pattern(self) -> sp.csr_array:
        """CSR bool matrix of the reachable pairs."""
        ones = np.ones(self.row.size, dtype=bool)
        return sp.csr_array((ones, (self.row, self.col)), shape=(self.n_rows, self.n_cols))


def as_costs(cost: Any, name: str = "cost") -> Costs:
    """Normalise a cost matrix to reachable triplets.

    A dense matrix marks unreachable pairs with ``inf`` or ``nan``; a sparse matrix marks them by
    leaving the entry out (a stored ``0`` is a genuine zero cost), and a stored ``inf``/``nan``
    is also unreachable. Negative costs and duplicate sparse entries are format errors.
    """
    if sp.issparse(cost):
        _check_2d(cost.shape, name)
        coo = sp.coo_array(cost)
        row = np.asarray(coo.coords[0], dtype=np.int64)
        col = np.asarray(coo.coords[1], dtype=np.int64)
        val = np.asarray(coo.data, dtype=np.float64)
        n_rows, n_cols = (int(s) for s in coo.shape)
        keys = row * n_cols + col
        if np.unique(keys).size != keys.size:
            raise DataFormatError(f"{name} has duplicate sparse entries; sum or drop them first")
    else:
        try:
            arr = np.asarray(cost, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{name} must be a numeric matrix ({exc})") from exc
        _check_2d(arr.shape, name)
        n_rows, n_cols = arr.shape
        row, col = np.nonzero(np.isfinite(arr))
        row, col = row.astype(np.int64), col.astype(np.int64)
        val = arr[row, col]
    keep = np.isfinite(val)
    row, col, val = row[keep], col[keep], val[keep]
    if (val < 0).any():
        raise DataFormatError(f"{name} has negative entries; travel costs must be >= 0")
    order = np.lexsort((col, val, row))
    return Costs(n_rows, n_cols, row[order], col[order], val[order])


def reachable_coverage(costs: Costs, radius: float) -> sp.csr_array:
    """Bool coverage matrix of the pairs with cost ``<= radius``."""
    keep = costs.val <= radius
    ones = np.ones(int(keep.sum()), dtype=bool)
    mat = sp.csr_array(
        (ones, (costs.row[keep], costs.col[keep])), shape=(costs.n_rows, costs.n_cols)
    )
    mat.sort_indices()
    return mat


def as_fixed(fixed: Any, n_sites: int) -> IntArray:
    """Sorted unique fixed-site indices; out-of-range indices are an infeasible model."""
    if fixed is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(fixed)
    if arr.dtype == bool and arr.shape == (n_sites,):
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise DataFormatError("fixed must be a 1-D sequence of integer site indices")
    arr = np.unique(arr.astype(np.int64))
    bad = arr[(arr < 0) | (arr >= n_sites)]
    if bad.size:
        raise InfeasibleModelError(
            f"fixed site indices out of range 0..{n_sites - 1}: "
            f"{describe_rows(bad, 'indices')}; pass valid column indices"
        )
    return arr


def as_p(p: Any, n_free: int) -> int:
    """Validate the number of new sites against the number of free (non-fixed) sites."""
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise DataFormatError(f"p must be an integer number of new sites, got {p!r}")
    if p < 0:
        raise DataFormatError(f"p must be >= 0, got {p}")
    if p > n_free:
        raise InfeasibleModelError(
            f"p={p} new sites requested but only {n_free} free (non-fixed) sites exist; "
            "lower p or add candidate sites"
        )
    return int(p)


def as_weights(weights: Any, n_rows: int, name: str = "weights") -> FloatArray:
    """Non-negative finite weights of length ``n_rows`` (``None`` = all ones)."""
    if weights is None:
        return np.ones(n_rows, dtype=np.float64)
    try:
        arr = np.asarray(weights, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{name} must be numeric ({exc})") from exc
    if arr.size != n_rows:
        raise DataFormatError(f"{name} has {arr.size} entries but there are {n_rows} demand rows")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise DataFormatError(f"{name} must be finite and >= 0")
    return arr


def _row_hash(mats: Sequence[sp.csr_array], n_cols: int) -> FloatArray:
    rng = np.random.default_rng(20240611)
    cols = []
    for mat in mats:
        for _ in range(2):
            r = rng.random(n_cols)
            data = np.asarray(mat.data, dtype=np.float64)
            cols.append(
                np.asarray(sp.csr_array((data, mat.indices, mat.indptr), shape=mat.shape) @ r)
            )
        cols.append(np.diff(mat.indptr).astype(np.float64))
    return np.column_stack(cols) if cols else np.zeros((0, 0))


def _equal_rows(mat: sp.csr_array, rep: IntArray) -> BoolArray:
    diff = (mat.astype(np.float64) - mat[rep].astype(np.float64)).tocsr()
    diff.eliminate_zeros()
    return np.diff(diff.indptr) == 0


def group_identical_rows(
    mats: Sequence[sp.csr_array], extra: FloatArray | None = None
) -> tuple[IntArray, IntArray]:
    """Group rows that are identical in every matrix of ``mats`` (and in ``extra``).

    Returns ``(first, inverse)``: ``first[g]`` is the first original row of group ``g`` and
    ``inverse[i]`` the group of row ``i``. Rows are hashed with random projections, then every
    row is compared exactly with its group's first row; a (vanishingly rare) hash collision
    splits the row into a group of its own, so the result is always exact.
    """
    n_rows = mats[0].shape[0]
    if n_rows == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = _row_hash(mats, mats[0].shape[1])
    if extra is not None:
        keys = np.column_stack([keys, np.asarray(extra, dtype=np.float64).reshape(n_rows, -1)])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel().astype(np.int64)
    rep = first[inverse]
    same = np.ones(n_rows, dtype=bool)
    for mat in mats:
        same &= _equal_rows(mat, rep)
    if extra is not None:
        ex = np.asarray(extra, dtype=np.float64).reshape(n_rows, -1)
        same &= (ex == ex[rep]).all(axis=1)
    if not same.all():
        log.debug("row hash collision on %d rows; keeping them separate", int((~same).sum()))
        loners = np.flatnonzero(~same)
        inverse = inverse.copy()
        inverse[loners] = first.size + np.arange(loners.size)
        first = np.concatenate([first, loners])
    # renumber groups by first appearance so the order is deterministic
    order = np.argsort(first, kind="stable")
    relabel = np.empty_like(order)
    relabel[order] = np.arange(order.size)
    return first[order].astype(np.int64), relabel[inverse].astype(np.int64)


def dominated_columns(cover: sp.csr_array, rank: NDArray[Any]) -> BoolArray:
    """Columns ``j`` whose cover set lies inside the cover set of a column ``k`` ranked better.

    ``rank`` is a strict total order on the columns (lower = better) that must be compatible
    with inclusion, i.e. ``covers(j) ⊆ covers(k)`` and ``rank[k] < rank[j]`` means keeping
    ``k`` is never worse (for set covering: ``cost_k <= cost_j``, ties broken by larger cover
    then lower index). Then "dominated" is a strict partial order, every dominated column has
    an undominated dominator, and all dominated columns can be removed at once.

    Computed with the sparse product ``A.T @ A`` (``|covers(j) ∩ covers(k)|``), in column
    blocks to bound memory.
    """
    n_cols = cover.shape[1]
    dominated = np.zeros(n_cols, dtype=bool)
    if n_cols < 2 or cover.nnz == 0:
        return dominated
    a = sp.csc_array(cover, dtype=np.int32)
    counts = np.diff(a.indptr)
    a_rows = sp.csr_array(a)
    rank = np.asarray(rank)
    for start in range(0, n_cols, _DOMINANCE_BLOCK):
        stop = min(start + _DOMINANCE_BLOCK, n_cols)
        inter = sp.coo_array(a[:, start:stop].T @ a_rows)
        j = np.asarray(inter.coords[0], dtype=np.int64) + start
        k = np.asarray(inter.coords[1], dtype=np.int64)
        hit = (inter.data == counts[j]) & (j != k) & (rank[k] < rank[j])
        dominated[j[hit]] = True
    dominated &= counts > 0
    return dominated


#: Row dominance is skipped when its product ``A @ A.T`` would cost more multiply-adds than
#: this (``Σ_j |rows of column j|²``); city-sized LSCPs are left to HiGHS's presolve.
ROW_DOMINANCE_WORK = 40_000_000


def dominated_rows(cover: sp.csr_array) -> BoolArray:
    """Set-covering rows implied by another row: ``covers(k) ⊆ covers(i)`` for some ``k ≠ i``.

    Any set of columns that covers row ``k`` covers row ``i`` too, so row ``i`` can be dropped
    from ``Σ_{j ∈ N_i} x_j >= 1`` without changing the feasible set (whatever the costs or
    further constraints on ``x``). Between two identical rows the later one is dropped, so
    every dropped row keeps a kept row inside it (inclusion is a partial order once ties are
    broken by index). Rows with no column neither drop nor are dropped (they make the model
    infeasible, which the callers report before).

    Computed with ``A @ A.T`` (``|covers(i) ∩ covers(k)|``) in row blocks; returns all False
    when that product would exceed :data:`ROW_DOMINANCE_WORK` multiply-adds.
    """
    n_rows = cover.shape[0]
    dropped = np.zeros(n_rows, dtype=bool)
    if n_rows < 2 or cover.nnz == 0:
        return dropped
    a = sp.csr_array(cover, dtype=np.int32)
    col_counts = np.diff(sp.csc_array(a).indptr).astype(np.float64)
    if float((col_counts**2).sum()) > ROW_DOMINANCE_WORK:
        log.debug("row dominance skipped: %.3g multiply-adds", float((col_counts**2).sum()))
        return dropped
    counts = np.diff(a.indptr)
    at = sp.csc_array(a.T)
    for start in range(0, n_rows, _DOMINANCE_BLOCK):
        stop = min(start + _DOMINANCE_BLOCK, n_rows)
        inter = sp.coo_array(a[start:stop] @ at)
        i = np.asarray(inter.coords[0], dtype=np.int64) + start
        k = np.asarray(inter.coords[1], dtype=np.int64)
        inside = (inter.data == counts[k]) & (i != k)
        hit = inside & ((counts[i] > counts[k]) | (k < i))
        dropped[i[hit]] = True
    return dropped & (counts > 0)
