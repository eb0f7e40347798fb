"""Service areas: the ground each fire station reaches within T minutes of the dispatch order.

For each station and each time break (e.g. 3, 4, 5 and 8 minutes of response) the driving budget
is ``minutes − turnout`` (建标152-2017: 1 min turnout). The roads reached within that budget
come from :func:`reached_edges` (whole edges plus the partial edge where the budget runs out,
interpolated along the geometry). The service area is the ground within an **access distance**
of those road pieces (settings ``service_buffer_m``, 100 m): it stands for the crew laying hose
or walking to buildings from where the engine stops, so ground far from any reached road does
not count even when it lies between reached roads.

The buffered pieces are unioned (shapely 2, vectorised ``buffer`` with round caps and joins at
:data:`QUAD_SEGS` segments per quarter circle, then ``union_all``). Enclosed holes smaller than
``fill_holes_km2`` (:data:`FILL_HOLES_KM2` = 0.05 km², about a 220 m × 220 m block interior) are
filled: such pockets are surrounded by reached roads and are served through courtyards and
lanes missing from the graph. Larger holes (parks, water, rail yards, unreached blocks) stay.
The result is clipped to the planning boundary when one is given.

Polygon modes, as in ArcGIS Network Analyst:

* ``"per_station"`` (alias ``"overlapping"``): one polygon per station and break; polygons of
  different stations overlap;
* ``"dissolved"``: one polygon per break, the union of all stations (``station = "(all)"``);
* ``"both"``: the per-station rows followed by the dissolved rows.

ArcGIS's third choice, "not overlapping" (each place given to its fastest station), is the
jurisdiction layer (:mod:`firecover.analysis.jurisdiction`), not a service-area mode.

With ``rings=True`` each break holds only the ground between the previous break and itself
(break 3 = 0–3 min, break 5 = 3–5 min) instead of the whole area up to the break ("disks").
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from firecover.analysis.area_geometry import (
    QUAD_SEGS,
    _boundary_geometry,
    _finish,
    _polygonal,
    buffer_lines,
    fill_holes,
)
from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped
from firecover.settings import DEFAULTS, resolve
from firecover.traveltime.reach import (
    FRACTION_TOL,
    ReachedEdges,
    merge_intervals,
    piece_geometries,
    reached_edges,
    reached_multi,
)

__all__ = [
    "ALL_STATIONS",
    "FILL_HOLES_KM2",
    "QUAD_SEGS",
    "ReachedEdges",
    "ServiceAreaCache",
    "buffer_lines",
    "fill_holes",
    "reach_lengths",
    "reached_edges",
    "service_areas",
]

logger = logging.getLogger(__name__)

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]
Mode = Literal["per_station", "overlapping", "dissolved", "both"]

ALL_STATIONS = "(all)"
"""``station`` value of the dissolved rows."""
FILL_HOLES_KM2 = 0.05
"""Default hole-filling threshold, km² (a setting ``service_fill_holes_km2`` overrides it)."""
_MODES = ("per_station", "overlapping", "dissolved", "both")


@dataclass(frozen=True)
class _Break:
    minutes: float
    driving_min: float

    @property
    def limit_s(self) -> float:
        return self.driving_min * 60.0


class ServiceAreaCache:
    """Finished per-station service-area polygons, reused between calls on one network.

    A plan is analysed once per year with mostly the same stations; a station's polygons depend
    only on where it stands on the road network and on the breaks, buffer, hole filling and
    boundary, so they are built once per station (issue 11: 254 builds for 51 stations before).
    The key includes all of those; a cache belongs to one :class:`CSRNetwork` (a different
    network raises ``ValueError``). ``max_entries`` bounds it (least recently used first out;
    default unbounded, as a plan's stations are few); it may be shared between threads.
    """

    def __init__(self, max_entries: int | None = None) -> None:
        self._net_id: int | None = None
        self._polys: OrderedDict[tuple[Any, ...], list[Polygon | MultiPolygon]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.builds = 0

    def bind(self, net: CSRNetwork) -> None:
        """Tie the cache to ``net`` on first use; refuse another network afterwards."""
        if self._net_id is None:
            self._net_id = id(net)
        elif self._net_id != id(net):
            raise ValueError("a ServiceAreaCache serves one road network; make a new one")

    @staticmethod
    def keys(sources: Snapped, context: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """One key per source: its road position and access leg plus ``context``."""
        return [
            (int(e), float(f), float(a), *context)
            for e, f, a in zip(sources.edge, sources.fraction, sources.access_s, strict=True)
        ]

    def get(self, key: tuple[Any, ...]) -> list[Polygon | MultiPolygon] | None:
        """The finished polygons (one per break) of a key, or ``None``."""
        with self._lock:
            polys = self._polys.get(key)
            if polys is not None:
                self._polys.move_to_end(key)
            return polys

    def put(self, key: tuple[Any, ...], polys: list[Polygon | MultiPolygon]) -> None:
        """Store the finished polygons of a key (dropping the oldest beyond ``max_entries``)."""
        with self._lock:
            self._polys[key] = polys
            while self.max_entries is not None and len(self._polys) > self.max_entries:
                self._polys.popitem(last=False)


# --- geometry helpers ------------------------------------------------------------------------


# --- argument checks -------------------------------------------------------------------------


def _breaks(minutes: Sequence[float] | float, turnout_min: float) -> list[_Break]:
    values = np.atleast_1d(np.asarray(minutes, dtype=np.float64))
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"minutes must be positive numbers of minutes, got {minutes!r}")
    if not (math.isfinite(turnout_min) and turnout_min >= 0):
        raise ValueError(f"turnout_min must be ≥ 0 minutes, got {turnout_min!r}")
    out = []
    for m in np.unique(values).tolist():
        driving = m - turnout_min
        if driving <= 0:
            logger.warning(
                "the %g min break is not longer than the %g min turnout, so its service area is "
                "empty; use breaks above the turnout",
                m,
                turnout_min,
            )
        out.append(_Break(float(m), max(driving, 0.0)))
    return out


def _station_names(names: Sequence[str] | None, n: int) -> list[str]:
    labels = [f"#{i}" for i in range(n)] if names is None else [str(x) for x in names]
    if len(labels) != n:
        raise ValueError(f"names has {len(labels)} entries for {n} stations; give one per station")
    return labels


def _check_mode(mode: str) -> tuple[bool, bool]:
    """(per-station rows?, dissolved rows?)."""
    if mode not in _MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(_MODES)}")
    return mode != "dissolved", mode in ("dissolved", "both")


def _fill_m2(fill_holes_km2: float | None) -> float:
    km2 = getattr(DEFAULTS, "service_fill_holes_km2", FILL_HOLES_KM2)
    km2 = float(km2 if fill_holes_km2 is None else fill_holes_km2)
    if not (math.isfinite(km2) and km2 >= 0):
        raise ValueError(f"fill_holes_km2 must be ≥ 0, got {fill_holes_km2!r}")
    return km2 * 1e6


def _reach_by_break(
    net: CSRNetwork, sources: Snapped, breaks: list[_Break]
) -> list[ReachedEdges | None]:
    """Reached pieces per break (one search at the largest budget); None for empty budgets."""
    positive = [b.limit_s for b in breaks if b.limit_s > 0]
    found = iter(reached_multi(net, sources, positive))
    return [next(found) if b.limit_s > 0 else None for b in breaks]


# --- service areas ---------------------------------------------------------------------------


def _new_pieces(reach: ReachedEdges, done_full: IntArray) -> tuple[ReachedEdges, IntArray]:
    """Pieces not already whole at the previous break, and the keys of the whole ones now."""
    keys = reach.source * max(reach.net.n_edges, 1) + reach.edge
    full = reach.full
    fresh = ~full | ~np.isin(keys, done_full)
    return reach.select(fresh), keys[full]


class _Buffers:
    """Buffered piece shapes; whole edges are buffered once and shared between stations."""

    def __init__(self, net: CSRNetwork, buffer_m: float) -> None:
        self.net, self.buffer_m = net, buffer_m
        self.whole: ObjArray = np.full(net.n_edges, None, dtype=object)
        self.done = np.zeros(net.n_edges, dtype=bool)

    def __call__(self, reach: ReachedEdges) -> ObjArray:
        full = reach.full
        need = np.unique(reach.edge[full])
        need = need[~self.done[need]]
        if need.size:
            self.whole[need] = shapely.buffer(
                self.net.edge_geom[need], self.buffer_m, quad_segs=QUAD_SEGS
            )
            self.done[need] = True
        shapes: ObjArray = np.empty(len(reach), dtype=object)
        shapes[full] = self.whole[reach.edge[full]]
        part = ~full
        pieces = piece_geometries(self.net, reach.edge[part], reach.start[part], reach.end[part])
        shapes[part] = shapely.buffer(pieces, self.buffer_m, quad_segs=QUAD_SEGS)
        return shapes


def _station_polygons(
    reaches: list[ReachedEdges | None], net: CSRNetwork, n: int, buffer_m: float
) -> list[list[Polygon | MultiPolygon]]:
    """Unioned buffers of each source's pieces per break, ``[break][station]``, unfinished.

    Built incrementally: the polygon of a break is the previous break's polygon united with the
    buffers of the pieces that are new or grew (pieces only grow with the budget), so a larger
    break contains the smaller one by construction and whole edges are buffered once.
    """
    current: list[Polygon | MultiPolygon] = [Polygon() for _ in range(n)]
    out = []
    done_full = np.empty(0, dtype=np.int64)
    buffers = _Buffers(net, buffer_m)
    for reach in reaches:
        if reach is not None and buffer_m > 0.0 and len(reach):
            fresh, done_full = _new_pieces(reach, done_full)
            shapes = buffers(fresh)
            bounds = np.searchsorted(fresh.source, np.arange(n + 1))
            for i, (a, b) in enumerate(itertools.pairwise(bounds)):
                if b > a:
                    both = np.concatenate([np.array([current[i]], dtype=object), shapes[a:b]])
                    current[i] = _polygonal(shapely.union_all(both))
        out.append(list(current))
    return out


def _rings(polys: list[Polygon | MultiPolygon]) -> list[Polygon | MultiPolygon]:
    """Each polygon minus the one before it (polys ordered by break)."""
    out = polys[:1]
    for prev, cur in itertools.pairwise(polys):
        out.append(_polygonal(shapely.difference(cur, prev)) if not prev.is_empty else cur)
    return out


def _frame(rows: list[tuple[str, _Break, BaseGeometry]], crs: str) -> gpd.GeoDataFrame:
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [g for _, _, g in rows]
    return gpd.GeoDataFrame(
        {
            "station": pd.Series([s for s, _, _ in rows], dtype=object),
            "minutes": np.array([b.minutes for _, b, _ in rows], dtype=np.float64),
            "driving_min": np.array([b.driving_min for _, b, _ in rows], dtype=np.float64),
            "area_km2": shapely.area(geoms).astype(np.float64) / 1e6 if rows else [],
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )


def _finished_polygons(
    net: CSRNetwork,
    sources: Snapped,
    breaks: list[_Break],
    buf: float,
    fill_m2: float,
    clip: BaseGeometry | None,
    cache: ServiceAreaCache | None,
) -> list[list[Polygon | MultiPolygon]]:
    """Finished polygons ``[break][station]``, built only for stations not in ``cache``."""
    n = len(sources)
    if cache is None:
        raw = _station_polygons(_reach_by_break(net, sources, breaks), net, n, buf)
        return [[_finish(p, fill_m2, clip) for p in polys] for polys in raw]
    cache.bind(net)
    context = (tuple(b.limit_s for b in breaks), buf, fill_m2,
               None if clip is None else shapely.to_wkb(clip))  # fmt: skip
    keys = cache.keys(sources, context)
    per_station = [cache.get(k) for k in keys]  # kept here: a bounded cache may drop entries
    todo = np.array([i for i, polys in enumerate(per_station) if polys is None], dtype=np.int64)
    if todo.size:
        raw = _station_polygons(_reach_by_break(net, sources[todo], breaks), net, todo.size,
                                buf)  # fmt: skip
        for pos, i in enumerate(todo.tolist()):
            per_station[i] = [_finish(polys[pos], fill_m2, clip) for polys in raw]
            cache.put(keys[i], per_station[i])
    cache.builds += int(todo.size)
    cache.hits += n - int(todo.size)
    return [[polys[k] for polys in per_station if polys is not None] for k in range(len(breaks))]


def service_areas(
    net: CSRNetwork,
    sources: Snapped,
    names: Sequence[str] | None,
    minutes: Sequence[float] | float,
    *,
    turnout_min: float | None = None,
    buffer_m: float | None = None,
    boundary: Any = None,
    fill_holes_km2: float | None = None,
    mode: Mode = "per_station",
    rings: bool = False,
    cache: ServiceAreaCache | None = None,
) -> gpd.GeoDataFrame:
    """Service-area polygons per station and time break (DESIGN.md ``service_areas`` layer).

    Parameters
    ----------
    net : CSRNetwork
        The road network (metric CRS).
    sources : Snapped
        The stations on the road network (:func:`firecover.network.snapping.snap_stations`). Their
        access legs count against the driving budget.
    names : sequence of str or None
        One name per station (``"#0"``, ``"#1"``, ... when None).
    minutes : float or sequence of float
        Response-time breaks in minutes from the dispatch order, e.g. ``[3, 4, 5, 8]``.
        Sorted; duplicates dropped. A break not longer than the turnout gives an empty area
        (with a logged warning).
    turnout_min : float, optional
        Turnout time in minutes; default settings ``turnout_min`` (1 min). The driving budget is
        ``minutes − turnout_min``.
    buffer_m : float, optional
        Access distance from a reached road, metres; default settings ``service_buffer_m``
        (100 m: hose lay / walk from the engine to buildings). 0 gives empty polygons (use
        :func:`reach_lengths` for road lengths).
    boundary : shapely geometry, GeoSeries or GeoDataFrame, optional
        Planning boundary; areas are clipped to it. Geometries without a CRS are taken to be in
        ``net.crs``.
    fill_holes_km2 : float, optional
        Fill enclosed holes smaller than this, km²; default :data:`FILL_HOLES_KM2` (0.05 km²).
        0 keeps every hole.
    mode : {"per_station", "overlapping", "dissolved", "both"}
        Per-station (overlapping) polygons, one dissolved polygon per break (station
        ``"(all)"``), or both.
    rings : bool
        Give each break only the ground beyond the previous break (concentric rings).
    cache : ServiceAreaCache, optional
        Reuse (and store) the finished polygons of stations already built on this network
        with the same breaks, buffer, hole filling and boundary.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``station``, ``minutes``, ``driving_min``, ``area_km2`` (in the metric CRS) and
        (Multi)Polygon ``geometry`` (empty Polygon when nothing is reached), CRS ``net.crs``.
        Rows by station in input order, then by break; dissolved rows last.
    """
    per_station, dissolved = _check_mode(mode)
    labels = _station_names(names, len(sources))
    breaks = _breaks(minutes, float(resolve(turnout_min, "turnout_min")))
    buf = float(resolve(buffer_m, "service_buffer_m"))
    if not (math.isfinite(buf) and buf >= 0):
        raise ValueError(f"buffer_m must be ≥ 0 metres, got {buffer_m!r}")
    fill_m2 = _fill_m2(fill_holes_km2)
    clip = _boundary_geometry(boundary, net.crs)
    t0 = time.perf_counter()
    n = len(sources)
    station_polys = _finished_polygons(net, sources, breaks, buf, fill_m2, clip, cache)
    union_polys: list[Polygon | MultiPolygon] = []
    for finished in station_polys:
        if dissolved:
            merged = shapely.union_all(np.asarray(finished, dtype=object)) if n else Polygon()
            union_polys.append(_finish(merged, fill_m2, clip))
    rows: list[tuple[str, _Break, BaseGeometry]] = []
    if per_station:
        for i, label in enumerate(labels):
            polys = [station_polys[k][i] for k in range(len(breaks))]
            polys = _rings(polys) if rings else polys
            rows.extend((label, b, p) for b, p in zip(breaks, polys, strict=True))
    if dissolved:
        polys = _rings(union_polys) if rings else union_polys
        rows.extend((ALL_STATIONS, b, p) for b, p in zip(breaks, polys, strict=True))
    logger.info(
        "service areas: %d station(s) × %d break(s) in %.2f s",
        n,
        len(breaks),
        time.perf_counter() - t0,
    )
    return _frame(rows, net.crs)


# --- road lengths ----------------------------------------------------------------------------


def _union_length_m(reach: ReachedEdges) -> float:
    """Road length reached by any source (overlaps between sources counted once)."""
    edge, start, end = merge_intervals(reach.edge, reach.start, reach.end, FRACTION_TOL)
    return float(np.sum((end - start) * reach.net.edge_length[edge]))


def reach_lengths(
    net: CSRNetwork,
    sources: Snapped,
    names: Sequence[str] | None,
    minutes: Sequence[float] | float,
    *,
    turnout_min: float | None = None,
    mode: Mode = "per_station",
) -> pd.DataFrame:
    """Kilometres of road reached per station (and/or by all stations) per time break.

    Each two-way road counts once (not once per direction); a piece's length is its share of
    the edge's ``length`` attribute. Arguments as in :func:`service_areas`.

    Returns
    -------
    pandas.DataFrame
        Columns ``station``, ``minutes``, ``driving_min``, ``reached_km``; the dissolved rows
        (``station = "(all)"``) count road reached by several stations once.
    """
    per_station, dissolved = _check_mode(mode)
    labels = _station_names(names, len(sources))
    breaks = _breaks(minutes, float(resolve(turnout_min, "turnout_min")))
    n = len(sources)
    per: list[np.ndarray] = []
    total: list[float] = []
    for reach in _reach_by_break(net, sources, breaks):
        per.append(np.zeros(n) if reach is None else reach.source_length_m())
        total.append(0.0 if reach is None else _union_length_m(reach))
    records: list[tuple[str, float, float, float]] = []
    if per_station:
        for i, label in enumerate(labels):
            records.extend(
                (label, b.minutes, b.driving_min, float(per[k][i]) / 1000.0)
                for k, b in enumerate(breaks)
            )
    if dissolved:
        records.extend(
            (ALL_STATIONS, b.minutes, b.driving_min, total[k] / 1000.0)
            for k, b in enumerate(breaks)
        )
    return pd.DataFrame.from_records(
        records, columns=["station", "minutes", "driving_min", "reached_km"]
    )
