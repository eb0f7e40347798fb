"""firecover.standards: classes and aliases, area limits, the station check, district summary."""

from __future__ import annotations

import doctest
import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import firecover.standards.check as standards_module
from firecover._errors import DataFormatError, FirecoverError, InputFileError, StationClassError
from firecover.settings import DEFAULTS
from firecover.standards import (
    DEFAULT_PROFILE,
    StationCheck,
    area_limit,
    bundled_profiles,
    check_stations,
    district_summary,
    implied_population,
    load_standards,
    station_class,
)

STD = load_standards()
PROFILE_TEXT = (
    resources.files("firecover.data")
    .joinpath("standards", f"{DEFAULT_PROFILE}.toml")
    .read_text(encoding="utf-8")
)


def _one(
    cls: str, area: float, arrival: float = 4.0, share: float = 1.0, **kw: object
) -> StationCheck:
    return check_stations(["站"], [cls], [area], [arrival], [share], **kw)[0]


# --------------------------------------------------------------------------- profile


def test_default_profile_is_bundled_and_cited() -> None:
    assert DEFAULT_PROFILE in bundled_profiles()
    assert STD.profile == DEFAULT_PROFILE
    assert load_standards(DEFAULT_PROFILE) is STD  # bundled profiles are cached
    assert "GB 51080-2015" in STD.title and "建标152-2017" in STD.title
    assert "GB 51080-2017" not in PROFILE_TEXT.replace('mis-cite it as "GB 51080-2017"', "")
    assert all(s.startswith("http") for s in STD.sources)
    assert list(STD.classes) == ["level1", "level2", "small", "special", "logistics"]


def test_profile_budget_matches_settings() -> None:
    assert STD.budget.turnout_min == DEFAULTS.turnout_min == 1.0
    assert STD.budget.driving_min == DEFAULTS.driving_min == 4.0
    assert STD.budget.response_min == DEFAULTS.response_min == 5.0
    assert "GB 51080-2015 §4.1.3-1" in STD.budget.clauses


def test_clauses_recorded() -> None:
    assert STD.classes["level1"].clauses == ("GB 51080-2015 §4.1.3-2", "建标152-2017")
    assert STD.classes["small"].clauses == ("建标152-2017",)
    assert "GB 51080-2015 §4.1.3-3" in STD.classes["special"].clauses
    assert "GB 51080-2015 §4.1.3-3" in STD.classes["logistics"].clauses
    assert STD.barriers.clauses == ("GB 51080-2015 §4.1.3-4",)
    assert STD.adjacency.clauses == ("建标152-2017",)
    assert STD.urban_edge.limit_km2 == 15.0


def test_load_by_path(tmp_path: Path) -> None:
    p = tmp_path / "city.toml"
    p.write_text(PROFILE_TEXT, encoding="utf-8")
    std = load_standards(p)
    assert std.path == str(p) and std.classes["level2"].area_limit_km2 == 4.0
    assert load_standards(str(p)).profile == DEFAULT_PROFILE


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=DEFAULT_PROFILE):
        load_standards(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ('profile = "gb51080_jianbiao152"', 'profile = "x"\ncolour = "red"', "'colour'"),
        (
            'zh_short = "一级普通"',
            'zh_short = "一级普通"\nradius_km = 2',
            "classes.level1.radius_km",
        ),
        ("turnout_min = 1.0", "", "budget.turnout_min' is missing"),
        ("driving_min = 4.0", 'driving_min = "4"', "budget.driving_min"),
        ("area_limit_km2 = 4.0", "area_limit_km2 = -4.0", "classes.level2.area_limit_km2"),
        ("failure = true", "failure = 0", "barriers.failure"),
        ('"class 2", ', '"class 2", "一级", ', "一级"),
        ("district = false", "district = false\narea_limit_km2 = 1.0", "logistics.area_limit_km2"),
        ("[budget]", "[budget", "not valid TOML"),
    ],
)
def test_strict_validation(tmp_path: Path, old: str, new: str, match: str) -> None:
    text = PROFILE_TEXT
    assert old in text
    p = tmp_path / "bad.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFormatError, match=match) as err:
        load_standards(p)
    assert str(p) in str(err.value) and "\n" not in str(err.value)


