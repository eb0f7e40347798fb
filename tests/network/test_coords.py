"""WGS-84 / GCJ-02 / BD-09 conversions and projection checks."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from firecover._errors import CoordinateError, UnsupportedCRSError
from firecover.network.coords import (
    DATUMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    project_points,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")
TIANJIN = (117.2, 39.1)
RNG = np.random.default_rng(0)
CHINA_LON = RNG.uniform(74.0, 135.0, 5000)
CHINA_LAT = RNG.uniform(18.0, 53.0, 5000)


def _metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_tianjin_gcj02_shift_is_about_550_m_east_north_east() -> None:
    glon, glat = wgs84_to_gcj02(*TIANJIN)
    az, _, dist = GEOD.inv(TIANJIN[0], TIANJIN[1], float(glon), float(glat))
    assert 540.0 <= dist <= 570.0
    assert 55.0 <= az <= 85.0  # east-north-east


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (wgs84_to_gcj02, gcj02_to_wgs84),
        (gcj02_to_bd09, bd09_to_gcj02),
        (wgs84_to_bd09, bd09_to_wgs84),
    ],
)
def test_round_trips_below_1_mm(forward: object, inverse: object) -> None:
    lon, lat = inverse(*forward(CHINA_LON, CHINA_LAT))  # type: ignore[operator]
    assert _metres(CHINA_LON, CHINA_LAT, lon, lat).max() < 1e-3
    lon, lat = forward(*inverse(CHINA_LON, CHINA_LAT))  # type: ignore[operator]
    assert _metres(CHINA_LON, CHINA_LAT, lon, lat).max() < 1e-3


def test_iteration_beats_the_one_step_inverse() -> None:
    glon, glat = wgs84_to_gcj02(*TIANJIN)
    slon, slat = wgs84_to_gcj02(glon, glat)
    one_step = (2 * glon - slon, 2 * glat - slat)
    assert _metres(np.array(TIANJIN[0]), np.array(TIANJIN[1]), *one_step) > 0.1
    back = gcj02_to_wgs84(glon, glat)
    assert _metres(np.array(TIANJIN[0]), np.array(TIANJIN[1]), *back) < 1e-3


def test_outside_china_no_shift() -> None:
    lon, lat = np.array([24.94, -74.0, 151.2]), np.array([60.17, 40.7, -33.9])
    assert not in_china(lon, lat).any()
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        glon, glat = fn(lon, lat)
        np.testing.assert_array_equal(glon, lon)
        np.testing.assert_array_equal(glat, lat)


def test_bd09_composes_gcj02() -> None:
    b1 = wgs84_to_bd09(CHINA_LON[:50], CHINA_LAT[:50])
    b2 = gcj02_to_bd09(*wgs84_to_gcj02(CHINA_LON[:50], CHINA_LAT[:50]))
    np.testing.assert_array_equal(b1, b2)
    glon, glat = wgs84_to_gcj02(*TIANJIN)
    blon, blat = gcj02_to_bd09(glon, glat)
    assert 500.0 < float(_metres(glon, glat, blon, blat)) < 1000.0  # BD-09 sits further off


def test_scalars_and_shapes() -> None:
    lon, lat = wgs84_to_gcj02(117.0, 39.0)
    assert lon.shape == () and lat.shape == ()
    lon, lat = wgs84_to_gcj02(np.zeros((2, 3)) + 117.0, 39.0)
    assert lon.shape == (2, 3)


@pytest.mark.parametrize("datum", ["wgs84", "WGS-84", "cgcs2000", "CGCS_2000"])
def test_to_wgs84_identity_datums(datum: str) -> None:
    lon, lat = to_wgs84([117.2], [39.1], datum)
    assert lon.tolist() == [117.2] and lat.tolist() == [39.1]


@pytest.mark.parametrize("datum", ["gcj02", "GCJ-02", "bd09", "BD-09"])
def test_to_and_from_wgs84(datum: str) -> None:
    lon, lat = from_wgs84(CHINA_LON[:100], CHINA_LAT[:100], datum)
    assert _metres(CHINA_LON[:100], CHINA_LAT[:100], lon, lat).min() > 1.0
    back = to_wgs84(lon, lat, datum)
    assert _metres(CHINA_LON[:100], CHINA_LAT[:100], *back).max() < 1e-3


def test_unknown_datum_lists_allowed() -> None:
    with pytest.raises(CoordinateError) as info:
        to_wgs84([117.0], [39.0], "mars")
    assert all(d in str(info.value) for d in DATUMS)


# --- project_points -------------------------------------------------------------------------

UTM50 = "EPSG:32650"


def test_project_matches_pyproj_and_applies_datum() -> None:
    x, y = project_points([117.2, 117.3], [39.1, 39.2], UTM50)
    ex, ey = pyproj.Transformer.from_crs(4326, UTM50, always_xy=True).transform(
        [117.2, 117.3], [39.1, 39.2]
    )
    np.testing.assert_allclose(x, ex)
    np.testing.assert_allclose(y, ey)
    glon, glat = wgs84_to_gcj02(117.2, 39.1)
    gx, gy = project_points([glon], [glat], UTM50, datum="gcj02")
    assert np.hypot(gx[0] - ex[0], gy[0] - ey[0]) < 1e-3


def test_nan_and_range_errors() -> None:
    with pytest.raises(CoordinateError, match="missing"):
        project_points([117.2, np.nan], [39.1, 39.1], UTM50)
    with pytest.raises(CoordinateError, match="lat/lon are swapped; put longitude first"):
        project_points([39.1], [117.2], UTM50)
    with pytest.raises(CoordinateError, match="outside longitude"):
        project_points([190.0], [39.1], UTM50)


def _extent(
    lon: float, lat: float, crs: str, half: float = 5000.0
) -> tuple[float, float, float, float]:
    x, y = project_points([lon], [lat], crs)
    return (float(x[0]) - half, float(y[0]) - half, float(x[0]) + half, float(y[0]) + half)


def test_swapped_detected_with_extent() -> None:
    ext = _extent(24.94, 60.17, "EPSG:32635")  # Helsinki: both values pass the ±90 check
    x, _ = project_points([24.95], [60.18], "EPSG:32635", extent=ext)
    assert x.size == 1
    with pytest.raises(CoordinateError, match="lat/lon are swapped"):
        project_points([60.18], [24.95], "EPSG:32635", extent=ext)


def test_outside_extent_names_distance_and_datum() -> None:
    ext = _extent(117.2, 39.1, UTM50)
    with pytest.raises(CoordinateError) as info:
        project_points([117.2, 117.6], [39.1, 39.1], UTM50, extent=ext)
    msg = str(info.value)
    assert "1 of 2" in msg and "km" in msg and "datum" in msg and "\n" not in msg
    # inside the margin passes
    project_points([117.2 + 0.065], [39.1], UTM50, extent=ext)


def test_input_crs_for_projected_points() -> None:
    x, y = project_points([500000.0], [4300000.0], UTM50, input_crs=UTM50)
    assert x.tolist() == [500000.0] and y.tolist() == [4300000.0]
    x2, _ = project_points([500000.0], [4300000.0], "EPSG:32649", input_crs=UTM50)
    assert abs(x2[0] - 500000.0) > 1000.0
    with pytest.raises(CoordinateError, match="datum"):
        project_points([500000.0], [4300000.0], UTM50, input_crs=UTM50, datum="gcj02")
    with pytest.raises(UnsupportedCRSError):
        project_points([117.0], [39.0], "EPSG:999999")


def test_datum_word_folds_labels_and_accepts_epsg_codes() -> None:
    from firecover.network.coords import datum_word

    assert datum_word("WGS-84") == "wgs84" and datum_word(" gcj_02 ") == "gcj02"
    assert datum_word("BD09") == "bd09" and datum_word("CGCS2000") == "cgcs2000"
    assert datum_word("EPSG:4326") == "wgs84" and datum_word("epsg:4490") == "cgcs2000"
    assert datum_word("EPSG:32650") is None and datum_word("mars") is None
