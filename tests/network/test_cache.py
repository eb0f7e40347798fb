"""Graph cache: exact round trip, hits skip the loader, keys, bad entries rebuilt, disabled."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely

from firecover.network import load_graph
from firecover.network.cache import (
    cache_folder,
    cached_graph,
    cached_network,
    clear_cache,
    graph_cache_key,
)
from firecover.traveltime import CSRNetwork

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "demo_district.graphml"
PARTS: dict[str, Any] = {"profile": "china_urban", "congestion_factor": None, "crs": None}


class Loader:
    """Loads the demo graph and counts the calls."""

    def __init__(self, source: Path = DEMO, **opts: Any) -> None:
        self.source, self.opts, self.calls = source, opts, 0

    def __call__(self) -> nx.MultiDiGraph:
        self.calls += 1
        return load_graph(self.source, **self.opts)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, shapely.Geometry):
        return isinstance(b, shapely.Geometry) and bool(shapely.equals_identical(a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


def assert_graphs_identical(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    """Same graph attributes, node order and attributes, edge order, keys and attributes."""
    assert a.graph == b.graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    ea, eb = list(a.edges(keys=True, data=True)), list(b.edges(keys=True, data=True))
    assert [e[:3] for e in ea] == [e[:3] for e in eb]
    for (*_, da), (*_, db) in zip(ea, eb, strict=True):
        assert da.keys() == db.keys()
        assert all(_same(da[k], db[k]) for k in da), (da, db)


def _entry(folder: Path) -> tuple[Path, Path]:
    manifests = list((folder / "graphs").glob("*.json"))
    assert len(manifests) == 1
    meta = json.loads(manifests[0].read_text())
    return manifests[0], folder / "graphs" / meta["npz"]


def test_round_trip_is_exact_and_second_call_skips_the_loader(tmp_path: Path) -> None:
    loader = Loader()
    first = cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    second = cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    assert loader.calls == 1
    assert second is not first
    assert_graphs_identical(first, load_graph(DEMO))  # the loader's result is returned as is
    assert_graphs_identical(second, first)
    assert any("geometry" in d for *_, d in second.edges(data=True))
    assert second.graph["crs"] == "EPSG:32650"


def test_network_from_cache_equals_from_graph(tmp_path: Path) -> None:
    loader = Loader()
    cached_network(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    graph, net = cached_network(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    assert loader.calls == 1
    ref = CSRNetwork.from_graph(graph)
    for name in ("node_ids", "x", "y", "edge_u", "edge_v", "edge_key", "edge_time",
                 "edge_length", "edge_reverse", "edge_class"):  # fmt: skip
        assert np.array_equal(getattr(net, name), getattr(ref, name)), name
    assert (net.adj != ref.adj).nnz == 0 and net.adj.nnz == ref.adj.nnz
    assert shapely.equals_identical(net.edge_geom, ref.edge_geom).all()
    assert net.crs == ref.crs


def test_graph_entry_is_upgraded_with_the_network(tmp_path: Path) -> None:
    loader = Loader()
    cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    cached_network(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    manifest, _ = _entry(tmp_path)
    assert json.loads(manifest.read_text())["network"] is True
    assert loader.calls == 1


def test_copy_under_the_same_name_hits_and_points_to_the_copy(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / DEMO.name
    copy.parent.mkdir()
    shutil.copyfile(DEMO, copy)
    loader = Loader()
    cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path / "c")
    g = cached_graph(copy, loader, key_parts=PARTS, cache_dir=tmp_path / "c")
    assert loader.calls == 1
    assert g.graph["source_path"] == str(copy.resolve())


def test_key_follows_source_bytes_profile_content_and_options(tmp_path: Path) -> None:
    src = tmp_path / "roads.graphml"
    src.write_bytes(DEMO.read_bytes())
    base = graph_cache_key(src, key_parts=PARTS)
    assert graph_cache_key(src, key_parts=dict(PARTS)) == base
    src.write_bytes(DEMO.read_bytes() + b" ")
    assert graph_cache_key(src, key_parts=PARTS) != base
    assert graph_cache_key(src, key_parts={**PARTS, "congestion_factor": 0.8}) != \
        graph_cache_key(src, key_parts=PARTS)  # fmt: skip
    # a profile counts by content, not by name or path
    prof = tmp_path / "mine.toml"
    text = Path(__file__).resolve().parents[2] / "data" / "speeds" / "china_urban.toml"
    prof.write_text(text.read_text(encoding="utf-8"), encoding="utf-8")
    k1 = graph_cache_key(src, key_parts={"profile": str(prof)})
    prof.write_text(text.read_text(encoding="utf-8").replace("primary = 45.0", "primary = 44.0"),
                    encoding="utf-8")  # fmt: skip
    assert graph_cache_key(src, key_parts={"profile": str(prof)}) != k1
    # a profile given by name equals the bundled default (None = the setting)
    assert graph_cache_key(src, key_parts={"profile": None}) == \
        graph_cache_key(src, key_parts={"profile": "china_urban"})  # fmt: skip


def test_key_includes_shapefile_sidecars_and_query_text(tmp_path: Path) -> None:
    for ext in ("shp", "shx", "dbf", "prj"):
        (tmp_path / f"roads.{ext}").write_bytes(ext.encode())
    (tmp_path / "other.dbf").write_bytes(b"x")
    shp = tmp_path / "roads.shp"
    base = graph_cache_key(shp, key_parts={})
    (tmp_path / "other.dbf").write_bytes(b"y")  # not a sidecar of roads.shp
    assert graph_cache_key(shp, key_parts={}) == base
    (tmp_path / "roads.dbf").write_bytes(b"changed attributes")
    assert graph_cache_key(shp, key_parts={}) != base
    (tmp_path / "roads.cpg").write_bytes(b"GBK")
    assert graph_cache_key(shp, key_parts={}) != base
    q1 = graph_cache_key("Heping District, Tianjin, China", key_parts={})
    assert q1 != graph_cache_key("Hexi District, Tianjin, China", key_parts={})
    folder = tmp_path / "roads.gdb"
    folder.mkdir()
    (folder / "a").write_bytes(b"1")
    k = graph_cache_key(folder, key_parts={})
    (folder / "a").write_bytes(b"2")
    assert graph_cache_key(folder, key_parts={}) != k


def test_key_rejects_values_without_a_stable_text(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="cache key"):
        graph_cache_key(DEMO, key_parts={"x": object()})


def _truncate(manifest: Path, npz: Path) -> None:
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])


def _flip(manifest: Path, npz: Path) -> None:
    raw = bytearray(npz.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    npz.write_bytes(bytes(raw))


def _edit(field: str, value: Any) -> Any:
    def edit(manifest: Path, npz: Path) -> None:
        meta = json.loads(manifest.read_text())
        meta[field] = value
        manifest.write_text(json.dumps(meta))

    return edit


def _garble(manifest: Path, npz: Path) -> None:
    manifest.write_text("{not json")


def _delete_npz(manifest: Path, npz: Path) -> None:
    npz.unlink()


@pytest.mark.parametrize("damage", [
    _truncate, _flip, _garble, _delete_npz, _edit("nodes", 1), _edit("sha256", "0" * 64),
    _edit("format", 0), _edit("key", "f" * 64), _edit("npz", "../../x.npz"),
], ids=["truncated", "flipped", "garbled", "npz-missing", "counts", "checksum", "format",
        "key", "path"])  # fmt: skip
def test_bad_entries_are_deleted_and_rebuilt(
    tmp_path: Path, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loader = Loader()
    cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    damage(*_entry(tmp_path))
    with caplog.at_level(logging.WARNING, logger="firecover.network.cache"):
        rebuilt = cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    assert loader.calls == 2
    assert any("unusable" in r.message for r in caplog.records)
    assert_graphs_identical(rebuilt, load_graph(DEMO))
    again = cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    assert loader.calls == 2  # the rewritten entry is good
    assert_graphs_identical(again, rebuilt)


def test_disabled_cache_calls_the_loader_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader = Loader()
    for _ in range(2):
        cached_graph(DEMO, loader, key_parts=PARTS, cache_dir="off")
    assert loader.calls == 2
    monkeypatch.setenv("FIRECOVER_CACHE_DIR", "off")
    assert cache_folder("auto") is None
    cached_graph(DEMO, loader, key_parts=PARTS, cache_dir="auto")
    assert loader.calls == 3
    monkeypatch.setenv("FIRECOVER_CACHE_DIR", str(tmp_path / "env"))
    assert cache_folder("auto") == tmp_path / "env"
    monkeypatch.delenv("FIRECOVER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = cache_folder("auto")
    assert folder is not None and folder.name == "firecover"
    assert not any(tmp_path.rglob("*.npz"))


def test_uncacheable_graph_is_returned_and_not_stored(tmp_path: Path) -> None:
    calls = []

    def loader() -> nx.MultiDiGraph:
        calls.append(1)
        g = load_graph(DEMO)
        g.graph["bbox"] = (1.0, 2.0)  # a tuple does not survive JSON
        return g

    for _ in range(2):
        g = cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
        assert g.graph["bbox"] == (1.0, 2.0)
    assert len(calls) == 2
    assert not any(tmp_path.rglob("*.json"))


def test_concurrent_writers_leave_one_good_entry(tmp_path: Path) -> None:
    loader = Loader()
    graphs: list[nx.MultiDiGraph] = []
    threads = [
        threading.Thread(
            target=lambda: graphs.append(
                cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
            )
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(graphs) == 4
    for g in graphs[1:]:
        assert_graphs_identical(g, graphs[0])
    calls = loader.calls
    assert_graphs_identical(cached_graph(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path),
                            graphs[0])  # fmt: skip
    assert loader.calls == calls
    assert not list((tmp_path / "graphs").glob(".*"))  # no temporary files left


def test_clear_cache(tmp_path: Path) -> None:
    cached_graph(DEMO, Loader(), key_parts=PARTS, cache_dir=tmp_path)
    cached_graph(DEMO, Loader(), key_parts={**PARTS, "congestion_factor": 0.9},
                 cache_dir=tmp_path)  # fmt: skip
    assert clear_cache(tmp_path) == 2
    assert not any((tmp_path / "graphs").iterdir())
    assert clear_cache(tmp_path) == 0
    assert clear_cache("off") == 0


def _manifest_of(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    manifest = next((tmp_path / "graphs").glob("*.json"))
    return manifest, json.loads(manifest.read_text(encoding="utf-8"))


def test_what_the_build_reported_is_reported_again_on_a_hit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def loader() -> nx.MultiDiGraph:
        logging.getLogger("firecover.network.prepare").warning(
            "kept the largest strongly connected component; dropped 60 nodes, 12.38 km"
        )
        return load_graph(DEMO)

    with caplog.at_level(logging.WARNING, logger="firecover"):
        _g1, net1 = cached_network(DEMO, loader, key_parts=PARTS, cache_dir=tmp_path)
    assert "dropped 60 nodes" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="firecover"):
        g2, net2 = cached_network(DEMO, Loader(), key_parts=PARTS, cache_dir=tmp_path)
    assert "dropped 60 nodes, 12.38 km" in caplog.text  # the hit says it again
    assert net1.notes == net2.notes and "dropped 60 nodes" in net2.notes[0]
    assert g2.graph["build_warnings"] == list(net2.notes)
    assert _manifest_of(tmp_path)[1]["reported"][0]["level"] == logging.WARNING


def test_an_entry_edited_with_its_checksum_is_rebuilt(tmp_path: Path) -> None:
    """Edge numbers x10 with sha256 and size updated: the recorded summary gives it away."""
    import hashlib
    import io

    cached_network(DEMO, Loader(), key_parts=PARTS, cache_dir=tmp_path)
    manifest, meta = _manifest_of(tmp_path)
    npz_path = manifest.parent / meta["npz"]
    with np.load(npz_path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    # every float edge column (travel time, length, speed) x10
    timed = [k for k in arrays if k.startswith("edge.") and k.endswith(".float.values")]
    assert timed
    for k in timed:
        arrays[k] = arrays[k] * 10
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    raw = buf.getvalue()
    npz_path.write_bytes(raw)
    meta |= {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    manifest.write_text(json.dumps(meta), encoding="utf-8")
    again = Loader()
    _g, net = cached_network(DEMO, again, key_parts=PARTS, cache_dir=tmp_path)
    assert again.calls == 1  # rebuilt, not trusted
    expected = CSRNetwork.from_graph(load_graph(DEMO))
    np.testing.assert_array_equal(net.edge_time, expected.edge_time)
