"""Tests for firecover.site.candidates: candidate station sites on the road network."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely
from graphs import CRS, X0, Y0, add_road, empty_graph, grid, random_graph, straight_road
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist, pdist
from shapely.geometry import LineString, Point, box

from firecover._errors import CoordinateError, DataFormatError, SnapError
from firecover.settings import DEFAULTS
from firecover.site.candidates import (
    EXCLUSION_BUFFERS_M,
    Candidates,
    generate_candidates,
    read_exclusions,
)
from firecover.site.thinning import road_density, road_edges, sample_roads, thin_by_context
from firecover.traveltime import CSRNetwork

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
CYCLE = ("primary", "residential", "motorway", "secondary", "service", "motorway_link",
         "tertiary", "trunk", "unclassified", "residential")  # fmt: skip
ELIGIBLE = set(DEFAULTS.candidate_road_classes)


def classed(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Give every road (both twins alike) a class from CYCLE, by its sorted end nodes."""
    pairs = sorted({tuple(sorted((u, v))) for u, v in g.edges()})
    cls = {p: CYCLE[i % len(CYCLE)] for i, p in enumerate(pairs)}
    for u, v, d in g.edges(data=True):
        d["road_class"] = cls[tuple(sorted((u, v)))]
    return g


@pytest.fixture(scope="module")
def net() -> CSRNetwork:
    return CSRNetwork.from_graph(classed(grid(8, 7, 150.0, seed=3)))


def generated(c: Candidates) -> np.ndarray:
    return np.flatnonzero(c.origin == "generated")


def xy(c: Candidates, idx: np.ndarray | None = None) -> np.ndarray:
    pts = np.c_[c.x, c.y]
    return pts if idx is None else pts[idx]


def eligible_lines(net: CSRNetwork, classes: set[str] = ELIGIBLE) -> np.ndarray:
    return net.edge_geom[np.isin(net.edge_class.astype(str), sorted(classes))]


def road_points(lines: np.ndarray, step: float) -> np.ndarray:
    """Independent oracle: points every ``step`` metres (and both ends) along each line."""
    out = []
    for line in lines:
        n = max(1, int(np.ceil(line.length / step)))
        pts = shapely.line_interpolate_point(line, np.linspace(0.0, 1.0, n + 1), normalized=True)
        out.append(shapely.get_coordinates(pts))
    return np.concatenate(out)


def separated(pts: np.ndarray, r: float) -> list[int]:
    """Greedy subset of points pairwise farther than ``r`` apart (brute force)."""
    kept: list[int] = []
    for i in range(len(pts)):
        if not kept or np.hypot(*(pts[kept] - pts[i]).T).min() > r:
            kept.append(i)
    return kept


def min_gap(pts: np.ndarray) -> float:
    return float(pdist(pts).min()) if len(pts) > 1 else np.inf


# --------------------------------------------------------------------------- generated sites


def test_spacing_respected_and_sites_on_eligible_roads(net: CSRNetwork) -> None:
    c = generate_candidates(net, spacing_m=120.0)
    assert len(c) == len(generated(c)) > 0
    assert min_gap(xy(c)) >= 120.0 - 1e-9
    # on its own edge (distance ≈ 0) and the edge is eligible (checked on the graph's arrays)
    pts = shapely.points(c.x, c.y)
    assert shapely.distance(pts, net.edge_geom[c.snapped.edge]).max() < 1e-6
    assert set(c.road_class.tolist()) <= ELIGIBLE
    assert (c.road_class == net.edge_class[c.snapped.edge]).all()
    # nothing on a motorway / trunk / link / service road only
    banned = shapely.union_all(eligible_lines(net, set(CYCLE) - ELIGIBLE))
    ok = shapely.union_all(eligible_lines(net))
    only_banned = shapely.distance(pts, ok) > 1e-6
    assert not (only_banned & (shapely.distance(pts, banned) < 1e-6)).any()
    # the snapped positions are the candidates themselves
    rx, ry = c.snapped.road_xy(net)
    np.testing.assert_allclose(np.c_[rx, ry], xy(c), atol=1e-6)
    assert (c.snapped.distance_m == 0).all() and (c.snapped.access_s == 0).all()
    assert [f"C{i:04d}" for i in range(1, len(c) + 1)] == c.name.tolist()


