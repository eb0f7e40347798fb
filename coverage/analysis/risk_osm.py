"""Risk objects derived from OpenStreetMap tags (``--risk osm``), offline from .osm / .pbf.

The tag rules are data: the ``[[osm_rule]]`` tables of ``data/risk_rules.toml`` (documented
there: GB 50016-2014 §2.1.1 heights for 高层 with ``building:levels`` ≥ 10 as the proxy,
``man_made=storage_tank`` / ``industrial=chemical``… → 危化品, ``shop=mall`` and large
``building=retail|commercial`` → 大型综合体, …). A feature takes the class of the **first** rule
it matches. Features are tagged nodes (points) and areas — closed ways and multipolygon
relations assembled by pyosmium's area handler (the library that already reads the road
graph from the same files; :mod:`firecover.network.osm`).

Rule semantics (:func:`match_rule`): every key of ``tags`` has one of its values (``"*"`` =
any value); no key of ``not_tags`` has one of its values; ``height_gt_m``: ``height`` (metres,
``"27 m"`` → 27) above it, or, without a usable ``height``, ``building:levels`` ≥ ``levels_ge``;
``floor_area_ge_m2``: footprint (m², in the metric CRS) × ``building:levels`` (1 when
untagged) at least it.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import shapely

from firecover._errors import DataFormatError
from firecover._io import require_file
from firecover.analysis.risk import risk_frame
from firecover.analysis.risk_classes import RiskClasses, load_risk_classes

__all__ = ["OSM_SUFFIXES", "is_osm_file", "match_rule", "osm_risk_objects", "parse_height"]

log = logging.getLogger(__name__)

#: File names read as OpenStreetMap data.
OSM_SUFFIXES = (".osm", ".pbf", ".osm.pbf", ".osm.bz2", ".osm.gz")
_HEIGHT = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(m|meter|meters|metre|metres|米)?\s*$", re.I)


def is_osm_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names an OSM XML / PBF file by its suffix."""
    name = Path(path).name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES)


def parse_height(value: str | None) -> float | None:
    """Metres from an OSM ``height`` value (``"27"``, ``"27.5 m"``); None if unusable."""
    if value is None:
        return None
    m = _HEIGHT.match(str(value))
    return float(m.group(1).replace(",", ".")) if m else None


def _levels(value: str | None) -> float | None:
    try:
        v = float(str(value).replace(",", ".")) if value is not None else None
    except ValueError:
        return None
    return v if v is not None and math.isfinite(v) and v >= 0 else None


def _has(tags: Mapping[str, str], cond: Mapping[str, Any]) -> bool:
    for key, values in cond.items():
        v = tags.get(key)
        if v is None or ("*" not in values and v not in values):
            return False
    return True


def _any(tags: Mapping[str, str], cond: Mapping[str, Any]) -> bool:
    return any(tags.get(k) is not None and ("*" in vs or tags[k] in vs) for k, vs in cond.items())


def match_rule(tags: Mapping[str, str], rule: Mapping[str, Any], footprint_m2: float) -> bool:
    """Whether a feature with ``tags`` and footprint area matches one ``[[osm_rule]]``."""
    if not _has(tags, rule.get("tags", {})) or _any(tags, rule.get("not_tags", {})):
        return False
    levels = _levels(tags.get("building:levels"))
    if "height_gt_m" in rule:
        h = parse_height(tags.get("height"))
        if h is not None:
            if not h > float(rule["height_gt_m"]):
                return False
        elif levels is None or levels < float(rule.get("levels_ge", math.inf)):
            return False
    if "floor_area_ge_m2" in rule:
        floors = levels if levels is not None and levels >= 1 else 1.0
        if footprint_m2 * floors < float(rule["floor_area_ge_m2"]):
            return False
    return True


