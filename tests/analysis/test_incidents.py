"""Incident records and their fractile response, checked by hand on a straight road.

One station at x = 0 on a 6 km road driven at 36 km/h (600 m per minute); ten incidents at
x = 600 k m (k = 1 … 10) are reached after k minutes of driving, k + 1 minutes from the
dispatch order with 1 minute of turnout. Within 5 minutes: k <= 4, so 4 of 10; the 90th
percentile by nearest rank is the 9th time, 10 minutes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer

from firecover._errors import DataFormatError
from firecover.analysis.incidents import fractile, incident_response, read_incidents
from firecover.network.coords import wgs84_to_gcj02
from firecover.network.snapping import snap_points
from firecover.traveltime import CSRNetwork
from tests.graphs import CRS, X0, Y0, add_road, empty_graph

TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _net() -> CSRNetwork:
    g = empty_graph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 6000.0, y=Y0)
    add_road(g, 0, 1, 36.0)
    return CSRNetwork.from_graph(g)


def _csv(tmp_path: Path, *, gcj: bool = False) -> Path:
    lines = ["接警时间,经度,纬度,坐标系,警情类型"]
    for k in range(1, 11):
        lon, lat = TO_LL.transform(X0 + 600.0 * k, Y0)
        datum = "wgs84"
        if gcj and k % 2:
            glon, glat = wgs84_to_gcj02(lon, lat)
            lon, lat, datum = float(glon), float(glat), "gcj02"
        kind = "火灾扑救" if k % 2 else "抢险救援"
        lines.append(f"2024-03-{k:02d} 10:00,{lon:.9f},{lat:.9f},{datum},{kind}")
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fractile_nearest_rank_by_hand() -> None:
    assert fractile(range(1, 11)) == 9
    assert fractile([3.0]) == 3.0
    assert fractile([1, 2, math.inf]) == math.inf  # a third not reached: the 90 % is not met
    assert math.isnan(fractile([]))


@pytest.mark.parametrize("gcj", [False, True])
def test_ten_incidents_by_hand(tmp_path: Path, gcj: bool) -> None:
    net = _net()
    rec = read_incidents(_csv(tmp_path, gcj=gcj), net.crs, net.bounds)
    assert len(rec) == 10
    np.testing.assert_allclose(rec.x, X0 + 600.0 * np.arange(1, 11), atol=0.5)
    assert rec.period_hours() == 10 * 24
    station = snap_points(net, [X0], [Y0])
    resp = incident_response(net, station, ["一站"], rec, turnout_min=1.0, driving_min=4.0)
    np.testing.assert_allclose(resp.arrival_min, np.arange(2, 12), atol=1e-3)
    assert resp.reached_share == pytest.approx(0.4)
    assert resp.p90_min == pytest.approx(10.0, abs=1e-3)
    d = resp.by_district.loc["一站"]
    assert (d["n"], d["reached"]) == (10, 4)
    fire = resp.by_type.loc["火灾扑救"]  # k = 1, 3, 5, 7, 9: arrivals 2, 4, 6, 8, 10
    assert (fire["n"], fire["reached"]) == (5, 2)
    assert fire["p90_min"] == pytest.approx(10.0, abs=1e-3)
    rescue = resp.by_type.loc["抢险救援"]  # 3, 5, 7, 9, 11
    assert rescue["reached"] == 2 and rescue["p90_min"] == pytest.approx(11.0, abs=1e-3)


def test_two_stations_split_the_districts(tmp_path: Path) -> None:
    net = _net()
    rec = read_incidents(_csv(tmp_path), net.crs, net.bounds)
    both = snap_points(net, [X0, X0 + 6000.0], [Y0, Y0])
    resp = incident_response(net, both, ["西站", "东站"], rec, turnout_min=1.0, driving_min=4.0)
    # x = 600 … 2400 nearer the west station, 3600 … 6000 the east (3000: a tie)
    d = resp.district.tolist()
    assert d[:4] == ["西站"] * 4 and d[5:] == ["东站"] * 5 and d[4] in {"西站", "东站"}
    assert resp.by_district.loc["东站", "reached"] == 5  # driving 4 … 0 min: k = 6 … 10
    # a station without a district (战勤保障) is never first-due
    only_west = incident_response(
        net,
        both,
        ["西站", "东站"],
        rec,
        turnout_min=1.0,
        driving_min=4.0,
        has_district=[True, False],
    )
    assert set(only_west.district.tolist()) == {"西站"}


def test_unreached_incidents_count_against_the_fractile(tmp_path: Path) -> None:
    net = _net()
    rec = read_incidents(_csv(tmp_path), net.crs, net.bounds)
    station = snap_points(net, [X0], [Y0])
    resp = incident_response(net, station, ["一站"], rec, turnout_min=1.0, driving_min=2.0)
    # search reaches 3 × 2 = 6 driving minutes: k = 7 … 10 not reached
    assert np.isinf(resp.arrival_min[6:]).all()
    assert resp.p90_min == math.inf
    assert resp.district[9] == ""


def test_bad_files(tmp_path: Path) -> None:
    net = _net()
    p = tmp_path / "c.csv"
    p.write_text("time,where\n2024-01-01,somewhere\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="no lon column"):
        read_incidents(p, net.crs)
    p.write_text("lon,lat,datum\n117.0,39.0,mars\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="datum"):
        read_incidents(p, net.crs)
    p.write_text("lon,lat\nabc,39.0\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="not a number"):
        read_incidents(p, net.crs)
    (tmp_path / "c.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataFormatError, match="unsupported"):
        read_incidents(tmp_path / "c.txt", net.crs)


def test_geojson_and_gbk(tmp_path: Path) -> None:
    net = _net()
    lon, lat = TO_LL.transform(X0 + 1200.0, Y0)
    gj = tmp_path / "c.geojson"
    gj.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        f'"geometry": {{"type": "Point", "coordinates": [{lon}, {lat}]}}, '
        '"properties": {"类型": "火灾", "出警时长": 45}}]}',
        encoding="utf-8",
    )
    rec = read_incidents(gj, net.crs, net.bounds)
    assert rec.types.tolist() == ["火灾"] and rec.job_min.tolist() == [45.0]
    assert rec.period_hours() is None
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(f"经度,纬度,类型\n{lon},{lat},社会救助\n".encode("gbk"))
    assert read_incidents(gbk, net.crs).types.tolist() == ["社会救助"]