def test_standards_to_dict_is_json() -> None:
    d = json.loads(json.dumps(STD.to_dict(), allow_nan=False))
    assert d["classes"]["logistics"]["area_limit_km2"] is None
    assert d["budget"]["response_min"] == 5.0


# --------------------------------------------------------------------------- classes and aliases

ALIASES = {
    "level1": ["一级普通", "一级", "一级站", "一级普通消防站", "class 1", "level 1", "standard"],
    "level2": ["二级普通", "二级", "二级站", "二级普通消防站", "class 2", "level 2"],
    "small": ["小型站", "小型", "小型普通消防站", "小型消防站", "mini"],
    "special": ["特勤", "特勤站", "特勤消防站", "special duty"],
    "logistics": ["战勤保障", "战勤保障站", "support"],
}


@pytest.mark.parametrize(("key", "name"), [(k, n) for k, ns in ALIASES.items() for n in ns])
def test_brief_aliases_resolve(key: str, name: str) -> None:
    assert station_class(name).key == key


def test_every_profile_name_resolves() -> None:
    for key, cls in STD.classes.items():
        for name in cls.names():
            assert station_class(name, STD).key == key, name
        assert cls.zh and cls.en and cls.zh_short


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("  Level 1 ", "level1"),
        ("LEVEL-1", "level1"),
        ("ＬＥＶＥＬ　１", "level1"),  # full-width letters, digit and space
        ("Ｃｌａｓｓ２", "level2"),
        ("一级 普通", "level1"),
        ("Special_Duty", "special"),
        ("MINI", "small"),
    ],
)
def test_aliases_fold_case_width_and_space(name: str, key: str) -> None:
    assert station_class(name).key == key


def test_unknown_class_lists_allowed() -> None:
    with pytest.raises(StationClassError) as err:
        station_class("三级")
    msg = str(err.value)
    assert "'三级'" in msg and "\n" not in msg
    for key in ("level1", "level2", "small", "special", "logistics"):
        assert key in msg
    assert isinstance(err.value, ValueError) and isinstance(err.value, FirecoverError)


def test_station_class_passthrough() -> None:
    cls = STD.classes["small"]
    assert station_class(cls) is cls


# --------------------------------------------------------------------------- area limits


def test_area_limits() -> None:
    assert area_limit("level1") == 7.0
    assert area_limit("level2") == 4.0
    assert area_limit("small") == 2.0
    assert area_limit("special") == 7.0
    assert area_limit("logistics") is None


def test_urban_edge_limits() -> None:
    # GB 51080-2015 §4.1.3-2 writes the 15 km² cap for ordinary stations (一级, 二级) and §4.1.3-3
    # sizes a 特勤 district like an ordinary one; 小型站 (dense cores, 建标152-2017) keeps 2 km².
    assert area_limit("一级", urban_edge=True) == 15.0
    assert area_limit("二级", urban_edge=True) == 15.0
    assert area_limit("特勤", urban_edge=True) == 15.0
    assert area_limit("小型站", urban_edge=True) == 2.0
    assert area_limit("战勤保障", urban_edge=True) is None


def test_overrides_win() -> None:
    ov = {"一级": 9.0, "五大道消防救援站": 2.4}
    assert area_limit("level1", overrides=ov) == 9.0
    assert area_limit("level1", urban_edge=True, overrides=ov) == 9.0
    assert area_limit("level1", overrides=ov, name="五大道消防救援站") == 2.4
    assert area_limit("small", overrides=ov, name="五大道消防救援站") == 2.4
    assert area_limit("level2", overrides=ov) == 4.0


@pytest.mark.parametrize(
    "ov",
    [{"level1": 0.0}, {"level1": math.nan}, {"level1": "7"}, {"一级": 8.0, "level1": 9.0}],
)
def test_bad_overrides(ov: dict[str, object]) -> None:
    with pytest.raises(DataFormatError):
        area_limit("level1", overrides=ov)


def test_override_on_logistics_refused() -> None:
    with pytest.raises(DataFormatError, match="no district"):
        area_limit("logistics", overrides={"support": 5.0})


