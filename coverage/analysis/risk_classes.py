"""Risk-object classes (高层 / 大型综合体 / 地下 / 危化品 / 重点单位 / 文物古建) as data.

The classes, their required response time, the station class that must meet it, the demand
weight and the reinforcement (增援) standard are read from ``data/risk_rules.toml`` (each figure
with its basis: GB 51080-2015 §4.1.3-1's 5-minute rule where it applies, otherwise "our default"
or "our choice"). A label that is not a known class or alias is a *user class* with the file's
``[default]`` figures. The OpenStreetMap tag rules in the same file are read by
:mod:`firecover.analysis.risk_osm`.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from firecover._errors import DataFormatError

__all__ = ["RiskClass", "RiskClasses", "load_risk_classes"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RiskClass:
    """One risk class and its standards.

    Attributes
    ----------
    key, zh, en : str
        Canonical key, Chinese and English names.
    required_min : float
        Required first arrival, minutes from the dispatch order (turnout included).
    required_station : str
        Station class key that must arrive within ``required_min`` ("" = any station).
    weight : float
        Demand-weight multiplier of a cell holding such an object.
    reinforce_stations : int
        增援: number of different stations required within ``reinforce_min`` (0 = none).
    reinforce_min : float
        Minutes from the dispatch order for the reinforcement standard.
    basis, basis_zh : str
        Where the figures come from (English, Chinese).
    user : bool
        A class of the planner's own (not in the rules file).
    """

    key: str
    zh: str
    en: str
    required_min: float
    required_station: str = ""
    weight: float = 1.0
    reinforce_stations: int = 0
    reinforce_min: float = 0.0
    basis: str = ""
    basis_zh: str = ""
    user: bool = False


def _fold(text: str) -> str:
    return "".join(str(text).lower().split()).replace("_", "").replace("-", "")


def _positive(value: Any, what: str, *, zero: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not zero):
        need = "0 or more" if zero else "a positive number"
        raise DataFormatError(f"risk rules: {what} must be {need}, not {value!r}; fix the value")
    return float(value)


def _class(raw: Mapping[str, Any], default: Mapping[str, Any], *, user: bool) -> RiskClass:
    merged = {**default, **raw}
    key = str(merged.get("key", "")).strip()
    if not key:
        raise DataFormatError('risk rules: a [[class]] has no key; give key = "..."')
    k = int(_positive(merged.get("reinforce_stations", 0), f"{key}.reinforce_stations", zero=True))
    rmin = _positive(merged.get("reinforce_min", 0.0), f"{key}.reinforce_min", zero=True)
    if k > 0 and rmin <= 0:
        raise DataFormatError(
            f"risk rules: {key} asks {k} stations but reinforce_min is 0; "
            "give reinforce_min in minutes"
        )
    return RiskClass(
        key=key,
        zh=str(merged.get("zh", key)),
        en=str(merged.get("en", key)),
        required_min=_positive(merged.get("required_min", 5.0), f"{key}.required_min"),
        required_station=str(merged.get("required_station", "")),
        weight=_positive(merged.get("weight", 1.0), f"{key}.weight"),
        reinforce_stations=k,
        reinforce_min=rmin,
        basis=str(merged.get("basis", "")),
        basis_zh=str(merged.get("basis_zh", merged.get("basis", ""))),
        user=user,
    )


@dataclass(frozen=True)
class RiskClasses:
    """The known classes, their aliases and the defaults of user classes."""

    classes: tuple[RiskClass, ...]
    aliases: Mapping[str, str]
    default: Mapping[str, Any]
    osm_rules: tuple[Mapping[str, Any], ...] = ()

    def get(self, key: str) -> RiskClass:
        """The class with canonical ``key`` (a user class when unknown)."""
        for c in self.classes:
            if c.key == key:
                return c
        return self.resolve(key)

    def resolve(self, label: Any) -> RiskClass:
        """The class a planner's label names (Chinese, English or an alias); else a user class."""
        text = str(label).strip()
        if not text or text.lower() in {"nan", "none"}:
            raise DataFormatError(
                "a risk object has no class; fill its class column "
                "(高层, 大型综合体, 地下, 危化品, 重点单位, 文物古建 or your own)"
            )
        key = self.aliases.get(_fold(text))
        if key is not None:
            return next(c for c in self.classes if c.key == key)
        return _class({"key": text, "zh": text, "en": text}, self.default, user=True)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> RiskClasses:
        """Classes with some figures replaced, e.g. ``{"危化品": {"required_min": 8}}``."""
        out = list(self.classes)
        for label, figures in overrides.items():
            base = self.resolve(label)
            bad = set(figures) - {
                "required_min",
                "required_station",
                "weight",
                "reinforce_stations",
                "reinforce_min",
            }
            if bad:
                raise DataFormatError(
                    f"risk class {label!r}: unknown figure(s) {sorted(bad)}; "
                    "use required_min, required_station, weight, "
                    "reinforce_stations, reinforce_min"
                )
            new = _class({**base.__dict__, **figures}, {}, user=base.user)
            new = replace(
                new,
                basis=f"{base.basis}; overridden by the run",
                basis_zh=f"{base.basis_zh}；本次运行另行设定",
            )
            out = [new if c.key == base.key else c for c in out]
            if base.user:
                out.append(new)
        aliases = dict(self.aliases) | {_fold(c.key): c.key for c in out}
        return RiskClasses(tuple(out), aliases, self.default, self.osm_rules)


def _parse(text: str, where: str) -> RiskClasses:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFormatError(f"{where}: invalid TOML: {exc}; fix the file") from None
    default = dict(data.get("default", {}))
    classes = tuple(_class(c, default, user=False) for c in data.get("class", []))
    aliases: dict[str, str] = {}
    for raw, c in zip(data.get("class", []), classes, strict=True):
        for name in (c.key, c.zh, c.en, *raw.get("aliases", [])):
            aliases[_fold(name)] = c.key
    keys = {c.key for c in classes}
    for rule in data.get("osm_rule", []):
        if rule.get("class") not in keys:
            raise DataFormatError(
                f"{where}: osm_rule class {rule.get('class')!r} is not a "
                f"[[class]] key; use one of {sorted(keys)}"
            )
    return RiskClasses(classes, aliases, default, tuple(data.get("osm_rule", [])))


@lru_cache(maxsize=1)
def _builtin() -> RiskClasses:
    text = resources.files("firecover.data").joinpath("risk_rules.toml").read_text("utf-8")
    return _parse(text, "risk_rules.toml")


def load_risk_classes(path: str | None = None) -> RiskClasses:
    """The risk classes of ``data/risk_rules.toml``, or of a planner's rules file ``path``."""
    if path is None:
        return _builtin()
    from firecover._io import require_file

    p = require_file(path, "risk rules file")
    return _parse(p.read_text("utf-8"), str(p))
