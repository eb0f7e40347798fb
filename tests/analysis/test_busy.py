"""Busy fractions and expected coverage, by hand and against a networkx reach count."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import shapely

from firecover._errors import DataFormatError
from firecover.analysis.busy import busy_fractions, reach_counts
from firecover.analysis.demand import build_demand
from firecover.network.snapping import snap_points
from firecover.siting.mexclp import expected_coverage
from firecover.traveltime import CSRNetwork
from tests.graphs import X0, Y0, grid


def test_busy_fraction_from_given_counts() -> None:
    # one day; 甲 has 3 calls, 乙 1, one call outside every district; 60 job minutes (setting)
    b = busy_fractions(["甲", "乙", "丙"], ["甲", "甲", "乙", "甲", ""], period_hours=24)
    assert b.table.loc["甲", "calls"] == 3
    assert b.table.loc["甲", "busy_fraction"] == pytest.approx(3 / 24)
    assert b.table.loc["乙", "busy_fraction"] == pytest.approx(1 / 24)
    assert b.table.loc["丙", "busy_fraction"] == 0.0
    assert b.system == pytest.approx(4 / (24 * 3))
    assert b.job_min_source == "setting"


def test_busy_fraction_with_job_column() -> None:
    b = busy_fractions(
        ["甲", "乙"], ["甲", "乙", "乙"], period_hours=10, job_min=[30.0, 90.0, math.nan]
    )
    assert b.table.loc["甲", "busy_fraction"] == pytest.approx(0.5 / 10)
    assert b.table.loc["乙", "busy_fraction"] == pytest.approx((1.5 + 1.0) / 10)
    assert b.table.loc["乙", "job_min"] == pytest.approx(75.0)
    assert b.system == pytest.approx(3.0 / 20)
    assert b.job_min_source == "mixed"


def test_busy_fraction_refuses_nonsense() -> None:
    with pytest.raises(DataFormatError, match="period"):
        busy_fractions(["甲"], ["甲"], period_hours=0)
    with pytest.raises(DataFormatError, match="busy"):
        busy_fractions(["甲"], ["甲"] * 30, period_hours=24)


def test_expected_coverage_by_hand() -> None:
    # counts 0, 1, 2 with weights 1, 1, 2 and q = 0.1: (0 + 0.9 + 2 × 0.99) / 4
    assert expected_coverage([0, 1, 2], [1, 1, 2], 0.1) == pytest.approx(0.72)
    assert expected_coverage([1, 1], [1, 1], 0.0) == 1.0


def test_reach_counts_against_networkx() -> None:
    g = grid(5, 4, 300.0, seed=2, oneway_share=0.0)
    net = CSRNetwork.from_graph(g)
    box = shapely.box(X0, Y0, X0 + 1200.0, Y0 + 900.0)
    demand = build_demand(net, box, cell_size_m=300.0)
    nodes = [0, 7, 19]
    stations = snap_points(net, [g.nodes[n]["x"] for n in nodes], [g.nodes[n]["y"] for n in nodes])
    driving = 1.0
    counts = reach_counts(net, stations, demand, driving)
    # oracle: a cell's demand point lies on an edge u-v at fraction f; networkx times to u, v
    pts = demand.points
    expect = np.zeros(len(demand), dtype=np.int64)
    for n in nodes:
        dist = nx.single_source_dijkstra_path_length(g, n, weight="travel_time")
        for i in range(len(demand)):
            e = int(pts.edge[i])
            u, v = net.node_ids[net.edge_u[e]], net.node_ids[net.edge_v[e]]
            f, t_edge = float(pts.fraction[i]), float(net.edge_time[e])
            t = min(dist.get(u, math.inf) + f * t_edge, dist.get(v, math.inf) + (1 - f) * t_edge)
            t += float(pts.access_s[i])
            expect[i] += t <= 60.0 * driving + 1e-6
    np.testing.assert_array_equal(counts, expect)