def test_every_eligible_road_point_is_near_a_site(net: CSRNetwork) -> None:
    spacing = 120.0
    c = generate_candidates(net, spacing_m=spacing)
    d = cdist(road_points(eligible_lines(net), 5.0), xy(c)).min(axis=1)
    assert d.max() <= 1.25 * spacing + 1e-6


def test_two_way_road_counted_once() -> None:
    two = generate_candidates(straight_road(1000.0), spacing_m=200.0)
    one = generate_candidates(straight_road(1000.0, oneway=True), spacing_m=200.0)
    assert len(two) == len(one) >= 4
    np.testing.assert_array_equal(xy(two), xy(one))
    net = CSRNetwork.from_graph(straight_road(1000.0))
    assert (net.edge_reverse >= 0).all()
    # the samples of a two-way road are those of one edge, not two
    edge, _ = sample_roads(net, road_edges(net, frozenset({"residential"})), 100.0)
    assert edge.size == 10


def test_each_road_sampled_once(net: CSRNetwork) -> None:
    g = classed(grid(8, 7, 150.0, seed=3))
    roads = {tuple(sorted((u, v))) for u, v, d in g.edges(data=True) if d["road_class"] in ELIGIBLE}
    got = road_edges(net, frozenset(ELIGIBLE))
    pairs = [
        tuple(sorted(p))
        for p in zip(
            net.node_ids[net.edge_u[got]].tolist(),
            net.node_ids[net.edge_v[got]].tolist(),
            strict=True,
        )
    ]
    assert sorted(pairs) == sorted(roads)


def test_default_road_classes_setting() -> None:
    assert DEFAULTS.candidate_road_classes == (
        "primary", "secondary", "tertiary", "residential", "unclassified",
    )  # fmt: skip
    g = empty_graph()
    for i, cls in enumerate(CYCLE[:9]):
        g.add_node(2 * i, x=X0, y=Y0 + 1000.0 * i)
        g.add_node(2 * i + 1, x=X0 + 400.0, y=Y0 + 1000.0 * i)
        add_road(g, 2 * i, 2 * i + 1, 40.0, road_class=cls)
    got = set(generate_candidates(g, spacing_m=100.0).road_class.tolist())
    assert got == ELIGIBLE
    only = generate_candidates(g, spacing_m=100.0, road_classes=["主干路"])
    assert set(only.road_class.tolist()) == {"primary"}


def test_boundary_respected(net: CSRNetwork) -> None:
    region = box(X0 - 10, Y0 - 10, X0 + 530, Y0 + 610)
    full = generate_candidates(net, spacing_m=100.0)
    c = generate_candidates(net, spacing_m=100.0, boundary=region)
    assert 0 < len(c) < len(full)
    assert shapely.intersects_xy(region, c.x, c.y).all()
    # the same boundary as a layer in another CRS is read like the demand boundary
    layer = gpd.GeoDataFrame(geometry=[region], crs=CRS).to_crs("EPSG:4326")
    again = generate_candidates(net, spacing_m=100.0, boundary=layer)
    np.testing.assert_allclose(xy(again), xy(c), atol=1e-6)
    inner = road_points(eligible_lines(net), 5.0)
    inner = inner[shapely.intersects_xy(region, inner[:, 0], inner[:, 1])]
    assert cdist(inner, xy(c)).min(axis=1).max() <= 1.25 * 100.0 + 1e-6


def test_deterministic() -> None:
    a = generate_candidates(classed(random_graph(50, seed=4)), spacing_m=150.0)
    b = generate_candidates(classed(random_graph(50, seed=4)), spacing_m=150.0)
    np.testing.assert_array_equal(xy(a), xy(b))
    np.testing.assert_array_equal(a.snapped.edge, b.snapped.edge)
    np.testing.assert_array_equal(a.snapped.fraction, b.snapped.fraction)
    assert a.name.tolist() == b.name.tolist()


