"""Tests for firecover.analysis.demand: grid cells, demand points, population and risk weights."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from graphs import CRS, X0, Y0, grid, straight_road
from shapely.geometry import LineString, Point, Polygon, box

from firecover._errors import (
    CoordinateError,
    DataFormatError,
    InputFileError,
    UnsupportedCRSError,
)
from firecover.analysis.area import read_boundary
from firecover.analysis.demand import build_demand
from firecover.analysis.weights import DEFAULT_RISK_WEIGHTS
from firecover.traveltime import CSRNetwork

REL = 1e-9


@pytest.fixture(scope="module")
def net() -> CSRNetwork:
    return CSRNetwork.from_graph(grid(6, 6, 200.0, oneway_share=0.0))


def square(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


# --------------------------------------------------------------------------- grid


def test_square_cells_sum_to_a_concave_boundary_with_a_hole(net: CSRNetwork) -> None:
    outer = [
        (0, 0),
        (1000, 0),
        (1000, 1000),
        (640, 1000),
        (640, 330),
        (370, 330),
        (370, 1000),
        (0, 1000),
    ]
    hole = [(100, 100), (233, 100), (233, 257), (100, 257)]
    poly = Polygon([(X0 + x, Y0 + y) for x, y in outer], [[(X0 + x, Y0 + y) for x, y in hole]])
    d = build_demand(net, poly, cell_size_m=50)
    cells = d.cells
    assert d.total_area_km2 == pytest.approx(poly.area / 1e6, rel=1e-15)
    assert cells["area_km2"].sum() == pytest.approx(poly.area / 1e6, rel=REL)
    assert (cells["area_km2"] <= 50 * 50 / 1e6 * (1 + 1e-12)).all()
    assert list(cells.columns) == [
        "cell_id",
        "area_km2",
        "weight",
        "risk",
        "far_from_road",
        "geometry",
    ]
    assert cells["cell_id"].tolist() == list(range(len(cells)))
    assert shapely.within(cells.geometry.to_numpy(), poly.buffer(1e-6)).all()
    np.testing.assert_allclose(cells["weight"], cells["area_km2"], rtol=0)
    assert (cells["risk"] == "low").all()
    assert cells.crs == CRS
    # every demand point lies inside its own clipped cell
    pts = shapely.points(d.points.x, d.points.y)
    assert shapely.intersects(cells.geometry.to_numpy(), pts).all()


def test_cut_cell_point_falls_back_to_a_point_on_its_surface(net: CSRNetwork) -> None:
    # a U-shaped boundary inside one 200 m cell: the centroid of the clipped part is outside
    u = Polygon(
        [
            (X0 + x, Y0 + y)
            for x, y in [
                (0, 0),
                (200, 0),
                (200, 200),
                (150, 200),
                (150, 50),
                (50, 50),
                (50, 200),
                (0, 200),
            ]
        ]
    )
    d = build_demand(net, u, cell_size_m=200)
    assert len(d) == 1
    cell = d.cells.geometry.iloc[0]
    assert not cell.contains(cell.centroid)
    assert cell.intersects(Point(d.points.x[0], d.points.y[0]))


def test_hex_cells_have_the_square_area_and_tile_the_boundary(net: CSRNetwork) -> None:
    poly = square(13, 7, 987, 911)
    d = build_demand(net, poly, cell_size_m=80, shape="hex")
    areas = d.cells["area_km2"].to_numpy()
    assert areas.sum() == pytest.approx(poly.area / 1e6, rel=REL)
    assert areas.max() == pytest.approx(80 * 80 / 1e6, rel=1e-12)
    full = d.cells.geometry.to_numpy()[np.isclose(areas, areas.max())]
    assert (shapely.get_num_coordinates(full) == 7).all()  # hexagons
    union = shapely.union_all(d.cells.geometry.to_numpy())
    assert union.geom_type == "Polygon" and len(union.interiors) == 0


def test_default_boundary_is_the_buffered_hull_of_the_roads(net: CSRNetwork) -> None:
    d = build_demand(net, None, cell_size_m=100)
    hull = shapely.convex_hull(shapely.multipoints(np.c_[net.x, net.y]))
    assert d.boundary.contains(hull.buffer(99.0))
    assert d.boundary.within(hull.buffer(100.01))
    assert d.cells["area_km2"].sum() == pytest.approx(d.total_area_km2, rel=REL)
    assert not d.cells["far_from_road"].any()


def test_boundary_layers_are_reprojected(net: CSRNetwork, tmp_path: Path) -> None:
    poly = square(0, 0, 1000, 1000)
    layer = gpd.GeoDataFrame(geometry=[poly], crs=CRS).to_crs("EPSG:4326")
    got = read_boundary(layer, CRS)
    assert got.symmetric_difference(poly).area < 1.0
    path = tmp_path / "b.geojson"
    layer.to_file(path)
    d = build_demand(net, path, cell_size_m=100)
    assert d.total_area_km2 == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize(
    ("boundary", "error"),
    [
        (Polygon(), DataFormatError),
        (LineString([(X0, Y0), (X0 + 500, Y0)]), DataFormatError),
        (box(116.0, 39.0, 116.1, 39.1), CoordinateError),  # degrees given to a metric net
        (gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1, Y0 + 1)]), UnsupportedCRSError),
        ("/nonexistent/boundary.geojson", InputFileError),
    ],
)
def test_bad_boundaries(net: CSRNetwork, boundary: object, error: type) -> None:
    with pytest.raises(error):
        build_demand(net, boundary)


def test_invalid_boundary_is_repaired(net: CSRNetwork) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 400, Y0 + 400), (X0 + 400, Y0), (X0, Y0 + 400)])
    assert not bowtie.is_valid
    d = build_demand(net, bowtie, cell_size_m=50)
    assert d.total_area_km2 == pytest.approx(shapely.make_valid(bowtie).area / 1e6, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs"),
    [{"cell_size_m": 0}, {"cell_size_m": -5}, {"cell_size_m": math.nan}, {"shape": "triangle"}],
)
def test_bad_grid_options(net: CSRNetwork, kwargs: dict[str, object]) -> None:
    with pytest.raises(DataFormatError):
        build_demand(net, square(0, 0, 500, 500), **kwargs)


def test_far_from_road_cells_are_flagged_and_kept() -> None:
    net = CSRNetwork.from_graph(straight_road(1000.0))
    poly = square(0, -1000, 1000, 100)
    d = build_demand(net, poly, cell_size_m=100, snap_max_m=500, access_speed_kph=18)
    far = d.cells["far_from_road"].to_numpy()
    dist = np.abs(d.points.y - Y0)
    np.testing.assert_array_equal(far, dist > 500)
    assert far.any() and (~far).any()
    assert d.cells["area_km2"].sum() == pytest.approx(1.1, rel=REL)
    np.testing.assert_allclose(d.points.access_s, d.points.distance_m / 5.0)
    frame = d.to_frame()
    assert {"x", "y", "snap_m", "access_s"} <= set(frame.columns)


# --------------------------------------------------------------------------- population


def test_population_points_sum_to_the_points_inside(net: CSRNetwork) -> None:
    poly = square(0, 0, 400, 400)
    pts = [
        Point(X0 + 10, Y0 + 10),
        Point(X0 + 100, Y0 + 150),  # on a cell edge: counted once
        Point(X0 + 390, Y0 + 390),
        Point(X0 + 900, Y0 + 900),
    ]  # the last one is outside
    layer = gpd.GeoDataFrame({"pop": [5.0, 7.0, 11.0, 1000.0]}, geometry=pts, crs=CRS)
    d = build_demand(net, poly, cell_size_m=100, population=layer)
    assert d.population is not None
    assert d.population.sum() == pytest.approx(23.0)
    np.testing.assert_allclose(d.cells["weight"], d.population)
    assert d.to_frame()["population"].sum() == pytest.approx(23.0)
    # in another CRS, with an explicit column name
    d2 = build_demand(
        net, poly, cell_size_m=100, population=layer.to_crs("EPSG:4326"), population_column="pop"
    )
    assert d2.population is not None
    assert d2.population.sum() == pytest.approx(23.0)


def test_population_polygons_are_shared_by_area(net: CSRNetwork) -> None:
    poly = square(0, 0, 200, 200)
    blocks = gpd.GeoDataFrame(
        {"人口": [100.0, 60.0]},
        geometry=[
            square(0, 0, 200, 100),  # two cells of 100 m: 50 each
            square(150, 150, 250, 250),
        ],  # a quarter inside the boundary: 15
        crs=CRS,
    )
    d = build_demand(net, poly, cell_size_m=100, population=blocks)
    assert d.population is not None
    by_cell = dict(
        zip(
            d.cells.geometry.centroid.map(lambda p: (p.x - X0, p.y - Y0)), d.population, strict=True
        )
    )
    assert by_cell[(50.0, 50.0)] == pytest.approx(50.0)
    assert by_cell[(150.0, 50.0)] == pytest.approx(50.0)
    assert by_cell[(150.0, 150.0)] == pytest.approx(15.0)
    assert by_cell[(50.0, 150.0)] == pytest.approx(0.0)


def test_population_errors(net: CSRNetwork, tmp_path: Path) -> None:
    poly = square(0, 0, 200, 200)
    pts = gpd.GeoDataFrame({"a": [1.0], "b": [2.0]}, geometry=[Point(X0 + 5, Y0 + 5)], crs=CRS)
    with pytest.raises(DataFormatError):  # which column?
        build_demand(net, poly, population=pts)
    with pytest.raises(DataFormatError):
        build_demand(net, poly, population=pts, population_column="zzz")
    neg = pts.assign(a=-1.0)
    with pytest.raises(DataFormatError):
        build_demand(net, poly, population=neg, population_column="a")
    with pytest.raises(UnsupportedCRSError):
        build_demand(
            net, poly, population=pts.set_crs(None, allow_override=True), population_column="a"
        )
    with pytest.raises(InputFileError):
        build_demand(net, poly, population=tmp_path / "missing.gpkg")


def test_raster_population_needs_rasterio(net: CSRNetwork, tmp_path: Path) -> None:
    try:
        import rasterio  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("rasterio is installed")
    raster = tmp_path / "pop.tif"
    raster.write_bytes(b"II*\x00")
    with pytest.raises(DataFormatError, match="rasterio"):
        build_demand(net, square(0, 0, 200, 200), population=raster)


# --------------------------------------------------------------------------- risk


def test_risk_classes_take_the_highest_and_multiply_the_weight(net: CSRNetwork) -> None:
    poly = square(0, 0, 400, 100)  # four cells of 100 m in a row
    risk = gpd.GeoDataFrame(
        {"风险等级": ["较高", "极高", "高", "一般"]},
        geometry=[
            square(100, 0, 300, 100),  # cells 1 and 2: medium …
            square(250, 40, 260, 60),  # … cell 2 also extreme (highest wins)
            square(400, 0, 500, 100),  # touches cell 3 along an edge only: no effect
            square(0, 0, 100, 100),
        ],
        crs=CRS,
    )
    d = build_demand(net, poly, cell_size_m=100, risk=risk)
    assert d.cells["risk"].tolist() == ["low", "medium", "extreme", "low"]
    np.testing.assert_allclose(d.cells["weight"], 0.01 * np.array([1.0, 1.5, 3.0, 1.0]))
    d2 = build_demand(net, poly, cell_size_m=100, risk=risk, risk_weights={"极高": 5, "low": 0.5})
    np.testing.assert_allclose(d2.cells["weight"], 0.01 * np.array([0.5, 1.5, 5.0, 0.5]))
    assert DEFAULT_RISK_WEIGHTS == {"low": 1.0, "medium": 1.5, "high": 2.0, "extreme": 3.0}


def test_numeric_risk_and_points(net: CSRNetwork) -> None:
    poly = square(0, 0, 300, 100)
    risk = gpd.GeoDataFrame(
        {"risk": [2.5, 4.0]}, geometry=[square(0, 0, 100, 100), Point(X0 + 250, Y0 + 50)], crs=CRS
    )
    pop = gpd.GeoDataFrame(
        {"population": [10.0, 10.0]},
        geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 150, Y0 + 50)],
        crs=CRS,
    )
    d = build_demand(net, poly, cell_size_m=100, risk=risk, population=pop)
    assert d.cells["risk"].tolist() == ["2.5", "low", "4"]
    np.testing.assert_allclose(d.cells["weight"], [25.0, 10.0, 0.0])


def test_risk_errors(net: CSRNetwork) -> None:
    poly = square(0, 0, 200, 200)
    bad = gpd.GeoDataFrame({"risk": ["catastrophic"]}, geometry=[poly], crs=CRS)
    with pytest.raises(DataFormatError):
        build_demand(net, poly, risk=bad)
    good = bad.assign(risk="高")
    with pytest.raises(DataFormatError):
        build_demand(net, poly, risk=good, risk_weights={"high": -1})
    with pytest.raises(DataFormatError):
        build_demand(net, poly, risk=good, risk_weights={"huge": 2})
