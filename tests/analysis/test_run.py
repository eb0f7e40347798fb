"""Tests for firecover.analysis: placing stations and one coverage run on hand-built graphs.

Stations are given in WGS-84 degrees obtained by inverse-projecting chosen road points from the
graph's CRS (EPSG:32650) with pyproj, so every expectation is in metres on the test graph.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import shapely
from graphs import CRS, X0, Y0, add_road, empty_graph, grid, straight_road
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import Point, box

from firecover._errors import CoordinateError, FirecoverError, SnapError
from firecover.analysis import CoverageRun, analyse, place_stations
from firecover.analysis.demand import build_demand
from firecover.analysis.station_spec import StationSpec
from firecover.network.coords import wgs84_to_gcj02
from firecover.traveltime import CSRNetwork

TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)

# DESIGN.md "Coverage layers", written out here rather than imported from firecover.outputs
SCHEMA = {
    "stations": {"name", "class_key", "class_zh", "status", "year", "snap_m"},
    "service_areas": {"station", "minutes", "driving_min", "area_km2"},
    "jurisdictions": {"station", "class_key", "area_km2", "limit_km2", "max_arrival_min",
                      "reached_share", "compliant", "reasons"},
    "cells": {"cell_id", "area_km2", "weight", "risk", "best_min", "station", "second_min",
              "covered", "far_from_road"},
    "gaps": {"area_km2"},
    "roads": {"road_class", "oneway", "name"},
}  # fmt: skip


def station(name: str, x: float, y: float, cls: str = "level1", *, datum: str = "wgs84",
            swap: bool = False, year: int | None = None) -> StationSpec:  # fmt: skip
    """A station at metric point (x, y) of the test CRS, given in degrees on ``datum``."""
    lon, lat = TO_LL.transform(x, y)
    if datum == "gcj02":
        glon, glat = wgs84_to_gcj02(lon, lat)
        lon, lat = float(glon), float(glat)
    if swap:
        lon, lat = lat, lon
    return StationSpec(name=name, class_name=cls, class_key=cls, status="existing",
                       lon=lon, lat=lat, source="test", datum=datum, year=year)  # fmt: skip


def line_graph(xs: list[float], speeds: list[float]) -> nx.MultiDiGraph:
    g = empty_graph()
    for i, x in enumerate(xs):
        g.add_node(i, x=X0 + x, y=Y0)
    for i, s in enumerate(speeds):
        add_road(g, i, i + 1, s)
    return g


def ring_road(side: float = 5000.0, speed: float = 36.0) -> nx.MultiDiGraph:
    """A square ring road; its centre is ``side / 2`` from every road but inside the extent."""
    g = empty_graph()
    for i, (dx, dy) in enumerate([(0, 0), (side, 0), (side, side), (0, side)]):
        g.add_node(i, x=X0 + dx, y=Y0 + dy)
    for i in range(4):
        add_road(g, i, (i + 1) % 4, speed)
    return g


# --------------------------------------------------------------------------- place_stations


def test_place_stations_snaps_to_the_road() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    snapped = place_stations(
        net, [station("A", X0 + 300, Y0 + 40), station("B", X0 + 1700, Y0 - 7)]
    )
    rx, ry = snapped.road_xy(net)
    np.testing.assert_allclose(rx, [X0 + 300, X0 + 1700], atol=1e-3)
    np.testing.assert_allclose(ry, [Y0, Y0], atol=1e-3)
    np.testing.assert_allclose(snapped.distance_m, [40.0, 7.0], atol=1e-3)
    np.testing.assert_allclose(snapped.x, [X0 + 300, X0 + 1700], atol=1e-3)


def test_place_stations_mixed_datums_keep_their_order() -> None:
    net = CSRNetwork.from_graph(straight_road(3000.0, 36.0))
    xs = [2500.0, 400.0, 1500.0, 100.0]
    datums = ["gcj02", "wgs84", "gcj02", "wgs84"]
    sts = [
        station(f"S{i}", X0 + x, Y0, datum=d)
        for i, (x, d) in enumerate(zip(xs, datums, strict=True))
    ]
    snapped = place_stations(net, sts)
    rx, _ = snapped.road_xy(net)
    # GCJ-02 inversion is iterative: sub-metre is plenty to tell the stations apart
    np.testing.assert_allclose(rx - X0, xs, atol=0.5)
    assert snapped.distance_m.max() < 0.5


def test_station_2_km_off_the_road_is_a_snap_error() -> None:
    net = CSRNetwork.from_graph(ring_road(5000.0))
    far = station("Middle", X0 + 2500, Y0 + 2000)
    ok = station("Corner", X0 + 10, Y0 + 5)
    with pytest.raises(SnapError) as info:
        place_stations(net, [ok, far])
    msg = str(info.value)
    assert "Middle" in msg and "Corner" not in msg and "2.0 km" in msg and "\n" not in msg
    # within the limit it snaps, 2 km away from the nearest side
    snapped = place_stations(net, [far], snap_max_m=2500.0)
    assert snapped.distance_m[0] == pytest.approx(2000.0, abs=0.01)


def test_swapped_lon_lat_is_a_coordinate_error() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    with pytest.raises(CoordinateError, match="swapped") as info:
        place_stations(net, [station("A", X0 + 100, Y0), station("B", X0 + 900, Y0, swap=True)])
    assert isinstance(info.value, FirecoverError) and "\n" not in str(info.value)


def test_station_far_outside_the_graph_is_a_coordinate_error() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    with pytest.raises(CoordinateError, match="outside"):
        place_stations(net, [station("A", X0 + 1000, Y0 + 30_000)])


# --------------------------------------------------------------------------- analyse


@pytest.fixture(scope="module")
def split_run() -> tuple[CoverageRun, shapely.Polygon]:
    """6 km road at 120 km/h, 600 m wide district: small S at 3 km, level-1 L at 5.9 km.

    Equal-time point 4450 m: S's district is ≈ 4.45 km × 0.6 km = 2.67 km² > 2 km² (fails the
    area rule only), L's ≈ 0.93 km² (passes). A detached road in the north corner of the
    boundary holds cells no station can reach.
    """
    g = straight_road(6000.0, 120.0)
    g.add_node(10, x=X0 + 5600, y=Y0 + 900)
    g.add_node(11, x=X0 + 6000, y=Y0 + 900)
    add_road(g, 10, 11, 30.0)
    net = CSRNetwork.from_graph(g)
    boundary = shapely.union(
        box(X0, Y0 - 300, X0 + 6000, Y0 + 300), box(X0 + 5600, Y0 + 700, X0 + 6000, Y0 + 1000)
    )
    demand = build_demand(net, boundary, cell_size_m=100)
    run = analyse(net, [station("S", X0 + 3000, Y0 + 2, "small"),
                        station("L", X0 + 5900, Y0, "level1", year=2015)],
                  demand, meta={"title": "split"})  # fmt: skip
    return run, boundary


def test_layers_follow_the_design_schema(split_run: tuple[CoverageRun, shapely.Polygon]) -> None:
    run, _ = split_run
    lay = run.layers
    for name, cols in SCHEMA.items():
        frame = getattr(lay, name)
        assert cols <= set(frame.columns), (name, cols - set(frame.columns))
        assert frame.crs is not None and frame.crs.to_epsg() == 32650, name
    assert lay.boundary is not None and len(lay.boundary) == 1
    assert lay.barriers is None
    assert lay.meta.crs == CRS and lay.meta.title == "split"
    assert (lay.meta.turnout_min, lay.meta.driving_min) == (1.0, 4.0)
    s = lay.stations
    assert list(s["name"]) == ["S", "L"]
    assert list(s["class_key"]) == ["small", "level1"]
    assert list(s["status"]) == ["existing", "existing"]
    assert s["year"].isna().tolist() == [True, False] and int(s["year"].iloc[1]) == 2015
    assert all("消防站" in z for z in s["class_zh"])
    # geometry is the road position; snap_m the distance from the given point
    assert s.geometry.iloc[0].distance(Point(X0 + 3000, Y0)) < 1e-3
    assert s["snap_m"].tolist() == pytest.approx([2.0, 0.0], abs=0.05)
    assert set(lay.cells.geom_type) <= {"Polygon", "MultiPolygon"}
    assert set(lay.service_areas["station"]) == {"S", "L", "(all)"}
    assert (lay.cells["covered"] == (lay.cells["best_min"] <= 5.0 + 1e-9)).all()
    assert len(lay.roads) == 2  # a two-way road is drawn once
    assert not lay.roads["oneway"].any()


def test_areas_add_up_to_the_boundary(split_run: tuple[CoverageRun, shapely.Polygon]) -> None:
    run, boundary = split_run
    total = boundary.area / 1e6
    jur = run.layers.jurisdictions
    cells = run.layers.cells
    unassigned = float(cells.loc[cells["station"].isna(), "area_km2"].sum())
    assert unassigned == pytest.approx(0.4 * 0.3, rel=1e-6)  # the detached corner
    assert float(jur["area_km2"].sum()) + unassigned == pytest.approx(total, rel=1e-9)
    assert run.jurisdictions.unassigned_km2 == pytest.approx(unassigned, rel=1e-9)
    np.testing.assert_allclose(jur["area_km2"], shapely.area(jur.geometry.to_numpy()) / 1e6,
                               rtol=1e-6)  # fmt: skip
    assert run.summary.area_km2 == pytest.approx(total, rel=1e-9)
    covered = float(cells.loc[cells["covered"], "area_km2"].sum())
    assert run.summary.covered_km2 == pytest.approx(covered, rel=1e-9)
    # gaps = the uncovered cells (here the unreachable corner)
    assert float(run.layers.gaps["area_km2"].sum()) == pytest.approx(total - covered, rel=1e-6)


def test_districts_split_at_the_equal_time_point(
    split_run: tuple[CoverageRun, shapely.Polygon],
) -> None:
    run, _ = split_run
    jur = run.layers.jurisdictions.set_index("station")
    s_box, l_box = jur.geometry["S"].bounds, jur.geometry["L"].bounds
    assert s_box[2] - X0 == pytest.approx(4450.0, abs=100.0)
    assert l_box[0] - X0 == pytest.approx(4450.0, abs=100.0)
    assert jur.loc["S", "area_km2"] == pytest.approx(4.45 * 0.6, abs=0.06)
    assert jur.loc["L", "area_km2"] == pytest.approx(1.55 * 0.6, abs=0.06)


def test_standards_check_small_station_area(
    split_run: tuple[CoverageRun, shapely.Polygon],
) -> None:
    run, _ = split_run
    small, big = run.checks
    assert (small.name, big.name) == ("S", "L")
    assert small.limit_km2 == 2.0 and big.limit_km2 == 7.0
    assert small.checks["area"] is False
    assert small.checks["five_minute"] is True and small.checks["adjacency"] is True
    assert not small.compliant
    assert len(small.reasons) == 1 and "exceeds the 2 km² limit" in small.reasons[0]
    assert big.compliant and big.reasons == []
    assert run.compliant is False
    jur = run.layers.jurisdictions.set_index("station")
    assert bool(jur.loc["S", "compliant"]) is False and bool(jur.loc["L", "compliant"]) is True
    assert "2 km²" in jur.loc["S", "reasons"] and jur.loc["L", "reasons"] == ""
    assert jur.loc["S", "limit_km2"] == 2.0


def test_run_is_compliant_when_every_station_passes() -> None:
    net = CSRNetwork.from_graph(straight_road(2000.0, 36.0))
    demand = build_demand(net, box(X0, Y0 - 100, X0 + 2000, Y0 + 100), cell_size_m=50)
    run = analyse(net, [station("A", X0 + 500, Y0), station("B", X0 + 1500, Y0, "small")],
                  demand)  # fmt: skip
    assert [c.compliant for c in run.checks] == [True, True]
    assert run.compliant is True
    assert run.budget_min == 5.0
    assert run.layers.jurisdictions["compliant"].tolist() == [True, True]
    assert len(run.layers.gaps) == 0


def test_equal_time_point_with_unequal_speeds() -> None:
    # 36 km/h on [0, 1000], 72 km/h on [1000, 2000]; A at 0, B at 2000:
    # x / 10 = 1000 / 20 + (1000 − x) / 10  →  x = 750 m
    net = CSRNetwork.from_graph(line_graph([0.0, 1000.0, 2000.0], [36.0, 72.0]))
    demand = build_demand(net, box(X0, Y0 - 10, X0 + 2000, Y0 + 10), cell_size_m=20)
    run = analyse(net, [station("A", X0 + 1, Y0), station("B", X0 + 1999, Y0)], demand)
    jur = run.layers.jurisdictions.set_index("station")
    assert jur.geometry["A"].bounds[2] - X0 == pytest.approx(750.0, abs=20.0)
    assert jur.geometry["B"].bounds[0] - X0 == pytest.approx(750.0, abs=20.0)


def test_service_areas_are_clipped_and_consistent() -> None:
    net = CSRNetwork.from_graph(grid(6, 5, spacing=300.0, seed=2))
    boundary = box(X0 - 100, Y0 - 100, X0 + 1600, Y0 + 1300)
    demand = build_demand(net, boundary, cell_size_m=100)
    run = analyse(net, [station("A", X0 + 300, Y0 + 300), station("B", X0 + 1200, Y0 + 900)],
                  demand, minutes=[3, 5, 5])  # fmt: skip
    sa = run.layers.service_areas
    assert sorted(set(sa["minutes"])) == [3.0, 5.0]
    np.testing.assert_allclose(sa["driving_min"], sa["minutes"] - 1.0)
    total = boundary.area / 1e6
    assert (sa["area_km2"] <= total + 1e-9).all()
    np.testing.assert_allclose(sa["area_km2"], shapely.area(sa.geometry.to_numpy()) / 1e6,
                               rtol=1e-6)  # fmt: skip
    for m in (3.0, 5.0):
        at = sa[sa["minutes"] == m].set_index("station")
        a, b, union = (float(at.loc[k, "area_km2"]) for k in ("A", "B", "(all)"))
        assert max(a, b) - 1e-9 <= union <= a + b + 1e-9
        assert at.geometry["(all)"].difference(boundary).area < 1.0
    five = sa[sa["minutes"] == 5.0].set_index("station")
    three = sa[sa["minutes"] == 3.0].set_index("station")
    for name in ("A", "B", "(all)"):
        assert three.loc[name, "area_km2"] <= five.loc[name, "area_km2"] + 1e-9


def test_custom_budget_reaches_every_layer() -> None:
    net = CSRNetwork.from_graph(straight_road(3000.0, 36.0))
    demand = build_demand(net, box(X0, Y0 - 50, X0 + 3000, Y0 + 50), cell_size_m=50)
    run = analyse(net, [station("A", X0 + 5, Y0)], demand, turnout_min=0.5, driving_min=2.0)
    assert run.budget_min == 2.5
    assert (run.layers.meta.turnout_min, run.layers.meta.driving_min) == (0.5, 2.0)
    assert run.layers.service_areas["minutes"].tolist() == [2.5, 2.5]
    # 2 min at 10 m/s = 1200 m of road from x ≈ 5: cells beyond ≈ 1205 m are uncovered
    cells = run.layers.cells
    cx = cells.geometry.centroid.x - X0
    assert cells.loc[cx < 1150, "covered"].all() and not cells.loc[cx > 1260, "covered"].any()
    gaps = run.layers.gaps
    assert float(gaps["area_km2"].sum()) == pytest.approx(
        float(cells.loc[~cells["covered"], "area_km2"].sum()), rel=1e-6
    )
    assert run.checks[0].checks["five_minute"] is False and not run.compliant


# --------------------------------------------------------------------------- monotonicity

MONO_NET = CSRNetwork.from_graph(grid(6, 5, spacing=300.0, seed=7))
MONO_BOUNDARY = box(X0 - 100, Y0 - 100, X0 + 1600, Y0 + 1300)
MONO_DEMAND = build_demand(MONO_NET, MONO_BOUNDARY, cell_size_m=100)
SITES = [(X0 + 300 * i, Y0 + 300 * j) for j in range(5) for i in range(6)]


def _covered(indices: list[int]) -> tuple[float, np.ndarray]:
    sts = [station(f"N{i}", *SITES[i]) for i in indices]
    run = analyse(MONO_NET, sts, MONO_DEMAND, driving_min=1.0)
    cells = run.layers.cells
    return run.summary.covered_km2, cells["covered"].to_numpy(bool)


@settings(max_examples=12, deadline=None)
@given(
    base=st.lists(st.integers(0, len(SITES) - 1), min_size=1, max_size=3, unique=True),
    extra=st.integers(0, len(SITES) - 1),
)
def test_adding_a_station_never_lowers_coverage(base: list[int], extra: int) -> None:
    if extra in base:
        extra = (extra + 1) % len(SITES)
        if extra in base:
            return
    before_km2, before = _covered(base)
    after_km2, after = _covered([*base, extra])
    assert after_km2 >= before_km2 - 1e-12
    assert not (before & ~after).any()


def test_coverage_grows_with_stations() -> None:
    a, _ = _covered([0])
    b, _ = _covered([0, 29])
    c, _ = _covered([0, 29, 14])
    assert a < b < c <= MONO_BOUNDARY.area / 1e6 + 1e-9
    assert math.isfinite(c)


def test_roads_layer_carries_names_and_classes() -> None:
    from graphs import X0, Y0, add_road, empty_graph

    from firecover.analysis.run import roads_layer
    from firecover.traveltime import CSRNetwork

    g = empty_graph()
    for n in range(4):
        g.add_node(n, x=X0 + 500.0 * n, y=Y0)
    add_road(g, 0, 1, 40.0, road_class="primary")
    add_road(g, 1, 2, 30.0, oneway=True)
    add_road(g, 2, 3, 30.0)
    names = {(0, 1): "解放路", (1, 0): "解放路", (1, 2): ["和平路", "和平路", "大沽路"]}
    for u, v, d in g.edges(data=True):
        d["name"] = names.get((u, v))
    roads = roads_layer(CSRNetwork.from_graph(g))
    # oracle: one row per road (two-way pairs once), names as the graph has them
    assert sorted(roads["name"]) == ["", "和平路 / 大沽路", "解放路"]
    assert dict(zip(roads["name"], roads["road_class"], strict=True))["解放路"] == "primary"
    assert list(roads["oneway"]).count(True) == 1


def _chain_graph():  # type: ignore[no-untyped-def]
    from graphs import X0, Y0, add_road, empty_graph

    g = empty_graph()
    for n in range(7):
        g.add_node(n, x=X0 + 300.0 * n, y=Y0 + (n % 2) * 50.0)
    g.add_node(7, x=X0 + 600.0, y=Y0 + 400.0)
    for u in range(3):  # 0-1-2-3: one named two-way street
        add_road(g, u, u + 1, 30.0)
    add_road(g, 3, 4, 30.0, oneway=True)  # 3→4→5→6: a one-way street
    add_road(g, 4, 5, 30.0, oneway=True)
    add_road(g, 5, 6, 30.0, oneway=True)
    add_road(g, 2, 7, 50.0, road_class="primary")  # a side road of another class
    names = {(0, 1): "解放路", (1, 2): "解放路", (2, 3): "解放路", (2, 7): "和平路"}
    for u, v, d in g.edges(data=True):
        d["name"] = names.get((u, v), names.get((v, u), "单行道"))
    return g


def test_roads_layer_merges_stretches_of_one_road() -> None:
    import shapely

    from firecover.analysis.run import roads_layer
    from firecover.traveltime import CSRNetwork

    net = CSRNetwork.from_graph(_chain_graph())
    edges = roads_layer(net, merge=False)
    merged = roads_layer(net)
    assert len(edges) == 7
    # oracle: one line per (class, direction, name) here, covering exactly its edges
    assert sorted(merged["name"]) == ["单行道", "和平路", "解放路"]
    assert merged.geom_type.eq("LineString").all()
    for name, part in edges.groupby("name"):
        line = merged.geometry[merged["name"] == name].iloc[0]
        assert line.length == pytest.approx(part.length.sum())
        assert shapely.equals(line, shapely.union_all(part.geometry.to_numpy()))
    one = merged[merged["oneway"]]
    assert list(one["name"]) == ["单行道"]
    xs = [x for x, _ in one.geometry.iloc[0].coords]
    assert xs == sorted(xs)  # still drawn 3 → 6, the way traffic goes
    assert dict(zip(merged["name"], merged["road_class"], strict=True))["和平路"] == "primary"