# --------------------------------------------------------------------------- check_stations


def test_level1_8km2_fails_on_area() -> None:
    c = _one("一级", 8.0)
    assert not c.compliant
    assert c.checks["area"] is False and c.checks["five_minute"] is True
    assert c.reasons == ["辖区面积 8 km² 超过 7 km² 限值 / district 8 km² exceeds the 7 km² limit"]
    assert "GB 51080-2015 §4.1.3-2" in c.clauses


def test_area_reason_format_with_decimal() -> None:
    c = _one("level1", 8.2)
    assert (
        "辖区面积 8.2 km² 超过 7 km² 限值 / district 8.2 km² exceeds the 7 km² limit" in c.reasons
    )


def test_6km2_with_5_5_min_fails_on_time() -> None:
    c = _one("level1", 6.0, arrival=5.5, share=0.9)
    assert not c.compliant
    assert c.checks == {"area": True, "five_minute": False, "adjacency": None, "barrier": None}
    assert len(c.reasons) == 1
    assert "5.5 min" in c.reasons[0] and "exceeds 5 min" in c.reasons[0]
    assert "90%" in c.reasons[0]
    assert "GB 51080-2015 §4.1.3-1" in c.clauses


def test_compliant_station() -> None:
    c = _one("level1", 6.5, arrival=4.8)
    assert c.compliant and c.reasons == [] and c.warnings == []
    assert c.limit_km2 == 7.0 and c.limit_basis == "standard" and c.budget_min == 5.0


def test_exactly_at_limits_passes() -> None:
    assert _one("level2", 4.0, arrival=5.0).compliant


def test_unreachable_part_fails() -> None:
    assert not _one("level1", 3.0, arrival=math.inf, share=0.95).compliant


def test_share_fallback_when_no_arrival() -> None:
    c = _one("level1", 3.0, arrival=math.nan, share=0.8)
    assert not c.compliant and "80%" in c.reasons[0]
    assert _one("level1", 3.0, arrival=math.nan, share=1.0).compliant


def test_inconsistent_arrival_and_share_warns() -> None:
    c = _one("level1", 3.0, arrival=4.0, share=0.5)
    assert c.compliant and c.warnings and "50%" in c.warnings[0]


def test_nothing_given_warns_not_checked() -> None:
    c = check_stations(["a"], ["level1"], [math.nan], None, None)[0]
    assert c.compliant and c.checks["area"] is None and c.checks["five_minute"] is None
    assert any("not checked" in w for w in c.warnings)


def test_budget_override() -> None:
    assert _one("level1", 6.0, arrival=5.5, budget_min=6.0).compliant
    with pytest.raises(DataFormatError):
        _one("level1", 6.0, budget_min=0.0)


def test_small_station_not_adjoining_fails() -> None:
    c = _one("小型站", 1.5, adjoins_full_station=[False])
    assert not c.compliant and c.checks["adjacency"] is False
    assert "未与" in c.reasons[0] and "adjoins no" in c.reasons[0]
    assert "建标152-2017" in c.clauses
    assert _one("小型站", 1.5, adjoins_full_station=[True]).compliant


def test_small_station_adjacency_unknown_warns() -> None:
    c = _one("小型站", 1.5)
    assert c.compliant and c.checks["adjacency"] is None
    assert any("adjacency not given" in w for w in c.warnings)


def test_adjacency_ignored_for_full_stations() -> None:
    assert _one("一级", 5.0, adjoins_full_station=[False]).compliant


def test_small_station_urban_edge() -> None:
    c = _one("small", 3.0, urban_edge=True)
    assert not c.compliant and c.limit_km2 == 2.0
    assert any("urban-edge limit does not apply" in w for w in c.warnings)


def test_urban_edge_level1() -> None:
    c = _one("level1", 12.0, urban_edge=[True])
    assert c.compliant and c.limit_km2 == 15.0 and c.limit_basis == "urban_edge"
    assert not _one("level1", 16.0, urban_edge=True).compliant