def test_to_geodataframe(net: CSRNetwork) -> None:
    c = generate_candidates(net, spacing_m=200.0)
    gdf = c.to_geodataframe()
    assert list(gdf.columns) == ["name", "origin", "road_class", "snap_m", "geometry"]
    assert len(gdf) == len(c) and gdf.crs == CRS
    np.testing.assert_allclose(np.c_[gdf.geometry.x, gdf.geometry.y], xy(c))


# --------------------------------------------------------------------------- exclusions


def zones_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kind": ["学校", "hazardous", None, "Hospital"], "buffer_m": [None, None, 40.0, 75.0],
         "name": ["一中", "化工厂", "工地", "人民医院"]},
        geometry=[Point(X0 + 300, Y0 + 300), Point(X0 + 900, Y0 + 600),
                  box(X0 + 400, Y0 + 750, X0 + 520, Y0 + 820),
                  LineString([(X0 + 0, Y0 + 150), (X0 + 200, Y0 + 150)])],
        crs=CRS,
    )  # fmt: skip


def test_exclusions_remove_exactly_the_points_within_the_buffer(
    net: CSRNetwork, caplog: pytest.LogCaptureFixture
) -> None:
    layer = zones_layer()
    buf = np.array([50.0, 300.0, 40.0, 75.0])
    spacing = 100.0
    with caplog.at_level(logging.INFO, logger="firecover.site.candidates"):
        c = generate_candidates(net, spacing_m=spacing, exclusions=layer)

    def inside(px: np.ndarray, py: np.ndarray) -> np.ndarray:
        pts = shapely.points(px, py)
        d = np.array([[shapely.distance(g, p) for g in layer.geometry] for p in pts])
        return ((d < buf) | (d == 0)).any(axis=1)

    assert not inside(c.x, c.y).any()
    # every road sample outside the zones is still represented (maximal thinning)
    idx = np.flatnonzero(np.isin(net.edge_class.astype(str), sorted(ELIGIBLE)))
    idx = idx[(net.edge_reverse[idx] < 0) | (idx < net.edge_reverse[idx])]
    edge, frac = sample_roads(net, idx, spacing / 2)
    pts = shapely.line_interpolate_point(net.edge_geom[edge], frac, normalized=True)
    sx, sy = shapely.get_x(pts), shapely.get_y(pts)
    hit = inside(sx, sy)
    assert hit.any() and not hit.all()
    assert cdist(np.c_[sx, sy][~hit], xy(c)).min(axis=1).max() <= spacing + 1e-9
    msg = next(r.getMessage() for r in caplog.records if "exclusion zones removed" in r.message)
    assert re.search(rf"removed {int(hit.sum())} of {hit.size} ", msg)


def test_kind_defaults_and_given_buffer() -> None:
    kinds = ["学校", "幼儿园", "hospital", "医院", "theatre", "商场", "Public Assembly",
             "危化品", "危险化学品", "hazardous", "Chemical", "garage"]  # fmt: skip
    layer = gpd.GeoDataFrame(
        {"kind": kinds, "buffer_m": [None] * 11 + [25.0]},
        geometry=[Point(X0 + i, Y0) for i in range(len(kinds))], crs=CRS,
    )  # fmt: skip
    z = read_exclusions(layer, CRS)
    assert z["kind"].tolist() == ["school", "school", "hospital", "hospital", "assembly",
                                  "assembly", "assembly", "hazardous", "hazardous",
                                  "hazardous", "hazardous", "garage"]  # fmt: skip
    assert z["buffer_m"].tolist() == [50.0] * 7 + [300.0] * 4 + [25.0]
    assert EXCLUSION_BUFFERS_M["school"] == 50.0 and EXCLUSION_BUFFERS_M["hazardous"] == 300.0
    # a buffer_m column alone is enough; reprojected from lon/lat
    alone = gpd.GeoDataFrame({"buffer_m": [10]}, geometry=[Point(117.0, 38.8)], crs="EPSG:4326")
    z = read_exclusions(alone, CRS)
    assert z.crs == CRS and z["buffer_m"].tolist() == [10.0] and z["kind"].tolist() == [""]


