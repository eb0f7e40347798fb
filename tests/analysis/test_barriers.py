"""Tests for firecover.analysis.barriers and barrier handling in firecover.analysis.jurisdiction."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from graphs import CRS, X0, Y0, add_road, grid, straight_road
from shapely.geometry import LineString, Point, box

from firecover._errors import DataFormatError, InputFileError, UnsupportedCRSError
from firecover.analysis.barriers import (
    barrier_zones,
    barriers_from_graph,
    load_barriers,
    straddles,
)
from firecover.analysis.demand import build_demand
from firecover.analysis.jurisdiction import assign_jurisdictions
from firecover.network.snapping import snap_points
from firecover.traveltime import CSRNetwork

REL = 1e-9
SQUARE = box(X0, Y0, X0 + 1000, Y0 + 1000)


def vline(x: float, y0: float = -100.0, y1: float = 1100.0) -> LineString:
    return LineString([(X0 + x, Y0 + y0), (X0 + x, Y0 + y1)])


def river(x0: float, x1: float) -> shapely.Polygon:
    return box(X0 + x0, Y0 - 100, X0 + x1, Y0 + 1100)


def layer(geoms: list[shapely.Geometry], kinds: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": kinds}, geometry=geoms, crs=CRS)


# --------------------------------------------------------------------------- loading


def test_load_barriers_maps_kinds_and_reprojects(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame(
        {"type": ["大型河流", "快速路", "railway"], "name": ["澜河", "滨海快速路", "京沪"]},
        geometry=[river(690, 710), vline(300), LineString([(X0, Y0), (X0 + 1, Y0 + 1)])],
        crs=CRS,
    ).to_crs("EPSG:4326")
    path = tmp_path / "barriers.geojson"
    src.to_file(path)
    got = load_barriers(path, CRS)
    assert got["kind"].tolist() == ["river", "expressway", "railway"]
    assert got["name"].tolist() == ["澜河", "滨海快速路", "京沪"]
    assert got.crs == CRS
    assert got.geometry.iloc[0].area == pytest.approx(20 * 1200, rel=1e-6)
    plain = load_barriers(src[["geometry"]], CRS)
    assert plain["kind"].tolist() == ["barrier"] * 3


def test_load_barriers_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        load_barriers(tmp_path / "nope.geojson", CRS)
    with pytest.raises(UnsupportedCRSError):
        load_barriers(gpd.GeoDataFrame(geometry=[vline(1)]), CRS)
    with pytest.raises(DataFormatError):
        load_barriers(gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=CRS), CRS)


def test_barriers_from_graph_takes_expressways_once() -> None:
    g = straight_road(1000.0)
    g.add_node(2, x=X0 + 500, y=Y0 - 500)
    g.add_node(3, x=X0 + 500, y=Y0 + 500)
    g.add_node(4, x=X0 + 500, y=Y0 + 900)
    add_road(g, 2, 3, 80.0, road_class="motorway")
    add_road(g, 3, 4, 80.0, road_class="motorway", oneway=True)
    got = barriers_from_graph(g)
    assert got["kind"].tolist() == ["expressway"]
    assert got.geometry.iloc[0].length == pytest.approx(1400.0)
    assert got.crs == CRS
    assert len(barriers_from_graph(straight_road())) == 0


def test_barriers_from_graph_keeps_motorway_names() -> None:
    """OSM graphs give the motorway's name; the barrier rule names the barrier crossed."""
    g = straight_road(1000.0)
    for n, y in ((2, -500), (3, 500), (5, -500), (6, 500)):
        g.add_node(n, x=X0 + (300 if n < 5 else 700), y=Y0 + y)
    add_road(g, 2, 3, 80.0, road_class="motorway")
    add_road(g, 5, 6, 80.0, road_class="motorway")
    for u, v, k in g.edges(keys=True):
        if {u, v} == {2, 3}:
            g.edges[u, v, k]["name"] = "京津塘高速"
        if {u, v} == {5, 6}:
            g.edges[u, v, k]["name"] = ["津滨高速", "G2"]
    got = barriers_from_graph(g).sort_values("name")
    assert got["name"].tolist() == ["京津塘高速", "津滨高速/G2"]
    assert got["kind"].tolist() == ["expressway", "expressway"]