def test_overrides_in_check() -> None:
    res = check_stations(
        ["劝业场", "五大道"],
        ["一级", "一级"],
        [9.0, 2.6],
        [4.5, 4.0],
        [1.0, 1.0],
        overrides={"level1": 10.0, "五大道": 2.4},
    )
    assert res[0].compliant and res[0].limit_km2 == 10.0 and res[0].limit_basis == "override"
    assert not res[1].compliant and res[1].limit_km2 == 2.4
    assert "火灾风险评估" in res[1].reasons[0]


def test_unknown_override_key_refused() -> None:
    with pytest.raises(DataFormatError, match="neither a station name nor a class"):
        check_stations(["a"], ["level1"], [1.0], [4.0], [1.0], overrides={"b": 3.0})


def test_barrier_fails_by_default_and_warns_on_request() -> None:
    """Issue 12: the barrier rule is a check (GB 51080-2015 §4.1.3-4), not a note."""
    c = _one("level1", 5.0, straddled_barrier_km2=[0.8])
    assert not c.compliant and c.checks["barrier"] is False and c.verdict == "fail"
    assert "0.8 km²" in c.reasons[0] and "GB 51080-2015 §4.1.3-4" in c.clauses
    warn = _one("level1", 5.0, straddled_barrier_km2=[0.8], barrier_is_failure=False)
    assert warn.compliant and "0.8 km²" in warn.warnings[0]
    assert _one("level1", 5.0, straddled_barrier_km2=[0.0]).checks["barrier"] is True


def test_barrier_names_each_barrier_crossed() -> None:
    crossed = [[("expressway", "京津塘高速", 1.61), ("river", "海河", 0.8)]]
    c = _one("level1", 6.0, straddled_barrier_km2=[2.41], barrier_crossings=crossed)
    text = c.reasons[0]
    assert "京津塘高速" in text and "1.61 km²" in text and "海河" in text and "0.8 km²" in text
    assert "2.41 km²" in text and "40%" in text  # 2.41 / 6 = 40.2 %, shown rounded down
    assert c.to_dict()["barriers_crossed"][0] == {"kind": "expressway", "name": "京津塘高速",
                                                  "km2": 1.61}  # fmt: skip


@given(
    beyond=st.floats(0.0, 5.0),
    area=st.floats(0.01, 10.0),
    min_km2=st.floats(0.0, 1.0),
    min_share=st.floats(0.0, 0.5),
)
def test_barrier_slivers_below_both_thresholds_are_ignored(
    beyond: float, area: float, min_km2: float, min_share: float
) -> None:
    beyond = min(beyond, area)
    c = _one("level1", area, arrival=4.0, straddled_barrier_km2=[beyond],
             barrier_min_km2=min_km2, barrier_min_share=min_share)  # fmt: skip
    counts = beyond > 1e-6 and beyond >= min_km2 and beyond / area >= min_share
    assert c.checks["barrier"] is (not counts)
    assert c.compliant is (not counts) or area > 7.0


def test_barrier_default_thresholds_are_the_settings() -> None:
    from firecover.settings import DEFAULTS

    assert (DEFAULTS.barrier_min_km2, DEFAULTS.barrier_min_share) == (0.1, 0.02)
    assert _one("level1", 5.0, straddled_barrier_km2=[0.02]).checks["barrier"] is True  # sliver
    assert _one("level1", 5.0, straddled_barrier_km2=[0.09]).checks["barrier"] is True
    assert _one("level1", 5.0, straddled_barrier_km2=[0.11]).checks["barrier"] is False
    assert _one("level1", 6.9, straddled_barrier_km2=[0.12]).checks["barrier"] is True  # 1.7 %


def test_verdicts_no_district_and_outside() -> None:
    res = check_stations(["a", "b", "c"], ["战勤保障", "level1", "level1"], [0.0, 0.0, 3.0],
                         [math.nan, math.nan, 4.0], [math.nan, math.nan, 1.0])  # fmt: skip
    assert [r.verdict for r in res] == ["no_district", "outside", "pass"]
    assert res[0].verdict_label == "无辖区 no district"
    assert res[1].verdict_label == "规划区外 outside the planning area"
    assert all("达标" not in r.verdict_label for r in res[:2])


