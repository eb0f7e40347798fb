"""Road classes and speed limits as the sources write them.

:func:`canonical_class` maps an OSM ``highway`` value or a Chinese planning class (快速路 →
``motorway``, 主干路 → ``primary``, 次干路 → ``secondary``, 支路 → ``residential``; see
:data:`CLASS_ALIASES`) to one of :data:`CANONICAL_CLASSES`; :func:`parse_maxspeed` reads an OSM
``maxspeed`` value as km/h.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["CANONICAL_CLASSES", "CLASS_ALIASES", "canonical_class", "parse_maxspeed"]

#: Canonical road classes, fastest hierarchy first (used to pick one class from a list).
CANONICAL_CLASSES: tuple[str, ...] = (
    "motorway", "trunk", "primary", "secondary", "tertiary",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
    "unclassified", "residential", "service",
)  # fmt: skip
_RANK = {c: i for i, c in enumerate(CANONICAL_CLASSES)}

#: Source class values (lower-cased) that map to a canonical class. The Chinese highway grades
#: and administrative road types follow common OSM China tagging; they are assumptions.
CLASS_ALIASES: dict[str, str] = {
    # OSM highway values outside the canonical list
    "living_street": "residential", "road": "unclassified", "busway": "service",
    # English planning terms
    "expressway": "motorway", "urban_expressway": "motorway", "freeway": "motorway",
    "ramp": "motorway_link", "arterial": "primary", "major_arterial": "primary",
    "minor_arterial": "secondary", "collector": "secondary", "branch": "residential",
    "local": "residential",
    # Chinese urban planning classes (GB/T 51328-2018, CJJ 37)
    "快速路": "motorway", "城市快速路": "motorway", "快速干道": "motorway", "快速干路": "motorway",
    "高速公路": "motorway", "高速": "motorway", "匝道": "motorway_link",
    "主干路": "primary", "主干道": "primary", "城市主干路": "primary", "城市主干道": "primary",
    "主要干道": "primary",
    "次干路": "secondary", "次干道": "secondary", "城市次干路": "secondary",
    "城市次干道": "secondary",
    "支路": "residential", "城市支路": "residential", "街巷": "residential",
    "支路/街巷": "residential", "支路街巷": "residential", "街坊路": "residential",
    "小区路": "residential", "辅路": "tertiary",
    # Chinese highway grades and administrative classes
    "一级公路": "trunk", "二级公路": "secondary", "三级公路": "tertiary",
    "四级公路": "unclassified", "等外公路": "unclassified",
    "国道": "trunk", "省道": "primary", "县道": "secondary", "乡道": "tertiary",
    "村道": "unclassified",
}  # fmt: skip

_MPH = 1.609344
_KNOT = 1.852
#: Implicit urban limits that differ from the common 50 km/h (OSM ``maxspeed=XX:urban``).
_URBAN_LIMITS = {"RU": 60.0, "BY": 60.0}
_ZONE_LIMITS = {"urban": 50.0, "living_street": 20.0, "bicycle_road": 30.0, "walk": 7.0}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|knots|km/h|kmh|kph)?\s*$", re.IGNORECASE)
_ZONE = re.compile(r"^[A-Za-z]{2}(?:-[A-Za-z0-9]+)?:(?:zone:?)?(\w+)$")


def _norm(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def _values(value: Any) -> list[str]:
    """Split a tag value into strings: lists, ``"a;b"`` and stringified ``"['a', 'b']"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple | set):
        return [v for item in value for v in _values(item)]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            return _values(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            text = text[1:-1]
    return [part.strip() for part in re.split(r"[;|]", text) if part.strip()]


def canonical_class(value: Any, aliases: Mapping[str, str] | None = None) -> str | None:
    """Map a source road-class value to a canonical class.

    Parameters
    ----------
    value : Any
        An OSM ``highway`` value, a Chinese planning class (主干路, 次干道, 支路/街巷 ...), or a
        list / ``;``-separated string of them (the highest class in :data:`CANONICAL_CLASSES`
        order wins, which makes the choice deterministic).
    aliases : Mapping[str, str], optional
        Extra lower-cased value → class pairs checked first.

    Returns
    -------
    str or None
        The canonical class, or ``None`` if no value is recognised.
    """
    found: list[str] = []
    for raw in _values(value):
        key = _norm(raw)
        cls = (aliases or {}).get(key) or (key if key in _RANK else CLASS_ALIASES.get(key))
        if cls is None and "/" in key:  # e.g. "支路/街巷" written differently
            cls = next((CLASS_ALIASES.get(p) for p in key.split("/") if p in CLASS_ALIASES), None)
        if cls is not None:
            found.append(cls)
    return min(found, key=_RANK.__getitem__) if found else None


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h.

    Accepts numbers, ``"50"``, ``"50 mph"``, ``"10 knots"``, lists or ``"30;50"`` (the mean,
    as osmnx does), and implicit zone values: ``"XX:urban"`` is 50 km/h (60 for RU, BY),
    ``"XX:zone30"`` / ``"XX:zone:30"`` 30, ``"XX:living_street"`` 20, ``"walk"`` 7.
    ``"none"``, ``"signals"``, ``"variable"`` and rural / motorway zones return ``None`` (they
    never lower an urban fire-engine speed).

    Parameters
    ----------
    value : Any
        The raw tag value.

    Returns
    -------
    float or None
        km/h, or ``None`` when there is no usable limit.
    """
    speeds = [s for s in (_parse_one_maxspeed(v) for v in _values(value)) if s is not None]
    return sum(speeds) / len(speeds) if speeds else None


def _parse_one_maxspeed(text: str) -> float | None:
    match = _NUMBER.match(text)
    if match:
        number = float(match.group(1))
        unit = (match.group(2) or "").lower()
        kph = number * (_MPH if unit == "mph" else _KNOT if unit == "knots" else 1.0)
        return kph if kph > 0 else None
    zone = _ZONE.match(text.strip())
    key = zone.group(1).lower() if zone else text.strip().lower()
    if key.isdigit():
        return float(key) if int(key) > 0 else None
    if key == "urban" and zone:
        return _URBAN_LIMITS.get(text.strip()[:2].upper(), _ZONE_LIMITS["urban"])
    return _ZONE_LIMITS.get(key)
