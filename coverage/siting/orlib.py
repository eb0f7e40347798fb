"""Readers for the OR-Library location benchmarks (private; used by tests and ``bench/``).

Formats (see ``shared/benchmarks/README.md`` in the project workspace):

* ``pmedN.txt``: ``n m p`` then ``m`` lines ``i j cost`` (1-based, undirected). Distances are
  built the OR-Library way: a repeated edge takes its LAST cost (not the smallest), then
  all-pairs shortest paths.
* ``scpXY.txt``: ``m n``; ``n`` column costs; per row a count ``k`` and ``k`` 1-based columns.
* ``pmedopt.txt`` / ``pcenteropt.txt`` / ``scpopt.txt``: ``name value [note]`` lines.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import shortest_path

from firecover._errors import DataFormatError
from firecover._io import require_file

__all__ = ["read_optima", "read_pmed", "read_scp"]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def _ints(path: PathLike) -> NDArray[np.int64]:
    text = require_file(path, "OR-Library file").read_text()
    try:
        return np.asarray(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise DataFormatError(f"{path}: expected whitespace-separated integers ({exc})") from exc


def read_pmed(path: PathLike) -> tuple[NDArray[np.float64], int]:
    """Return the ``(n, n)`` shortest-path distance matrix and ``p`` of a pmed instance."""
    tok = _ints(path)
    n, m, p = (int(t) for t in tok[:3])
    edges = tok[3 : 3 + 3 * m].reshape(-1, 3)
    if edges.shape[0] != m:
        raise DataFormatError(f"{path}: header says {m} edges, found {edges.shape[0]}")
    u, v = edges[:, 0] - 1, edges[:, 1] - 1
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = lo * n + hi
    # last occurrence of each undirected edge wins
    _, last_rev = np.unique(key[::-1], return_index=True)
    last = m - 1 - last_rev
    last = last[lo[last] != hi[last]]
    w = edges[last, 2].astype(np.float64)
    rows = np.concatenate([lo[last], hi[last]])
    cols = np.concatenate([hi[last], lo[last]])
    graph = sp.csr_array((np.concatenate([w, w]), (rows, cols)), shape=(n, n))
    dist = shortest_path(graph, method="D", directed=True)
    return np.asarray(dist, dtype=np.float64), p


def read_scp(path: PathLike) -> tuple[sp.csr_array, NDArray[np.float64]]:
    """Return the ``(m, n)`` bool coverage matrix and the ``n`` column costs of an scp file."""
    tok = _ints(path)
    m, n = int(tok[0]), int(tok[1])
    cost = tok[2 : 2 + n].astype(np.float64)
    pos = 2 + n
    indptr = np.zeros(m + 1, dtype=np.int64)
    chunks = []
    for i in range(m):  # a loop over the file's rows: the count prefixes make it sequential
        k = int(tok[pos])
        chunks.append(tok[pos + 1 : pos + 1 + k] - 1)
        indptr[i + 1] = indptr[i] + k
        pos += 1 + k
    indices = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    mat = sp.csr_array((np.ones(indices.size, dtype=bool), indices, indptr), shape=(m, n))
    mat.sum_duplicates()
    return mat, cost


def read_optima(path: PathLike) -> dict[str, float]:
    """``{instance: value}`` from an optima table; header lines and notes are ignored."""
    out: dict[str, float] = {}
    for line in require_file(path, "optima table").read_text().splitlines():
        match = re.match(r"\s*([A-Za-z]+\d*[a-z]?\d*)\s+(\d+(?:\.\d+)?)", line)
        if match:
            out[match.group(1)] = float(match.group(2))
    return out


def orlib_root(start: PathLike | None = None) -> Path | None:
    """``shared/benchmarks/orlib`` beside the repository, or ``None`` if it is absent."""
    here = Path(start) if start is not None else Path(__file__)
    root = here.resolve().parents[2] / "shared" / "benchmarks" / "orlib"
    return root if root.is_dir() else None
