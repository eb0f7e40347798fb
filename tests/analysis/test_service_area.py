"""Service areas: reached road pieces against analytic answers and a networkx oracle."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from graphs import X0, Y0, add_road, empty_graph, grid, random_graph, split_oracle, straight_road
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon, box

from firecover.analysis.service_area import (
    ALL_STATIONS,
    QUAD_SEGS,
    ReachedEdges,
    ServiceAreaCache,
    fill_holes,
    reach_lengths,
    reached_edges,
    service_areas,
)
from firecover.network.snapping import Snapped
from firecover.traveltime import CSRNetwork

TOL = 1e-6
AREA_TOL_M2 = 1.0  # numerical slack of polygon overlay, m²

NETS = {
    "grid": CSRNetwork.from_graph(grid(6, 5, seed=1)),
    "random_parallel": CSRNetwork.from_graph(random_graph(40, seed=3)),
    "random_zero": CSRNetwork.from_graph(random_graph(35, seed=4, zero_length=True)),
}
SMALL_GRID = CSRNetwork.from_graph(grid(5, 5, spacing=200.0, seed=5))


def _random_sources(net: CSRNetwork, n: int, seed: int) -> Snapped:
    rng = np.random.default_rng(seed)
    frac = rng.random(n)
    frac[0] = 0.0  # one exactly at a node
    return Snapped.on_edges(
        net, rng.integers(0, net.n_edges, n), frac, access_s=rng.uniform(0.0, 15.0, n)
    )


def _canonical(net: CSRNetwork) -> np.ndarray:
    idx = np.arange(net.n_edges)
    return idx[(net.edge_reverse < 0) | (net.edge_reverse > idx)]


def _inside_pieces(
    reach: ReachedEdges, source: int, edge: np.ndarray, frac: np.ndarray
) -> np.ndarray:
    """Whether each (edge, fraction) lies in a piece of ``source``."""
    mine = reach.of_source(source)
    hit = np.zeros(edge.size, dtype=bool)
    for e, a, b in zip(mine.edge.tolist(), mine.start.tolist(), mine.end.tolist(), strict=True):
        hit |= (edge == e) & (frac >= a - 1e-9) & (frac <= b + 1e-9)
    return hit


# --- analytic answers on a straight road ------------------------------------------------------


def test_straight_road_middle_station_reaches_600_m_each_way() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))  # 10 m/s
    reach = reached_edges(net, Snapped.on_edges(net, [0], [0.5]), 60.0)
    assert len(reach) == 1 and reach.edge[0] == 0
    assert reach.start[0] == pytest.approx(0.2) and reach.end[0] == pytest.approx(0.8)
    assert reach.source_length_m()[0] == pytest.approx(1200.0)
    assert reach.geometries()[0].length == pytest.approx(1200.0)
    lengths = reach_lengths(net, Snapped.on_edges(net, [0], [0.5]), ["A"], [2.0], turnout_min=1.0)
    assert list(lengths.columns) == ["station", "minutes", "driving_min", "reached_km"]
    assert lengths.loc[0, "reached_km"] == pytest.approx(1.2)
    assert lengths.loc[0, "driving_min"] == pytest.approx(1.0)


def test_straight_one_way_road_reaches_only_forward() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0, oneway=True))
    reach = reached_edges(net, Snapped.on_edges(net, [0], [0.5]), 60.0)
    assert reach.start.tolist() == [0.5] and reach.end[0] == pytest.approx(0.8)
    assert reach.source_length_m()[0] == pytest.approx(600.0)
    line = reach.geometries()[0]
    assert line.coords[0] == pytest.approx((X0 + 1000.0, Y0))
    assert line.coords[-1] == pytest.approx((X0 + 1600.0, Y0))


@settings(max_examples=80, deadline=None)
@given(
    length=st.floats(100.0, 5000.0),
    speed=st.floats(10.0, 80.0),
    frac=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)),
    budget=st.floats(0.0, 600.0),
    access=st.floats(0.0, 60.0),
    oneway=st.booleans(),
)
def test_straight_road_reached_length_is_analytic(
    length: float, speed: float, frac: float, budget: float, access: float, oneway: bool
) -> None:
    net = CSRNetwork.from_graph(straight_road(length, speed, oneway=oneway))
    src = Snapped.on_edges(net, [0], [frac], access_s=access)
    reach = reached_edges(net, src, budget)
    metres = max(budget - access, 0.0) * speed / 3.6 if budget >= access else 0.0
    expect = min((1.0 - frac) * length, metres) + (0.0 if oneway else min(frac * length, metres))
    got = reach.source_length_m()[0]
    assert got == pytest.approx(expect, abs=1e-6 * length)
    assert np.all(reach.start < reach.end)
    assert sum(g.length for g in reach.geometries()) == pytest.approx(expect, abs=1e-6 * length)


def test_partial_edge_is_interpolated_along_a_curve() -> None:
    """A U-shaped road: 500 m up, 300 m across, 500 m down (1300 m; chord only 300 m)."""
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 300.0, y=Y0)
    curve = LineString([(X0, Y0), (X0, Y0 + 500), (X0 + 300, Y0 + 500), (X0 + 300, Y0)])
    add_road(g, 0, 1, 36.0, geometry=curve)
    net = CSRNetwork.from_graph(g)
    reach = reached_edges(net, Snapped.at_nodes(net, [0]), 60.0)
    piece = reach.geometries()[0]
    assert piece.length == pytest.approx(600.0)
    assert piece.coords[-1] == pytest.approx((X0 + 100.0, Y0 + 500.0))
    assert reach.end[0] == pytest.approx(600.0 / 1300.0)
    back = reached_edges(net, Snapped.at_nodes(net, [1]), 60.0)  # from the other end
    assert back.start[0] == pytest.approx(700.0 / 1300.0) and back.end[0] == 1.0
    assert back.geometries()[0].coords[0] == pytest.approx((X0 + 200.0, Y0 + 500.0))


def _triangle(long_speed: float = 36.0) -> CSRNetwork:
    """Station node 0; 100 m spurs to nodes 1 and 2 (36 km/h); a 1000 m road 1–2."""
    g = empty_graph()
    for k, (px, py) in enumerate([(0, 0), (-100, 0), (100, 0)]):
        g.add_node(k, x=X0 + px, y=Y0 + py)
    add_road(g, 0, 1, 36.0)
    add_road(g, 0, 2, 36.0)
    add_road(
        g,
        1,
        2,
        long_speed,
        geometry=LineString(
            [(X0 - 100, Y0), (X0 - 100, Y0 + 400), (X0 + 100, Y0 + 400), (X0 + 100, Y0)]
        ),
    )
    return CSRNetwork.from_graph(g)


@pytest.mark.parametrize(("limit", "pieces", "km"), [(40.0, 2, 0.8), (60.0, 1, 1.2)])
def test_road_reached_from_both_ends_meets_or_not(limit: float, pieces: int, km: float) -> None:
    """The 1000 m road is reached at both ends after 10 s; pieces of 10 m/s · (limit − 10)."""
    net = _triangle()
    reach = reached_edges(net, Snapped.at_nodes(net, [0]), limit)
    long_road = int(np.flatnonzero(net.edge_length > 500)[0])
    long_road = min(long_road, int(net.edge_reverse[long_road]))
    on_long = reach.edge == long_road
    assert int(on_long.sum()) == pieces
    if pieces == 1:
        assert reach.full[on_long].all()
        assert reach.geometries()[on_long][0].equals(net.edge_geom[long_road])
    assert reach.source_length_m()[0] / 1000 == pytest.approx(km)


def test_one_way_road_is_reached_only_from_its_start() -> None:
    g = empty_graph()
    for k, px in enumerate([0, -100, 100]):
        g.add_node(k, x=X0 + px, y=Y0)
    add_road(g, 0, 1, 36.0)
    add_road(g, 0, 2, 36.0)
    add_road(
        g,
        2,
        1,
        36.0,
        oneway=True,
        geometry=LineString(
            [(X0 + 100, Y0), (X0 + 100, Y0 + 400), (X0 - 100, Y0 + 400), (X0 - 100, Y0)]
        ),
    )
    net = CSRNetwork.from_graph(g)
    reach = reached_edges(net, Snapped.at_nodes(net, [0]), 40.0)
    one_way = int(np.flatnonzero(net.edge_reverse < 0)[0])
    on = reach.edge == one_way
    assert on.sum() == 1 and reach.start[on][0] == 0.0
    assert reach.end[on][0] == pytest.approx(0.3)


def test_zero_budget_and_bad_limits() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    assert len(reached_edges(net, Snapped.on_edges(net, [0], [0.5]), 0.0)) == 0
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="limit_s"):
            reached_edges(net, Snapped.on_edges(net, [0], [0.5]), bad)
    empty = reached_edges(net, Snapped.empty(), 60.0)
    assert len(empty) == 0 and empty.source_length_m().size == 0


# --- against the networkx oracle ------------------------------------------------------------


@pytest.mark.parametrize("name", list(NETS))
def test_reached_nodes_match_networkx_cutoff(name: str) -> None:
    net = NETS[name]
    src = _random_sources(net, 4, seed=31)
    limit = 150.0
    reach = reached_edges(net, src, limit)
    oracle = split_oracle(net, src)
    for i in range(len(src)):
        ref = nx.single_source_dijkstra_path_length(oracle, ("p", i), cutoff=limit, weight="w")
        expect = {k[1]: t for k, t in ref.items() if k[0] == "n"}
        mine = reach.node_source == i
        assert set(reach.node[mine].tolist()) == set(expect)
        for node, t in zip(reach.node[mine].tolist(), reach.node_time[mine].tolist(), strict=True):
            assert t == pytest.approx(expect[node], abs=TOL)


@pytest.mark.parametrize("name", list(NETS))
def test_pieces_match_sampled_oracle_times(name: str) -> None:
    """A road point is in a piece exactly when the oracle reaches it within the budget."""
    net = NETS[name]
    src = _random_sources(net, 3, seed=41)
    limit = 120.0
    reach = reached_edges(net, src, limit)
    canon = _canonical(net)
    k = 5
    edge = np.repeat(canon, k)
    frac = np.tile((np.arange(k) + 0.5) / k, canon.size)
    samples = Snapped.on_edges(net, edge, frac)
    oracle = split_oracle(net, Snapped.concat([src, samples]))
    for i in range(len(src)):
        ref = nx.single_source_dijkstra_path_length(
            oracle, ("p", i), cutoff=limit + 1.0, weight="w"
        )
        t = np.array([ref.get(("p", len(src) + j), np.inf) for j in range(len(samples))])
        clear = np.abs(t - limit) > 1e-6
        hit = _inside_pieces(reach, i, samples.edge, samples.fraction)
        np.testing.assert_array_equal(hit[clear], (t <= limit)[clear])


def test_pieces_are_disjoint_sorted_and_on_canonical_edges() -> None:
    net = NETS["random_parallel"]
    reach = reached_edges(net, _random_sources(net, 5, seed=51), 200.0)
    assert np.all((reach.start >= 0.0) & (reach.start < reach.end) & (reach.end <= 1.0))
    rev = net.edge_reverse[reach.edge]
    assert np.all((rev < 0) | (rev > reach.edge))
    key = reach.source * net.n_edges + reach.edge
    same = key[1:] == key[:-1]
    assert np.all(np.diff(key) >= 0)
    assert np.all(reach.start[1:][same] > reach.end[:-1][same])


def test_chunked_pieces_equal_unchunked(monkeypatch: pytest.MonkeyPatch) -> None:
    import firecover.traveltime.reach as reach_module

    net = NETS["random_parallel"]
    src = _random_sources(net, 6, seed=53)
    whole = reached_edges(net, src, 150.0)
    monkeypatch.setattr(reach_module, "CHUNK_ENTRIES", 7)
    parts = reached_edges(net, src, 150.0)
    for name in ("source", "edge", "start", "end", "node_source", "node", "node_time"):
        np.testing.assert_array_equal(getattr(parts, name), getattr(whole, name))


# --- polygons ---------------------------------------------------------------------------------


def test_buffered_straight_road_area_and_schema() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    src = Snapped.on_edges(net, [0], [0.5])
    gdf = service_areas(net, src, ["A"], [2.0], turnout_min=1.0, buffer_m=100.0)
    assert list(gdf.columns) == ["station", "minutes", "driving_min", "area_km2", "geometry"]
    assert str(gdf.crs) == str(gpd.GeoSeries([], crs=net.crs).crs)
    row = gdf.iloc[0]
    assert (row.station, row.minutes, row.driving_min) == ("A", 2.0, 1.0)
    caps = 2 * QUAD_SEGS * 100.0**2 * np.sin(np.pi / (2 * QUAD_SEGS))  # inscribed 4q-gon
    assert row.geometry.area == pytest.approx(1200.0 * 200.0 + caps, rel=1e-6)
    assert row.area_km2 == pytest.approx(row.geometry.area / 1e6)
    zero = service_areas(net, src, ["A"], [2.0], turnout_min=1.0, buffer_m=0.0)
    assert zero.area_km2[0] == 0.0 and zero.geometry[0].is_empty


def test_break_within_turnout_is_empty_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    net = NETS["grid"]
    src = _random_sources(net, 2, seed=61)
    with caplog.at_level(logging.WARNING, logger="firecover.analysis.service_area"):
        gdf = service_areas(net, src, ["A", "B"], [1.0, 0.5, 3.0], turnout_min=1.0)
    assert "turnout" in caplog.text
    assert gdf.minutes.tolist() == [0.5, 1.0, 3.0] * 2
    assert gdf.driving_min.tolist() == [0.0, 0.0, 2.0] * 2
    assert (gdf.area_km2[gdf.minutes <= 1.0] == 0.0).all()
    assert gdf.geometry[gdf.minutes <= 1.0].is_empty.all()
    assert (gdf.area_km2[gdf.minutes == 3.0] > 0).all()


def test_modes_and_rings() -> None:
    net = NETS["grid"]
    src = _random_sources(net, 3, seed=71)
    names, minutes = ["A", "B", "C"], [1.5, 2.0, 3.0]
    per = service_areas(net, src, names, minutes, turnout_min=1.0)
    over = service_areas(net, src, names, minutes, turnout_min=1.0, mode="overlapping")
    dis = service_areas(net, src, names, minutes, turnout_min=1.0, mode="dissolved")
    both = service_areas(net, src, names, minutes, turnout_min=1.0, mode="both")
    assert per.station.tolist() == ["A"] * 3 + ["B"] * 3 + ["C"] * 3
    assert np.allclose(per.area_km2, over.area_km2)
    assert dis.station.tolist() == [ALL_STATIONS] * 3
    assert both.station.tolist() == per.station.tolist() + dis.station.tolist()
    raw = service_areas(net, src, names, minutes, turnout_min=1.0, mode="both", fill_holes_km2=0.0)
    for m in minutes:
        union = shapely.union_all(per.geometry[per.minutes == m].values)
        assert union.difference(dis.geometry[dis.minutes == m].iloc[0]).area < AREA_TOL_M2
        # without hole filling the dissolved polygon is exactly the union of the stations
        union = shapely.union_all(raw.geometry[(raw.minutes == m) & (raw.station != "(all)")])
        exact = raw.geometry[(raw.minutes == m) & (raw.station == "(all)")].iloc[0]
        assert exact.symmetric_difference(union).area < AREA_TOL_M2
    ring = service_areas(net, src, names, minutes, turnout_min=1.0, mode="both", rings=True)
    for who in ["A", ALL_STATIONS]:
        disks = both[both.station == who].geometry.values
        parts = ring[ring.station == who].geometry.values
        assert sum(p.area for p in parts) == pytest.approx(disks[-1].area, rel=1e-6)
        assert parts[0].equals(disks[0])
        assert parts[1].intersection(disks[0]).area < AREA_TOL_M2
        assert parts[2].intersection(disks[1]).area < AREA_TOL_M2


def _block_ring(side: float) -> CSRNetwork:
    g = empty_graph()
    corners = [(0, 0), (side, 0), (side, side), (0, side)]
    for k, (px, py) in enumerate(corners):
        g.add_node(k, x=X0 + px, y=Y0 + py)
    for k in range(4):
        add_road(g, k, (k + 1) % 4, 60.0)
    return CSRNetwork.from_graph(g)


def test_small_holes_are_filled_and_large_ones_kept() -> None:
    net = _block_ring(400.0)  # hole of 300 m × 300 m = 0.09 km² with a 50 m buffer
    src = Snapped.at_nodes(net, [0])
    kw = {"turnout_min": 0.0, "buffer_m": 50.0}
    kept = service_areas(net, src, ["A"], [5.0], **kw).geometry[0]
    assert len(kept.interiors) == 1
    assert Polygon(kept.interiors[0]).area == pytest.approx(0.09e6)
    filled = service_areas(net, src, ["A"], [5.0], fill_holes_km2=0.1, **kw).geometry[0]
    assert len(filled.interiors) == 0
    assert filled.area == pytest.approx(kept.area + 0.09e6)
    raw = service_areas(net, src, ["A"], [5.0], fill_holes_km2=0.0, **kw).geometry[0]
    assert raw.equals(kept)


def test_fill_holes_merges_islands() -> None:
    outer = box(0, 0, 100, 100).difference(box(20, 20, 80, 80))
    island = box(40, 40, 60, 60)
    geom = outer.union(island)
    assert fill_holes(geom, 3600.0 + 1).equals(box(0, 0, 100, 100))
    assert fill_holes(geom, 3600.0).equals(geom)
    assert fill_holes(geom, 0.0).equals(geom)


def test_clipped_to_boundary_in_any_crs() -> None:
    net = NETS["grid"]
    src = _random_sources(net, 2, seed=81)
    full = service_areas(net, src, ["A", "B"], [4.0])
    x0, y0, x1, y1 = net.bounds
    half = box(x0 - 500, y0 - 500, (x0 + x1) / 2, y1 + 500)
    clipped = service_areas(net, src, ["A", "B"], [4.0], boundary=half)
    assert (clipped.area_km2 <= full.area_km2 + 1e-9).all()
    for g in clipped.geometry:
        assert g.difference(half).area < AREA_TOL_M2
    wgs = gpd.GeoDataFrame(geometry=[half], crs=net.crs).to_crs("EPSG:4326")
    again = service_areas(net, src, ["A", "B"], [4.0], boundary=wgs)
    assert np.allclose(again.area_km2, clipped.area_km2, rtol=1e-4)


def test_bad_arguments() -> None:
    net = NETS["grid"]
    src = _random_sources(net, 2, seed=91)
    bad_mode: Any = "split"
    with pytest.raises(ValueError, match="mode"):
        service_areas(net, src, ["A", "B"], [5.0], mode=bad_mode)
    with pytest.raises(ValueError, match="one per station"):
        service_areas(net, src, ["A"], [5.0])
    with pytest.raises(ValueError, match="minutes"):
        service_areas(net, src, ["A", "B"], [-1.0])
    with pytest.raises(ValueError, match="buffer_m"):
        service_areas(net, src, ["A", "B"], [5.0], buffer_m=-5.0)
    with pytest.raises(ValueError, match="fill_holes_km2"):
        service_areas(net, src, ["A", "B"], [5.0], fill_holes_km2=-1.0)


def test_reach_lengths_dissolved_counts_shared_road_once() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    src = Snapped.on_edges(net, [0, 0], [0.4, 0.6])
    table = reach_lengths(net, src, ["A", "B"], [2.0], turnout_min=1.0, mode="both")
    assert table.station.tolist() == ["A", "B", ALL_STATIONS]
    assert table.reached_km.tolist() == pytest.approx([1.2, 1.2, 1.6])


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edge=st.integers(0, SMALL_GRID.n_edges - 1),
    frac=st.floats(0.0, 1.0),
    m1=st.floats(0.1, 2.5),
    extra=st.floats(0.01, 1.5),
    buffer_m=st.sampled_from([0.0, 30.0, 100.0]),
    fill=st.sampled_from([0.0, 0.05]),
    clip=st.booleans(),
)
def test_larger_budget_never_shrinks_and_station_within_dissolved(
    edge: int, frac: float, m1: float, extra: float, buffer_m: float, fill: float, clip: bool
) -> None:
    net = SMALL_GRID
    src = Snapped.concat([Snapped.on_edges(net, [edge], [frac]), Snapped.at_nodes(net, [12])])
    x0, y0, x1, y1 = net.bounds
    boundary = box(x0, y0, x1 - 250.0, y1) if clip else None
    gdf = service_areas(
        net,
        src,
        ["S", "T"],
        [m1, m1 + extra],
        turnout_min=0.0,
        buffer_m=buffer_m,
        fill_holes_km2=fill,
        boundary=boundary,
        mode="both",
    )
    for who in ["S", "T", ALL_STATIONS]:
        small, large = gdf[gdf.station == who].geometry.values
        assert small.area <= large.area + AREA_TOL_M2
        assert small.difference(large).area < AREA_TOL_M2
    for m in (m1, m1 + extra):
        dissolved = gdf[(gdf.station == ALL_STATIONS) & (gdf.minutes == m)].geometry.values[0]
        for who in ["S", "T"]:
            own = gdf[(gdf.station == who) & (gdf.minutes == m)].geometry.values[0]
            assert own.difference(dissolved).area < AREA_TOL_M2
    lengths = reach_lengths(net, src, ["S", "T"], [m1, m1 + extra], turnout_min=0.0, mode="both")
    for who in ["S", "T", ALL_STATIONS]:
        km = lengths[lengths.station == who].reached_km.to_numpy()
        assert km[0] <= km[1] + 1e-9


def test_five_thousand_edge_grid_grows_with_the_budget() -> None:
    """Correctness only; the wall time of this case is measured by bench/service_area.py."""
    net = CSRNetwork.from_graph(grid(40, 40, spacing=150.0, seed=1))
    assert net.n_edges > 5000
    src = Snapped.at_nodes(net, [820])
    gdf = service_areas(net, src, ["A"], [3.0, 4.0, 5.0, 8.0], mode="both")
    assert np.all(np.diff(gdf.area_km2[:4]) > 0)


def test_cache_builds_each_station_once_and_gives_the_same_polygons() -> None:
    net = NETS["grid"]
    src = _random_sources(net, 6, seed=11)
    names = [f"S{i}" for i in range(6)]
    plain = service_areas(net, src, names, [3, 5], mode="both")
    cache = ServiceAreaCache()
    first = service_areas(net, src[np.arange(4)], names[:4], [3, 5], mode="both", cache=cache)
    assert cache.builds == 4 and cache.hits == 0
    again = service_areas(net, src, names, [3, 5], mode="both", cache=cache)
    assert cache.builds == 6 and cache.hits == 4  # only the two new stations were built
    for got, want in ((again, plain), (first, plain.iloc[:8])):
        want = want[want["station"] != ALL_STATIONS] if got is first else want
        got = got[got["station"] != ALL_STATIONS] if got is first else got
        assert list(got["station"]) == list(want["station"])
        assert np.allclose(got["area_km2"].to_numpy(), want["area_km2"].to_numpy())
        for a, b in zip(got.geometry, want.geometry, strict=True):
            assert shapely.equals_exact(a, b, 1e-6) or shapely.symmetric_difference(a, b).area < 1.0
    with pytest.raises(ValueError, match="one road network"):
        service_areas(SMALL_GRID, Snapped.on_edges(SMALL_GRID, np.array([0]), np.array([0.5])),
                      ["x"], [5], cache=cache)  # fmt: skip


def test_bounded_cache_drops_the_oldest_and_still_answers_every_station() -> None:
    net = NETS["grid"]
    src = _random_sources(net, 6, seed=11)
    names = [f"S{i}" for i in range(6)]
    plain = service_areas(net, src, names, [5], mode="per_station")
    cache = ServiceAreaCache(max_entries=2)
    got = service_areas(net, src, names, [5], mode="per_station", cache=cache)
    assert list(got["station"]) == list(plain["station"])  # more stations than the bound
    assert np.allclose(got["area_km2"].to_numpy(), plain["area_km2"].to_numpy())
    assert len(cache._polys) == 2 and cache.builds == 6
    service_areas(net, src[np.array([5])], names[5:], [5], mode="per_station", cache=cache)
    assert cache.hits == 1  # the most recent station is still there
    service_areas(net, src[np.array([0])], names[:1], [5], mode="per_station", cache=cache)
    assert cache.builds == 7  # the oldest was dropped and is built again
