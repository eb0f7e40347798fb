"""Candidate fire-station sites on the road network, for the siting models.

:func:`generate_candidates` places candidate sites along the streets a station may face and
adds the sites the user lists:

* **Eligible roads.** A station stands on a street frontage convenient for a rapid exit, with
  its garage doors facing the street (建标152-2017, siting rules; the article number was not
  seen in a source). Candidates therefore lie on roads engines can use directly: by default
  ``primary``, ``secondary``, ``tertiary``, ``residential`` and ``unclassified`` (settings
  ``candidate_road_classes``); motorways, trunk roads, ``*_link`` ramps and ``service`` roads
  are left out. Each road is sampled once (a two-way road's twin edges are one road), at the
  middle of equal pieces of at most ``spacing_m / 2``.
* **Spacing.** The samples are thinned so that no two generated candidates (nor a generated
  candidate and a user site) are closer than ``spacing_m`` (settings ``candidate_spacing_m``,
  200 m). Thinning is a deterministic grid selection (:mod:`firecover.site.thinning`) that
  prefers higher road classes (primary first) and keeps a *maximal* set: every sample is within
  ``spacing_m`` of a candidate, so every spot of an eligible road inside the boundary and
  outside the exclusion zones is within ``1.25 · spacing_m`` of one.
* **Boundary.** Only samples inside (or on) the planning boundary are used.
* **Exclusion zones** (:func:`read_exclusions`). 建标152-2017 requires the station's main
  vehicle exit to be at least 50 m from the main evacuation exits of schools, hospitals,
  kindergartens, theatres, malls, stadiums and exhibition halls, and a station to be upwind or
  crosswind of hazardous-chemical plants and stores and normally at least 300 m from them (the
  2011 edition said 200 m). Samples inside a zone or closer than its ``buffer_m`` are removed
  *before* thinning, so the zones leave no holes beyond their buffers. Distances are measured
  from the roadside position to the mapped feature (exit point, site outline or line): map the
  evacuation exits as points to apply the 50 m rule as written. The wind rule is not modelled.
* **User sites** are snapped to the nearest road and always kept (never thinned away); one
  inside an exclusion zone is kept with a warning; one farther than ``snap_max_m`` from every
  road is a :class:`~firecover.SnapError`. ``user_only=True`` uses only them.

The setback of the garage doors (≥ 15 m from the street line, 建标152-2017) concerns the
station lot, not the road position, and is not modelled.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from firecover._errors import DataFormatError, SnapError
from firecover.analysis.area import BoundaryInput, read_boundary
from firecover.network.csr import CSRNetwork
from firecover.network.road_class import CANONICAL_CLASSES, canonical_class
from firecover.network.snapping import Snapped, snap_points
from firecover.settings import resolve
from firecover.site.exclusions import (
    EXCLUSION_BUFFERS_M,
    EXCLUSION_KINDS,
    ExclusionInput,
    _in_zones,
    read_exclusions,
)
from firecover.site.thinning import (
    road_density,
    road_edges,
    sample_roads,
    thin_by_context,
    thin_points,
)
from firecover.site.user_sites import SitesInput, read_user_sites

__all__ = [
    "EXCLUSION_BUFFERS_M",
    "EXCLUSION_KINDS",
    "Candidates",
    "generate_candidates",
    "read_exclusions",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate station sites on the road network (all arrays have one entry per site).

    Attributes
    ----------
    x, y : ndarray of float
        Roadside position, metres in ``crs`` (``snapped.road_xy(net)``).
    name : ndarray of str
        ``C0001``, ``C0002`` ... for generated sites; the user's name (or ``U0001`` ...) for
        user sites.
    origin : ndarray of str
        ``"user"`` or ``"generated"``. User sites come first, in input order.
    road_class : ndarray of str
        Class of the road the site faces.
    snapped : Snapped
        Positions for the travel-time engine (user sites keep their access leg).
    crs : str
        The network's CRS.
    n_edges : int
        Edges of the network the sites were placed on (guards against mixing networks).
    spacing_m, rural_spacing_m : float
        Spacing of the generated sites (built-up areas and elsewhere; equal without context
        spacing; ``nan`` when none were generated).
    """

    x: FloatArray
    y: FloatArray
    name: ObjArray
    origin: ObjArray
    road_class: ObjArray
    snapped: Snapped
    crs: str
    n_edges: int = -1
    spacing_m: float = math.nan
    rural_spacing_m: float = math.nan

    def __post_init__(self) -> None:
        n = len(self.snapped)
        for field in ("x", "y", "name", "origin", "road_class"):
            dtype = np.float64 if field in ("x", "y") else object
            arr = np.asarray(getattr(self, field), dtype=dtype).reshape(-1)
            if arr.size != n:
                raise ValueError(f"Candidates.{field} must have one entry per site")
            object.__setattr__(self, field, arr)

    def __len__(self) -> int:
        return len(self.snapped)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """``name``, ``origin``, ``road_class``, ``snap_m`` and the roadside Point geometry."""
        return gpd.GeoDataFrame(
            {
                "name": self.name.astype(str),
                "origin": self.origin.astype(str),
                "road_class": self.road_class.astype(str),
                "snap_m": self.snapped.distance_m,
            },
            geometry=shapely.points(self.x, self.y),
            crs=self.crs,
        )


