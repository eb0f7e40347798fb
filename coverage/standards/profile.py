"""Private: the standards-profile data model and its strict TOML loader.

A profile (``data/standards/*.toml`` in :mod:`firecover.data`, or a user file) lists the station
classes with their district area limits and the clauses they come from, plus the rules that
:mod:`firecover.standards` checks. Every table is validated strictly: a missing or unknown key,
or a value of the wrong type, raises :class:`~firecover._errors.DataFormatError` naming the key
and the file.
"""

from __future__ import annotations

import functools
import math
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from firecover._errors import DataFormatError, InputFileError

__all__ = [
    "DEFAULT_PROFILE",
    "Budget",
    "Rule",
    "Standards",
    "StationClass",
    "bundled_profiles",
    "normalise_name",
    "read_profile",
]

#: Name of the bundled profile used when none is given.
DEFAULT_PROFILE = "gb51080_jianbiao152"

_PACKAGE = "firecover.data"
_FOLDER = "standards"


def normalise_name(text: str) -> str:
    """Fold a class name or alias for lookup.

    NFKC folds full-width letters, digits and spaces to half-width; case is folded; whitespace,
    hyphens, underscores and middle dots are dropped, so ``"Level-1"``, ``"ＬＥＶＥＬ　１"`` and
    ``"level 1"`` all match.

    Parameters
    ----------
    text : str
        A class key, Chinese or English name, or alias.

    Returns
    -------
    str
        The folded form.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-_·・")


@dataclass(frozen=True)
class Budget:
    """The response-time budget (GB 51080-2015 §4.1.3-1; 建标152-2017).

    Attributes
    ----------
    turnout_min : float
        Minutes from the dispatch order to wheels rolling.
    driving_min : float
        Minutes of driving.
    clauses : tuple of str
        Clauses the budget comes from.
    text_zh, text_en : str
        The rule in Chinese and English.
    """

    turnout_min: float
    driving_min: float
    clauses: tuple[str, ...]
    text_zh: str
    text_en: str

    @property
    def response_min(self) -> float:
        """Minutes from the dispatch order to arrival at the district edge."""
        return self.turnout_min + self.driving_min


@dataclass(frozen=True)
class Rule:
    """A rule recorded in the profile with its clauses and wording.

    Attributes
    ----------
    clauses : tuple of str
        Clauses the rule comes from.
    text_zh, text_en : str
        The rule in Chinese and English.
    limit_km2 : float or None
        The area cap of an area rule (the urban-edge rule), else ``None``.
    kinds_zh, kinds_en : tuple of str
        Barrier kinds, for the barrier rule; empty otherwise.
    failure : bool
        Whether breaking the rule fails a station by default (barrier rule) or only warns.
    """

    clauses: tuple[str, ...]
    text_zh: str
    text_en: str
    limit_km2: float | None = None
    kinds_zh: tuple[str, ...] = ()
    kinds_en: tuple[str, ...] = ()
    failure: bool = False


@dataclass(frozen=True)
class StationClass:
    """One station class of a standards profile.

    Attributes
    ----------
    key : str
        Canonical key (``level1``, ``level2``, ``small``, ``special``, ``logistics``).
    zh, zh_short, en : str
        Formal Chinese name, short Chinese name, English name.
    aliases : tuple of str
        Other names that resolve to this class.
    district : bool
        Whether the class serves a district (a 战勤保障 station does not).
    area_limit_km2 : float or None
        District area limit in the city, km²; ``None`` when the class has no district.
    urban_edge : bool
        Whether the urban-edge / new-area cap replaces ``area_limit_km2`` when flagged.
    counts_as_full : bool
        Whether a small station may lean on this class's district (一级, 二级, 特勤).
    needs_full_neighbour : bool
        Whether the district must adjoin a ``counts_as_full`` district (小型站).
    clauses : tuple of str
        Clauses the class and its area limit come from.
    note : str
        Free-text remark (may be empty).
    """

    key: str
    zh: str
    zh_short: str
    en: str
    aliases: tuple[str, ...]
    district: bool
    area_limit_km2: float | None
    urban_edge: bool
    counts_as_full: bool
    needs_full_neighbour: bool
    clauses: tuple[str, ...]
    note: str = ""

    def names(self) -> tuple[str, ...]:
        """Every name that resolves to this class: key, Chinese and English names, aliases."""
        return (self.key, self.zh, self.zh_short, self.en, *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary with stable snake_case keys."""
        return {
            "key": self.key,
            "zh": self.zh,
            "zh_short": self.zh_short,
            "en": self.en,
            "aliases": list(self.aliases),
            "district": self.district,
            "area_limit_km2": self.area_limit_km2,
            "urban_edge": self.urban_edge,
            "counts_as_full": self.counts_as_full,
            "needs_full_neighbour": self.needs_full_neighbour,
            "clauses": list(self.clauses),
            "note": self.note,
        }


