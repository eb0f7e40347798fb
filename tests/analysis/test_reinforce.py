"""Tests for firecover.analysis.reinforce: first, 2nd and 3rd arrivals on a line graph.

Oracle: a hand computation. The line has nodes every 1 km at 36 km/h (100 s per km); every
point lies on the road, so there is no access leg. Turnout is 1 min.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover.analysis.reinforce import cell_reinforcement, risk_response, risk_targets
from firecover.analysis.risk import risk_frame
from firecover.network.snapping import snap_points
from firecover.traveltime import CSRNetwork
from tests.graphs import CRS, X0, Y0, add_road, empty_graph


def _line(n_km: int = 10) -> CSRNetwork:
    g = empty_graph()
    for i in range(n_km + 1):
        g.add_node(i, x=X0 + 1000.0 * i, y=Y0)
    for i in range(n_km):
        add_road(g, i, i + 1, 36.0)
    return CSRNetwork.from_graph(g)


def _at(net: CSRNetwork, km: list[float]):
    return snap_points(net, [X0 + 1000.0 * k for k in km], [Y0] * len(km))


NAMES = ["A", "B", "C"]
CLASSES = ["level1", "level1", "special"]
STATION_KM = [0.0, 3.0, 10.0]


def _objects(km: list[float], classes: list[str]) -> gpd.GeoDataFrame:
    pts = [shapely.Point(X0 + 1000.0 * k, Y0) for k in km]
    return risk_frame(gpd.GeoDataFrame({"class": classes}, geometry=pts, crs=CRS))


def test_second_and_third_station_times_on_a_line() -> None:
    net = _line()
    objs = _objects([4.0, 9.5], ["危化品", "高层"])
    out = risk_response(net, NAMES, CLASSES, _at(net, STATION_KM), objs, turnout_min=1.0)
    hz, hr = out.iloc[0], out.iloc[1]
    # hazmat site at 4 km: B (1 km, 100 s), A (4 km, 400 s), C (6 km, 600 s)
    assert (hz.first_station, hz.second_station, hz.third_station) == ("B", "A", "C")
    assert hz.first_min == pytest.approx(1 + 100 / 60)
    assert hz.second_min == pytest.approx(1 + 400 / 60)
    assert hz.third_min == pytest.approx(11.0)
    # it needs the 特勤 station C within 5 min: C arrives at 11 min -> late
    assert hz.required_by == "C" and hz.required_by_min == pytest.approx(11.0)
    assert not hz.on_time
    # 3 stations within 15 min (the default reinforcement standard): all three arrive by 11
    assert hz.reinforce_count == 3 and hz.reinforce_ok
    # high-rise at 9.5 km: C 50 s, B 650 s, A 950 s; 2 stations within 10 min asked
    assert hr.first_station == "C" and hr.on_time
    assert hr.second_min == pytest.approx(1 + 650 / 60)
    assert hr.reinforce_count == 1 and not hr.reinforce_ok


def test_polygon_is_reached_at_its_representative_point() -> None:
    net = _line()
    poly = shapely.box(X0 + 4900, Y0 - 50, X0 + 5100, Y0 + 50)
    objs = risk_frame(gpd.GeoDataFrame({"class": ["地下"]}, geometry=[poly], crs=CRS))
    t = risk_targets(net, objs)
    assert t.distance_m[0] == pytest.approx(0.0, abs=1e-6)
    out = risk_response(net, NAMES, CLASSES, _at(net, STATION_KM), objs, turnout_min=0.0, targets=t)
    assert out.first_station.iloc[0] == "B"
    assert out.first_min.iloc[0] == pytest.approx(200 / 60)


def test_fewer_stations_than_three_gives_inf() -> None:
    net = _line()
    objs = _objects([2.0], ["重点单位"])
    out = risk_response(net, ["A"], ["level1"], _at(net, [0.0]), objs, turnout_min=1.0)
    assert out.second_min.iloc[0] == np.inf and out.second_station.iloc[0] == ""
    assert out.reinforce_ok.iloc[0]  # the class asks no reinforcement


def test_required_class_missing_means_late() -> None:
    net = _line()
    objs = _objects([1.0], ["危化品"])
    out = risk_response(net, ["A"], ["level1"], _at(net, [1.0]), objs, turnout_min=1.0)
    assert out.first_min.iloc[0] == pytest.approx(1.0)
    assert out.required_by_min.iloc[0] == np.inf and not out.on_time.iloc[0]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0, 10), min_size=1, max_size=5),
    st.lists(st.floats(0, 10), min_size=1, max_size=6),
)
def test_cell_arrivals_match_networkx(stations_km: list[float], cells_km: list[float]) -> None:
    """Oracle: networkx Dijkstra on the line (nodes at whole km), 100 s per km."""
    net = _line()
    g = nx.path_graph(11)
    mins, idx = cell_reinforcement(net, _at(net, stations_km), _at(net, cells_km), turnout_min=1.0)
    for c, ckm in enumerate(cells_km):
        exact = sorted(abs(ckm - s) * 100.0 for s in stations_km)
        exact += [np.inf] * (3 - len(exact))
        np.testing.assert_allclose(mins[c], 1.0 + np.array(exact[:3]) / 60.0, rtol=1e-6, atol=1e-6)
        assert nx.has_path(g, 0, 10)
        for r in range(min(3, len(stations_km))):
            assert abs(abs(ckm - stations_km[idx[c, r]]) * 100.0 - exact[r]) < 1e-6


def test_no_objects() -> None:
    net = _line()
    objs = _objects([], [])
    out = risk_response(net, NAMES, CLASSES, _at(net, STATION_KM), objs, turnout_min=1.0)
    assert len(out) == 0 and {"first_min", "on_time", "reinforce_ok"} <= set(out.columns)
