"""Tests for firecover.analysis.jurisdiction: network-Voronoi districts, their numbers and gaps."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from graphs import CRS, X0, Y0, add_road, empty_graph, random_graph, split_oracle, straight_road
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from firecover._errors import DataFormatError
from firecover.analysis.demand import DemandSurface, build_demand
from firecover.analysis.jurisdiction import (
    Jurisdictions,
    _adjoins_full,
    assign_jurisdictions,
    gap_polygons,
)
from firecover.network.snapping import Snapped, snap_points
from firecover.standards import check_stations, station_class
from firecover.traveltime import CSRNetwork

REL = 1e-9
ACCESS_S = 2.5 / (15.0 / 3.6)  # strip cells' centroids lie 2.5 m off the road (15 km/h legs)


def strip(x1: float, x0: float = 0.0, half: float = 5.0) -> shapely.Polygon:
    """A thin rectangle along the x axis road."""
    return box(X0 + x0, Y0 - half, X0 + x1, Y0 + half)


def line_graph(xs: list[float], speeds: list[float]) -> nx.MultiDiGraph:
    g = empty_graph()
    for i, x in enumerate(xs):
        g.add_node(i, x=X0 + x, y=Y0)
    for i, s in enumerate(speeds):
        add_road(g, i, i + 1, s)
    return g


def at(net: CSRNetwork, xs: list[float], y: float = 0.0) -> Snapped:
    return snap_points(net, X0 + np.asarray(xs, dtype=float), np.full(len(xs), Y0 + y))


def district_edge(j: Jurisdictions, name: str) -> tuple[float, float]:
    """West and east end of a station's district, metres from X0."""
    minx, _, maxx, _ = j.districts[list(j.stations["station"]).index(name)].bounds
    return minx - X0, maxx - X0


# --------------------------------------------------------------------------- straight roads


def test_two_stations_split_a_road_at_the_midpoint() -> None:
    net = CSRNetwork.from_graph(straight_road(1000.0, 36.0))
    d = build_demand(net, strip(1000), cell_size_m=10)
    j = assign_jurisdictions(net, at(net, [0.0, 1000.0]), ["A", "B"], d)
    assert district_edge(j, "A") == pytest.approx((0.0, 500.0), abs=1e-6)
    assert district_edge(j, "B") == pytest.approx((500.0, 1000.0), abs=1e-6)
    st_ = j.stations.set_index("station")
    assert st_.loc["A", "area_km2"] == pytest.approx(0.005, rel=REL)
    # farthest demand point of A: centroid at 495 m, 49.5 s at 10 m/s, + access + turnout
    assert st_.loc["A", "max_arrival_min"] == pytest.approx(1.0 + (49.5 + ACCESS_S) / 60.0)
    assert (j.cells["second_min"] >= j.cells["best_min"]).all()
    np.testing.assert_allclose(
        j.cells["best_min"] + j.cells["second_min"], 2.0 + (100.0 + 2 * ACCESS_S) / 60.0, rtol=1e-12
    )


def test_unequal_speeds_move_the_boundary_to_the_equal_time_point() -> None:
    # 36 km/h on [0, 500], 72 km/h on [500, 1000]: x/10 = 25 + (500 − x)/10 → x = 375
    net = CSRNetwork.from_graph(line_graph([0.0, 500.0, 1000.0], [36.0, 72.0]))
    d = build_demand(net, strip(1000), cell_size_m=10)
    j = assign_jurisdictions(net, at(net, [0.0, 1000.0]), ["A", "B"], d)
    assert district_edge(j, "A")[1] == pytest.approx(375.0, abs=10.0)
    assert district_edge(j, "B")[0] == pytest.approx(375.0, abs=10.0)


def test_reached_share_and_gaps_on_a_road() -> None:
    net = CSRNetwork.from_graph(straight_road(1000.0, 36.0))
    d = build_demand(net, strip(1000), cell_size_m=10)
    j = assign_jurisdictions(net, at(net, [0.0]), ["A"], d, turnout_min=0.5, driving_min=1.0)
    row = j.stations.iloc[0]
    assert j.budget_min == 1.5
    # reached within 60 s of driving: x / 10 + 0.6 s ≤ 60 → centroids up to 585 m
    assert row["reached_share"] == pytest.approx(0.59, abs=1e-12)
    assert row["max_arrival_min"] == pytest.approx(0.5 + (99.5 + ACCESS_S) / 60.0)
    assert np.isinf(j.cells["second_min"]).all()
    gaps = j.gaps()
    assert len(gaps) == 1
    assert gaps["area_km2"].iloc[0] == pytest.approx(0.0041, rel=REL)
    assert gaps.geometry.iloc[0].bounds[0] == pytest.approx(X0 + 590.0)
    assert gap_polygons(j.cells)["area_km2"].sum() == pytest.approx(
        j.cells.loc[~j.cells["covered"], "area_km2"].sum(), rel=REL
    )


