"""The GCJ-02-given-as-WGS-84 detector (``firecover.analysis.datum_check``).

Oracle: stations placed exactly on the roads of a hand-made graph (their WGS-84 positions are
known), then "copied from Amap" with the forward WGS-84 → GCJ-02 conversion — the detector must
refuse those when they are declared WGS-84, and accept the true positions and the same
coordinates declared GCJ-02.
"""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pyproj
import pytest
from graphs import add_road, empty_graph

from firecover._errors import CoordinateError
from firecover.analysis.datum_check import check_station_datum
from firecover.analysis.run import place_stations
from firecover.analysis.station_spec import StationSpec
from firecover.network.coords import wgs84_to_gcj02
from firecover.traveltime.search import CSRNetwork

LON0, LAT0 = 118.35, 38.75
_TO_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
_TO_LL = pyproj.Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True)


def _comb(n_roads: int = 4, gap_m: float = 3000.0, height_m: float = 4000.0) -> nx.MultiDiGraph:
    """North-south roads ``gap_m`` apart joined by one east-west road along the bottom."""
    x0, y0 = _TO_UTM.transform(LON0, LAT0)
    g = empty_graph("EPSG:32650")
    for i in range(n_roads):
        g.add_node(2 * i, x=x0 + i * gap_m, y=y0)
        g.add_node(2 * i + 1, x=x0 + i * gap_m, y=y0 + height_m)
        add_road(g, 2 * i, 2 * i + 1, 40.0)
        if i:
            add_road(g, 2 * (i - 1), 2 * i, 40.0)
    return g


def _stations(net: CSRNetwork, datum: str = "wgs84", shift: bool = False) -> list[StationSpec]:
    """One station at mid-height of each north-south road (exactly on it)."""
    x0, y0 = _TO_UTM.transform(LON0, LAT0)
    out = []
    for i in range(4):
        lon, lat = _TO_LL.transform(x0 + i * 3000.0, y0 + 2000.0)
        if shift:
            lon, lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        out.append(StationSpec(name=f"站{i}", class_name="一级", class_key="level1",
                               status="existing", lon=lon, lat=lat, source="test",
                               datum=datum, index=i))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def net() -> CSRNetwork:
    return CSRNetwork.from_graph(_comb())


def test_gcj02_declared_wgs84_is_refused(net: CSRNetwork) -> None:
    with pytest.raises(CoordinateError, match=r'datum = "gcj02".*--datum-check off'):
        place_stations(net, _stations(net, shift=True))
    # the escape (--datum-check off): the stations are taken as given, ~540 m off the roads
    snapped = place_stations(net, _stations(net, shift=True), snap_max_m=1000.0,
                             datum_check=False)  # fmt: skip
    assert np.all((snapped.distance_m > 300.0) & (snapped.distance_m < 700.0))


def test_declared_gcj02_and_true_positions_pass(net: CSRNetwork) -> None:
    snapped = place_stations(net, _stations(net, datum="gcj02", shift=True))
    assert np.all(snapped.distance_m < 5.0)  # converted back onto the roads
    assert np.all(place_stations(net, _stations(net)).distance_m < 1e-6)


def test_minority_off_road_is_not_flagged(net: CSRNetwork) -> None:
    mixed = _stations(net, shift=True)[:1] + _stations(net)[1:]
    check_station_datum(net, mixed)  # 1 of 4 off the road: not "most"
    check_station_datum(net, _stations(net, shift=True)[:1])  # one station: no verdict


def test_outside_china_is_not_checked(net: CSRNetwork) -> None:
    """Longitudes 18° E are outside China: GCJ-02 does not apply there."""
    far = [dataclasses.replace(s, lon=s.lon - 100.0) for s in _stations(net, shift=True)]
    check_station_datum(net, far)
