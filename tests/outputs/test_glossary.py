"""The glossary (``data/glossary.toml``, ``firecover.outputs.glossary``).

Oracles: the standards profile's own class names (建标152-2017 wording), the TOML file read
independently, and the string identities of picking / joining languages.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firecover._errors import DataFormatError
from firecover.outputs.glossary import (
    Glossary,
    check_lang,
    default_lang,
    glossary,
    split_bilingual,
    terms,
)
from firecover.standards.profile import read_profile

GLOSSARY = Path(__file__).resolve().parents[2] / "data" / "glossary.toml"
_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_term_has_chinese_and_english() -> None:
    doc = tomllib.loads(GLOSSARY.read_text(encoding="utf-8"))
    keys = [k for table in doc.values() for k in table]
    assert len(keys) == len(set(keys)) == len(terms())
    for key, entry in terms().items():
        assert entry["zh"].strip() and entry["en"].strip(), key
        # placeholders agree between the languages (a writer fills both the same way)
        assert set(re.findall(r"{(\w+)", entry["zh"])) == set(re.findall(r"{(\w+)", entry["en"]))
        # the English column carries no Chinese except standard numbers / station names
        assert not _HAN.search(entry["en"].replace("建标152", "")), key


def test_station_classes_use_the_standards_wording() -> None:
    """Class names are the 建标152-2017 names of the bundled standards profile."""
    std = read_profile(None)
    zh, en = glossary("zh"), glossary("en")
    for key, cls in std.classes.items():
        assert zh(key) == cls.zh
        assert en(key) == cls.en
    assert zh("district_km2").startswith("辖区")


def test_languages_pick_and_join() -> None:
    zh, en, both = glossary("zh"), glossary("en"), glossary("both")
    assert zh("covered_km2", budget=5) == "5分钟覆盖面积（km²）"
    assert en("covered_km2", budget=5) == "Covered in 5 min (km²)"
    assert both("legend") == "图例 Legend"
    assert both("wgs84") == "WGS-84"  # identical halves are not repeated
    assert zh.chinese and both.chinese and not en.chinese


def test_engine_messages_split() -> None:
    msg = "辖区面积 3.08 km² 超过 2 km² 限值 / district 3.08 km² exceeds the 2 km² limit"
    assert glossary("zh").message(msg) == "辖区面积 3.08 km² 超过 2 km² 限值"
    assert glossary("en").message(msg) == "district 3.08 km² exceeds the 2 km² limit"
    assert glossary("both").message(msg) == msg
    assert glossary("zh").message("roads / rivers") == "roads / rivers"  # no Chinese half


@given(st.text(alphabet="中文辖区站 abc", min_size=1).filter(lambda s: _HAN.search(s.strip())),
       st.text(alphabet="abc xyz", min_size=1))  # fmt: skip
def test_split_inverts_the_engine_format(zh: str, en: str) -> None:
    zh, en = zh.strip(), en.strip()
    if not zh or not en or " / " in zh:
        return
    assert split_bilingual(f"{zh} / {en}") == (zh, en)


def test_lang_checks_and_defaults() -> None:
    assert check_lang("ZH") == "zh"
    with pytest.raises(DataFormatError, match="--lang zh, en or both"):
        Glossary("fr")
    assert default_lang("澜河示范区（虚构）") == "zh"
    assert default_lang(None) == "en" and default_lang("Springfield") == "en"
    with pytest.raises(KeyError, match=r"glossary\.toml"):
        glossary("zh")("no_such_term")
