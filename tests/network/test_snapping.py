"""Snapping points onto road geometries."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from graphs import X0, Y0, add_road, empty_graph, random_graph, straight_road
from shapely.geometry import LineString

from firecover._errors import CoordinateError, SnapError
from firecover.network.snapping import Snapped, canonical_position, snap_points, snap_stations
from firecover.traveltime import CSRNetwork

STRAIGHT = CSRNetwork.from_graph(straight_road(1000.0, 36.0))


def test_snap_to_straight_road() -> None:
    s = snap_points(STRAIGHT, [X0 + 300, X0 - 40], [Y0 + 30, Y0 + 30])
    assert len(s) == 2
    assert s.edge.tolist() == [0, 0]
    np.testing.assert_allclose(s.fraction, [0.3, 0.0])
    np.testing.assert_allclose(s.distance_m, [30.0, 50.0])
    np.testing.assert_allclose(s.access_s, [30.0 / (15.0 / 3.6), 50.0 / (15.0 / 3.6)])
    assert not s.too_far.any()
    np.testing.assert_allclose(s.x, [X0 + 300, X0 - 40])
    rx, ry = s.road_xy(STRAIGHT)
    np.testing.assert_allclose(rx, [X0 + 300, X0])
    np.testing.assert_allclose(ry, [Y0, Y0])


def test_fraction_is_measured_along_a_curved_geometry() -> None:
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 100, y=Y0 + 100)
    bend = LineString([(X0, Y0), (X0, Y0 + 100), (X0 + 100, Y0 + 100)])
    add_road(g, 0, 1, 30.0, geometry=bend, oneway=True)
    net = CSRNetwork.from_graph(g)
    s = snap_points(net, [X0 + 50], [Y0 + 110])
    assert s.fraction[0] == pytest.approx(0.75)
    assert s.distance_m[0] == pytest.approx(10.0)


def test_twins_snap_to_one_canonical_position() -> None:
    s = snap_points(STRAIGHT, np.full(5, X0 + 600.0), np.linspace(Y0 - 20, Y0 + 20, 5))
    assert set(s.edge.tolist()) == {0}
    np.testing.assert_allclose(s.fraction, 0.6)
    e, f = canonical_position(STRAIGHT, [1, 0], [0.25, 0.25])
    assert e.tolist() == [0, 0] and f.tolist() == [0.75, 0.25]


def test_settings_and_overrides() -> None:
    s = snap_points(STRAIGHT, [X0 + 10, X0 + 10], [Y0 + 499, Y0 + 501])
    assert s.too_far.tolist() == [False, True]
    s = snap_points(STRAIGHT, [X0 + 10], [Y0 + 200], max_m=100.0, access_speed_kph=36.0)
    assert bool(s.too_far[0]) and s.access_s[0] == pytest.approx(20.0)
    with pytest.raises(ValueError, match="access_speed_kph"):
        snap_points(STRAIGHT, [X0], [Y0], access_speed_kph=0.0)


def test_nan_points_raise() -> None:
    with pytest.raises(CoordinateError, match="NaN"):
        snap_points(STRAIGHT, [X0, np.nan], [Y0, Y0])


def test_matches_brute_force_on_random_graph() -> None:
    net = CSRNetwork.from_graph(random_graph(40, seed=5))
    rng = np.random.default_rng(1)
    x = X0 + rng.uniform(-200, 3200, 300)
    y = Y0 + rng.uniform(-200, 3200, 300)
    s = snap_points(net, x, y)
    pts = shapely.points(x, y)
    brute = shapely.distance(pts[:, None], net.edge_geom[None, :]).min(axis=1)
    np.testing.assert_allclose(s.distance_m, brute, atol=1e-6)
    rx, ry = s.road_xy(net)
    np.testing.assert_allclose(np.hypot(rx - x, ry - y), s.distance_m, atol=1e-6)
    twin = net.edge_reverse[s.edge]
    assert np.all((twin < 0) | (twin > s.edge))  # canonical = lower index of a pair


def test_snap_stations_names_far_stations_and_the_fix() -> None:
    ok = snap_stations(STRAIGHT, [X0 + 100], [Y0 + 10], ["Heping 1"])
    assert len(ok) == 1
    with pytest.raises(SnapError) as info:
        snap_stations(STRAIGHT, [X0 + 100, X0 + 500], [Y0 + 800, Y0 + 2500], ["A", "B"])
    msg = str(info.value)
    assert "A (800 m)" in msg and "B (2.5 km)" in msg and "2 stations" in msg
    assert "check its coordinates and crs, or move it onto a road" in msg and "\n" not in msg
    with pytest.raises(SnapError, match="#0"):
        snap_stations(STRAIGHT, [X0], [Y0 + 300], max_m=100.0)
    with pytest.raises(ValueError, match="one entry per station"):
        snap_stations(STRAIGHT, [X0, X0], [Y0 + 900, Y0], ["only one"])


def test_snapped_helpers() -> None:
    s = snap_points(STRAIGHT, X0 + np.arange(5) * 100.0, np.full(5, Y0 + 5.0))
    assert len(s[1:3]) == 2 and len(s[s.fraction > 0.15]) == 3
    one = s[2]
    assert len(one) == 1 and one.fraction[0] == pytest.approx(0.2)
    both = Snapped.concat([s, one])
    assert len(both) == 6 and both.edge.dtype == np.int64 and both.too_far.dtype == bool
    assert len(Snapped.concat([])) == 0 and len(Snapped.empty()) == 0
    nodes = Snapped.at_nodes(STRAIGHT, [0, 1])
    np.testing.assert_allclose(nodes.road_xy(STRAIGHT)[0], [X0, X0 + 1000])
    np.testing.assert_allclose(nodes.access_s, 0.0)
    with pytest.raises(ValueError, match="same length"):
        Snapped(
            np.array([0]),
            np.array([0.1, 0.2]),
            np.zeros(1),
            np.zeros(1),
            np.zeros(1),
            np.zeros(1),
            np.zeros(1, bool),
        )


def test_at_nodes_uses_in_edge_for_sinks() -> None:
    net = CSRNetwork.from_graph(straight_road(oneway=True))
    s = Snapped.at_nodes(net, [1])  # node 1 has no out-edge
    assert s.edge.tolist() == [0] and s.fraction.tolist() == [1.0]