# --------------------------------------------------------------------------- exclusions


# --------------------------------------------------------------------------- generation


def _as_net(net: CSRNetwork | nx.MultiDiGraph) -> CSRNetwork:
    return net if isinstance(net, CSRNetwork) else CSRNetwork.from_graph(net)


def _road_classes(road_classes: Iterable[str] | None) -> frozenset[str]:
    given = resolve(None if road_classes is None else tuple(road_classes), "candidate_road_classes")
    out = set()
    for value in given:
        cls = canonical_class(value)
        if cls is None:
            raise DataFormatError(
                f"unknown road class {value!r} for candidates; use {', '.join(CANONICAL_CLASSES)}"
                " (or 主干路/次干路/支路)"
            )
        out.add(cls)
    if not out:
        raise DataFormatError("road_classes is empty; give at least one road class")
    return frozenset(out)


def _spacing(spacing_m: float | None) -> float:
    spacing = float(resolve(spacing_m, "candidate_spacing_m"))
    if not (math.isfinite(spacing) and spacing > 0):
        raise DataFormatError(f"candidate spacing must be a positive distance, not {spacing_m!r}")
    return spacing


def _no_roads(net: CSRNetwork, classes: frozenset[str]) -> DataFormatError:
    present = sorted(set(net.edge_class.astype(str).tolist()) - {""})
    return DataFormatError(
        f"the network has no road of class {', '.join(sorted(classes))} for candidate sites "
        f"(it has {', '.join(present) or 'no classes'}); pass road_classes= with classes it has"
    )


def _class_rank(net: CSRNetwork) -> npt.NDArray[np.int64]:
    """Rank of each edge's class in :data:`CANONICAL_CLASSES` (primary before residential)."""
    rank = {c: i for i, c in enumerate(CANONICAL_CLASSES)}
    uniq, inv = np.unique(net.edge_class.astype(str), return_inverse=True)
    return np.array([rank.get(c, len(rank)) for c in uniq.tolist()], dtype=np.int64)[inv]


