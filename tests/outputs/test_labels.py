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


def test_travel_model_label_in_chinese() -> None:
    from firecover.network.periods import travel_model_line
    from firecover.outputs.glossary import glossary
    from firecover.outputs.labels import travel_model_label

    zh = glossary("zh")
    line = travel_model_line("china_urban", None, None, "turns: off")
    assert travel_model_label(line, zh) == (
        "行车时间模型：速度方案 china_urban · 时段：基准（不分时段） · 未计转向与路口延误 · "
        "未标定（采用速度方案假设）"
    )
    on = ("turns: restrictions 45 (26 on the network), signals 117, stop/give-way 3, "
          "penalties on (U-turns dead_end)")  # fmt: skip
    text = travel_model_label(travel_model_line("p", "am_peak", "runs.csv", on), zh)
    assert "时段 am_peak" in text and "车速标定 runs.csv" in text
    assert "禁转 45 处（路网上 26 处），信号灯 117 处，停车/让行 3 处" in text
    assert travel_model_label("odd · part", zh).endswith("odd · part")  # unknown kept
    assert travel_model_label(line, glossary("en")).startswith("Travel-time model: profile")
