"""Audit a brigade's hand-drawn jurisdictions (辖区) against the road network and the standard.

For each drawn district, matched to its station by name:

* its area against the station's class limit (建标152-2017; GB 51080-2015 §4.1.3-2);
* the share its **own** station reaches within the budget (GB 51080-2015 §4.1.3-1), and the
  unreachable parts as polygons;
* the parts **another** station reaches sooner, and which station (a sign the line is drawn in
  the wrong place);
* the barriers it crosses (GB 51080-2015 §4.1.3-4): the barrier features inside it by name (or
  kind) and the area lying across a barrier from the station;
* overlaps between drawn districts and holes of the planning area no district covers.

Method: demand cells over the planning area (the boundary, or the drawn districts with their
holes filled) are cut along the district lines, so every piece lies in one district; a piece takes
its cell's arrival times (demand point on the road, access legs included; turnout added), from
every station (:func:`firecover.traveltime.search.time_matrix`). Areas are exact polygon areas;
times are per cell, so a part is resolved to about one cell. A district ``compliant`` flag is the
standards check (:func:`firecover.standards.check_stations`) on the drawn area, the latest arrival
in it and the reached share; the audit as a whole passes when every district complies and there
are no overlaps or holes (beyond :data:`MIN_PART_KM2`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from firecover._errors import DataFormatError
from firecover.analysis.barriers import BarrierSet, load_barriers
from firecover.analysis.demand import build_demand
from firecover.analysis.run import place_stations, roads_layer
from firecover.analysis.station_spec import StationSpec, name_key
from firecover.settings import resolve
from firecover.standards.check import check_stations, load_standards
from firecover.standards.results import StationCheck
from firecover.traveltime.search import CSRNetwork, time_matrix

__all__ = ["MIN_PART_KM2", "AuditResult", "DistrictAudit", "audit_districts"]

log = logging.getLogger(__name__)

#: Overlaps, holes and parts smaller than this are slivers of drawing, not findings (km²).
MIN_PART_KM2 = 0.001
#: Shared boundary longer than this makes two districts adjoin (as in the jurisdiction module).
ADJACENCY_MIN_M = 5.0
#: A station reaches a piece "sooner" when it is at least this much faster (seconds).
SOONER_TOL_S = 1.0
#: Parts another station reaches sooner are reported from this size (half a 100 m cell), km².
SOONER_MIN_KM2 = 0.005


@dataclass(frozen=True)
class DistrictAudit:
    """The findings for one drawn district.

    Attributes
    ----------
    station : str
        The station the district belongs to.
    drawn_km2 : float
        Area of the drawn polygon inside the planning area.
    reached_km2, unreachable_km2 : float
        Area its own station reaches within / not within the budget.
    max_arrival_min : float
        Latest arrival of its own station in the district (``inf`` with unreachable cells).
    sooner : dict of str to float
        Area (km²) that another station reaches sooner, by that station.
    barriers : dict of str to float
        Barrier features lying in the district, by name (or kind): their length inside, m.
    across_barrier_km2 : float
        Area across a barrier from the station (0 without barriers).
    check : StationCheck
        The standards check on the drawn district.
    """

    station: str
    drawn_km2: float
    reached_km2: float
    unreachable_km2: float
    max_arrival_min: float
    sooner: dict[str, float]
    barriers: dict[str, float]
    across_barrier_km2: float
    check: StationCheck

    @property
    def reached_share(self) -> float:
        """Share of the district reached by its own station within the budget."""
        return self.reached_km2 / self.drawn_km2 if self.drawn_km2 > 0 else float("nan")


@dataclass(frozen=True)
class AuditResult:
    """Everything the audit found, with layers for the GeoPackage and the map.

    Layers (metric CRS): ``districts`` (drawn, with the figures), ``unreachable`` (station,
    area_km2), ``sooner`` (station, faster_station, area_km2), ``overlaps`` (a, b, area_km2),
    ``holes`` (area_km2), ``stations``, ``roads``, ``boundary``.
    """

    districts: list[DistrictAudit]
    layers: dict[str, gpd.GeoDataFrame]
    planning_km2: float
    turnout_min: float
    driving_min: float
    crs: str
    synthetic: bool = False
    without_district: list[str] = field(default_factory=list)

    @property
    def budget_min(self) -> float:
        """Response budget, minutes from the dispatch order."""
        return self.turnout_min + self.driving_min

    @property
    def overlap_km2(self) -> float:
        """Total area drawn into two or more districts."""
        return float(self.layers["overlaps"]["area_km2"].sum())

    @property
    def hole_km2(self) -> float:
        """Total planning area in no drawn district."""
        return float(self.layers["holes"]["area_km2"].sum())

    @property
    def compliant(self) -> bool:
        """Every district passes the standards check and there are no overlaps or holes."""
        return (
            all(d.check.compliant for d in self.districts)
            and self.layers["overlaps"].empty
            and self.layers["holes"].empty
        )


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _filled(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` with its interior holes filled (the outline of the drawn districts)."""
    polys = [
        shapely.Polygon(p.exterior) for p in shapely.get_parts(geom) if p.geom_type == "Polygon"
    ]
    return shapely.union_all(polys)