def test_unknown_kind_without_buffer_is_an_error() -> None:
    layer = gpd.GeoDataFrame(
        {"kind": ["school", "garage"], "name": ["a", "车库"]},
        geometry=[Point(X0, Y0), Point(X0 + 1, Y0)], crs=CRS,
    )  # fmt: skip
    with pytest.raises(DataFormatError, match=r"exclusion feature 2 \(车库\).*'garage'.*buffer_m"):
        read_exclusions(layer, CRS)
    bare = gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=CRS)
    with pytest.raises(DataFormatError, match="exclusion feature 1 has no kind"):
        read_exclusions(bare, CRS)
    neg = gpd.GeoDataFrame({"buffer_m": [-5.0]}, geometry=[Point(X0, Y0)], crs=CRS)
    with pytest.raises(DataFormatError, match="buffer_m"):
        read_exclusions(neg, CRS)


def test_everything_excluded_or_no_road_is_a_clear_error(net: CSRNetwork) -> None:
    everything = gpd.GeoDataFrame({"buffer_m": [1.0]}, geometry=[box(*net.bounds).buffer(10)],
                                  crs=CRS)  # fmt: skip
    with pytest.raises(DataFormatError, match="inside exclusion zones"):
        generate_candidates(net, exclusions=everything)
    with pytest.raises(DataFormatError, match=r"no road of class.*inside the boundary"):
        generate_candidates(net, boundary=box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000))
    with pytest.raises(DataFormatError, match=r"no road of class motorway.*road_classes="):
        generate_candidates(straight_road(), road_classes=["motorway"])
    with pytest.raises(DataFormatError, match="unknown road class 'lane'"):
        generate_candidates(net, road_classes=["lane"])
    with pytest.raises(DataFormatError, match="spacing"):
        generate_candidates(net, spacing_m=0.0)
    with pytest.raises(DataFormatError, match="user_only"):
        generate_candidates(net, user_only=True)


# --------------------------------------------------------------------------- user sites