def test_unreachable_cells_belong_to_no_station() -> None:
    g = straight_road(1000.0)
    g.add_node(2, x=X0, y=Y0 + 300.0)
    g.add_node(3, x=X0 + 1000.0, y=Y0 + 300.0)
    add_road(g, 2, 3, 36.0)  # a second road, not connected to the first
    net = CSRNetwork.from_graph(g)
    d = build_demand(net, box(X0, Y0 - 50, X0 + 1000, Y0 + 350), cell_size_m=50)
    j = assign_jurisdictions(net, at(net, [100.0]), ["A"], d)
    lost = j.cells["station"].isna().to_numpy()
    cy = j.cells.geometry.centroid.y.to_numpy() - Y0
    np.testing.assert_array_equal(lost, cy > 150)
    assert j.unassigned_km2 == pytest.approx(0.2, rel=REL)
    assert j.unassigned_cells == int(lost.sum())
    assert j.stations["area_km2"].sum() + j.unassigned_km2 == pytest.approx(
        d.total_area_km2, rel=REL
    )
    assert np.isinf(j.cells.loc[lost, "best_min"]).all()
    assert not j.cells.loc[lost, "covered"].any()


def test_a_discontiguous_district_reports_its_parts() -> None:
    # a fast bypass lets A beat B at the far end of the strip: A's district has two parts
    g = line_graph([0.0, 500.0, 1000.0], [20.0, 20.0])
    g.add_node(3, x=X0 + 500.0, y=Y0 - 300.0)
    add_road(g, 0, 3, 120.0)
    add_road(g, 3, 2, 120.0)
    net = CSRNetwork.from_graph(g)
    d = build_demand(net, strip(1000), cell_size_m=10)
    j = assign_jurisdictions(net, at(net, [0.0, 550.0]), ["A", "B"], d)
    st_ = j.stations.set_index("station")
    assert st_.loc["A", "parts"] == 2
    assert st_.loc["B", "parts"] == 1
    assert j.districts[0].geom_type == "MultiPolygon"


# --------------------------------------------------------------------------- random graphs


@pytest.fixture(scope="module")
def rnet() -> CSRNetwork:
    return CSRNetwork.from_graph(random_graph(40, seed=3, oneway_share=0.2))


@pytest.fixture(scope="module")
def rdemand(rnet: CSRNetwork) -> DemandSurface:
    return build_demand(rnet, None, cell_size_m=300)


def _stations(net: CSRNetwork, n: int, seed: int) -> Snapped:
    rng = np.random.default_rng(seed)
    return Snapped.on_edges(
        net, rng.integers(0, net.n_edges, n), rng.uniform(0, 1, n), access_s=rng.uniform(0, 30, n)
    )


def test_assignment_matches_a_networkx_oracle(rnet: CSRNetwork, rdemand: DemandSurface) -> None:
    stations = _stations(rnet, 4, seed=1)
    j = assign_jurisdictions(rnet, stations, list("ABCD"), rdemand, turnout_min=0.0)
    dg = split_oracle(rnet, Snapped.concat([stations, rdemand.points]))
    n_cells = len(rdemand)
    oracle = np.full((4, n_cells), np.inf)
    for s in range(4):
        dist = nx.single_source_dijkstra_path_length(dg, ("p", s), weight="w")
        for c in range(n_cells):
            oracle[s, c] = dist.get(("p", 4 + c), np.inf)
    best = oracle.min(axis=0)
    got = j.cells["best_min"].to_numpy() * 60.0
    reach = np.isfinite(best)
    assert reach.any() and np.array_equal(np.isfinite(got), reach)
    np.testing.assert_allclose(got[reach], best[reach], atol=1e-6, rtol=0)
    ranked = np.sort(oracle, axis=0)
    sec = j.cells["second_min"].to_numpy() * 60.0
    np.testing.assert_allclose(
        sec[np.isfinite(ranked[1])], ranked[1][np.isfinite(ranked[1])], atol=1e-6, rtol=0
    )
    names = np.array(list("ABCD"))
    station = j.cells["station"].to_numpy()
    clear = reach & (ranked[1] - ranked[0] > 1e-6)
    np.testing.assert_array_equal(station[clear], names[oracle.argmin(axis=0)[clear]])
    # the assigned station is always one of the fastest
    idx = np.array([list("ABCD").index(s) for s in station[reach]])
    np.testing.assert_allclose(oracle[idx, np.flatnonzero(reach)], best[reach], atol=1e-6)
    # areas of the districts plus unassigned cells are the planning area
    total = j.stations["area_km2"].sum() + j.unassigned_km2
    assert total == pytest.approx(rdemand.total_area_km2, rel=REL)
    union = [d for d in j.districts if d is not None]
    assert sum(d.area for d in union) / 1e6 == pytest.approx(j.stations["area_km2"].sum(), rel=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4))
