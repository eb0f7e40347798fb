"""On-disk cache of prepared road graphs, so a second run skips parsing and preparing.

An entry is two files in ``<cache_dir>/graphs/``:

* ``<key>-<sha16>.npz`` — the prepared graph as plain arrays (:mod:`firecover.network.arrays`:
  node ids and ``x``/``y``, edges with every attribute, geometries as WKB, graph attributes as
  JSON) and, when known, the ``edge_reverse`` twins of its :class:`CSRNetwork`; written once,
  never modified (the name carries the first 16 hex digits of its SHA-256);
* ``<key>.json`` — the manifest: key, cache format and firecover versions, the npz name, its
  SHA-256 and size, node and edge counts. Replacing the manifest is the single commit point.

**Key** (:func:`graph_cache_key`): SHA-256 over the cache format version, the firecover version,
the source and the ``key_parts``. A file source contributes its name and bytes (a shapefile
also its sidecar files ``.shx``, ``.dbf``, ``.prj``, ``.cpg`` …; a GeoPackage its ``-wal``; a
folder source such as a ``.gdb`` every file in it); any other string is a query text (a place
name, a bbox) contributing its text. ``key_parts`` are the load options (profile, congestion
factor, crs, column names …): a ``pathlib.Path`` value contributes its file bytes, the entry
``"profile"`` contributes the speed profile's *content* (bundled name, TOML path or
``SpeedProfile``), everything else its canonical JSON.

**Never trusted**: a missing, truncated or altered npz (checksum), an unreadable or edited
manifest, a key or version mismatch, or arrays that do not match the manifest's counts make
the entry be logged (warning), deleted and rebuilt by calling the loader. Writes go through
:func:`firecover._io.atomic_path`, so a concurrent reader sees either no entry or a whole one.
A failing write (disk full, read-only folder) is logged and the loaded graph returned.

The folder comes from the setting ``cache_dir`` (see :mod:`firecover.settings`): ``"auto"``
means ``$FIRECOVER_CACHE_DIR`` if set, else the platform's user cache folder
(``~/.cache/firecover`` on Linux); ``"off"`` or ``None`` disables caching.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

import firecover.network.csr as _csr
from firecover._io import atomic_path, write_text_atomic
from firecover._version import __version__
from firecover.network.arrays import UncacheableGraphError, arrays_to_graph, graph_to_arrays
from firecover.network.cache_key import CACHE_FORMAT, graph_cache_key
from firecover.network.csr import CSRNetwork
from firecover.settings import resolve

__all__ = [
    "CACHE_FORMAT",
    "cache_folder",
    "cached_graph",
    "cached_network",
    "clear_cache",
    "graph_cache_key",
]

logger = logging.getLogger(__name__)

_OFF = {"", "off", "none", "false", "no", "0"}
_SUBDIR = "graphs"
PathLike = str | os.PathLike[str]
Loader = Callable[[], nx.MultiDiGraph]


# --------------------------------------------------------------------------- folder


def _platform_cache() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "firecover" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "firecover"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "firecover"


def cache_folder(cache_dir: PathLike | None = None) -> Path | None:
    """The cache folder to use, or ``None`` when caching is off.

    Parameters
    ----------
    cache_dir : str or PathLike, optional
        A folder, ``"auto"`` or ``"off"``; ``None`` → setting ``cache_dir``.
    """
    value = resolve(cache_dir, "cache_dir")
    if value is None or (isinstance(value, str) and value.strip().lower() in _OFF):
        return None
    if isinstance(value, str) and value.strip().lower() == "auto":
        env = os.environ.get("FIRECOVER_CACHE_DIR")
        if env is None:
            return _platform_cache()
        if env.strip().lower() in _OFF:
            return None
        value = env
    return Path(value).expanduser()


# --------------------------------------------------------------------------- entries


def _paths(folder: Path, key: str) -> tuple[Path, Path]:
    base = folder / _SUBDIR
    return base / f"{key}.json", base


class _BadEntryError(Exception):
    """A cache entry that must not be used."""


def _read_manifest(manifest: Path, key: str) -> dict[str, Any]:
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadEntryError(f"unreadable manifest ({type(exc).__name__})") from None
    if not isinstance(meta, dict):
        raise _BadEntryError("manifest is not a JSON object")
    if meta.get("format") != CACHE_FORMAT or meta.get("firecover") != __version__:
        raise _BadEntryError(f"stale format {meta.get('format')!r} / {meta.get('firecover')!r}")
    if meta.get("key") != key:
        raise _BadEntryError("manifest key does not match")
    npz = meta.get("npz")
    if not isinstance(npz, str) or Path(npz).name != npz or not npz.startswith(key):
        raise _BadEntryError("manifest names no valid data file")
    return meta


def _read_entry(manifest: Path, key: str) -> tuple[dict[str, Any], Any]:
    meta = _read_manifest(manifest, key)
    data_path = manifest.parent / meta["npz"]
    try:
        raw = data_path.read_bytes()
    except OSError as exc:
        raise _BadEntryError(
            f"data file unreadable ({exc.strerror or type(exc).__name__})"
        ) from None
    if len(raw) != meta.get("bytes") or hashlib.sha256(raw).hexdigest() != meta.get("sha256"):
        raise _BadEntryError("data file checksum mismatch (truncated or altered)")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        desc = json.loads(arrays.pop("desc").tobytes().decode("utf-8"))
    except Exception as exc:  # a corrupt zip raises many kinds
        raise _BadEntryError(f"data file unreadable ({type(exc).__name__})") from None
    if desc.get("n_nodes") != meta.get("nodes") or desc.get("n_edges") != meta.get("edges"):
        raise _BadEntryError("counts differ from the manifest")
    return meta, (arrays, desc)


def _remove_entry(manifest: Path, seen: bytes | None) -> None:
    """Delete a bad entry (only if the manifest is still the one that was judged bad)."""
    try:
        meta = json.loads(seen) if seen else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        meta = None
    name = meta.get("npz") if isinstance(meta, dict) else None
    with contextlib.suppress(OSError):
        if seen is None or manifest.read_bytes() == seen:
            manifest.unlink()
    if isinstance(name, str) and Path(name).name == name and name.endswith(".npz"):
        with contextlib.suppress(OSError):
            (manifest.parent / name).unlink(missing_ok=True)


def _prune(base: Path, key: str, keep: str) -> None:
    """Remove this key's data files other than ``keep`` that are old enough to be orphans."""
    cutoff = time.time() - 600
    for p in base.glob(f"{key}-*.npz"):
        with contextlib.suppress(OSError):
            if p.name != keep and p.stat().st_mtime < cutoff:
                p.unlink()


