"""Tests for firecover.analysis.risk_report: loading ``--risk`` and the Markdown section."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from firecover._errors import DataFormatError
from firecover.analysis.risk_report import load_risk_layer, risk_markdown
from firecover.network.coords import project_points
from firecover.outputs.glossary import glossary
from tests.analysis.test_risk_osm import OSM_XML

UTM35 = "EPSG:32635"


def test_osm_means_the_graph_file_and_boundary_clips(tmp_path: Path) -> None:
    osm = tmp_path / "roads.osm"
    osm.write_text(OSM_XML, encoding="utf-8")
    layer, note = load_risk_layer("osm", UTM35, graph_file=osm)
    assert sorted(layer["risk_class"]) == ["hazmat", "high_rise"] and "roads.osm" in note
    # a boundary around the tower only keeps the tower
    x, y = project_points([24.941], [60.1705], UTM35)
    clip = shapely.Point(x[0], y[0]).buffer(80.0)
    inside, _ = load_risk_layer(osm, UTM35, boundary=clip)
    assert list(inside["risk_class"]) == ["high_rise"]
    with pytest.raises(DataFormatError, match=r"\.osm/\.pbf"):
        load_risk_layer("osm", UTM35, graph_file=tmp_path / "roads.graphml")


def test_markdown_lists_late_objects_with_rounding_towards_the_verdict() -> None:
    late = {"id": "R1", "name": "甲厂", "class": "hazmat", "class_zh": "危化品",
            "required_min": 5.0,
            "required_station": "special", "required_by": "特勤一站", "required_by_min": 5.001,
            "first_station": "一站", "first_min": 2.0, "second_station": None,
            "second_min": None, "third_station": None, "third_min": None,
            "reinforce_stations": 3, "reinforce_min": 15.0, "reinforce_count": 1,
            "on_time": False, "reinforce_ok": False}  # fmt: skip
    risk = {"source": "file r.csv", "n_objects": 1,
            "classes": [{"class": "hazmat", "zh": "危化品", "en": "hazardous chemicals",
                         "count": 1, "required_min": 5.0, "required_station": "special",
                         "reinforce_stations": 3, "reinforce_min": 15.0, "late": 1,
                         "reinforce_short": 1, "basis": "our default", "basis_zh": "本软件默认"}],
            "years": [{"year": 2030, "late": 1, "reinforce_short": 1}],
            "late": [late], "reinforce_short": [late],
            "cells": {"budget_min": 5.0, "area_km2": 1.0, "first_within_budget_km2": 1.0,
                      "second_within_budget_km2": 0.5, "third_within_budget_km2": 0.0}}  # fmt: skip
    md = "\n".join(risk_markdown(risk, glossary("zh")))
    assert "| 甲厂 | 危化品 | 5 min 特勤站 | 一站 2 min | 特勤一站 5.01 min |" in md  # late: up
    assert "15 分钟内 3 站 (1)" in md and "| 2030 | 1 | 1 |" in md
    assert risk_markdown(None, glossary("zh")) == []
