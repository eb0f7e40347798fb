"""The tie break by one-site swaps: a local search for large covering models.

:func:`firecover.siting.ties.tie_break_time` minimises the weighted travel time among the
optima of a covering model exactly with a MILP of one variable per reachable (row, site) pair.
On a district-sized model (the 146 km² bench district: 194k pairs) HiGHS does not finish that
MILP's root LP in 20 s and it holds over 1 GB. :func:`swap_search` gets most of the gain in a
fraction of a second and a few MB: starting from the solver's choice, it repeatedly makes the
best **swap** (close one new site ``j``, open one closed site ``k``) that

* keeps the primary objective: MCLP covered weight ``≥ Z*``; LSCP every coverable row still
  covered and the cost ``≤ Z*``; backup covering the once-covered weight ``≥ Z₁*`` and the
  twice-covered weight ``≥ Z₂*`` (all within :data:`~firecover.siting.ties.TIE_RTOL`), and
* strictly lowers ``T(x) = Σ_i w_i min_{j open} t_ij`` (a row no open site reaches counts
  ``unreachable_s``),

until no swap does (a *1-swap local optimum*: not proven the least, the result says so) or the
time is up. Fixed sites are never closed.

Every swap of one pass is scored at once (the fast interchange of Whitaker, 1983, in matrix
form). With ``n₁ᵢ``, ``t₁ᵢ``, ``t₂ᵢ`` the number of open sites covering row ``i`` and its
nearest and second-nearest open times, closing ``j`` and opening ``k`` changes the time by::

    Δ(j, k) = Σ_{i: s₁ᵢ = j} wᵢ (t₂ᵢ − t₁ᵢ)                                  (closing j)
            − Σ_i wᵢ max(0, t₁ᵢ − t_ik)                                       (opening k)
            − Σ_{i: s₁ᵢ = j} wᵢ [max(0, t₂ᵢ − t_ik) − max(0, t₁ᵢ − t_ik)]      (both)

and the covered weights similarly, with corrections only on the rows ``j`` covers once or
twice; each correction is a sparse (open site × site) matrix built from the pairs, so a pass
costs O(pairs + open sites × sites).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from firecover.siting.reduce import BoolArray, FloatArray, IntArray

__all__ = ["SwapResult", "swap_search"]

log = logging.getLogger(__name__)

#: Open sites scored together in one block of a pass (bounds the dense block's memory).
_BLOCK = 256


@dataclass(frozen=True)
class SwapResult:
    """Outcome of :func:`swap_search`: the open sites, their weighted time and the swaps made."""

    sites: IntArray
    weighted_time_s: float
    swaps: int
    local_optimum: bool


@dataclass(frozen=True)
class _Pairs:
    """The stored pairs of a CSR matrix as flat arrays (row, site, value), built once: every
    pass of the search reads them."""

    rows: IntArray
    cols: IntArray
    vals: FloatArray
    n_rows: int

    @classmethod
    def of(cls, mat: sp.csr_array) -> _Pairs:
        rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
        return cls(rows, np.asarray(mat.indices, np.int64), mat.data, mat.shape[0])

    @classmethod
    def by_time(cls, tmat: sp.csr_array, pen: float) -> _Pairs:
        """``tmat``'s pairs with each row's entries in time order, times capped at ``pen``."""
        rows = np.repeat(np.arange(tmat.shape[0]), np.diff(tmat.indptr))
        order = np.lexsort((tmat.data, rows))
        return cls(rows[order], np.asarray(tmat.indices[order], np.int64),
                   np.minimum(tmat.data[order], pen), tmat.shape[0])  # fmt: skip


@dataclass(frozen=True)
class _State:
    t1: FloatArray
    s1: IntArray
    t2: FloatArray
    count: IntArray
    first: IntArray  # the first (lowest-index) open site covering the row, -1 if none
    second: IntArray  # the second one, -1 if fewer than two


def _first_two(r: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """For row-grouped entries ``r``: (rows, index of their first entry) and (rows, index of
    their second entry) for the rows that have one."""
    start = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else np.zeros(0, np.int64)
    nxt = start + 1
    has2 = nxt < r.size
    has2[has2] &= r[nxt[has2]] == r[start[has2]]
    return r[start], start, r[start[has2]], nxt[has2]


def _state(times: _Pairs, cover: _Pairs, is_open: BoolArray, pen: float) -> _State:
    n_rows = times.n_rows
    t1, t2 = np.full(n_rows, pen), np.full(n_rows, pen)
    s1 = np.full(n_rows, -1, dtype=np.int64)
    keep = is_open[times.cols]
    c, v = times.cols[keep], times.vals[keep]
    # entries of a row are in time order (_Pairs.by_time): the first two are the nearest two
    r1, i1, r2, i2 = _first_two(times.rows[keep])
    t1[r1], s1[r1], t2[r2] = v[i1], c[i1], v[i2]
    ckeep = is_open[cover.cols]
    cr, cc = cover.rows[ckeep], cover.cols[ckeep]
    count = np.bincount(cr, minlength=n_rows).astype(np.int64)
    first, second = np.full(n_rows, -1, np.int64), np.full(n_rows, -1, np.int64)
    r1, i1, r2, i2 = _first_two(cr)
    first[r1], second[r2] = cc[i1], cc[i2]
    return _State(t1, s1, t2, count, first, second)


def swap_search(
    model: str,
    cover: sp.csr_array,
    tmat: sp.csr_array,
    w: FloatArray,
    sites: Any,
    fixed_mask: BoolArray,
    *,
    primary: float,
    single: float = 0.0,
    cost: FloatArray | None = None,
    unreachable_s: float,
    rtol: float = 1e-6,
    time_limit: float | None = None,
) -> SwapResult:
    """Best-improvement one-site swaps that keep the primary objective and cut the time.

    Parameters
    ----------
    model : {"lscp", "mclp", "backup"}
        The covering model whose optimum is held.
    cover : (n_rows, n_sites) CSR bool matrix
        The model's coverage (column indices sorted within each row).
    tmat : (n_rows, n_sites) CSR matrix of seconds
        Reachable times (a stored entry is reachable, zeros included).
    w : (n_rows,) array
        Demand weights (the time's; for LSCP the coverage counts every coverable row).
    sites : array-like of int
        The starting open sites (the solver's choice), fixed sites included.
    fixed_mask : (n_sites,) bool array
        Sites that stay open.
    primary : float
        The primary objective to hold (MCLP covered weight, LSCP cost, backup twice-covered
        weight).
    single : float
        Backup covering: the once-covered weight to hold.
    cost : (n_sites,) array, optional
        LSCP site costs (fixed sites cost nothing); default 1.
    unreachable_s : float
        Seconds counted for a row no open site reaches; times above it count it.
    rtol : float
        Relative tolerance on the held objectives.
    time_limit : float, optional
        Seconds; on the limit the sites after the last whole pass are returned.

    Returns
    -------
    SwapResult
        ``local_optimum`` is True when a whole pass found no improving swap.
    """
    started = time.perf_counter()
    n_x = cover.shape[1]
    is_open = np.zeros(n_x, dtype=bool)
    is_open[np.asarray(sites, dtype=np.int64)] = True
    pen = float(unreachable_s)
    times = _Pairs.by_time(sp.csr_array(tmat), pen)
    cover = sp.csr_array(cover, dtype=bool)
    cover.sort_indices()
    cov = _Pairs.of(cover)
    site_cost = np.ones(n_x) if cost is None else np.asarray(cost, dtype=np.float64)
    site_cost = np.where(fixed_mask, 0.0, site_cost)
    # the coverage weight: LSCP counts every coverable row, the others weigh by w
    cw = (np.diff(cover.indptr) > 0).astype(float) if model == "lscp" else np.asarray(w, float)
    need1 = float(cw.sum()) if model == "lscp" else (single if model == "backup" else primary)
    tol1 = rtol * max(1.0, abs(need1))
    tol2 = rtol * max(1.0, abs(primary))
    swaps = 0
    while True:
        st = _state(times, cov, is_open, pen)
        total = float((w * st.t1).sum())
        if time_limit is not None and time.perf_counter() - started > time_limit:
            return SwapResult(np.flatnonzero(is_open), total, swaps, False)
        move = _best_swap(model, cov, times, w, cw, st, is_open, fixed_mask, site_cost,
                          need1 - tol1, primary, tol2, total)  # fmt: skip
        if move is None:
            log.info("tie break: %d swaps, weighted time %.6g s (1-swap local optimum)",
                     swaps, total)  # fmt: skip
            return SwapResult(np.flatnonzero(is_open), total, swaps, True)
        j, k = move
        is_open[j], is_open[k] = False, True
        swaps += 1


def _pair_matrix(rows_of: IntArray, pairs: _Pairs, vals: FloatArray, n_x: int) -> sp.csr_array:
    """Sparse (site j × site k) sums of ``vals`` over the pairs (i, k) whose row ``i`` is
    charged to site ``rows_of[i]`` (rows with ``rows_of < 0`` are skipped)."""
    keep = rows_of[pairs.rows] >= 0
    return sp.csr_array(
        (vals[keep], (rows_of[pairs.rows[keep]], pairs.cols[keep])), shape=(n_x, n_x)
    )


def _best_swap(
    model: str, cover: _Pairs, times: _Pairs, w: FloatArray, cw: FloatArray,
    st: _State, is_open: BoolArray, fixed_mask: BoolArray, site_cost: FloatArray,
    need1: float, primary: float, tol2: float, total: float,
) -> tuple[int, int] | None:  # fmt: skip
    n_x = is_open.size
    r, tv = times.rows, times.vals
    gain_t = np.maximum(0.0, st.t1[r] - tv)
    add_t = np.bincount(times.cols, w[r] * gain_t, minlength=n_x)
    corr_t = _pair_matrix(st.s1, times, w[r] * (np.maximum(0.0, st.t2[r] - tv) - gain_t), n_x)
    drop_t = np.bincount(np.maximum(st.s1, 0), w * (st.t2 - st.t1) * (st.s1 >= 0), minlength=n_x)
    # coverage: rows covered once (by first) or twice (by first and second)
    cr = cover.rows
    once, twice = st.count == 1, st.count == 2
    single_now = float(cw[st.count >= 1].sum())
    add1 = np.bincount(cover.cols, cw[cr] * (st.count[cr] == 0), minlength=n_x)
    only = np.where(once, st.first, -1)
    loss1 = np.bincount(np.maximum(only, 0), cw * (only >= 0), minlength=n_x)
    corr1 = _pair_matrix(only, cover, cw[cr], n_x)  # rows j covered once: newly open to k
    if model == "backup":
        double_now = float(w[st.count >= 2].sum())
        add2 = np.bincount(cover.cols, w[cr] * once[cr], minlength=n_x)
        a, b = np.where(twice, st.first, -1), np.where(twice, st.second, -1)
        loss2 = (np.bincount(np.maximum(a, 0), w * (a >= 0), minlength=n_x)
                 + np.bincount(np.maximum(b, 0), w * (b >= 0), minlength=n_x))  # fmt: skip
        corr2 = (_pair_matrix(a, cover, w[cr], n_x) + _pair_matrix(b, cover, w[cr], n_x)
                 - _pair_matrix(only, cover, w[cr], n_x))  # fmt: skip
    closable = np.flatnonzero(is_open & ~fixed_mask)
    openable = ~is_open
    cost_now = float(site_cost[is_open].sum())
    best: tuple[float, int, int] | None = None
    eps = 1e-9 * max(1.0, total)
    for lo in range(0, closable.size, _BLOCK):
        js = closable[lo : lo + _BLOCK]
        delta = drop_t[js, None] - add_t[None, :] - corr_t[js].toarray()
        ok = openable[None, :] & (delta < -eps)
        s1_after = single_now - loss1[js, None] + add1[None, :] + corr1[js].toarray()
        ok &= s1_after >= need1
        if model == "lscp":
            ok &= cost_now - site_cost[js, None] + site_cost[None, :] <= primary + tol2
        elif model == "backup":
            d_after = double_now - loss2[js, None] + add2[None, :] + corr2[js].toarray()
            ok &= d_after >= primary - tol2
        if not ok.any():
            continue
        masked = np.where(ok, delta, np.inf)
        flat = int(np.argmin(masked))
        jj, k = divmod(flat, n_x)
        if best is None or masked[jj, k] < best[0]:
            best = (float(masked[jj, k]), int(js[jj]), int(k))
    return None if best is None else (best[1], best[2])