def lonlat(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    tr = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    return list(lon), list(lat)


def test_user_sites_kept_named_and_seed_the_spacing(
    net: CSRNetwork, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ux = [X0 + 375.0, X0 + 395.0, X0 + 760.0]  # the first two are 20 m apart
    uy = [Y0 + 300.0 + 12.0, Y0 + 300.0 + 12.0, Y0 + 455.0]
    lon, lat = lonlat(ux, uy)
    csv = tmp_path / "sites.csv"
    rows = [f"甲站,{lon[0]!r},{lat[0]!r},一级", f"乙站,{lon[1]!r},{lat[1]!r},一级",
            f",{lon[2]!r},{lat[2]!r},"]  # fmt: skip
    csv.write_text("name,lon,lat,class\n" + "\n".join(rows) + "\n", encoding="utf-8")
    school = gpd.GeoDataFrame({"kind": ["school"]}, geometry=[Point(ux[0], uy[0])], crs=CRS)
    with caplog.at_level(logging.WARNING, logger="firecover.site.candidates"):
        c = generate_candidates(net, spacing_m=100.0, user_sites=csv, exclusions=school)
    assert c.name[:3].tolist() == ["甲站", "乙站", "U0003"]
    assert c.origin[:3].tolist() == ["user"] * 3
    assert any("exclusion zones" in r.message and "甲站" in r.message for r in caplog.records)
    # snapped to the nearest road, access leg kept, 12 m off the road
    np.testing.assert_allclose(c.snapped.distance_m[:2], 12.0, atol=1e-3)
    np.testing.assert_allclose(c.y[:2], Y0 + 300.0, atol=1e-6)
    np.testing.assert_allclose(c.snapped.y[:2], Y0 + 312.0, atol=1e-6)
    outside = [
        r.message for r in caplog.records if "outside the candidate road classes" in r.message
    ]
    assert bool(outside) == bool(set(c.road_class[:3].tolist()) - ELIGIBLE)
    gen = generated(c)
    assert min_gap(xy(c, gen)) >= 100.0 - 1e-9
    assert cdist(xy(c, gen), xy(c, np.arange(3))).min() >= 100.0 - 1e-9
    # the same sites as a point layer, and user_only
    layer = gpd.GeoDataFrame({"name": ["甲站", "乙站", None]},
                             geometry=shapely.points(ux, uy), crs=CRS)  # fmt: skip
    only = generate_candidates(net, user_sites=layer, user_only=True)
    assert only.name.tolist() == ["甲站", "乙站", "U0003"] and len(only) == 3
    np.testing.assert_allclose(xy(only), xy(c)[:3], atol=1e-3)
    # GeoJSON (station-file reader) and GeoPackage (layer reader) files give the same sites
    for name in ("sites.geojson", "sites.gpkg"):
        path = tmp_path / name
        layer.to_crs("EPSG:4326").to_file(path)
        got = generate_candidates(net, user_sites=path, user_only=True)
        assert got.name.tolist() == ["甲站", "乙站", "U0003"]
        np.testing.assert_allclose(xy(got), xy(c)[:3], atol=1e-3)


def test_user_sites_in_projected_coordinates(net: CSRNetwork, tmp_path: Path) -> None:
    p = tmp_path / "sites.csv"
    p.write_text(f"name,x,y,crs\nA,{X0 + 375.0},{Y0 + 5.0},{CRS}\n", encoding="utf-8")
    c = generate_candidates(net, user_sites=p, user_only=True)
    np.testing.assert_allclose(c.snapped.x, X0 + 375.0, atol=1e-4)
    np.testing.assert_allclose(c.snapped.distance_m, 5.0, atol=1e-4)


def test_off_network_user_site_is_a_snap_error() -> None:
    g = empty_graph()
    for i, (px, py) in enumerate([(0, 0), (3000, 0), (0, 3000), (3000, 3000)]):
        g.add_node(i, x=X0 + px, y=Y0 + py)
    add_road(g, 0, 1, 40.0)
    add_road(g, 2, 3, 40.0)
    layer = gpd.GeoDataFrame({"name": ["近", "远站"]},
                             geometry=[Point(X0 + 10, Y0 + 20), Point(X0 + 1500, Y0 + 1500)],
                             crs=CRS)  # fmt: skip
    with pytest.raises(SnapError, match=r"远站 \(1500 m\).*snap_max_m"):
        generate_candidates(g, user_sites=layer)
    c = generate_candidates(g, user_sites=layer, snap_max_m=2000.0, user_only=True)
    assert len(c) == 2
    far = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(117.0, 38.0)], crs="EPSG:4326")
    with pytest.raises((SnapError, CoordinateError)):
        generate_candidates(g, user_sites=far)


def test_duplicate_user_names_and_non_points(net: CSRNetwork) -> None:
    dup = gpd.GeoDataFrame({"name": ["a", "a"]}, geometry=[Point(X0, Y0)] * 2, crs=CRS)
    with pytest.raises(DataFormatError, match="both named 'a'"):
        generate_candidates(net, user_sites=dup)
    line = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 1, Y0)])], crs=CRS)
    with pytest.raises(DataFormatError, match="not a point"):
        generate_candidates(net, user_sites=line)


# --------------------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), spacing=st.floats(60.0, 400.0))
def test_property_spacing_and_road_coverage(seed: int, spacing: float) -> None:
    net = CSRNetwork.from_graph(classed(random_graph(30, seed=seed, extent=2000.0)))
    if not np.isin(net.edge_class.astype(str), sorted(ELIGIBLE)).any():
        return
    c = generate_candidates(net, spacing_m=spacing)
    assert min_gap(xy(c)) >= spacing * (1 - 1e-12)
    assert set(c.road_class.tolist()) <= ELIGIBLE
    pts = shapely.points(c.x, c.y)
    assert shapely.distance(pts, net.edge_geom[c.snapped.edge]).max() < 1e-6
    d = cdist(road_points(eligible_lines(net), spacing / 20), xy(c)).min(axis=1)
    assert d.max() <= 1.25 * spacing + 1e-6