def _summary(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """What an entry must reproduce: node and edge counts, total length and travel time."""
    length = time_s = 0.0
    for _, _, d in graph.edges(data=True):
        length += float(d.get("length", 0.0))
        time_s += float(d.get("travel_time", 0.0))
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "length_m": round(length, 3), "travel_time_s": round(time_s, 3)}  # fmt: skip


def _seal(key: str, sha: str, summary: Mapping[str, Any], reported: list[Any]) -> str:
    """Ties an entry's data checksum to its key (the source's hash), summary and reports."""
    text = json.dumps([key, sha, summary, reported], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_entry(folder: Path, key: str, graph: nx.MultiDiGraph, reverse: np.ndarray | None,
                 source: Any, reported: list[dict[str, Any]]) -> None:  # fmt: skip
    notes = graph.graph.pop("build_warnings", None)  # kept in the manifest, not the arrays
    try:
        arrays, desc = graph_to_arrays(graph)
    finally:
        if notes is not None:
            graph.graph["build_warnings"] = notes
    if reverse is not None:
        arrays["net.edge_reverse"] = np.asarray(reverse, dtype=np.int64)
    arrays["desc"] = np.frombuffer(json.dumps(desc, ensure_ascii=False).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    raw = buf.getvalue()
    sha = hashlib.sha256(raw).hexdigest()
    manifest, base = _paths(folder, key)
    name = f"{key}-{sha[:16]}.npz"
    with atomic_path(base / name) as tmp:
        tmp.write_bytes(raw)
    meta = {"format": CACHE_FORMAT, "firecover": __version__, "key": key, "npz": name,
            "sha256": sha, "bytes": len(raw), "nodes": desc["n_nodes"], "edges": desc["n_edges"],
            "network": reverse is not None, "source": str(source),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}  # fmt: skip
    summary = _summary(graph)
    meta |= {"summary": summary, "reported": reported,
             "seal": _seal(key, sha, summary, reported)}  # fmt: skip
    write_text_atomic(manifest, json.dumps(meta, indent=1, ensure_ascii=False))
    _prune(base, key, name)
    logger.info(
        "cached road graph %s (%d nodes, %d edges, %.1f MB) in %s",
        key[:12],
        desc["n_nodes"],
        desc["n_edges"],
        len(raw) / 2**20,
        base,
    )


def _store(folder: Path, key: str, graph: nx.MultiDiGraph, reverse: np.ndarray | None,
           source: Any, reported: list[dict[str, Any]]) -> None:  # fmt: skip
    try:
        _write_entry(folder, key, graph, reverse, source, reported)
    except UncacheableGraphError as exc:
        logger.info("road graph not cached: %s", exc)
    except OSError as exc:  # includes OutputError from atomic_path
        logger.warning("could not write the graph cache in %s: %s", folder, exc)


def _lookup(folder: Path, key: str) -> tuple[dict[str, Any], Any] | None:
    manifest, _ = _paths(folder, key)
    try:
        seen = manifest.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("graph cache entry %s unreadable (%s); rebuilding", key[:12], exc)
        return None
    try:
        entry = _read_entry(manifest, key)
    except _BadEntryError as exc:
        logger.warning(
            "graph cache entry %s is unusable: %s; deleting and rebuilding", key[:12], exc
        )
        _remove_entry(manifest, seen)
        return None
    _prune(manifest.parent, key, entry[0]["npz"])
    return entry


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append({"logger": record.name, "level": record.levelno,
                             "message": record.getMessage()})  # fmt: skip


def _load_reporting(loader: Loader) -> tuple[nx.MultiDiGraph, list[dict[str, Any]]]:
    """Run ``loader``, keeping what it reported (warnings) with the graph."""
    handler = _Collect()
    root = logging.getLogger("firecover")
    root.addHandler(handler)
    try:
        graph = loader()
    finally:
        root.removeHandler(handler)
    if handler.records:
        graph.graph["build_warnings"] = [r["message"] for r in handler.records]
    return graph, handler.records


def _report_again(graph: nx.MultiDiGraph, reported: list[Any]) -> None:
    """Emit what the build reported once more (a cache hit must not hide a warning)."""
    messages = []
    for r in reported:
        if isinstance(r, dict) and isinstance(r.get("message"), str):
            raw = r.get("level")
            level = raw if isinstance(raw, int) else logging.WARNING
            logging.getLogger(str(r.get("logger") or __name__)).log(level, "%s", r["message"])
            messages.append(r["message"])
    if messages:
        graph.graph["build_warnings"] = messages


def _restore_source_path(graph: nx.MultiDiGraph, source: Any) -> None:
    if "source_path" in graph.graph and source is not None:
        path = Path(source)
        if isinstance(source, os.PathLike) or path.exists():
            graph.graph["source_path"] = str(path.resolve())


def _rebuild(folder: Path, key: str, entry: tuple[dict[str, Any], Any],
             source: Any) -> nx.MultiDiGraph | None:  # fmt: skip
    arrays, desc = entry[1]
    try:
        graph = arrays_to_graph(arrays, desc)
    except Exception as exc:  # arrays that passed the checksum but do not decode
        logger.warning(
            "graph cache entry %s does not decode (%s); deleting and rebuilding",
            key[:12],
            type(exc).__name__,
        )
        _remove_entry(_paths(folder, key)[0], None)
        return None
    meta = entry[0]
    reported = meta.get("reported")
    if (not isinstance(reported, list) or meta.get("summary") != _summary(graph)
            or meta.get("seal") != _seal(key, str(meta.get("sha256")), meta.get("summary", {}),
                                         reported)):  # fmt: skip
        logger.warning(
            "graph cache entry %s does not reproduce its recorded summary (counts, length, "
            "travel time); deleting and rebuilding",
            key[:12],
        )
        _remove_entry(_paths(folder, key)[0], None)
        return None
    _restore_source_path(graph, source)
    _report_again(graph, reported)
    logger.info(
        "road graph loaded from cache %s (%d nodes, %d edges)",
        key[:12],
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )
    return graph


# --------------------------------------------------------------------------- public


def cached_graph(
    source: PathLike | None,
    loader: Loader,
    *,
    key_parts: Mapping[str, Any],
    cache_dir: PathLike | None = None,
) -> nx.MultiDiGraph:
    """The prepared graph from the cache, or ``loader()`` (then stored for the next run).

    Parameters
    ----------
    source : str, PathLike or None
        What the graph is loaded from (file, folder or query text; see :func:`graph_cache_key`).
    loader : callable
        Loads and prepares the graph; called only on a cache miss or a bad entry.
    key_parts : Mapping
        Every option that changes the loaded graph (profile, congestion factor, crs, columns).
    cache_dir : str or PathLike, optional
        Cache folder, ``"auto"`` or ``"off"``; ``None`` → setting ``cache_dir``.

    Returns
    -------
    networkx.MultiDiGraph
        Equal to what ``loader`` returned when the entry was written (same node and edge
        order, keys, attributes and geometries); ``source_path`` points to ``source``.
    """
    folder = cache_folder(cache_dir)
    if folder is None:
        return _load_reporting(loader)[0]
    key = graph_cache_key(source, key_parts=key_parts)
    entry = _lookup(folder, key)
    graph = None if entry is None else _rebuild(folder, key, entry, source)
    if graph is not None:
        return graph
    graph, reported = _load_reporting(loader)
    _store(folder, key, graph, None, source, reported)
    return graph


def _network_from_arrays(arrays: Mapping[str, np.ndarray],
                         graph: nx.MultiDiGraph) -> CSRNetwork:  # fmt: skip
    """The CSRNetwork of ``graph`` from stored arrays (no per-edge Python work, no twin search)."""
    crs = _csr.check_crs(graph.graph.get("crs"))
    ids, x, y = _csr._node_arrays(graph)
    eu, ev = arrays["edge_u"].copy(), arrays["edge_v"].copy()
    rev = arrays["net.edge_reverse"].copy()
    data = list(graph.edges(keys=True, data=True))
    keys = np.asarray([k for _, _, k, _ in data])
    if keys.dtype.kind not in "iu":
        keys = np.asarray([k for _, _, k, _ in data], dtype=object)
    tt = np.fromiter((d["travel_time"] for *_, d in data), np.float64, len(data))
    ln = np.fromiter((d["length"] for *_, d in data), np.float64, len(data))
    geom = np.empty(len(data), dtype=object)
    geom[:] = [_csr._as_line(d.get("geometry")) for *_, d in data]
    cls = np.empty(len(data), dtype=object)
    cls[:] = [str(d.get("road_class", "")) for *_, d in data]
    if rev.shape != eu.shape:
        raise ValueError("stored edge_reverse does not match the edges")
    _csr._check_numbers(tt, ln)
    geom = _csr._fill_geometry(geom, eu, ev, x, y)
    adj = _csr._min_adjacency(eu, ev, tt, x.size)
    _csr._readonly(ids, x, y, eu, ev, keys, tt, ln, geom, rev, cls)
    notes = tuple(str(n) for n in graph.graph.get("build_warnings", ()))
    names = _csr._edge_names([d for *_, d in data])  # the edge list read above
    _csr._readonly(names)
    net = CSRNetwork(ids, x, y, adj, eu, ev, keys, tt, ln, geom, rev, cls, crs, notes,
                     edge_name=names)  # fmt: skip
    return _csr.with_turns(net, graph, None)


def cached_network(
    source: PathLike | None,
    loader: Loader,
    *,
    key_parts: Mapping[str, Any],
    cache_dir: PathLike | None = None,
) -> tuple[nx.MultiDiGraph, CSRNetwork]:
    """Like :func:`cached_graph`, also returning the graph's :class:`CSRNetwork`.

    The entry stores the network's ``edge_reverse`` twins, so a hit skips the twin search of
    :meth:`CSRNetwork.from_graph`; an entry written by :func:`cached_graph` is upgraded.
    """
    folder = cache_folder(cache_dir)
    if folder is None:
        graph = _load_reporting(loader)[0]
        return graph, CSRNetwork.from_graph(graph)
    key = graph_cache_key(source, key_parts=key_parts)
    entry = _lookup(folder, key)
    graph = None if entry is None else _rebuild(folder, key, entry, source)
    if graph is not None and entry is not None and "net.edge_reverse" in entry[1][0]:
        try:
            return graph, _network_from_arrays(entry[1][0], graph)
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("cached network %s unusable (%s); rebuilding it", key[:12], exc)
    if graph is None:
        graph, reported = _load_reporting(loader)
    else:  # an entry without the network: keep its reports
        reported = entry[0].get("reported", []) if entry is not None else []
    net = CSRNetwork.from_graph(graph)
    _store(folder, key, graph, net.edge_reverse, source, reported)
    return graph, net


def clear_cache(cache_dir: PathLike | None = None) -> int:
    """Delete every cached road graph; return the number of entries (manifests) removed."""
    folder = cache_folder(cache_dir)
    base = None if folder is None else folder / _SUBDIR
    if base is None or not base.is_dir():
        return 0
    removed = 0
    for p in base.iterdir():
        if p.is_file() and p.suffix in (".json", ".npz"):
            with contextlib.suppress(OSError):
                p.unlink()
                removed += p.suffix == ".json"
    logger.info("cleared %d cached road graph(s) from %s", removed, base)
    return removed