def _match(names: Sequence[str], stations: Sequence[StationSpec]) -> list[int]:
    index = {name_key(s.name): i for i, s in enumerate(stations)}
    out = []
    for n in names:
        i = index.get(name_key(str(n)))
        if i is None:
            raise DataFormatError(
                f"drawn district {n!r} names no station; stations are "
                f"{', '.join(s.name for s in stations)} (fix the name column or the station file)"
            )
        out.append(i)
    if len(set(out)) != len(out):
        dup = sorted({str(n) for n, i in zip(names, out, strict=True) if out.count(i) > 1})
        raise DataFormatError(f"several drawn districts name {', '.join(dup)}; merge them into one")
    return out


def _pairwise(geoms: Sequence[BaseGeometry], names: Sequence[str], what: str) -> gpd.GeoDataFrame:
    rows: list[tuple[str, str, float, BaseGeometry]] = []
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if not shapely.intersects(geoms[i], geoms[j]):
                continue
            inter = _polygonal(shapely.intersection(geoms[i], geoms[j]))
            km2 = inter.area / 1e6
            if km2 >= MIN_PART_KM2:
                rows.append((names[i], names[j], km2, inter))
    return gpd.GeoDataFrame(
        {"a": [r[0] for r in rows], "b": [r[1] for r in rows], "area_km2": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
        crs=what,
    )


def _parts_frame(geom: BaseGeometry, crs: str, **cols: Any) -> gpd.GeoDataFrame:
    parts = [p for p in shapely.get_parts(_polygonal(geom)) if p.area / 1e6 >= MIN_PART_KM2]
    data = {k: [v] * len(parts) for k, v in cols.items()}
    data["area_km2"] = [p.area / 1e6 for p in parts]
    return gpd.GeoDataFrame(data, geometry=parts, crs=crs)


def _adjoins(drawn: list[BaseGeometry], full: list[bool]) -> list[bool]:
    grown = [shapely.buffer(g, 0.5) for g in drawn]
    out = []
    for i, g in enumerate(drawn):
        edge = shapely.boundary(g)
        out.append(
            any(
                full[j]
                and j != i
                and shapely.length(shapely.intersection(edge, grown[j])) > ADJACENCY_MIN_M
                for j in range(len(drawn))
            )
        )
    return out


def _barrier_names(
    drawn: list[BaseGeometry], barriers: gpd.GeoDataFrame | None
) -> list[dict[str, float]]:
    out: list[dict[str, float]] = [{} for _ in drawn]
    if barriers is None or barriers.empty:
        return out
    names = (
        barriers["name"].astype(str) if "name" in barriers.columns else barriers["kind"].astype(str)
    ).to_numpy()
    kinds = barriers["kind"].astype(str).to_numpy()
    for i, g in enumerate(drawn):
        inner = shapely.buffer(g, -1.0)  # a barrier along the drawn line is not inside
        for name, kind, geom in zip(names, kinds, barriers.geometry, strict=True):
            if not shapely.intersects(geom, inner):
                continue
            piece = shapely.intersection(geom, inner)
            size = shapely.length(piece) if piece.length > 0 else shapely.area(piece) ** 0.5
            label = name if name and name not in ("nan", "None") else kind
            out[i][label] = out[i].get(label, 0.0) + float(size)
    return out


def audit_districts(
    net: CSRNetwork,
    stations: Sequence[StationSpec],
    districts: gpd.GeoDataFrame,
    *,
    name_column: str = "station",
    boundary: BaseGeometry | None = None,
    barriers: Any = None,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    cell_size_m: float | None = None,
    synthetic: bool = False,
    standards: Any = None,
) -> AuditResult:
    """Audit drawn districts (see the module notes for the method).

    Parameters
    ----------
    net : CSRNetwork
    stations : sequence of StationSpec
        Every station (one per drawn district, others may have none).
    districts : GeoDataFrame
        The drawn polygons in ``net.crs`` with ``name_column`` naming each one's station.
    boundary : shapely geometry, optional
        Planning area in ``net.crs``; default the union of the districts with holes filled.
    barriers : GeoDataFrame or path, optional
        Expressways, trunk railways, large rivers (``kind``, optional ``name``).
    turnout_min, driving_min, cell_size_m : float, optional
        Budget and cell size (settings).

    Raises
    ------
    DataFormatError
        A district names no station or the same station twice, or has no area.
    """
    turnout = float(resolve(turnout_min, "turnout_min"))
    driving = float(resolve(driving_min, "driving_min"))
    std = load_standards() if standards is None else standards
    if name_column not in districts.columns:
        raise DataFormatError(
            f"the districts layer has no column {name_column!r}; name it with "
            f"--name-column (columns: {', '.join(map(str, districts.columns))})"
        )
    names = [str(n) for n in districts[name_column]]
    idx = _match(names, stations)
    raw = [_polygonal(shapely.make_valid(g)) for g in districts.geometry]
    area0 = _filled(shapely.union_all(raw)) if boundary is None else boundary
    drawn = [shapely.intersection(g, area0) for g in raw]
    for n, g in zip(names, drawn, strict=True):
        if g.area <= 0:
            raise DataFormatError(f"drawn district {n!r} has no area inside the planning area")
    demand = build_demand(net, area0, cell_size_m=cell_size_m)
    snapped = place_stations(net, stations)
    times = time_matrix(net, snapped, demand.points) / 60.0 + turnout  # stations × cells, min
    cells = demand.cells.geometry.to_numpy()
    tree = shapely.STRtree(cells)
    budget = turnout + driving
    has_district = [j for j, s in enumerate(stations) if std.classes[s.class_key].district]
    audits_in: list[dict[str, Any]] = []
    unreach_frames, sooner_frames = [], []
    for name, poly, si in zip(names, drawn, idx, strict=True):
        hit = tree.query(poly, predicate="intersects")
        pieces = shapely.intersection(cells[hit], poly)
        km2 = shapely.area(pieces) / 1e6
        keep = km2 > 0
        hit, pieces, km2 = hit[keep], pieces[keep], km2[keep]
        own = times[si, hit]
        ok = own <= budget + 1e-9
        others = np.array([j for j in has_district if j != si], dtype=np.int64)
        sooner: dict[str, float] = {}
        if others.size:
            t_other = times[np.ix_(others, hit)]
            best = np.argmin(t_other, axis=0)
            faster = t_other[best, np.arange(hit.size)] < own - SOONER_TOL_S / 60.0
            for k in np.unique(best[faster]).tolist():
                sel = faster & (best == k)
                who = stations[int(others[k])].name
                if km2[sel].sum() < SOONER_MIN_KM2:
                    continue
                sooner[who] = float(km2[sel].sum())
                sooner_frames.append(
                    _parts_frame(
                        shapely.union_all(pieces[sel]), net.crs, station=name, faster_station=who
                    )
                )
        if (~ok).any():
            unreach_frames.append(
                _parts_frame(shapely.union_all(pieces[~ok]), net.crs, station=name)
            )
        audits_in.append(
            {
                "station": name,
                "si": si,
                "drawn_km2": poly.area / 1e6,
                "reached_km2": float(km2[ok].sum()),
                "unreachable_km2": float(km2[~ok].sum()),
                "max_arrival": float(own.max()) if own.size else float("nan"),
                "sooner": sooner,
            }
        )
    specs = [stations[a["si"]] for a in audits_in]
    classes = [std.classes[s.class_key] for s in specs]
    adjoins = _adjoins(drawn, [c.counts_as_full for c in classes])
    bar_gdf = None if barriers is None else load_barriers(barriers, net.crs)
    across = np.zeros(len(drawn))
    if bar_gdf is not None and not bar_gdf.empty:
        pts = shapely.points(snapped.x[idx], snapped.y[idx])
        dist = np.empty(len(drawn), dtype=object)
        dist[:] = drawn
        across, _ = BarrierSet.build(area0, bar_gdf, net.crs).straddles(dist, pts)
    checks = check_stations(
        [s.name for s in specs],
        [s.class_key for s in specs],
        [a["drawn_km2"] for a in audits_in],
        [a["max_arrival"] for a in audits_in],
        [min(1.0, a["reached_km2"] / a["drawn_km2"]) for a in audits_in],
        budget_min=budget,
        urban_edge=[s.urban_edge for s in specs],
        adjoins_full_station=adjoins,
        straddled_barrier_km2=across if bar_gdf is not None else None,
        standards=std,
    )
    bnames = _barrier_names(drawn, bar_gdf)
    audits = [
        DistrictAudit(
            a["station"],
            a["drawn_km2"],
            a["reached_km2"],
            a["unreachable_km2"],
            a["max_arrival"],
            a["sooner"],
            bnames[i],
            float(across[i]),
            checks[i],
        )
        for i, a in enumerate(audits_in)
    ]
    union = shapely.union_all(drawn)
    layers = {
        "districts": gpd.GeoDataFrame(
            {
                "station": names,
                "class_key": [s.class_key for s in specs],
                "area_km2": [a.drawn_km2 for a in audits],
                "limit_km2": [a.check.limit_km2 for a in audits],
                "reached_share": [a.reached_share for a in audits],
                "max_arrival_min": [a.max_arrival_min for a in audits],
                "compliant": [a.check.compliant for a in audits],
                "reasons": ["; ".join(a.check.reasons) for a in audits],
            },
            geometry=drawn,
            crs=net.crs,
        ),
        "unreachable": _concat(unreach_frames, net.crs, ("station",)),
        "sooner": _concat(sooner_frames, net.crs, ("station", "faster_station")),
        "overlaps": _pairwise(drawn, names, net.crs),
        "holes": _parts_frame(shapely.difference(area0, union), net.crs),
        "stations": gpd.GeoDataFrame(
            {"name": [s.name for s in stations], "class_key": [s.class_key for s in stations]},
            geometry=shapely.points(*snapped.road_xy(net)),
            crs=net.crs,
        ),
        "roads": roads_layer(net),
        "boundary": gpd.GeoDataFrame(geometry=[area0], crs=net.crs),
    }
    if bar_gdf is not None:
        layers["barriers"] = bar_gdf
    without = [
        s.name
        for i, s in enumerate(stations)
        if i not in set(idx) and std.classes[s.class_key].district
    ]
    return AuditResult(
        audits, layers, area0.area / 1e6, turnout, driving, net.crs, synthetic, without
    )


def _concat(frames: list[gpd.GeoDataFrame], crs: str, cols: tuple[str, ...]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({**{c: [] for c in cols}, "area_km2": []}, geometry=[], crs=crs)
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