# --------------------------------------------------------------------------- demo district


def test_demo_district_count_is_sane(caplog: pytest.LogCaptureFixture) -> None:
    from firecover.network import load_graph

    net = CSRNetwork.from_graph(load_graph(DEMO / "demo_district.graphml"))
    boundary = DEMO / "boundary.geojson"
    spacing = DEFAULTS.candidate_spacing_m
    c = generate_candidates(net, boundary=boundary)
    region = gpd.read_file(boundary).to_crs(net.crs).union_all()
    assert shapely.intersects_xy(region, c.x, c.y).all()
    assert min_gap(xy(c)) >= spacing - 1e-9
    # packing bound: disks of radius spacing/2 around the sites are disjoint
    assert len(c) <= region.buffer(spacing / 2).area / (np.pi * spacing**2 / 4)
    # covering bound: every eligible road point inside is within 1.25·spacing of a site
    lines = eligible_lines(net)
    pts = road_points(lines, 10.0)
    pts = pts[shapely.intersects_xy(region, pts[:, 0], pts[:, 1])]
    assert cdist(pts, xy(c)).min(axis=1).max() <= 1.25 * spacing + 1e-6
    # so road points pairwise more than 2.5·spacing apart each need a site of their own
    assert len(c) >= len(separated(pts[::3], 2.5 * spacing))
    assert {"primary", "residential"} <= set(c.road_class.tolist())


# --------------------------------------------------------------------------- context spacing


def test_road_density_matches_a_hand_count() -> None:
    """A 400 m two-way road (counted once) inside one 1 km square: 0.4 km per km² there."""
    g = empty_graph()
    x0 = 1000.0 * np.floor(X0 / 1000.0) + 100.0
    y0 = 1000.0 * np.floor(Y0 / 1000.0) + 500.0
    g.add_node(0, x=x0, y=y0)
    g.add_node(1, x=x0 + 400.0, y=y0)
    add_road(g, 0, 1, 40.0)
    net = CSRNetwork.from_graph(g)
    dens = road_density(net, np.array([x0 + 50.0, x0 + 1500.0]), np.array([y0, y0]))
    assert dens[0] == pytest.approx(0.4) and dens[1] == 0.0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([1.0, 2.0, 3.0]))
def test_thin_by_context_spacing_and_maximality(seed: int, factor: float) -> None:
    rng = np.random.default_rng(seed)
    pts = rng.random((300, 2)) * 3000.0
    builtup = pts[:, 0] < 1500.0
    s = 200.0
    keep = thin_by_context(pts[:, 0], pts[:, 1], s, builtup, factor)
    dense, rural = pts[keep & builtup], pts[keep & ~builtup]
    assert min_gap(dense) >= s - 1e-9
    assert min_gap(rural) >= factor * s - 1e-9
    if len(dense) and len(rural):
        assert cdist(rural, dense).min() >= factor * s - 1e-9
    kept = pts[keep]
    # maximal: every built-up point within s of a kept one, every rural one within factor·s
    d = cdist(pts, kept).min(axis=1) if len(kept) else np.full(len(pts), np.inf)
    assert np.all(d[builtup] <= s + 1e-9) and np.all(d[~builtup] <= factor * s + 1e-9)


def test_context_candidates_are_sparser_outside_built_up_areas_and_capped() -> None:
    # a dense 100 m grid beside a sparse 600 m grid: only the dense part is built-up
    g = grid(6, 6, 100.0, seed=2)
    plain = generate_candidates(g, spacing_m=100.0)
    ctx = generate_candidates(g, spacing_m=100.0, context=True)
    assert len(ctx) <= len(plain)
    capped = generate_candidates(g, spacing_m=100.0, context=True, max_count=5)
    assert 0 < len(capped) <= 5 and capped.spacing_m > 100.0
    assert min_gap(xy(capped)) >= capped.spacing_m - 1e-6
    assert plain.spacing_m == plain.rural_spacing_m == 100.0