def test_adding_a_station_never_increases_a_best_time(
    rnet: CSRNetwork, rdemand: DemandSurface, seed: int, n: int
) -> None:
    pts = _stations(rnet, n + 1, seed)
    names = [f"s{i}" for i in range(n + 1)]
    fewer = assign_jurisdictions(rnet, pts[np.arange(n)], names[:n], rdemand)
    more = assign_jurisdictions(rnet, pts, names, rdemand)
    b0, b1 = fewer.cells["best_min"].to_numpy(), more.cells["best_min"].to_numpy()
    assert (b1 <= b0 + 1e-9).all()
    assert (more.cells["second_min"] >= more.cells["best_min"]).all()
    s0, s1 = fewer.cells["second_min"].to_numpy(), more.cells["second_min"].to_numpy()
    assert (s1 <= s0 + 1e-9).all()


# --------------------------------------------------------------------------- classes


def test_logistics_station_gets_no_district(rnet: CSRNetwork, rdemand: DemandSurface) -> None:
    stations = _stations(rnet, 3, seed=7)
    j = assign_jurisdictions(
        rnet, stations, ["一", "战", "小"], rdemand, class_keys=["一级", "战勤保障", "小型站"]
    )
    row = j.stations.set_index("station").loc["战"]
    assert row["class_key"] == "logistics" and not row["has_district"]
    assert row["area_km2"] == 0.0 and row["cells"] == 0 and np.isnan(row["max_arrival_min"])
    assert j.districts[1] is None
    assert "战" not in set(j.cells["station"].dropna())
    assert list(j.layer()["station"]) == ["一", "小"]
    checks = j.check()
    assert [c.name for c in checks] == ["一", "战", "小"]
    layer = j.layer(checks)
    assert list(layer.columns) == [
        "station",
        "class_key",
        "area_km2",
        "limit_km2",
        "max_arrival_min",
        "reached_share",
        "compliant",
        "reasons",
        "geometry",
    ]
    assert layer["limit_km2"].tolist() == [7.0, 2.0]
    assert layer.crs == CRS
    same = check_stations(**j.standards_inputs())
    assert [c.compliant for c in same] == [c.compliant for c in checks]


def test_adjacency_to_a_full_station() -> None:
    net = CSRNetwork.from_graph(straight_road(1500.0))
    d = build_demand(net, strip(1500), cell_size_m=10)
    j = assign_jurisdictions(
        net,
        at(net, [0.0, 750.0, 1500.0]),
        ["A", "B", "C"],
        d,
        class_keys=["level1", "small", "small"],
    )
    assert j.stations["adjoins_full_station"].tolist() == [False, True, False]
    unknown = assign_jurisdictions(net, at(net, [0.0, 750.0]), ["A", "B"], d)
    assert unknown.stations["adjoins_full_station"].tolist() == [None, None]
    with pytest.raises(DataFormatError):
        unknown.standards_inputs()


def test_corner_contact_is_not_adjacency() -> None:
    a, b = box(0, 0, 100, 100), box(100, 100, 200, 200)
    c = box(100, 0, 200, 100)
    full, small = station_class("level1"), station_class("small")
    districts = np.array([a, b, c], dtype=object)
    assert _adjoins_full(districts, [full, small, small]) == [False, False, True]


def test_bad_inputs(rnet: CSRNetwork, rdemand: DemandSurface) -> None:
    stations = _stations(rnet, 2, seed=2)
    with pytest.raises(DataFormatError):
        assign_jurisdictions(rnet, stations, ["A", "A"], rdemand)
    with pytest.raises(DataFormatError):
        assign_jurisdictions(rnet, stations, ["A"], rdemand)
    with pytest.raises(DataFormatError):
        assign_jurisdictions(rnet, stations, ["A", "B"], rdemand, class_keys=["level1"])
    with pytest.raises(DataFormatError):
        assign_jurisdictions(rnet, stations, ["A", "B"], rdemand, within_barrier_zones=True)
    other = CSRNetwork.from_graph(straight_road(1000.0))
    with pytest.raises(DataFormatError):
        assign_jurisdictions(other, at(other, [0.0, 10.0]), ["A", "B"], rdemand)


def test_cells_layer_schema(rnet: CSRNetwork, rdemand: DemandSurface) -> None:
    j = assign_jurisdictions(rnet, _stations(rnet, 2, seed=5), ["A", "B"], rdemand)
    assert list(j.cells.columns) == [
        "cell_id",
        "area_km2",
        "weight",
        "risk",
        "best_min",
        "station",
        "second_min",
        "covered",
        "far_from_road",
        "geometry",
    ]
    np.testing.assert_array_equal(j.cells["covered"], j.cells["best_min"] <= 5.0 + 1e-9)
    np.testing.assert_allclose(j.assigned_min, j.cells["best_min"])
    assert j.zones is None and np.isnan(j.stations["straddled_barrier_km2"]).all()