@dataclass(frozen=True)
class Standards:
    """A loaded standards profile.

    Attributes
    ----------
    profile : str
        Profile name.
    title : str
        Full title of the standards encoded.
    sources : tuple of str
        Where the facts come from (URLs).
    notes : tuple of str
        Remarks on how the profile reads the standards.
    budget : Budget
        The 5-minute response budget.
    urban_edge : Rule
        The urban-edge / new-area area cap (``limit_km2``).
    risk_assessment : Rule
        The provision that a fire-risk assessment may set district areas (overrides).
    adjacency : Rule
        The small-station adjacency rule.
    barriers : Rule
        The barrier rule (districts should not cross expressways, railways, large rivers).
    classes : Mapping of str to StationClass
        Station classes by canonical key, in file order (read-only).
    path : str
        The file the profile was read from.
    """

    profile: str
    title: str
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    budget: Budget
    urban_edge: Rule
    risk_assessment: Rule
    adjacency: Rule
    barriers: Rule
    classes: Mapping[str, StationClass]
    path: str
    _lookup: Mapping[str, str] = field(repr=False, compare=False, default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.profile, self.path))

    def lookup(self, name: str) -> StationClass | None:
        """Return the class that ``name`` (key, name or alias, folded) resolves to, or ``None``."""
        key = self._lookup.get(normalise_name(name))
        return None if key is None else self.classes[key]

    def allowed_names(self) -> str:
        """One-line list of the canonical keys with their short Chinese names."""
        return ", ".join(f"{c.key} ({c.zh_short})" for c in self.classes.values())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary with stable snake_case keys."""
        return {
            "profile": self.profile,
            "title": self.title,
            "sources": list(self.sources),
            "notes": list(self.notes),
            "budget": {
                "turnout_min": self.budget.turnout_min,
                "driving_min": self.budget.driving_min,
                "response_min": self.budget.response_min,
                "clauses": list(self.budget.clauses),
            },
            "urban_edge_limit_km2": self.urban_edge.limit_km2,
            "classes": {k: c.to_dict() for k, c in self.classes.items()},
            "path": self.path,
        }


# --------------------------------------------------------------------------- validation

_STR = (str,)
_NUM = (int, float)


class _Table:
    """Strict reader of one TOML table: typed required/optional keys, unknown keys refused."""

    def __init__(self, data: Any, where: str, source: str) -> None:
        if not isinstance(data, dict):
            raise DataFormatError(f"{where} must be a table in {source}; fix the file")
        self.data = data
        self.where = where
        self.source = source
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _fail(self, key: str, what: str) -> DataFormatError:
        return DataFormatError(f"key {self._key(key)!r} {what} in {self.source}; fix the file")

    def get(self, key: str, kinds: tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.data[key]
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            raise self._fail(key, f"must be {what or kinds[0].__name__}, not {value!r}")
        return value

    def text(self, key: str, default: Any = ...) -> str:
        value: str = self.get(key, _STR, default, "a string")
        return value

    def flag(self, key: str, default: Any = ...) -> bool:
        value: bool = self.get(key, (bool,), default, "true or false")
        return value

    def positive(self, key: str, default: Any = ...) -> float:
        value = self.get(key, _NUM, default, "a positive number")
        if value is None:
            return math.nan
        if not (math.isfinite(value) and value > 0):
            raise self._fail(key, f"must be a positive number, not {value!r}")
        return float(value)

    def texts(self, key: str, default: Any = ..., *, nonempty: bool = True) -> tuple[str, ...]:
        value = self.get(key, (list,), default, "a list of strings")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise self._fail(key, "must be a list of non-empty strings")
        if nonempty and not value:
            raise self._fail(key, "must not be empty")
        return tuple(value)

    def table(self, key: str) -> _Table:
        self.seen.add(key)
        if key not in self.data:
            raise self._fail(key, "is missing")
        return _Table(self.data[key], self._key(key), self.source)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self._fail(unknown[0], "is not a known key")


def _read_budget(t: _Table) -> Budget:
    budget = Budget(
        turnout_min=t.positive("turnout_min"),
        driving_min=t.positive("driving_min"),
        clauses=t.texts("clauses"),
        text_zh=t.text("text_zh"),
        text_en=t.text("text_en"),
    )
    t.done()
    return budget


def _read_rule(t: _Table, *, limit: bool = False, barrier: bool = False) -> Rule:
    rule = Rule(
        clauses=t.texts("clauses"),
        text_zh=t.text("text_zh"),
        text_en=t.text("text_en"),
        limit_km2=t.positive("limit_km2") if limit else None,
        kinds_zh=t.texts("kinds_zh") if barrier else (),
        kinds_en=t.texts("kinds_en") if barrier else (),
        failure=t.flag("failure") if barrier else False,
    )
    t.done()
    return rule


def _read_class(key: str, t: _Table) -> StationClass:
    district = t.flag("district")
    limit = t.positive("area_limit_km2", None)
    if district == math.isnan(limit):
        need = "is required when district = true" if district else "needs district = true"
        raise t._fail("area_limit_km2", need)
    urban_edge = t.flag("urban_edge")
    if urban_edge and not district:
        raise t._fail("urban_edge", "must be false when district = false")
    cls = StationClass(
        key=key,
        zh=t.text("zh"),
        zh_short=t.text("zh_short"),
        en=t.text("en"),
        aliases=t.texts("aliases", (), nonempty=False),
        district=district,
        area_limit_km2=None if math.isnan(limit) else limit,
        urban_edge=urban_edge,
        counts_as_full=t.flag("counts_as_full"),
        needs_full_neighbour=t.flag("needs_full_neighbour"),
        clauses=t.texts("clauses"),
        note=t.text("note", ""),
    )
    t.done()
    return cls


def _build_lookup(classes: Mapping[str, StationClass], source: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for cls in classes.values():
        for name in cls.names():
            folded = normalise_name(name)
            other = lookup.setdefault(folded, cls.key)
            if not folded or other != cls.key:
                raise DataFormatError(
                    f"alias {name!r} of class {cls.key!r} is empty or also names class {other!r} "
                    f"in {source}; make every alias unique"
                )
    return lookup


def _read_classes(t: _Table, source: str) -> dict[str, StationClass]:
    classes: dict[str, StationClass] = {}
    for key in list(t.data):
        if not key.isidentifier() or key != key.lower():
            raise t._fail(key, "must be a lower-case identifier")
        classes[key] = _read_class(key, t.table(key))
    if not classes:
        raise DataFormatError(f"table 'classes' is empty in {source}; list the station classes")
    t.done()
    return classes


def parse_profile(data: dict[str, Any], source: str) -> Standards:
    """Validate a parsed TOML document and build :class:`Standards`.

    Parameters
    ----------
    data : dict
        The parsed TOML document.
    source : str
        The file name, for error messages.

    Returns
    -------
    Standards
        The validated profile.

    Raises
    ------
    DataFormatError
        On a missing, unknown or mistyped key.
    """
    top = _Table(data, "", source)
    classes = _read_classes(top.table("classes"), source)
    std = Standards(
        profile=top.text("profile"),
        title=top.text("title"),
        sources=top.texts("sources"),
        notes=top.texts("notes", (), nonempty=False),
        budget=_read_budget(top.table("budget")),
        urban_edge=_read_rule(top.table("urban_edge"), limit=True),
        risk_assessment=_read_rule(top.table("risk_assessment")),
        adjacency=_read_rule(top.table("adjacency")),
        barriers=_read_rule(top.table("barriers"), barrier=True),
        classes=MappingProxyType(classes),
        path=source,
        _lookup=MappingProxyType(_build_lookup(classes, source)),
    )
    top.done()
    return std


def _parse_text(text: str, source: str) -> Standards:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFormatError(f"{source} is not valid TOML ({exc}); fix the file") from exc
    return parse_profile(data, source)


def bundled_profiles() -> tuple[str, ...]:
    """Names of the profiles shipped in ``firecover.data`` (``standards/*.toml``), sorted."""
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    names = (p.name for p in folder.iterdir() if p.is_file())
    return tuple(sorted(n[: -len(".toml")] for n in names if n.endswith(".toml")))


@functools.lru_cache(maxsize=8)
def _read_bundled(name: str) -> Standards:
    resource = resources.files(_PACKAGE).joinpath(_FOLDER, f"{name}.toml")
    text = resource.read_text(encoding="utf-8")
    return _parse_text(text, f"{_PACKAGE}:{_FOLDER}/{name}.toml")


def _read_path(path: Path) -> Standards:
    if not path.is_file():
        raise InputFileError(
            f"standards profile not found: {path} (give a .toml file or one of: "
            f"{', '.join(bundled_profiles())})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read standards profile {path}: {exc}") from exc
    return _parse_text(text, str(path))


def read_profile(profile: str | Path | None) -> Standards:
    """Load a bundled profile by name, or a profile file by path.

    Parameters
    ----------
    profile : str, Path or None
        ``None`` for :data:`DEFAULT_PROFILE`; a bundled profile name (``str``); otherwise a path.

    Returns
    -------
    Standards
        The validated profile (bundled profiles are cached).
    """
    if profile is None:
        return _read_bundled(DEFAULT_PROFILE)
    if isinstance(profile, str) and profile in bundled_profiles():
        return _read_bundled(profile)
    return _read_path(Path(profile))