class _Collector(osmium.SimpleHandler):
    """Tagged nodes and areas carrying any key the rules look at."""

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__()
        self.keys = keys
        self.wkb = osmium.geom.WKBFactory()
        self.ids: list[str] = []
        self.tags: list[dict[str, str]] = []
        self.geoms: list[bytes | str] = []

    def _keep(self, obj: Any) -> dict[str, str] | None:
        if not any(k in obj.tags for k in self.keys):
            return None
        return {t.k: t.v for t in obj.tags}

    def node(self, n: Any) -> None:
        if not n.tags:
            return
        tags = self._keep(n)
        if tags is not None and n.location.valid():
            self.ids.append(f"node/{n.id}")
            self.tags.append(tags)
            self.geoms.append(self.wkb.create_point(n))

    def area(self, a: Any) -> None:
        tags = self._keep(a)
        if tags is None:
            return
        try:
            geom = self.wkb.create_multipolygon(a)
        except RuntimeError:  # broken ring (e.g. cut by the extract's edge)
            return
        kind = "way" if a.from_way() else "relation"
        self.ids.append(f"{kind}/{a.orig_id()}")
        self.tags.append(tags)
        self.geoms.append(geom)


def _rule_keys(rules: tuple[Mapping[str, Any], ...]) -> frozenset[str]:
    keys = {k for r in rules for k in r.get("tags", {})}
    return frozenset(keys)


def osm_features(
    path: str | os.PathLike[str],
    rules: tuple[Mapping[str, Any], ...],
) -> gpd.GeoDataFrame:
    """Every tagged node and area of ``path`` with a key the rules use (EPSG:4326)."""
    p = require_file(path, "OSM file")
    col = _Collector(_rule_keys(rules))
    try:
        col.apply_file(str(p), locations=True)
    except (RuntimeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFormatError(f"cannot read OSM file {p}: {reason}; is it OSM XML/PBF?") from exc
    geoms = shapely.from_wkb(np.array(col.geoms, dtype=object)) if col.geoms else []
    return gpd.GeoDataFrame(
        {"osm_id": col.ids, "tags": col.tags}, geometry=list(geoms), crs="EPSG:4326"
    )


def classify(frame: gpd.GeoDataFrame, rules: tuple[Mapping[str, Any], ...]) -> list[str | None]:
    """The class of each feature (first matching rule) or None; ``frame`` in metres."""
    areas = shapely.area(frame.geometry.to_numpy())
    out: list[str | None] = []
    for tags, area in zip(frame["tags"], areas, strict=True):
        out.append(next((str(r["class"]) for r in rules if match_rule(tags, r, float(area))), None))
    return out


def osm_risk_objects(
    path: str | os.PathLike[str], crs: str, *, classes: RiskClasses | None = None, clip: Any = None
) -> gpd.GeoDataFrame:
    """The ``risk_objects`` layer derived from an OSM file by the tag rules, in ``crs``.

    ``clip`` (a shapely geometry in ``crs``) keeps the objects that touch it. Extra columns:
    ``osm_id`` (``way/123``) and ``source`` (``"OpenStreetMap"``).
    """
    classes = classes or load_risk_classes()
    feats = osm_features(path, classes.osm_rules).to_crs(crs)
    if clip is not None and len(feats):
        feats = feats[feats.intersects(clip)]
    keys = classify(feats, classes.osm_rules)
    keep = np.array([k is not None for k in keys], dtype=bool)
    hit = feats[keep].reset_index(drop=True)
    labels = [k for k in keys if k is not None]
    layer = gpd.GeoDataFrame(
        {"class": labels, "name": [t.get("name", "") for t in hit["tags"]]},
        geometry=hit.geometry.to_numpy(),
        crs=crs,
    )
    out = risk_frame(layer, classes, where=f"OSM file {Path(path).name}")
    out["osm_id"] = hit["osm_id"].to_numpy()
    out["name"] = [
        nm if nm != rid else oid
        for nm, rid, oid in zip(out["name"], out["risk_id"], out["osm_id"], strict=True)
    ]
    out["source"] = "OpenStreetMap"
    counts = out["class_zh"].value_counts().to_dict()
    log.info("%s: %d risk object(s) from OSM tags %s", Path(path).name, len(out), counts)
    return out
