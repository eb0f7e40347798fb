"""The planner-facing vocabulary: one glossary file (``data/glossary.toml``), three languages.

Every report, map title, legend and table header looks its words up here, so Chinese terms
follow the standards' own wording (辖区, 应建数, 一级普通消防站, …) in one place. ``lang`` is
``"zh"`` (Chinese only), ``"en"`` (English only) or ``"both"`` (``"中文 English"``, the style of
the bilingual reports).
"""

from __future__ import annotations

import functools
import logging
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from firecover._errors import DataFormatError

__all__ = [
    "LANGS",
    "Glossary",
    "check_lang",
    "default_lang",
    "glossary",
    "split_bilingual",
    "terms",
]

log = logging.getLogger(__name__)

#: Languages every writer accepts.
LANGS: tuple[str, ...] = ("zh", "en", "both")
_SEPARATOR = " / "


def check_lang(lang: str) -> str:
    """``lang`` lower-cased if it is one of :data:`LANGS`, else a :class:`DataFormatError`."""
    value = str(lang).strip().lower()
    if value not in LANGS:
        raise DataFormatError(f"unknown language {lang!r}; use --lang zh, en or both")
    return value


def default_lang(name_zh: str | None) -> str:
    """The default language of a run: ``"zh"`` for a Chinese scenario (one with a Chinese
    name), else ``"en"``."""
    return "zh" if name_zh and any("\u4e00" <= ch <= "\u9fff" for ch in name_zh) else "en"


def split_bilingual(text: str) -> tuple[str, str]:
    """Split an engine message written ``"中文 / English"`` into its two halves.

    Messages without the separator (or without Chinese before it) are returned as both halves.
    """
    head, sep, tail = str(text).partition(_SEPARATOR)
    if not sep or not any("\u4e00" <= ch <= "\u9fff" for ch in head):
        return str(text), str(text)
    return head.strip(), tail.strip()


@functools.cache
def _terms() -> dict[str, dict[str, str]]:
    raw = resources.files("firecover.data").joinpath("glossary.toml").read_text("utf-8")
    doc = tomllib.loads(raw)
    out: dict[str, dict[str, str]] = {}
    for table, entries in doc.items():
        for key, entry in entries.items():
            if key in out:
                raise DataFormatError(f"glossary key {key!r} repeated in [{table}]; rename it")
            if set(entry) != {"zh", "en"}:
                raise DataFormatError(f"glossary entry {table}.{key} needs exactly zh and en")
            out[key] = {"zh": str(entry["zh"]), "en": str(entry["en"])}
    return out


@dataclass(frozen=True)
class Glossary:
    """Look-ups in one language.

    Parameters
    ----------
    lang : str
        ``"zh"``, ``"en"`` or ``"both"``.
    """

    lang: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "lang", check_lang(self.lang))

    def pair(self, key: str, **fields: Any) -> tuple[str, str]:
        """The Chinese and English forms of ``key`` with ``fields`` filled in."""
        try:
            entry = _terms()[key]
        except KeyError:
            raise KeyError(f"no glossary term {key!r} in data/glossary.toml") from None
        return entry["zh"].format(**fields), entry["en"].format(**fields)

    def __call__(self, key: str, **fields: Any) -> str:
        """The term ``key`` in this language (``both``: ``"中文 English"``)."""
        return self.join(*self.pair(key, **fields))

    def join(self, zh: str, en: str) -> str:
        """Pick or join a Chinese and an English text for this language."""
        if self.lang == "zh":
            return zh
        if self.lang == "en":
            return en
        return zh if zh == en else f"{zh} {en}"

    def message(self, text: str) -> str:
        """An engine message ``"中文 / English"`` (check reasons, warnings) in this language."""
        zh, en = split_bilingual(text)
        if zh == en:
            return str(text)
        return str(text) if self.lang == "both" else self.join(zh, en)

    def value(self, key: str) -> str:
        """A value word (``pass``, ``existing``, …) or the key itself when it is not a term."""
        return self(key) if key in _terms() else key

    @property
    def chinese(self) -> bool:
        """Whether the texts contain Chinese (a CJK font is needed)."""
        return self.lang != "en"


@functools.cache
def glossary(lang: str) -> Glossary:
    """The (cached) :class:`Glossary` for ``lang``."""
    return Glossary(lang)


def terms() -> dict[str, dict[str, str]]:
    """Every glossary term: key → ``{"zh": …, "en": …}`` (a copy)."""
    return {k: dict(v) for k, v in _terms().items()}
