"""Raw CSR construction for the travel-time engine (private to :mod:`firecover.traveltime`).

Every helper builds ``scipy.sparse.csr_array`` directly from index arrays, so **stored zeros
survive** (zero-time edges and zero-time source/target pairs); nothing here calls
``eliminate_zeros()`` or goes through a COO sum that could drop them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _augmented(
    adj: sp.csr_array, rows: IntArray, cols: IntArray, w: FloatArray, n_virtual: int
) -> sp.csr_array:
    """``adj`` plus ``n_virtual`` rows/columns of virtual sources, built from raw arrays.

    Parallel legs keep their minimum; stored zeros survive (no eliminate_zeros anywhere).
    """
    n = adj.shape[0]
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, w = rows[first], cols[first], w[first]
    extra = np.cumsum(np.bincount(rows, minlength=n_virtual)) + adj.indptr[-1]
    indptr = np.concatenate([adj.indptr.astype(np.int64), extra])
    indices = np.concatenate([adj.indices.astype(np.int64), cols])
    data = np.concatenate([adj.data.astype(np.float64), w])
    size = n + n_virtual
    itype = np.int32 if max(size, data.size) < 2**31 - 1 else np.int64
    return sp.csr_array((data, indices.astype(itype), indptr.astype(itype)), shape=(size, size))


def _ranges(starts: IntArray, ends: IntArray) -> IntArray:
    """The concatenation of ``arange(starts[i], ends[i])`` over i, vectorised."""
    counts = (np.asarray(ends) - np.asarray(starts)).astype(np.int64)
    offsets = np.repeat(np.asarray(starts, dtype=np.int64) - (np.cumsum(counts) - counts), counts)
    return np.arange(int(counts.sum()), dtype=np.int64) + offsets


def _subgraph(adj: sp.csr_array, idx: IntArray) -> tuple[sp.csr_array, IntArray]:
    """Subgraph induced on the nodes ``idx`` (stored zeros kept) and the global→local node map.

    Local node ``k`` is global node ``idx[k]``; the map holds −1 for nodes not in ``idx``.
    """
    idx = np.asarray(idx, dtype=np.int64)
    gmap = np.full(adj.shape[0], -1, dtype=np.int64)
    gmap[idx] = np.arange(idx.size)
    starts, ends = adj.indptr[idx], adj.indptr[idx + 1]
    counts = (ends - starts).astype(np.int64)
    pos = _ranges(starts, ends)
    cols = gmap[adj.indices[pos]]
    ok = cols >= 0
    rows = np.repeat(np.arange(idx.size), counts)[ok]
    indptr = np.zeros(idx.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=idx.size), out=indptr[1:])
    sub = sp.csr_array(
        (adj.data[pos][ok], cols[ok].astype(np.int32), indptr.astype(np.int32)),
        shape=(idx.size, idx.size),
    )
    return sub, gmap


def _csr_from_parts(
    rows: list[IntArray], cols: list[IntArray], data: list[FloatArray], shape: tuple[int, int]
) -> sp.csr_array:
    """CSR from row-major chunks whose rows are disjoint (stored zeros kept).

    Each row's entries form one contiguous run of the concatenated chunks (a row comes from one
    chunk, whose entries are in row-major order, columns sorted), so the runs are put in row
    order without sorting the entries.
    """
    r = np.concatenate(rows) if rows else np.empty(0, np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, np.int64)
    d = np.concatenate(data) if data else np.empty(0, np.float64)
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else np.empty(0, np.int64)
    ends = np.r_[starts[1:], r.size].astype(np.int64)
    by_row = np.argsort(r[starts], kind="stable")
    order = _ranges(starts[by_row], ends[by_row])
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=shape[0]), out=indptr[1:])
    itype = np.int32 if max(d.size, *shape) < 2**31 - 1 else np.int64
    m = sp.csr_array((d[order], c[order].astype(itype), indptr.astype(itype)), shape=shape)
    m.has_sorted_indices = True
    return m
