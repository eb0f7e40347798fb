"""Private: a road graph as plain numpy arrays and back (the on-disk form of the graph cache).

:func:`graph_to_arrays` turns a ``networkx.MultiDiGraph`` into a dict of numpy arrays that
``numpy.savez`` can store without pickling; :func:`arrays_to_graph` rebuilds an equal graph
(same node order, same edge order and keys, same attribute values and types). Each node or
edge attribute becomes one *column* over the items that carry it:

* ``bool``, ``int`` (int64), ``float`` (float64): a typed array;
* ``str``: dictionary-encoded (UTF-8 table of distinct values + integer codes);
* ``geom``: shapely geometries as WKB (one byte blob + offsets);
* ``json``: anything else that survives a JSON round trip unchanged (lists of OSM ids, …).

A column whose values are of several kinds (``None`` in a float column, say) is split into one
typed part per kind; a part that does not cover every item records the items' positions. A
value that none of these represents exactly (a tuple, a custom object) raises
:class:`UncacheableGraphError`, so a graph is either stored exactly or not at all. Graph
attributes are stored as JSON.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import shapely

__all__ = ["UncacheableGraphError", "arrays_to_graph", "graph_to_arrays"]

Arrays = dict[str, np.ndarray]
_INT64 = (-(2**63), 2**63 - 1)


class UncacheableGraphError(TypeError):
    """A graph holds a value the array form cannot store exactly."""


# --------------------------------------------------------------------------- blobs


def _pack_bytes(items: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in items], out=offsets[1:])
    return np.frombuffer(b"".join(items), dtype=np.uint8), offsets


def _unpack_bytes(blob: np.ndarray, offsets: np.ndarray) -> list[bytes]:
    raw = blob.tobytes()
    off = offsets.tolist()
    return [raw[a:b] for a, b in itertools.pairwise(off)]


def _json_exact(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        raise UncacheableGraphError(f"cannot store {type(value).__name__} {value!r}") from None
    back = json.loads(text)
    if type(back) is not type(value) or (back != value and value == value):
        raise UncacheableGraphError(f"{value!r} does not survive a JSON round trip")
    return text


# --------------------------------------------------------------------------- columns


def _value_kind(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "bool"
    if isinstance(v, int | np.integer):
        return "int" if _INT64[0] <= int(v) <= _INT64[1] else "json"
    if isinstance(v, float | np.floating):
        return "float"
    if isinstance(v, str):
        return "str"
    return "geom" if isinstance(v, shapely.Geometry) else "json"


def _kinds(values: list[Any]) -> str | list[str]:
    """One kind for a homogeneous column, else the kind of every value."""
    if len(set(map(type, values))) == 1:
        kind = _value_kind(values[0])
        if kind != "int" or all(_INT64[0] <= int(v) <= _INT64[1] for v in values):
            return kind
    return [_value_kind(v) for v in values]


def _encode_strings(values: Iterable[str], prefix: str, out: Arrays) -> None:
    table: dict[str, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64)
    blob, offsets = _pack_bytes([s.encode("utf-8") for s in table])
    out[f"{prefix}.codes"] = codes.astype(np.int32 if len(table) < 2**31 else np.int64)
    out[f"{prefix}.blob"], out[f"{prefix}.offsets"] = blob, offsets


def _decode_strings(arrays: Any, prefix: str) -> list[str]:
    table = [
        b.decode("utf-8")
        for b in _unpack_bytes(arrays[f"{prefix}.blob"], arrays[f"{prefix}.offsets"])
    ]
    uniques = np.empty(len(table), dtype=object)
    uniques[:] = table
    return list(uniques[arrays[f"{prefix}.codes"]])


def _encode_values(kind: str, values: list[Any], prefix: str, out: Arrays) -> None:
    if kind in ("bool", "int", "float"):
        dtype = {"bool": np.bool_, "int": np.int64, "float": np.float64}[kind]
        out[f"{prefix}.values"] = np.asarray(values, dtype=dtype)
    elif kind == "str":
        _encode_strings(values, prefix, out)
    elif kind == "geom":
        wkb = shapely.to_wkb(np.asarray(values, dtype=object), include_srid=False)
        out[f"{prefix}.blob"], out[f"{prefix}.offsets"] = _pack_bytes(list(wkb))
    else:
        _encode_strings([_json_exact(v) for v in values], prefix, out)


def _encode_keys(values: list[Any], prefix: str, out: Arrays, allowed: tuple[str, ...]) -> str:
    kind = _kinds(values) if values else "int"
    if not isinstance(kind, str) or kind not in allowed:
        raise UncacheableGraphError(f"{prefix} values must all be one of {allowed}")
    _encode_values(kind, values, prefix, out)
    return kind


def _decode_column(arrays: Any, prefix: str, kind: str) -> list[Any]:
    if kind in ("bool", "int", "float"):
        return list(arrays[f"{prefix}.values"].tolist())
    if kind == "str":
        return _decode_strings(arrays, prefix)
    if kind == "geom":
        blobs = _unpack_bytes(arrays[f"{prefix}.blob"], arrays[f"{prefix}.offsets"])
        return list(shapely.from_wkb(np.asarray(blobs, dtype=object)))
    if kind == "json":
        table: dict[str, Any] = {}
        return [table[s] if s in table else table.setdefault(s, json.loads(s))
                for s in _decode_strings(arrays, prefix)]  # fmt: skip
    raise ValueError(f"unknown column kind {kind!r}")


def _encode_items(dicts: list[dict[str, Any]], group: str, out: Arrays) -> list[dict[str, Any]]:
    """Columns for the attribute dicts of all nodes (or edges); returns their descriptions.

    A column is split into one typed part per value kind; a part covering only some items
    stores their positions in ``<prefix>.index``.
    """
    names: dict[str, None] = {}
    for d in dicts:
        names.update(dict.fromkeys(d))
    meta = []
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise UncacheableGraphError(f"attribute name {name!r} is not a string")
        items = [j for j, d in enumerate(dicts) if name in d]
        values = [dicts[j][name] for j in items]
        kinds = _kinds(values)
        groups: dict[str, list[int]] = {}
        if isinstance(kinds, str):
            groups[kinds] = list(range(len(values)))
        else:
            for j, k in enumerate(kinds):
                groups.setdefault(k, []).append(j)
        parts = []
        for kind, sel in groups.items():
            prefix = f"{group}.{i}.{kind}"
            full = len(sel) == len(dicts)
            if not full:
                out[f"{prefix}.index"] = np.asarray([items[j] for j in sel], dtype=np.int64)
            _encode_values(kind, [values[j] for j in sel], prefix, out)
            parts.append({"kind": kind, "full": full})
        meta.append({"name": name, "parts": parts})
    return meta


def _decode_items(arrays: Any, group: str, meta: list[dict[str, Any]],
                  n: int) -> list[dict[str, Any]]:  # fmt: skip
    names, cols = [], []
    for i, m in enumerate(meta):
        for part in m["parts"]:
            if part["full"]:
                names.append(m["name"])
                cols.append(_decode_column(arrays, f"{group}.{i}.{part['kind']}", part["kind"]))
    dicts = [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)] if cols \
        else [{} for _ in range(n)]  # fmt: skip
    for i, m in enumerate(meta):
        for part in m["parts"]:
            if part["full"]:
                continue
            prefix = f"{group}.{i}.{part['kind']}"
            values = _decode_column(arrays, prefix, part["kind"])
            name = m["name"]
            for j, v in zip(arrays[f"{prefix}.index"].tolist(), values, strict=True):
                dicts[j][name] = v
    return dicts


# --------------------------------------------------------------------------- graph


def graph_to_arrays(graph: nx.MultiDiGraph) -> tuple[Arrays, dict[str, Any]]:
    """Arrays and a JSON-able description of ``graph`` (see the module docstring).

    Raises
    ------
    UncacheableGraphError
        A node key, edge key, attribute or graph attribute that cannot be stored exactly.
    """
    if not isinstance(graph, nx.MultiDiGraph):
        raise UncacheableGraphError(f"only MultiDiGraph is stored, not {type(graph).__name__}")
    out: Arrays = {}
    nodes = list(graph.nodes)
    node_kind = _encode_keys(nodes, "node_id", out, ("int", "str"))
    pos = {n: i for i, n in enumerate(nodes)}
    m = graph.number_of_edges()
    eu = np.empty(m, np.int64)
    ev = np.empty(m, np.int64)
    keys: list[Any] = []
    edge_dicts: list[dict[str, Any]] = []
    for i, (u, v, k, d) in enumerate(graph.edges(keys=True, data=True)):
        eu[i], ev[i] = pos[u], pos[v]
        keys.append(k)
        edge_dicts.append(d)
    out["edge_u"], out["edge_v"] = eu, ev
    key_kind = _encode_keys(keys, "edge_key", out, ("int", "str"))
    graph_attrs = {k: json.loads(_json_exact(v)) for k, v in graph.graph.items()}
    desc = {
        "n_nodes": len(nodes), "n_edges": m, "node_id": node_kind, "edge_key": key_kind,
        "graph": graph_attrs,
        "node_columns": _encode_items([graph.nodes[n] for n in nodes], "node", out),
        "edge_columns": _encode_items(edge_dicts, "edge", out),
    }  # fmt: skip
    return out, desc


def arrays_to_graph(arrays: Any, desc: dict[str, Any]) -> nx.MultiDiGraph:
    """Rebuild the graph stored by :func:`graph_to_arrays` (``arrays``: a mapping of arrays)."""
    n, m = int(desc["n_nodes"]), int(desc["n_edges"])
    nodes = _decode_column(arrays, "node_id", desc["node_id"])
    eu, ev = arrays["edge_u"], arrays["edge_v"]
    if len(nodes) != n or eu.shape != (m,) or ev.shape != (m,):
        raise ValueError("stored graph arrays do not match their counts")
    keys = _decode_column(arrays, "edge_key", desc["edge_key"])
    node_attrs = _decode_items(arrays, "node", desc["node_columns"], n)
    edge_attrs = _decode_items(arrays, "edge", desc["edge_columns"], m)
    if len(keys) != m or len(node_attrs) != n or len(edge_attrs) != m:
        raise ValueError("stored attribute columns do not match the counts")
    graph = nx.MultiDiGraph()
    graph.graph.update(desc["graph"])
    graph.add_nodes_from(zip(nodes, node_attrs, strict=True))
    ids = np.empty(n, dtype=object)
    ids[:] = nodes
    us, vs = ids[eu].tolist(), ids[ev].tolist()
    graph.add_edges_from(zip(us, vs, keys, edge_attrs, strict=True))
    return graph
