"""The graph cache's keys: digests of the source files, the speed profile and the options."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from firecover._version import __version__
from firecover.network.speeds import SpeedProfile
from firecover.settings import resolve

__all__ = ["CACHE_FORMAT", "graph_cache_key"]

PathLike = str | os.PathLike[str]

#: Version of the on-disk layout; bump it whenever the arrays or manifest change meaning.
CACHE_FORMAT = 2  # 2: OSM graphs carry turn restrictions and junction controls


def _file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _source_files(path: Path) -> list[Path]:
    """The files whose bytes define a file or folder source."""
    if path.is_dir():
        return sorted((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.as_posix())
    files = [path]
    name = path.name.lower()
    if name.endswith(".shp"):
        stem = name[:-4]
        files += sorted(
            p
            for p in path.parent.iterdir()
            if p != path and p.is_file() and p.name.lower().startswith(stem + ".")
        )
    wal = path.with_name(path.name + "-wal")
    if wal.is_file():
        files.append(wal)
    return files


def _source_digest(source: Any) -> dict[str, Any]:
    if source is None:
        return {"source": None}
    if isinstance(source, os.PathLike) or (isinstance(source, str) and Path(source).exists()):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"graph source not found: {path} (check the path)")
        base = path if path.is_dir() else path.parent
        files = {p.relative_to(base).as_posix(): _file_digest(p) for p in _source_files(path)}
        return {"source": path.name, "files": files}
    return {"query": str(source)}


def _profile_digest(profile: Any) -> str:
    if isinstance(profile, SpeedProfile):
        return json.dumps(dataclasses.asdict(profile), sort_keys=True, default=str)
    spec = str(resolve(profile, "speed_profile"))
    path = Path(spec)
    if path.suffix.lower() == ".toml" or len(path.parts) > 1:
        return "file:" + (_file_digest(path) if path.is_file() else "missing:" + spec)
    resource = resources.files("firecover.data") / "speeds" / f"{spec}.toml"
    raw = resource.read_bytes() if resource.is_file() else b"unknown:" + spec.encode()
    return f"bundled:{spec}:" + hashlib.sha256(raw).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Path):
        return "file:" + (_file_digest(value) if value.is_file() else "missing:" + str(value))
    if isinstance(value, SpeedProfile):
        return _profile_digest(value)
    if hasattr(value, "to_wkt") and callable(value.to_wkt):
        return value.to_wkt()  # pyproj CRS, shapely geometries
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | set | frozenset):
        return sorted(value, key=repr) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot use {type(value).__name__} in a graph cache key; pass plain values")


def graph_cache_key(source: PathLike | None, *, key_parts: Mapping[str, Any]) -> str:
    """SHA-256 (hex) identifying a prepared graph: source bytes or query, options, versions.

    Parameters
    ----------
    source : str, PathLike or None
        A road file or folder (its name and bytes count, with shapefile sidecars), or a
        query text such as a place name (an existing path is always taken as a file).
    key_parts : Mapping
        Load options. ``"profile"`` counts by the profile's content; ``Path`` values by file
        bytes; other values by canonical JSON (tuples as lists, pyproj CRS as WKT).

    Raises
    ------
    TypeError
        A key part of a type that has no stable text form.
    FileNotFoundError
        ``source`` is a ``Path`` that does not exist.
    """
    parts = dict(key_parts)
    if "profile" in parts:
        parts["profile"] = _profile_digest(parts["profile"])
    payload = {"format": CACHE_FORMAT, "firecover": __version__, **_source_digest(source),
               "parts": parts}  # fmt: skip
    text = json.dumps(payload, sort_keys=True, default=_canonical, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