def _generated(
    net: CSRNetwork,
    classes: frozenset[str],
    spacing: float,
    region: BaseGeometry | None,
    zones: gpd.GeoDataFrame | None,
    seeds: FloatArray,
    context: tuple[float, float, int | None] | None = None,
) -> tuple[Snapped, float, float]:
    """Sample eligible roads, clip, drop excluded samples and thin; may return no site."""
    edges = road_edges(net, classes)
    if edges.size == 0:
        raise _no_roads(net, classes)
    edge, frac = sample_roads(net, edges, spacing / 2.0)
    pts = shapely.line_interpolate_point(net.edge_geom[edge], frac, normalized=True)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    if region is not None:
        inside = shapely.intersects_xy(region, x, y)
        if not inside.any():
            raise DataFormatError(
                f"no road of class {', '.join(sorted(classes))} lies inside the boundary; check "
                f"that the boundary is in the network's CRS ({net.crs}) and covers its roads"
            )
        edge, frac, x, y = edge[inside], frac[inside], x[inside], y[inside]
    if zones is not None:
        out = ~_in_zones(zones, x, y)
        logger.info(
            "exclusion zones removed %d of %d candidate points on eligible roads",
            int((~out).sum()),
            x.size,
        )
        if not out.any():
            raise DataFormatError(
                f"all {x.size} candidate points on eligible roads fall inside exclusion zones; "
                "check the exclusion layer and its buffer_m, or widen road_classes"
            )
        edge, frac, x, y = edge[out], frac[out], x[out], y[out]
    priority = _class_rank(net)[edge]
    if context is None:
        keep = thin_points(x, y, spacing, priority=priority, seeds=seeds)
        logger.info("candidates: %d of %d road points kept at %g m spacing", int(keep.sum()),
                    keep.size, spacing)  # fmt: skip
        return Snapped.on_edges(net, edge[keep], frac[keep]), spacing, spacing
    factor, km_per_km2, max_count = context
    builtup = road_density(net, x, y) >= km_per_km2
    step = spacing
    for _ in range(8):
        keep = thin_by_context(x, y, step, builtup, factor, priority=priority, seeds=seeds)
        if max_count is None or keep.sum() <= max_count:
            break
        step *= 1.05 * math.sqrt(keep.sum() / max_count)
    logger.info(
        "candidates: %d of %d road points kept, %g m apart in built-up areas (%d points, ≥ %g "
        "km of road per km²) and %g m elsewhere", int(keep.sum()), keep.size, step,
        int(builtup.sum()), km_per_km2, step * max(1.0, factor),
    )  # fmt: skip
    return Snapped.on_edges(net, edge[keep], frac[keep]), step, step * max(1.0, factor)


def _user(
    net: CSRNetwork, sites: SitesInput, snap_max_m: float | None
) -> tuple[list[str], Snapped]:
    names, x, y = read_user_sites(sites, net)
    snapped = snap_points(net, x, y, max_m=snap_max_m)
    far = np.flatnonzero(snapped.too_far)
    if far.size:
        limit = float(resolve(snap_max_m, "snap_max_m"))
        items = ", ".join(f"{names[i]} ({snapped.distance_m[i]:.0f} m)" for i in far[:10])
        more = f" and {far.size - 10} more" if far.size > 10 else ""
        raise SnapError(
            f"candidate site(s) farther than {limit:g} m from any road: {items}{more}; move "
            "them onto a road or raise snap_max_m"
        )
    return names, snapped


def _warn_user(
    net: CSRNetwork,
    names: list[str],
    snapped: Snapped,
    classes: frozenset[str],
    region: BaseGeometry | None,
    zones: gpd.GeoDataFrame | None,
) -> None:
    x, y = snapped.road_xy(net)
    checks: list[tuple[BoolArray, str]] = [
        (~np.isin(net.edge_class[snapped.edge].astype(str), sorted(classes)),
         "face a road outside the candidate road classes"),
    ]  # fmt: skip
    if zones is not None:
        checks.append((_in_zones(zones, x, y), "lie inside exclusion zones (kept as given)"))
    if region is not None:
        checks.append((~shapely.intersects_xy(region, x, y), "lie outside the boundary"))
    for mask, what in checks:
        if mask.any():
            listed = ", ".join(names[i] for i in np.flatnonzero(mask)[:10])
            logger.warning("%d user candidate site(s) %s: %s", int(mask.sum()), what, listed)


def _generated_names(n: int, taken: set[str]) -> list[str]:
    width = max(4, len(str(n)))
    out: list[str] = []
    i = 0
    while len(out) < n:
        i += 1
        name = f"C{i:0{width}d}"
        if name not in taken:
            out.append(name)
    return out


