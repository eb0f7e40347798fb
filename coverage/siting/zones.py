"""Search zones (选址范围): which candidates can replace each chosen site, the others fixed.

An optimal site is rarely the only good one. For every chosen new site ``j`` of a result,
:func:`search_zones` evaluates the objective of the site set with ``j`` swapped for every
other free candidate ``k`` (all other sites, fixed and new, stay) and keeps the candidates
whose **relative loss** of the objective is at most ``loss`` (default 1 %, setting
``zone_loss``). ``j`` itself is always in its zone (loss 0). Land is what a planner cannot
choose; a zone is what they can take to the land-use planners.

The swap is evaluated exactly and for all ``k`` at once, as a column swap on the matrix:

* ``mclp``, ``lscp``, ``area`` — covered weight. With ``c`` the cover count of the set without
  ``j``, the value of ``k`` is ``w·[c ≥ 1] + A[:, k]ᵀ (w·[c = 0])``: one sparse product.
  For LSCP and the area model a swap keeps the number of sites, so their objective cannot
  change; the zone is measured on what the sites buy, the covered weight (weights default to
  1 per row; pass areas for km²). A loss of 1 % means the swap leaves at most 1 % of the
  covered weight uncovered. The area model's district limits are *not* re-checked for a swap.
* ``backup`` — the loss is the larger of the relative losses on the once-covered weight
  (``A[:, k]ᵀ (w·[c = 0])``) and the twice-covered weight (``A[:, k]ᵀ (w·[c = 1])``).
* ``pmedian`` — ``Σ_i w_i min(d'_i, d_ik)`` with ``d'`` the nearest-site cost without ``j``:
  ``Σ w d' − Σ_i w_i max(0, d'_i − d_ik)`` over the stored entries of column ``k``.

p-center is not supported (its objective is a maximum, not a sum).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from firecover._errors import DataFormatError
from firecover.siting.common import _site_mask
from firecover.siting.reduce import FloatArray, IntArray, as_costs, as_coverage, as_weights

__all__ = ["ZONE_MODELS", "SearchZone", "search_zones", "swap_values"]

log = logging.getLogger(__name__)

#: Models :func:`search_zones` can evaluate.
ZONE_MODELS = ("lscp", "mclp", "backup", "area", "area_min", "area_max", "pmedian")
_COVER_MODELS = frozenset({"lscp", "mclp", "area", "area_min", "area_max"})


@dataclass(frozen=True)
class SearchZone:
    """The candidates that can replace one chosen site.

    Attributes
    ----------
    site : int
        The chosen site (a column index).
    candidates : ndarray of int
        Columns that can replace it within the loss, ``site`` first, then by loss.
    loss : ndarray of float
        Relative loss of the objective for each of ``candidates`` (0 for ``site``).
    max_loss : float
        The loss allowed.
    """

    site: int
    candidates: IntArray
    loss: FloatArray
    max_loss: float

    @property
    def n_candidates(self) -> int:
        """Number of sites in the zone, the chosen one included."""
        return int(self.candidates.size)


def _rel_loss(base: float, value: FloatArray, maximise: bool) -> FloatArray:
    diff = (base - value) if maximise else (value - base)
    scale = abs(base) if abs(base) > 0 else 1.0
    return np.maximum(diff, 0.0) / scale


def _cover_swap(mat: sp.csr_array, w: FloatArray, sites: IntArray, j: int, twice: bool) -> Any:
    count = np.asarray(mat.astype(np.int64) @ _site_mask(mat.shape[1], sites)).ravel()
    col = np.asarray(mat[:, [j]].toarray()).ravel().astype(np.int64)
    c = count - col
    base = float((w * (count >= 1)).sum())
    gain1 = np.asarray(mat.T.astype(float) @ (w * (c == 0))).ravel()
    once = float((w * (c >= 1)).sum()) + gain1
    if not twice:
        return base, once
    base2 = float((w * (count >= 2)).sum())
    gain2 = np.asarray(mat.T.astype(float) @ (w * (c == 1))).ravel()
    return (base, base2), (once, float((w * (c >= 2)).sum()) + gain2)


def _pmedian_swap(cost: Any, w: FloatArray, sites: IntArray, j: int, pen: float) -> Any:
    mat = cost.matrix().tocsc()
    others = np.setdiff1d(sites, [j])
    dprime = np.full(cost.n_rows, pen)
    coo = mat.tocoo()
    keep = np.isin(coo.col, others)
    np.minimum.at(dprime, coo.row[keep], np.minimum(coo.data[keep], pen))
    dbase = dprime.copy()
    here = coo.col == j
    np.minimum.at(dbase, coo.row[here], np.minimum(coo.data[here], pen))
    base = float((w * dbase).sum())
    better = w[coo.row] * np.maximum(0.0, dprime[coo.row] - np.minimum(coo.data, pen))
    saving = np.bincount(coo.col, weights=better, minlength=cost.n_cols)
    return base, float((w * dprime).sum()) - saving


def swap_values(
    model: str, matrix: Any, sites: Sequence[int] | IntArray, site: int, weights: Any = None,
    *, unreachable: float | None = None,
) -> tuple[float, FloatArray]:  # fmt: skip
    """Objective of ``sites`` and of ``sites`` with ``site`` swapped for each column.

    Returns ``(base, values)``; ``values[k]`` is the objective with ``site`` replaced by ``k``
    (meaningless for columns already in ``sites``). For ``backup`` the once-covered weight is
    returned; use :func:`search_zones` for its combined loss. ``matrix`` is the coverage
    matrix, or for ``pmedian`` the cost matrix (``unreachable``: cost of a row no open site
    reaches, default the largest stored cost).
    """
    sites = np.asarray(sites, dtype=np.int64)
    if model == "pmedian":
        cost = as_costs(matrix, "cost")
        w = as_weights(weights, cost.n_rows)
        pen = float(cost.val.max(initial=0.0)) if unreachable is None else float(unreachable)
        base, values = _pmedian_swap(cost, w, sites, int(site), pen)
        return base, np.asarray(values, dtype=float)
    mat = as_coverage(matrix)
    w = as_weights(weights, mat.shape[0])
    base, values = _cover_swap(mat, w, sites, int(site), False)
    return float(base), np.asarray(values, dtype=float)


def search_zones(
    model: str,
    matrix: Any,
    sites: Sequence[int] | IntArray,
    new_sites: Sequence[int] | IntArray,
    weights: Any = None,
    *,
    loss: float | None = None,
    eligible: Any = None,
    unreachable: float | None = None,
) -> list[SearchZone]:
    """The search zone of every new site of a result.

    Parameters
    ----------
    model : str
        The result's model (:data:`ZONE_MODELS`).
    matrix : (n_rows, n_sites) matrix
        Coverage (bool) for the covering models, travel cost for ``pmedian``.
    sites : sequence of int
        All open sites of the result (fixed included).
    new_sites : sequence of int
        The chosen new sites; one zone each, in this order.
    weights : (n_rows,) array-like, optional
        Row weights (default 1).
    loss : float, optional
        Largest relative loss of the objective allowed (setting ``zone_loss``, 0.01).
    eligible : (n_sites,) bool array-like, optional
        Columns that may replace a site (default every column not open). Fixed sites and
        other open sites are never eligible.
    unreachable : float, optional
        ``pmedian``: cost of a row no open site reaches (default the largest stored cost).

    Returns
    -------
    list of SearchZone
    """
    from firecover.settings import resolve

    if model not in ZONE_MODELS:
        raise DataFormatError(
            f"search zones are computed for {', '.join(ZONE_MODELS)}, not {model}"
        )
    max_loss = float(resolve(loss, "zone_loss"))
    if not 0.0 <= max_loss < 1.0:
        raise DataFormatError(f"zone loss {max_loss!r} must be in [0, 1); e.g. 0.01 for 1 %")
    sites = np.asarray(sites, dtype=np.int64)
    n_cols = matrix.shape[1]
    ok = np.ones(n_cols, bool) if eligible is None else np.asarray(eligible, bool).copy()
    if ok.shape != (n_cols,):
        raise DataFormatError(f"eligible has {ok.size} entries for {n_cols} sites")
    ok[sites] = False
    zones = []
    for j in np.asarray(new_sites, dtype=np.int64).tolist():
        if model == "backup":
            mat = as_coverage(matrix)
            w = as_weights(weights, mat.shape[0])
            (b1, b2), (v1, v2) = _cover_swap(mat, w, sites, j, True)
            rel = np.maximum(_rel_loss(b1, v1, True), _rel_loss(b2, v2, True))
        else:
            base, values = swap_values(model, matrix, sites, j, weights, unreachable=unreachable)
            rel = _rel_loss(base, values, model in _COVER_MODELS)
        tol = 1e-12
        pick = np.flatnonzero(ok & (rel <= max_loss + tol))
        order = np.argsort(rel[pick], kind="stable")
        cand = np.concatenate([[j], pick[order]]).astype(np.int64)
        zones.append(SearchZone(j, cand, np.concatenate([[0.0], rel[pick][order]]), max_loss))
        log.debug("search zone of site %d: %d candidates", j, cand.size)
    return zones
