"""Graph ↔ arrays: any graph of storable values comes back identical; others are refused."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.network.arrays import UncacheableGraphError, arrays_to_graph, graph_to_arrays

VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(min_value=0, max_value=10**12), max_size=3),
    st.builds(lambda a, b: shapely.LineString([(a, b), (b, a + 1.5)]),
              st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
    st.none(),
)  # fmt: skip
NAMES = st.sampled_from(["length", "name", "osmid", "geometry", "oneway", "名称"])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, shapely.Geometry):
        return isinstance(b, shapely.Geometry) and bool(shapely.equals_identical(a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


@st.composite
def graphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:32650", name=draw(st.text(max_size=5)), n=draw(st.integers()))
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(st.integers(-50, 10**10), min_size=n, max_size=n, unique=True))
    for i in ids:
        g.add_node(i, **draw(st.dictionaries(NAMES, VALUES, max_size=3)))
    for _ in range(draw(st.integers(0, 10))):
        u, v = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        g.add_edge(u, v, **draw(st.dictionaries(NAMES, VALUES, max_size=4)))
    return g


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_round_trip_identical(g: nx.MultiDiGraph) -> None:
    arrays, desc = graph_to_arrays(g)
    assert all(a.dtype != object for a in arrays.values())  # storable without pickle
    back = arrays_to_graph(arrays, desc)
    assert back.graph == g.graph
    assert list(back.nodes) == list(g.nodes)
    for n in g.nodes:
        assert g.nodes[n].keys() == back.nodes[n].keys()
        assert all(_same(g.nodes[n][k], back.nodes[n][k]) for k in g.nodes[n])
    ea, eb = list(g.edges(keys=True, data=True)), list(back.edges(keys=True, data=True))
    assert [e[:3] for e in ea] == [e[:3] for e in eb]
    for (*_, da), (*_, db) in zip(ea, eb, strict=True):
        assert da.keys() == db.keys() and all(_same(da[k], db[k]) for k in da)


@pytest.mark.parametrize("value", [(1, 2), {1: "a"}, object(), 2**70])
def test_values_that_do_not_round_trip_are_refused(value: Any) -> None:
    g = nx.MultiDiGraph()
    g.add_edge(0, 1, odd=value)
    if value == 2**70:  # a big int is stored exactly as JSON
        back = arrays_to_graph(*graph_to_arrays(g))
        assert back.edges[0, 1, 0]["odd"] == 2**70
        return
    with pytest.raises(UncacheableGraphError):
        graph_to_arrays(g)


def test_numpy_scalars_are_stored_as_numbers() -> None:
    g = nx.MultiDiGraph()
    g.add_edge(0, 1, length=np.float64(2.5), lanes=np.int64(3), oneway=np.bool_(True))
    d = arrays_to_graph(*graph_to_arrays(g)).edges[0, 1, 0]
    assert d == {"length": 2.5, "lanes": 3, "oneway": True}