def generate_candidates(
    net: CSRNetwork | nx.MultiDiGraph,
    *,
    boundary: BoundaryInput | None = None,
    spacing_m: float | None = None,
    road_classes: Iterable[str] | None = None,
    exclusions: ExclusionInput | None = None,
    user_sites: SitesInput | None = None,
    user_only: bool = False,
    snap_max_m: float | None = None,
    context: bool = False,
    max_count: int | None = None,
) -> Candidates:
    """Candidate station sites: points along eligible roads, thinned, plus the user's sites.

    Parameters
    ----------
    net : CSRNetwork or networkx.MultiDiGraph
        The prepared road network (metric CRS).
    boundary : shapely geometry, GeoDataFrame, GeoSeries or path, optional
        Planning area (read like the demand boundary; a bare geometry is in ``net.crs``).
        ``None``: the whole network.
    spacing_m : float, optional
        Minimum distance between generated candidates; default ``candidate_spacing_m``.
    road_classes : iterable of str, optional
        Classes of road candidates may face (canonical or Chinese planning names); default
        ``candidate_road_classes``.
    exclusions : GeoDataFrame, GeoSeries or path, optional
        Exclusion zones, see :func:`read_exclusions`.
    user_sites : GeoDataFrame, GeoSeries or path, optional
        Sites to include as given: a station-style file (``.csv``/``.geojson``/``.toml`` with
        ``name``, ``lon``, ``lat``, optional ``datum`` or ``crs``) or a point layer.
    user_only : bool
        Use only ``user_sites`` (no generated sites).
    snap_max_m : float, optional
        A user site farther than this from every road is an error; default ``snap_max_m``.
    context : bool
        Space generated candidates by context: ``spacing_m`` apart where the road density
        reaches ``candidate_builtup_km_per_km2`` (built-up areas), ``candidate_rural_factor``
        times that elsewhere.
    max_count : int, optional
        With ``context``: at most this many generated candidates; both spacings grow until
        the count fits.

    Returns
    -------
    Candidates
        User sites first (input order), then generated sites (deterministic order).

    Raises
    ------
    DataFormatError
        No eligible road in the network or inside the boundary, every road point excluded,
        bad spacing or road class, unreadable exclusions or sites, or ``user_only`` without
        sites.
    SnapError
        A user site farther than ``snap_max_m`` from every road.
    """
    net = _as_net(net)
    spacing = _spacing(spacing_m)
    classes = _road_classes(road_classes)
    if user_only and user_sites is None:
        raise DataFormatError("user_only=True needs user_sites; give a file or layer of sites")
    region = None if boundary is None else read_boundary(boundary, net.crs)
    zones = None if exclusions is None else read_exclusions(exclusions, net.crs)
    names: list[str] = []
    user = Snapped.empty()
    if user_sites is not None:
        names, user = _user(net, user_sites, snap_max_m)
        _warn_user(net, names, user, classes, region, zones)
    ux, uy = user.road_xy(net) if len(user) else (np.empty(0), np.empty(0))
    ctx = ((float(resolve(None, "candidate_rural_factor")),
            float(resolve(None, "candidate_builtup_km_per_km2")), max_count)
           if context else None)  # fmt: skip
    gen, step, rural = ((Snapped.empty(), math.nan, math.nan) if user_only
                        else _generated(net, classes, spacing, region, zones, np.c_[ux, uy],
                                        ctx))  # fmt: skip
    snapped = Snapped.concat([user, gen])
    x, y = snapped.road_xy(net) if len(snapped) else (np.empty(0), np.empty(0))
    all_names = names + _generated_names(len(gen), set(names))
    origin = ["user"] * len(user) + ["generated"] * len(gen)
    logger.info("candidates: %d user + %d generated site(s)", len(user), len(gen))
    return Candidates(
        x,
        y,
        np.array(all_names, dtype=object),
        np.array(origin, dtype=object),
        net.edge_class[snapped.edge],
        snapped,
        net.crs,
        net.n_edges,
        step,
        rural,
    )
