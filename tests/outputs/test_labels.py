"""Labels for engine codes: road classes, risk levels, source notes, in each language."""

from __future__ import annotations

from firecover.network.speeds import load_profile
from firecover.outputs.glossary import Glossary
from firecover.outputs.labels import risk_label, road_class_label, source_note

ZH, EN = Glossary("zh"), Glossary("en")


def test_road_classes_follow_design_md() -> None:
    # DESIGN.md: 快速路→motorway, 主干路→primary, 次干路→secondary, 支路→residential
    assert [road_class_label(c, ZH) for c in ("motorway", "primary", "secondary", "residential")] \
        == ["快速路", "主干路", "次干路", "支路"]  # fmt: skip
    assert road_class_label("primary_link", ZH) == "主干路匝道"
    assert road_class_label("primary_link", EN) == "Primary road link"
    assert road_class_label("footway", ZH) == "footway"  # unknown: as given


def test_every_class_of_the_speed_profiles_has_a_chinese_label() -> None:
    for name in ("china_urban",):
        for cls in load_profile(name).speeds_kph:
            label = road_class_label(cls, ZH)
            assert label != cls and not any("a" <= ch.lower() <= "z" for ch in label), cls


def test_risk_and_sources() -> None:
    assert risk_label("LOW", ZH) == "低" and risk_label("高", ZH) == "高"
    assert source_note("file /x/boundary.geojson", ZH) == "文件 /x/boundary.geojson"
    assert source_note("file /x/b.geojson", EN) == "file /x/b.geojson"
    assert source_note("admin 天津市/和平区", ZH) == "admin 天津市/和平区"
