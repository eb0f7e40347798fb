"""The optional ``[scenario.quota]`` table of a scenario file: built-up zones for ``quota``.

::

    [[scenario.quota.zone]]
    name = "中心城区"              # required, unique
    area_km2 = 30.0              # built-up area, km² (or "XX": a blank of a template)
    required = 23                # instead of area_km2: a given 应建数 (e.g. a city fire plan)
    class = "一级"                # class whose district limit sizes the zone; "edge" = 15 km²
    urban_edge = false           # the 15 km² urban-edge / new-area cap
    existing = 1                 # stations in service (已建), or "XX"
    reported_rate = 43           # optional: the plan's own 缺建率, percent, for comparison
    source = "..."               # required: where the figures come from

A string of X's (``"XX"``, ``"XXX"``) marks a figure the plan left blank (Laiyuan's template):
the file still validates, and ``firecover quota`` names the blanks to fill in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from firecover._schema import Table
from firecover.standards.quota import EDGE_WORDS, QuotaZone

__all__ = ["ScenarioZone", "read_quota"]

_ZONE_KEYS = (
    "name",
    "area_km2",
    "required",
    "class",
    "urban_edge",
    "existing",
    "reported_rate",
    "source",
)
_BLANK = re.compile(r"^[Xx]+$")


@dataclass(frozen=True)
class ScenarioZone:
    """A quota zone as written in a scenario: the zone, blanks left open, the plan's own rate."""

    zone: QuotaZone
    blanks: tuple[str, ...] = ()
    reported_rate: float | None = None


def _value(t: Table, key: str, blanks: list[str], *, whole: bool) -> float | None:
    raw = t.data.get(key)
    if isinstance(raw, str) and _BLANK.match(raw.strip()):
        blanks.append(key)
        return None
    value = t.number(key, minimum=0.0, strict=(key == "area_km2"))
    if value is not None and whole and value != int(value):
        t.fail(key, f"{value!r} must be a whole number")
    return value


def read_quota(t: Table | None, standards: object) -> tuple[ScenarioZone, ...]:
    """Read ``[scenario.quota]`` (an array ``zone`` of tables); ``()`` when absent."""
    if t is None:
        return ()
    zones = t.data.get("zone", [])
    if not isinstance(zones, list) or not zones:
        t.fail("zone", "give one or more [[scenario.quota.zone]] tables")
    out: list[ScenarioZone] = []
    seen: set[str] = set()
    for i, data in enumerate(zones):
        zt = Table(data, t.ctx, (*t.path, "zone"), f"quota zone {i + 1}", _ZONE_KEYS, index=i)
        name = zt.text("name", required=True, what="the zone's name")
        assert name is not None
        if name in seen:
            zt.fail("name", f'duplicate zone name "{name}"; give each zone its own name')
        seen.add(name)
        blanks: list[str] = []
        area = _value(zt, "area_km2", blanks, whole=False)
        required = _value(zt, "required", blanks, whole=True)
        existing = _value(zt, "existing", blanks, whole=True)
        if area is None and required is None and not blanks:
            zt.fail(None, "give area_km2 (built-up area) or required (a given 应建数)")
        cls = zt.text("class") or "level1"
        lookup = getattr(standards, "lookup", None)
        if cls.strip().lower() not in EDGE_WORDS and lookup is not None and lookup(cls) is None:
            zt.fail("class", f'unknown class "{cls}"; use 一级, 二级, 小型站, 特勤 or edge')
        rate = zt.number("reported_rate", minimum=0.0)
        zone = QuotaZone(
            name=name,
            area_km2=area,
            class_name=cls,
            existing=int(existing or 0),
            urban_edge=zt.flag("urban_edge", False),
            required=None if required is None else int(required),
            source=zt.text("source", required=True, what="where the figures come from"),
        )
        out.append(ScenarioZone(zone, tuple(blanks), rate))
    return tuple(out)