# --------------------------------------------------------------------------- zones


def test_a_line_splits_the_area_exactly() -> None:
    zones = barrier_zones(SQUARE, layer([vline(700)], ["river"]), crs=CRS)
    assert zones["area_km2"].tolist() == pytest.approx([0.7, 0.3], rel=REL)
    assert zones["zone"].tolist() == [0, 1]


def test_a_river_polygon_is_in_no_zone() -> None:
    zones = barrier_zones(SQUARE, [river(690, 710)])
    assert zones["area_km2"].tolist() == pytest.approx([0.69, 0.29], rel=REL)


def test_lines_that_do_not_cut_the_area_separate_nothing() -> None:
    short = vline(700, y0=300, y1=700)  # far from the outline: a dangle
    assert len(barrier_zones(SQUARE, [short])) == 1
    near = vline(700, y0=50, y1=950)  # 50 m short of the outline at both ends: joined
    assert barrier_zones(SQUARE, [near])["area_km2"].tolist() == pytest.approx([0.7, 0.3], rel=REL)
    assert len(barrier_zones(SQUARE, [near], snap_ends_m=0)) == 1
    # a line ending near the river joins it
    t = LineString([(X0, Y0 + 500), (X0 + 650, Y0 + 500)])
    zones = barrier_zones(SQUARE, [river(690, 710), t])
    assert sorted(zones["area_km2"]) == pytest.approx([0.29, 0.345, 0.345], rel=REL)


# --------------------------------------------------------------------------- straddling


def test_straddled_area_is_exact_on_a_rectangle() -> None:
    km2, kinds = straddles([SQUARE], [Point(X0 + 200, Y0 + 500)], layer([vline(700)], ["river"]))
    assert km2[0] == pytest.approx(0.3, rel=REL)
    assert kinds == [("river",)]
    km2, kinds = straddles(
        [SQUARE], np.array([[X0 + 900, Y0 + 500]]), layer([river(690, 710)], ["river"])
    )
    assert km2[0] == pytest.approx(0.69, rel=REL)
    assert kinds == [("river",)]


def test_reaching_into_a_river_or_a_separate_part_is_not_straddling() -> None:
    to_mid_river = box(X0, Y0, X0 + 700, Y0 + 1000)
    exclave = box(X0 + 720, Y0, X0 + 800, Y0 + 100)  # across the river
    same_side = box(X0 + 100, Y0 + 900, X0 + 200, Y0 + 1000)
    km2, kinds = straddles(
        [
            to_mid_river,
            shapely.union_all([box(X0, Y0, X0 + 50, Y0 + 50), same_side]),
            shapely.union_all([box(X0, Y0 + 200, X0 + 50, Y0 + 250), exclave]),
            None,
        ],
        [Point(X0 + 10, Y0 + 10)] * 4,
        layer([river(690, 710)], ["river"]),
        boundary=SQUARE,
    )
    assert km2.tolist() == pytest.approx([0.0, 0.0, 0.008, 0.0], abs=1e-12)
    assert kinds[:2] == [(), ()]
    assert kinds[2] == ("river",)


# --------------------------------------------------------------------------- jurisdictions


@pytest.fixture(scope="module")
def square_net() -> CSRNetwork:
    return CSRNetwork.from_graph(grid(6, 6, 200.0, oneway_share=0.0))


def test_jurisdiction_straddle_is_exact(square_net: CSRNetwork) -> None:
    d = build_demand(square_net, SQUARE, cell_size_m=50)
    st = snap_points(square_net, [X0 + 100], [Y0 + 500])
    j = assign_jurisdictions(
        square_net, st, ["A"], d, class_keys=["level1"], barriers=layer([vline(700)], ["river"])
    )
    row = j.stations.iloc[0]
    assert row["area_km2"] == pytest.approx(1.0, rel=REL)
    assert row["straddled_barrier_km2"] == pytest.approx(0.3, rel=REL)
    assert row["barrier_kinds"] == "river"
    assert j.zones is not None and len(j.zones) == 2
    check = j.check()[0]
    assert not check.compliant  # issue 12: the barrier rule is a check
    assert any("0.3 km²" in r and "river" in r for r in check.reasons)
    assert j.check(barrier_is_failure=False)[0].compliant  # barrier_rule = "warn"


