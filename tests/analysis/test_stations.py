"""Tests for firecover.analysis.stations: reading CSV / GeoJSON / TOML station files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pyproj import Geod, Transformer

from firecover._errors import (
    DataFormatError,
    FirecoverError,
    InputFileError,
    ScenarioError,
    UnsupportedCRSError,
)
from firecover.analysis.station_spec import StationSpec
from firecover.analysis.stations import read_stations_file

DATA = Path(__file__).resolve().parents[1] / "data" / "stations"
HEADER = "name,lon,lat,class\n"


def _csv(tmp_path: Path, body: str, name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


def _error(path: Path, kind: type[FirecoverError]) -> str:
    """Read ``path`` expecting ``kind``; return the message after checking it is one line."""
    with pytest.raises(kind) as info:
        read_stations_file(path)
    msg = str(info.value)
    assert isinstance(info.value, FirecoverError)
    assert "\n" not in msg and msg.strip() == msg and msg
    return msg


# --------------------------------------------------------------------------- formats


def test_csv_utf8_with_bom_classes_status_and_defaults() -> None:
    assert (DATA / "stations_utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    st = read_stations_file(DATA / "stations_utf8_bom.csv")
    assert all(isinstance(s, StationSpec) for s in st)
    # the BOM must not end up in the first column name (else "name" would be missing)
    assert [s.name for s in st] == ["一号站", "二号站", "小站", "Port Special"]
    assert [s.class_key for s in st] == ["level1", "level2", "small", "special"]
    assert [s.class_name for s in st] == ["一级", "二级普通消防站", "小型站", "Special"]
    assert [s.status for s in st] == ["existing", "proposed", "existing", "existing"]
    assert [s.year for s in st] == [None, 2026, None, 2010]
    assert [s.urban_edge for s in st] == [False, True, False, False]
    assert st[1].build_type == "new"  # proposed without build_type
    assert st[0].source == "survey 2023"
    assert st[2].source == "station file stations_utf8_bom.csv"  # empty cell → default
    assert (st[0].lon, st[0].lat) == (117.20, 39.12)
    assert all(s.datum == "wgs84" for s in st)
    assert [s.index for s in st] == [1, 2, 3, 4]


def test_csv_gbk_and_datum_names_in_the_crs_column() -> None:
    raw = (DATA / "stations_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    st = read_stations_file(DATA / "stations_gbk.csv")
    assert [s.name for s in st] == ["和平站", "河西站", "保障站"]
    assert [s.class_key for s in st] == ["level1", "small", "logistics"]
    assert [s.datum for s in st] == ["gcj02", "bd09", "wgs84"]
    # a datum name only labels the coordinates; it never converts them
    assert [(s.lon, s.lat) for s in st] == [(117.20, 39.12), (117.21, 39.13), (117.22, 39.14)]
    assert all(s.status == "existing" for s in st)


def test_projected_crs_column_converts_x_y_to_wgs84() -> None:
    st = read_stations_file(DATA / "stations_projected.csv")
    to_ll = Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True)
    for s, (x, y) in zip(st, [(500000.0, 4300000.0), (498765.5, 4301234.25)], strict=True):
        lon, lat = to_ll.transform(x, y)
        assert s.lon == pytest.approx(lon, abs=1e-9)
        assert s.lat == pytest.approx(lat, abs=1e-9)
        assert s.datum == "wgs84"
    # sanity: the UTM 50N central meridian is 117° E
    assert st[0].lon == pytest.approx(117.0, abs=1e-9)
    assert [s.class_key for s in st] == ["level1", "level2"]


def test_projected_crs_column_with_lon_lat_columns(tmp_path: Path) -> None:
    p = _csv(tmp_path, "name,lon,lat,class,crs\nA,501000,4302000,一级,EPSG:32650\n")
    (s,) = read_stations_file(p)
    lon, lat = Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True).transform(
        501000.0, 4302000.0
    )
    assert (s.lon, s.lat) == pytest.approx((lon, lat), abs=1e-9)


def test_geojson_points_with_gdal_crs84_member() -> None:
    st = read_stations_file(DATA / "stations.geojson")
    assert [s.name for s in st] == ["滨江站", "新区站"]
    assert [s.class_key for s in st] == ["level1", "small"]
    assert [(s.lon, s.lat) for s in st] == [(117.2, 39.12), (117.25, 39.1)]
    assert [s.status for s in st] == ["existing", "proposed"]
    assert st[1].year == 2027
    assert st[0].source == "plan map"
    assert st[1].source == "station file stations.geojson"


def test_geojson_projected_crs_member(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32650"}},
        "features": [{"type": "Feature", "properties": {"name": "P", "class": "二级"},
                      "geometry": {"type": "Point", "coordinates": [502000.0, 4301000.0]}}],
    }  # fmt: skip
    p = tmp_path / "p.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    (s,) = read_stations_file(p)
    lon, lat = Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True).transform(
        502000.0, 4301000.0
    )
    assert (s.lon, s.lat) == pytest.approx((lon, lat), abs=1e-9)
    assert s.class_key == "level2"


def test_toml_station_file() -> None:
    st = read_stations_file(DATA / "stations.toml")
    assert [s.name for s in st] == ["特勤一站", "Logistics Depot"]
    assert [s.class_key for s in st] == ["special", "logistics"]
    assert [s.status for s in st] == ["existing", "existing"]
    assert [s.datum for s in st] == ["wgs84", "gcj02"]
    assert st[0].source == "station file stations.toml"
    assert st[1].source == "approximate"


@pytest.mark.parametrize(
    ("written", "key"),
    [("一级", "level1"), ("Level 1", "level1"), ("二级", "level2"), ("level2", "level2"),
     ("小型站", "small"), ("Small", "small"), ("特勤", "special"), ("战勤保障", "logistics")],
)  # fmt: skip
def test_class_aliases(tmp_path: Path, written: str, key: str) -> None:
    (s,) = read_stations_file(_csv(tmp_path, HEADER + f"A,117.2,39.1,{written}\n"))
    assert s.class_key == key
    assert s.class_name == written


# --------------------------------------------------------------------------- non-WGS-84 CRS

#: Shenzhen, inside the area of PROJ's "Beijing 1954 to WGS 84 (3)" (Pearl River basin).
SZ = (114.06, 22.54)
#: Tianjin, where PROJ has no Beijing 1954 transformation (ballpark offset only).
TJ = (117.20, 39.12)
GEOD = Geod(ellps="WGS84")


def _shift_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _one(tmp_path: Path, x: float, y: float, crs: str) -> StationSpec:
    (s,) = read_stations_file(_csv(tmp_path, f"name,lon,lat,class,crs\nA,{x!r},{y!r},一级,{crs}\n"))
    return s


def test_beijing1954_geographic_crs_is_converted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="firecover.analysis.stations"):
        s = _one(tmp_path, *SZ, "EPSG:4214")
    oracle = Transformer.from_crs("EPSG:4214", "EPSG:4326", always_xy=True).transform(*SZ)
    assert (s.lon, s.lat) == pytest.approx(oracle, abs=1e-9)
    # the datum shift really happened: tens of metres, not zero and not a unit blunder
    assert 20.0 < _shift_m(SZ, (s.lon, s.lat)) < 200.0
    assert s.datum == "wgs84"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Beijing 1954 to WGS 84" in caplog.text


def test_cgcs2000_epsg_code_is_within_centimetres(tmp_path: Path) -> None:
    s = _one(tmp_path, *TJ, "EPSG:4490")
    oracle = Transformer.from_crs("EPSG:4490", "EPSG:4326", always_xy=True).transform(*TJ)
    assert (s.lon, s.lat) == pytest.approx(oracle, abs=1e-9)
    assert _shift_m(TJ, (s.lon, s.lat)) < 0.05
    assert s.datum == "wgs84"
    # the datum name keeps labelling the coordinates (firecover.network.coords treats it as WGS-84)
    named = _one(tmp_path, *TJ, "cgcs2000")
    assert (named.lon, named.lat, named.datum) == (*TJ, "cgcs2000")


def test_ballpark_transformation_is_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="firecover.analysis.stations"):
        s = _one(tmp_path, *TJ, "EPSG:4214")
    oracle = Transformer.from_crs("EPSG:4214", "EPSG:4326", always_xy=True).transform(*TJ)
    assert (s.lon, s.lat) == pytest.approx(oracle, abs=1e-9)
    (rec,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "ballpark" in rec.getMessage() and "Beijing 1954" in rec.getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="firecover.analysis.stations"):
        _one(tmp_path, *TJ, "EPSG:4490")  # CGCS2000: the ballpark offset is accurate
    assert not caplog.records


def test_beijing1954_projected_crs_matches_the_geographic_path(tmp_path: Path) -> None:
    x, y = Transformer.from_crs("EPSG:4214", "EPSG:2435", always_xy=True).transform(*SZ)
    s = _one(tmp_path, x, y, "EPSG:2435")  # Beijing 1954 / 3-degree GK CM 114E, metres
    oracle = Transformer.from_crs("EPSG:2435", "EPSG:4326", always_xy=True).transform(x, y)
    assert (s.lon, s.lat) == pytest.approx(oracle, abs=1e-9)
    geo = _one(tmp_path, *SZ, "EPSG:4214")
    assert _shift_m((s.lon, s.lat), (geo.lon, geo.lat)) < 0.01
    assert _shift_m(SZ, (s.lon, s.lat)) > 20.0


def test_geojson_crs_member_with_a_geographic_crs(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4214"}},
        "features": [{"type": "Feature", "properties": {"name": "G", "class": "一级"},
                      "geometry": {"type": "Point", "coordinates": list(SZ)}}],
    }  # fmt: skip
    p = tmp_path / "g.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    (s,) = read_stations_file(p)
    oracle = Transformer.from_crs("EPSG:4214", "EPSG:4326", always_xy=True).transform(*SZ)
    assert (s.lon, s.lat) == pytest.approx(oracle, abs=1e-9)
    assert _shift_m(SZ, (s.lon, s.lat)) > 20.0


def test_geographic_crs_with_swapped_degrees_reports_the_swap(tmp_path: Path) -> None:
    body = "name,lon,lat,class,crs\nA,22.54,114.06,一级,EPSG:4214\n"
    msg = _error(_csv(tmp_path, body), ScenarioError)
    assert "swapped" in msg


def test_geocentric_crs_is_refused(tmp_path: Path) -> None:
    body = "name,lon,lat,class,crs\nA,-2180000,4380000,一级,EPSG:4978\n"
    msg = _error(_csv(tmp_path, body), UnsupportedCRSError)
    assert "EPSG:4978" in msg and "geographic or projected" in msg


# --------------------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    msg = _error(tmp_path / "nope.csv", InputFileError)
    assert "nope.csv" in msg
    with pytest.raises(FileNotFoundError):  # also the built-in
        read_stations_file(tmp_path / "nope.csv")


def test_unsupported_suffix(tmp_path: Path) -> None:
    p = tmp_path / "stations.xlsx"
    p.write_bytes(b"PK\x03\x04")
    msg = _error(p, DataFormatError)
    assert ".xlsx" in msg and ".csv" in msg


@pytest.mark.parametrize(
    ("name", "body"),
    [("empty.csv", ""), ("header.csv", HEADER), ("blank.csv", HEADER + ",,,\n"),
     ("empty.toml", "# nothing\n"),
     ("empty.geojson", '{"type": "FeatureCollection", "features": []}')],
)  # fmt: skip
def test_empty_files(tmp_path: Path, name: str, body: str) -> None:
    msg = _error(_csv(tmp_path, body, name), DataFormatError)
    assert "no stations" in msg


def test_unknown_class_lists_allowed_classes(tmp_path: Path) -> None:
    msg = _error(_csv(tmp_path, HEADER + "A,117.2,39.1,一级\nB,117.2,39.1,tiny\n"), ScenarioError)
    assert '"tiny"' in msg and "class" in msg and '"B"' in msg
    for allowed in ("level1", "level2", "small", "special", "logistics", "小型站"):
        assert allowed in msg


def test_unknown_column(tmp_path: Path) -> None:
    msg = _error(_csv(tmp_path, "name,lon,lat,class,phone\nA,117.2,39.1,一级,110\n"),
                 ScenarioError)  # fmt: skip
    assert "phone" in msg and "unknown column" in msg and "'A'" in msg


def test_swapped_lon_lat(tmp_path: Path) -> None:
    msg = _error(_csv(tmp_path, HEADER + "A,39.12,117.2,一级\n"), ScenarioError)
    assert "lat" in msg and "swapped" in msg


@pytest.mark.parametrize(("lon", "lat", "field"), [("117.2", "95", "lat"), ("190", "39", "lon")])
def test_out_of_range_coordinates(tmp_path: Path, lon: str, lat: str, field: str) -> None:
    msg = _error(_csv(tmp_path, HEADER + f"A,{lon},{lat},一级\n"), ScenarioError)
    assert f'"{field}"' in msg
    assert "swapped" not in msg


def test_duplicate_names_csv(tmp_path: Path) -> None:
    body = HEADER + "东站,117.2,39.1,一级\n西站,117.3,39.1,一级\n东站 ,117.4,39.1,二级\n"
    msg = _error(_csv(tmp_path, body), ScenarioError)
    assert "duplicate" in msg and "东站" in msg and "station 3" in msg and "station 1" in msg
    assert "None" not in msg


def test_duplicate_names_toml_cite_lines(tmp_path: Path) -> None:
    text = ('[[station]]\nname = "A"\nclass = "一级"\nlon = 117.2\nlat = 39.1\n\n'
            '[[station]]\nname = "a"\nclass = "一级"\nlon = 117.3\nlat = 39.1\n')  # fmt: skip
    msg = _error(_csv(tmp_path, text, "s.toml"), ScenarioError)
    assert "duplicate" in msg and "line 1" in msg


def test_non_point_geojson(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A", "class": "一级"},
         "geometry": {"type": "Point", "coordinates": [117.2, 39.1]}},
        {"type": "Feature", "properties": {"name": "B", "class": "一级"},
         "geometry": {"type": "Polygon", "coordinates": [[[117, 39], [117.1, 39], [117, 39.1],
                                                           [117, 39]]]}}]}  # fmt: skip
    p = tmp_path / "s.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    msg = _error(p, DataFormatError)
    assert "feature 2" in msg and "Point" in msg


def test_geojson_not_a_feature_collection(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text('[{"name": "A"}]', encoding="utf-8")
    assert "FeatureCollection" in _error(p, DataFormatError)
    p.write_text("{not json", encoding="utf-8")
    assert "invalid JSON" in _error(p, DataFormatError)


def test_unknown_crs(tmp_path: Path) -> None:
    msg = _error(_csv(tmp_path, "name,lon,lat,class,crs\nA,117.2,39.1,一级,nosuchcrs\n"),
                 UnsupportedCRSError)  # fmt: skip
    assert "nosuchcrs" in msg


def test_missing_coordinates(tmp_path: Path) -> None:
    msg = _error(_csv(tmp_path, HEADER + "A,,39.1,一级\n"), ScenarioError)
    assert '"lon"' in msg


def test_not_utf8_nor_gbk(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_bytes(HEADER.encode() + b"\xff\xfe\xff,117,39,x\n")
    assert "UTF-8" in _error(p, DataFormatError)