def test_logistics_with_area_is_noted_not_failed() -> None:
    c = _one("战勤保障站", 3.0, arrival=9.0)
    assert c.compliant and c.limit_km2 is None and c.limit_basis == "none"
    assert c.checks == dict.fromkeys(("area", "five_minute", "adjacency", "barrier"))
    assert "3 km²" in c.warnings[0]
    assert _one("support", 0.0, arrival=math.nan, share=math.nan).warnings == []


def test_arrays_and_scalars_broadcast() -> None:
    res = check_stations(
        np.array(["a", "b", "c"]),
        ["level1", "level2", "special"],
        np.array([6.0, 5.0, 7.0]),
        4.0,
        1.0,
        urban_edge=np.array([False, True, False]),
    )
    assert [r.compliant for r in res] == [True, True, True]
    assert [r.limit_km2 for r in res] == [7.0, 15.0, 7.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"names": ["a", "a"]}, "duplicate station name"),
        ({"classes": ["level1"]}, "classes has 1 values"),
        ({"jurisdiction_km2": [1.0]}, "jurisdiction_km2"),
        ({"jurisdiction_km2": [-1.0, 1.0]}, "jurisdiction_km2"),
        ({"reached_share": [1.2, 1.0]}, "reached_share"),
        ({"adjoins_full_station": [True]}, "adjoins_full_station"),
        ({"adjoins_full_station": ["yes", "no"]}, "adjoins_full_station"),
    ],
)
def test_bad_inputs(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "names": ["a", "b"],
        "classes": ["level1", "level1"],
        "jurisdiction_km2": [1.0, 2.0],
        "max_arrival_min": [4.0, 4.0],
        "reached_share": [1.0, 1.0],
    }
    args.update(kwargs)
    with pytest.raises(DataFormatError, match=match):
        check_stations(**args)


def test_unknown_class_in_check() -> None:
    with pytest.raises(StationClassError, match="level1"):
        check_stations(["a"], ["tower"], [1.0], [4.0], [1.0])


def test_check_to_dict_is_json_safe() -> None:
    res = check_stations(
        ["a", "b", "c"],
        ["level1", "small", "logistics"],
        [8.0, math.nan, 1.0],
        [math.inf, math.nan, math.nan],
        [0.7, math.nan, math.nan],
    )
    for r in res:
        d = r.to_dict()
        again = json.loads(json.dumps(d, allow_nan=False, ensure_ascii=False))
        assert again == d
        assert list(d) == [
            "name", "class_key", "class_zh", "class_en", "limit_km2", "limit_basis",
            "jurisdiction_km2", "max_arrival_min", "reached_share", "budget_min", "compliant",
            "checks", "reasons", "warnings", "clauses", "verdict", "barriers_crossed",
        ]  # fmt: skip
    assert res[0].to_dict()["max_arrival_min"] is None


@settings(max_examples=200, deadline=None)
@given(
    cls=st.sampled_from(["level1", "level2", "small", "special"]),
    area=st.floats(0.0, 30.0),
    arrival=st.one_of(st.just(math.nan), st.floats(0.0, 10.0)),
    share=st.one_of(st.just(math.nan), st.floats(0.0, 1.0)),
    limit=st.floats(0.1, 20.0),
    extra=st.floats(0.0, 20.0),
    by_name=st.booleans(),
    edge=st.booleans(),
    adjoins=st.sampled_from([None, True, False]),
    barrier=st.one_of(st.just(math.nan), st.floats(0.0, 5.0)),
)
def test_raising_a_limit_never_breaks_compliance(
    cls: str,
    area: float,
    arrival: float,
    share: float,
    limit: float,
    extra: float,
    by_name: bool,
    edge: bool,
    adjoins: bool | None,
    barrier: float,
) -> None:
    key = "s1" if by_name else cls

    def run(lim: float) -> StationCheck:
        return check_stations(
            ["s1"],
            [cls],
            [area],
            [arrival],
            [share],
            urban_edge=edge,
            overrides={key: lim},
            adjoins_full_station=[adjoins],
            straddled_barrier_km2=[barrier],
            standards=STD,
        )[0]

    low, high = run(limit), run(limit + extra)
    if low.compliant:
        assert high.compliant
    if high.checks["area"] is False:
        assert low.checks["area"] is False

    def others(c: StationCheck) -> list[str]:
        return [r for r in c.reasons if "km² 超过" not in r]

    assert others(high) == others(low)


