"""firecover.plan.scenario: the TOML scenario format, its errors and the station timeline."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import InputFileError, ScenarioError
from firecover.plan.scenario import (
    Scenario,
    default_scenario_path,
    load_scenario,
    parse_scenario,
)

ROOT = Path(__file__).resolve().parents[2]
LABEL = "scenarios/x.toml"
CLASS_KEYS = "level1 (一级普通), level2 (二级普通), small (小型站)"

HEAD = """\
[scenario]
name = "test"
first_year = 2021
last_year = 2025

[scenario.graph]
place = "和平区, 天津市, 中国"
"""


def station(name: str, **fields: object) -> str:
    """A [[station]] table; ``fields`` override the defaults (None drops a key)."""
    base: dict[str, object] = {
        "class": "一级",
        "status": "existing",
        "lon": 117.2,
        "lat": 39.1,
        "source": "test",
    }
    base.update(fields)
    lines = ["", "[[station]]", f'name = "{name}"']
    for key, value in base.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def heping_like() -> str:
    return (
        HEAD
        + station("南京路站")
        + station("五大道站", **{"class": "二级"})
        + station("滨江道站", **{"class": "二级"})
        + station(
            "小白楼",
            **{
                "class": "小型站",
                "status": "规划",
                "year": 2022,
                "build_type": "新建",
                "source": "approximate, from the plan",
            },
        )
        + station(
            "多伦道", **{"class": "小型", "status": "拟建", "year": 2024, "build_type": "合建"}
        )
    )


def parse(text: str, base_dir: Path | None = None) -> Scenario:
    return parse_scenario(text, path=LABEL, base_dir=base_dir or ROOT)


def error(text: str, base_dir: Path | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        parse(text, base_dir)
    return str(info.value)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


# --------------------------------------------------------------------------- the demo


def test_demo_scenario_loads() -> None:
    sc = load_scenario(ROOT / "scenarios" / "demo.toml")
    assert sc.synthetic is True
    assert sc.graph.kind == "file" and sc.graph.file is not None and sc.graph.file.is_file()
    assert sc.boundary.kind == "file" and sc.boundary.file is not None
    assert sc.graph.file == ROOT / "data" / "demo" / "demo_district.graphml"
    assert sc.years == [2021, 2022, 2024]
    assert [len(sc.stations_in_service(y)) for y in (2021, 2022, 2023, 2024, 2025)] == [
        3,
        4,
        4,
        5,
        5,
    ]
    assert [s.class_key for s in sc.stations] == ["level2", "level1", "level2", "small", "small"]
    assert [s.build_type for s in sc.stations[3:]] == ["new", "joint"]
    assert all("synthetic" in s.source for s in sc.stations)
    assert sc.budget.response_min == 5.0
    json.dumps(sc.to_dict(), ensure_ascii=False)


def test_package_copy_is_the_same_scenario() -> None:
    repo = load_scenario(ROOT / "scenarios" / "demo.toml").to_dict()
    pkg = load_scenario(ROOT / "data" / "demo" / "demo.toml").to_dict()
    repo.pop("path")
    pkg.pop("path")
    assert repo == pkg


def test_default_scenario_path_loads() -> None:
    path = default_scenario_path()
    assert path.is_file()
    assert load_scenario(path).name == "Lanhe Demo District (synthetic)"
    packaged = resources.files("firecover.data").joinpath("demo", "demo.toml")
    assert packaged.is_file()


# --------------------------------------------------------------------------- valid input


def test_heping_like_timeline() -> None:
    sc = parse(heping_like())
    assert sc.years == [2021, 2022, 2024]
    assert [s.name for s in sc.stations_in_service(2021)] == ["南京路站", "五大道站", "滨江道站"]
    assert [s.name for s in sc.stations_in_service()][-2:] == ["小白楼", "多伦道"]
    assert sc.station("小白楼").approximate and not sc.station("南京路站").approximate
    assert sc.station("多伦道").build_type_zh == "合建"
    assert sc.station("多伦道").status == "proposed"


def test_default_years_from_stations() -> None:
    text = heping_like().replace("first_year = 2021\nlast_year = 2025\n", "")
    sc = parse(text)
    assert (sc.first_year, sc.last_year) == (2021, 2024)
    assert sc.years == [2021, 2022, 2024]
    no_years = parse(HEAD.replace("first_year = 2021\nlast_year = 2025\n", "") + station("A"))
    assert no_years.years == [] and no_years.first_year is None
    assert [s.name for s in no_years.stations_in_service()] == ["A"]


def test_relocation_replaces_old_site() -> None:
    text = (
        HEAD
        + station("老站")
        + station("新站", status="proposed", year=2023, build_type="异地重建", replaces="老站")
    )
    sc = parse(text)
    assert [s.name for s in sc.stations_in_service(2022)] == ["老站"]
    assert [s.name for s in sc.stations_in_service(2023)] == ["新站"]
    assert [s.name for s in sc.stations_in_service(2025)] == ["新站"]
    assert sc.years == [2021, 2023]
    assert sc.end_year(sc.station("老站")) == 2023


def test_chained_relocations() -> None:
    text = (
        HEAD
        + station("A")
        + station("B", status="proposed", year=2022, build_type="relocate", replaces="A")
        + station("C", status="proposed", year=2024, build_type="relocate", replaces="B")
    )
    sc = parse(text)
    assert [[s.name for s in sc.stations_in_service(y)] for y in (2021, 2022, 2024)] == [
        ["A"],
        ["B"],
        ["C"],
    ]


@pytest.mark.parametrize("build", ["改扩建", "重建", "expansion", "rebuild"])
def test_same_site_works_keep_station_in_service(build: str) -> None:
    sc = parse(HEAD + station("A", status="proposed", year=2024, build_type=build))
    assert [s.name for s in sc.stations_in_service(2021)] == ["A"]
    assert sc.years == [2021]


def test_limits_by_class_and_station() -> None:
    text = HEAD.replace(
        "[scenario.graph]",
        '[scenario.standards.limits]\n"小型站" = 3\n"A" = 5.5\n\n[scenario.graph]',
    ) + station("A")
    limits = parse(text).standards
    assert dict(limits.class_limits) == {"small": 3.0}
    assert dict(limits.station_limits) == {"A": 5.5}
    assert dict(limits.limits) == {"小型站": 3.0, "A": 5.5}


def test_aliases_and_datum() -> None:
    s = parse(HEAD + station("A", status="已建", datum="GCJ-02", **{"class": "Level 2"})).stations[
        0
    ]
    assert (s.status, s.datum, s.class_key) == ("existing", "gcj02", "level2")
    lon, lat = s.wgs84()
    assert 0.001 < abs(lon - s.lon) < 0.02 and 0.0005 < abs(lat - s.lat) < 0.02


def test_relative_paths_and_layers(tmp_path: Path) -> None:
    (tmp_path / "roads.graphml").write_text("x")
    (tmp_path / "pop.gpkg").write_text("x")
    text = (
        HEAD.replace(
            'place = "和平区, 天津市, 中国"', 'file = "roads.graphml"\nclass_column = "道路等级"'
        )
        + ('\n[scenario.layers]\npopulation = "pop.gpkg"\npopulation_column = "pop"\n')
        + station("A")
    )
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8-sig")
    sc = load_scenario(path)
    assert sc.graph.file == tmp_path / "roads.graphml"
    assert sc.graph.class_column == "道路等级"
    assert sc.layers.population == tmp_path / "pop.gpkg"


# --------------------------------------------------------------------------- errors


def test_unknown_class_message() -> None:
    text = heping_like().replace('class = "小型站"', 'class = "tiny"')
    msg = error(text)
    line = line_of(text, 'class = "tiny"')
    assert msg.startswith(
        f'{LABEL}:{line}: station 4 ("小白楼") field "class": unknown value "tiny"'
    )
    assert CLASS_KEYS in msg


def test_duplicate_names_after_normalisation() -> None:
    text = HEAD + station("A站") + station("Ａ站 ")
    msg = error(text)
    assert f"{LABEL}:{line_of(text, 'Ａ站')}:" in msg and 'field "name"' in msg
    assert "duplicate" in msg and "station 1" in msg


def test_proposed_without_year() -> None:
    text = HEAD + station("A") + station("B", status="proposed")
    msg = error(text)
    line = line_of(text, "[[station]]", 2)
    assert msg.startswith(f'{LABEL}:{line}: station 2 ("B") field "year": missing; required')


@pytest.mark.parametrize(
    ("year", "words"), [(2026, "after last_year 2025"), (2020, "before first_year 2021")]
)
def test_year_outside_first_last(year: int, words: str) -> None:
    text = HEAD + station("B", status="proposed", year=year)
    msg = error(text)
    assert f'{LABEL}:{line_of(text, f"year = {year}")}: station 1 ("B") field "year"' in msg
    assert words in msg and "2021–2025" in msg


def test_existing_before_first_year_is_fine() -> None:
    assert parse(HEAD + station("A", year=1998)).stations_in_service(2021)


NAMELESS = (
    '\n[[station]]\nclass = "一级"\nstatus = "existing"\nlon = 1.0\nlat = 2.0\nsource = "x"\n'
)


@pytest.mark.parametrize("missing", ["lon", "lat", "source", "class", "status", "name"])
def test_missing_required_station_field(missing: str) -> None:
    text = HEAD + (NAMELESS if missing == "name" else station("A", **{missing: None}))
    msg = error(text)
    assert f'field "{missing}": missing; required' in msg
    assert msg.startswith(f"{LABEL}:{line_of(text, '[[station]]')}: station 1")


def test_swapped_coordinates() -> None:
    msg = error(HEAD + station("A", lon=39.1, lat=117.2))
    assert 'field "lat"' in msg and "swapped" in msg


def test_replaces_unknown_station() -> None:
    text = (
        HEAD
        + station("A")
        + station("B", status="proposed", year=2023, build_type="异地重建", replaces="Z")
    )
    msg = error(text)
    assert msg.startswith(f'{LABEL}:{line_of(text, "replaces")}: station 2 ("B") field "replaces"')
    assert 'unknown station "Z"; allowed: "A"' in msg


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"build_type": "异地重建"}, "missing; required for 异地重建"),
        ({"build_type": "新建", "replaces": "A"}, "only allowed with"),
        ({"build_type": "relocate", "replaces": "B"}, 'unknown station "B"'),
    ],
)
def test_relocation_field_errors(extra: dict[str, object], words: str) -> None:
    msg = error(HEAD + station("A") + station("B", status="proposed", year=2023, **extra))
    assert 'station 2 ("B") field "replaces"' in msg and words in msg


def test_relocation_of_a_later_station_or_twice() -> None:
    later = (
        HEAD
        + station("A", status="proposed", year=2024)
        + station("B", status="proposed", year=2023, build_type="relocate", replaces="A")
    )
    assert "is not in service before 2023" in error(later)
    twice = (
        HEAD
        + station("A")
        + "".join(
            station(n, status="proposed", year=2023, build_type="relocate", replaces="A")
            for n in ("B", "C")
        )
    )
    assert 'station 3 ("C") field "replaces"' in error(twice) and "already replaced" in error(twice)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("status", "maybe", "existing (现有, 已建), proposed (规划, 拟建)"),
        (
            "build_type",
            "翻新",
            "新建 (new), 改扩建 (expansion), 重建 (rebuild), 异地重建 (relocate)",
        ),
        ("datum", "wgs", "wgs84, gcj02, bd09"),
    ],
)
def test_unknown_choice_values(field: str, value: str, allowed: str) -> None:
    text = HEAD + station("A", **{field: value})
    msg = error(text)
    assert msg.startswith(
        f'{LABEL}:{line_of(text, value)}: station 1 ("A") field "{field}": '
        f'unknown value "{value}"; allowed: {allowed}'
    )


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("file", "nope.graphml"),
        ("polygon", "nope.geojson"),
    ],
)
def test_missing_graph_file(tmp_path: Path, key: str, target: str) -> None:
    text = HEAD.replace('place = "和平区, 天津市, 中国"', f'{key} = "{target}"') + station("A")
    msg = error(text, tmp_path)
    assert msg.startswith(f'{LABEL}:7: [scenario.graph] field "{key}":')
    assert "not found" in msg and str(tmp_path / target) in msg


def test_missing_boundary_and_layer_files(tmp_path: Path) -> None:
    boundary = HEAD + '\n[scenario.boundary]\nfile = "b.geojson"\n' + station("A")
    assert '[scenario.boundary] field "file": boundary file not found' in error(boundary, tmp_path)
    layers = HEAD + '\n[scenario.layers]\nrisk = "r.gpkg"\n' + station("A")
    assert '[scenario.layers] field "risk": risk layer not found' in error(layers, tmp_path)


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="scenario file not found"):
        load_scenario(tmp_path / "none.toml")


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(HEAD.replace('name = "test"', "name = "), encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape(f"{path}:2:8: invalid TOML")):
        load_scenario(path)


def test_gbk_is_read_and_other_bytes_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    text = HEAD + station("小白楼")
    path.write_bytes(text.encode("gbk"))
    utf8 = tmp_path / "utf8.toml"
    utf8.write_text(text, encoding="utf-8")
    assert load_scenario(path).stations == load_scenario(utf8).stations  # same as UTF-8
    path.write_bytes(text.encode("utf-8") + b"\n# \xff\xfe\x80\n")
    with pytest.raises(ScenarioError, match="neither UTF-8 nor GBK"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "where", "key"),
    [
        (HEAD + "\n[extra]\na = 1\n", "top level", "extra"),
        (HEAD.replace('name = "test"', 'name = "test"\nnmae = "x"'), "[scenario]", "nmae"),
        (HEAD + 'fiel = "x"\n', "[scenario.graph]", "fiel"),
        (
            HEAD + '\n[scenario.boundary]\nplace = "x"\nfile_ = "y"\n',
            "[scenario.boundary]",
            "file_",
        ),
        (HEAD + "\n[scenario.budget]\nturnout = 1.0\n", "[scenario.budget]", "turnout"),
        (HEAD + '\n[scenario.standards]\nprofil = "x"\n', "[scenario.standards]", "profil"),
        (HEAD + '\n[scenario.layers]\npop = "x"\n', "[scenario.layers]", "pop"),
        (HEAD + station("A", clas="一级"), 'station 1 ("A")', "clas"),
    ],
)
def test_unknown_keys_rejected_everywhere(text: str, where: str, key: str) -> None:
    msg = error(text + ("" if "[[station]]" in text else station("Z")))
    assert f': {where}: unknown key "{key}"; allowed: ' in msg
    needle = f"[{key}]" if where == "top level" else f"{key} ="
    assert msg.startswith(f"{LABEL}:{line_of(text, needle)}:")


def test_unknown_limit_key_and_logistics_limit() -> None:
    def limits(body: str) -> str:
        return HEAD + f"\n[scenario.standards.limits]\n{body}\n" + station("A")

    msg = error(limits('"tiny" = 3'))
    assert '[scenario.standards.limits] field "tiny": unknown class or station' in msg
    assert CLASS_KEYS in msg
    assert "has no district" in error(limits('"战勤保障" = 3'))
    assert "must be > 0" in error(limits('"A" = 0'))


@pytest.mark.parametrize(
    ("graph", "words"),
    [
        ('place = "x"\nfile = "y"', "give only one of file, place, polygon, bbox"),
        ("bbox = [118, 39, 117, 40]", 'field "bbox"'),
        ('place = "x"\nclass_column = "c"', "only applies to a road file"),
        ('place = "x"\ncrs = "EPSG:4326"', "not a projected"),
        ('place = "x"\nprofile = "fast"', 'unknown speed profile "fast"; allowed: china_urban'),
        ('place = "x"\ncongestion_factor = 0', "must be > 0"),
        ("", "missing the source"),
    ],
)
def test_graph_source_errors(graph: str, words: str) -> None:
    text = HEAD.replace('place = "和平区, 天津市, 中国"', graph) + station("A")
    msg = error(text)
    assert "[scenario.graph]" in msg and words in msg


def test_other_section_errors() -> None:
    assert '[scenario] field "graph": missing' in error(
        HEAD.replace('[scenario.graph]\nplace = "和平区, 天津市, 中国"\n', "") + station("A")
    )
    assert "missing the [scenario] table" in error(station("A"))
    assert 'last_year": 2020 is before first_year 2021' in error(
        HEAD.replace("last_year = 2025", "last_year = 2020") + station("A")
    )
    assert "write each station as [[station]]" in error(HEAD + '\n[station]\nname = "A"\n')
    assert 'field "year": expected an integer year' in error(
        HEAD + station("A", status="proposed", year="2022")
    )
    assert 'field "profile": unknown value "gb"' in error(
        HEAD + '\n[scenario.standards]\nprofile = "gb"\n' + station("A")
    )


# --------------------------------------------------------------------------- properties

_BUILDS = st.sampled_from([None, "新建", "合建", "改扩建", "重建"])


@st.composite
def _timelines(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 6))
    parts = [HEAD]
    for i in range(n):
        proposed = draw(st.booleans())
        year = (
            draw(st.integers(2021, 2025)) if proposed else draw(st.none() | st.integers(1990, 2025))
        )
        fields: dict[str, object] = {"status": "proposed" if proposed else "existing"}
        if year is not None:
            fields["year"] = year
        build = draw(_BUILDS)
        if build is not None:
            fields["build_type"] = build
        parts.append(station(f"S{i}", **fields))
    return "".join(parts)


@settings(max_examples=60, deadline=None)
@given(_timelines())
def test_stations_in_service_is_monotone_without_relocations(text: str) -> None:
    sc = parse(text)
    previous: set[str] = set()
    for year in range(2019, 2028):
        now = {s.name for s in sc.stations_in_service(year)}
        assert previous <= now
        previous = now
    assert previous == {s.name for s in sc.stations}
    changes = [
        y
        for y in range(2022, 2026)
        if {s.name for s in sc.stations_in_service(y)}
        != {s.name for s in sc.stations_in_service(y - 1)}
    ]
    assert sc.years == [2021, *changes]


def test_inline_station_tables_point_at_their_key() -> None:
    text = (
        'station = [\n  { name = "A", class = "tiny", status = "existing", lon = 1.0, lat = 2.0,'
        ' source = "s" },\n]\n' + HEAD
    )
    msg = error(text)
    assert msg.startswith(f'{LABEL}:1: station 1 ("A") field "class": unknown value "tiny"')


def test_station_lookup() -> None:
    sc = parse(heping_like())
    assert sc.station(" 小白楼 ").year == 2022
    with pytest.raises(KeyError):
        sc.station("不存在")


def test_barrier_rule_keys() -> None:
    text = HEAD.replace(
        "[scenario.graph]",
        '[scenario.standards]\nbarrier_rule = "warn"\nbarrier_min_km2 = 0.5\n'
        "barrier_min_share = 0.1\n\n[scenario.graph]",
    ) + station("A")
    std = parse(text).standards
    assert (std.barrier_rule, std.barrier_min_km2, std.barrier_min_share) == ("warn", 0.5, 0.1)
    assert parse(HEAD + station("A")).standards.barrier_rule is None
    assert "barrier_rule" in error(text.replace('"warn"', '"maybe"'))
    assert "barrier_min_share" in error(text.replace("= 0.1", "= 2"))


def test_precision_marks_a_station_approximate() -> None:
    s = parse(HEAD + station("A", precision_m=300)).stations[0]
    assert s.precision_m == 300.0 and s.approximate
    plain = parse(HEAD + station("B")).stations[0]
    assert plain.precision_m is None
    assert "precision_m" in error(HEAD + station("A", precision_m=-1))


# --------------------------------------------------------------------------- travel, admin


def test_travel_table_and_admin_boundary() -> None:
    head = HEAD.replace("[scenario.graph]", '[scenario.boundary]\nadmin = "天津市/和平区"\n\n'
                        '[scenario.travel]\nmodel = "radius"\nshape = "circle"\n'
                        "speed_kph = 35\ncurvature = 1.3\n\n[scenario.graph]")  # fmt: skip
    sc = parse(head + station("南京路站"))
    assert (sc.travel.model, sc.travel.shape) == ("radius", "circle")
    assert (sc.travel.speed_kph, sc.travel.curvature) == (35.0, 1.3)
    assert (sc.boundary.kind, sc.boundary.place) == ("admin", "天津市/和平区")
    assert parse(HEAD + station("南京路站")).travel.model == "network"


def test_travel_table_errors() -> None:
    bad = HEAD.replace("[scenario.graph]", '[scenario.travel]\nmodel = "bus"\n\n[scenario.graph]')
    assert "network, radius" in error(bad + station("南京路站"))
    bad = HEAD.replace("[scenario.graph]", "[scenario.travel]\ncurvature = 0.5\n\n[scenario.graph]")
    assert "curvature" in error(bad + station("南京路站"))


def test_optimum_time_key() -> None:
    assert parse(heping_like()).optimum_time is None
    sc = parse(HEAD.replace("last_year = 2025", "last_year = 2025\noptimum_time = 40") +
               station("南京路站"))  # fmt: skip
    assert sc.optimum_time == 40.0 and sc.to_dict()["optimum_time"] == 40.0
    msg = error(HEAD.replace("last_year = 2025", "last_year = 2025\noptimum_time = 0") +
                station("南京路站"))  # fmt: skip
    assert "optimum_time" in msg