def test_jurisdiction_names_each_barrier_crossed_with_the_area_beyond(
    square_net: CSRNetwork,
) -> None:
    """Two named barriers: each entry is the district's area beyond that barrier, counted
    by hand from the 50 m cells (beyond x = 400: 0.6 km², beyond x = 700: 0.3 km²)."""
    d = build_demand(square_net, SQUARE, cell_size_m=50)
    st = snap_points(square_net, [X0 + 100], [Y0 + 500])
    bars = gpd.GeoDataFrame({"kind": ["railway", "river"], "name": ["京沪铁路", ""]},
                            geometry=[vline(400), vline(700)], crs=CRS)  # fmt: skip
    j = assign_jurisdictions(square_net, st, ["A"], d, class_keys=["level1"], barriers=bars)
    row = j.stations.iloc[0]
    assert row["straddled_barrier_km2"] == pytest.approx(0.6, rel=REL)
    got = {(c.kind, c.name): c.km2 for c in row["barrier_crossings"]}
    assert got == pytest.approx({("railway", "京沪铁路"): 0.6, ("river", ""): 0.3}, rel=REL)
    reason = j.check()[0].reasons[0]
    assert "铁路「京沪铁路」 0.6 km²" in reason and "河流 0.3 km²" in reason
    assert "railway 京沪铁路 0.6 km²" in reason


def _zone_x(cells: gpd.GeoDataFrame, edges: list[float]) -> np.ndarray:
    cx = cells.geometry.centroid.x.to_numpy() - X0
    return np.searchsorted(np.asarray(edges), cx)


def test_zones_mode_keeps_assignments_within_zones(square_net: CSRNetwork) -> None:
    d = build_demand(square_net, SQUARE, cell_size_m=50)
    st = snap_points(square_net, [X0 + 100, X0 + 900], [Y0 + 500, Y0 + 500])
    barriers = layer([vline(700)], ["expressway"])
    free = assign_jurisdictions(square_net, st, ["W", "E"], d, barriers=barriers)
    zoned = assign_jurisdictions(
        square_net, st, ["W", "E"], d, barriers=barriers, within_barrier_zones=True
    )
    side = _zone_x(zoned.cells, [700.0])
    expect = np.where(side == 0, "W", "E")
    np.testing.assert_array_equal(zoned.cells["station"].to_numpy(), expect)
    assert (free.cells["station"].to_numpy() != expect).any()  # E reaches west of the line
    assert (zoned.stations["straddled_barrier_km2"] == 0).all()
    assert free.stations["straddled_barrier_km2"].max() > 0
    # coverage columns stay the overall fastest; the assigned time is never faster
    np.testing.assert_allclose(zoned.cells["best_min"], free.cells["best_min"])
    assert (zoned.assigned_min >= zoned.cells["best_min"].to_numpy() - 1e-12).all()
    assert zoned.stations["area_km2"].sum() == pytest.approx(1.0, rel=REL)


def test_zone_without_station_falls_back_with_a_warning(
    square_net: CSRNetwork, caplog: pytest.LogCaptureFixture
) -> None:
    d = build_demand(square_net, SQUARE, cell_size_m=50)
    st = snap_points(square_net, [X0 + 100, X0 + 900], [Y0 + 500, Y0 + 500])
    barriers = layer([vline(300), vline(700)], ["railway", "railway"])
    free = assign_jurisdictions(square_net, st, ["W", "E"], d)
    with caplog.at_level(logging.WARNING, logger="firecover.analysis.jurisdiction"):
        zoned = assign_jurisdictions(
            square_net, st, ["W", "E"], d, barriers=barriers, within_barrier_zones=True
        )
    assert len(zoned.warnings) == 1 and "no station" in zoned.warnings[0]
    assert "no station" in caplog.text
    side = _zone_x(zoned.cells, [300.0, 700.0])
    middle = side == 1
    np.testing.assert_array_equal(
        zoned.cells["station"].to_numpy()[middle], free.cells["station"].to_numpy()[middle]
    )
    assert (zoned.cells["station"].to_numpy()[side == 0] == "W").all()
    assert (zoned.cells["station"].to_numpy()[side == 2] == "E").all()