@settings(max_examples=100, deadline=None)
@given(
    cls=st.sampled_from(["level1", "level2", "small", "special"]),
    area=st.floats(0.0, 30.0),
    edge=st.booleans(),
)
def test_standard_limits_are_monotone_in_area(cls: str, area: float, edge: bool) -> None:
    c = _one(cls, area, urban_edge=edge, standards=STD)
    limit = area_limit(cls, urban_edge=edge, standards=STD)
    assert limit is not None
    assert c.checks["area"] is (area <= limit)


# --------------------------------------------------------------------------- district summary


def test_liangping_area_count() -> None:
    # Seed 004 (梁平区消防救援事业发展“十四五”规划, 第一章第二节):
    # "截至2020年，我区建成区面积30平方公里，共建成消防站1个，
    # 未达到'普通消防站辖区面积不宜大于7平方公里'的国家标准".
    s = district_summary(30.0, 7.0, ["一级普通"])
    assert s.stations_needed == math.ceil(30 / 7) == 5
    assert s.stations_counted == 1 and s.shortfall == 4
    assert s.limit_km2 == 7.0 and s.limit_class == "level1"
    assert s.covered_share == pytest.approx(7 / 30) and s.uncovered_km2 == pytest.approx(23.0)
    # the plan's one new station (工业园消防站, 一级普通, 附件1) leaves 3 to build
    assert district_summary(30.0, 14.0, ["一级", "一级普通"]).shortfall == 3


def test_liangping_per_capita_worked_example() -> None:
    # Seed 004, 专栏3 indicator 2 "十万人拥有消防救援站": 0.16 (2020) -> 0.31 (2025 target), with
    # 1 station in 2020 and 1 + 工业园消防站 = 2 by 2025. Implied population: 1 / 0.16 * 100,000 =
    # 625,000 in 2020 and 2 / 0.31 * 100,000 ≈ 645,000 in 2025 (the plan states no population).
    assert implied_population(1, 0.16) == pytest.approx(625_000.0)
    assert implied_population(2, 0.31) == pytest.approx(645_161.3, abs=0.1)
    s2020 = district_summary(30.0, 7.0, ["level1"], population=625_000)
    assert s2020.stations_per_100k == pytest.approx(0.16)
    s2025 = district_summary(30.0, 14.0, ["level1", "level1"], population=645_000)
    assert round(s2025.stations_per_100k or 0.0, 2) == 0.31


def test_summary_excludes_logistics_from_count() -> None:
    s = district_summary(20.0, 20.0, ["level1", "special", "logistics"], population=1e5)
    assert s.stations_total == 3 and s.stations_counted == 2
    assert "logistics" not in s.counted_classes and s.by_class["logistics"] == 1
    assert s.stations_needed == 3 and s.shortfall == 1
    assert s.stations_per_100k == pytest.approx(3.0)


def test_summary_core_limit_and_exact_multiple() -> None:
    assert district_summary(28.0, 0.0, []).stations_needed == 4
    assert district_summary(8.0, 0.0, [], limit_for_count="二级").stations_needed == 2
    assert district_summary(8.0, 0.0, [], limit_for_count="small").stations_needed == 4
    with pytest.raises(StationClassError, match="no district limit"):
        district_summary(8.0, 0.0, [], limit_for_count="logistics")


@pytest.mark.parametrize(
    ("area", "covered", "population"),
    [(0.0, 0.0, None), (10.0, 11.0, None), (10.0, -1.0, None), (10.0, 5.0, 0.0)],
)
def test_summary_bad_inputs(area: float, covered: float, population: float | None) -> None:
    with pytest.raises(DataFormatError):
        district_summary(area, covered, ["level1"], population=population)


def test_summary_to_dict_is_json_safe() -> None:
    d = district_summary(30.0, 7.0, ["level1"]).to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["population"] is None and d["stations_needed"] == 5


def test_docstring_examples() -> None:
    result = doctest.testmod(standards_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 3
