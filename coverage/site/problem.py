"""Standards-aware siting on the road network: where should the next stations go?

The network side of :mod:`firecover.siting`. Demand cells and candidate sites are placed on the
roads; the travel-time engine builds the (cells × sites) matrices; an integer programme picks the
new sites with the existing stations fixed; the chosen stations are then analysed like any plan
(jurisdictions, gaps, the standards check).

Sites are numbered existing stations first (``0 … k-1``, always open) then candidates. A cell is
*covered* by a site when the site reaches the cell's demand point within the driving budget
(the response budget minus turnout; GB 51080-2015 §4.1.3: 5 minutes from the dispatch order
including 1 minute of turnout, 建标152-2017). Models (``model=``):

``lscp``
    Fewest new stations so that every coverable cell is covered (cells no site can reach are
    reported as ``uncoverable`` and left out).
``mclp``
    ``p`` new stations maximising the covered weight (cell weight; area when no population).
``backup``
    ``p`` new stations maximising twice-covered weight among maximal single cover.
``pmedian`` / ``pcenter``
    ``p`` new stations minimising the weighted total / the largest travel time to cells.
``mexclp``
    ``p`` new stations maximising the expected covered weight when stations are busy a share
    ``busy_fraction`` of the time (Daskin 1983; ``mexclp_variant="hypercube"``: Batta, Dolan &
    Krishnamurthy 1989), see :mod:`firecover.siting.mexclp`.
``area``
    The standard itself as a constraint: every coverable cell is assigned to one open station
    that reaches it within budget and each station's assigned area stays within its class limit
    (一级 7, 二级 4, 小型 2, urban edge 15 km²); fewest new stations, or with ``p`` the largest
    assigned area. The assignment is a *designed* district (辖区), not necessarily the nearest
    station's area; the report gives both.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

import firecover.siting as siting
from firecover._errors import DataFormatError, InfeasibleModelError
from firecover._schema import check_value
from firecover.analysis.demand import DemandSurface
from firecover.analysis.run import CoverageRun, analyse, place_stations
from firecover.analysis.station_spec import StationSpec
from firecover.network.snapping import Snapped
from firecover.settings import resolve
from firecover.site.candidates import Candidates
from firecover.site.proposed import proposed_specs
from firecover.standards.check import area_limit, station_class
from firecover.traveltime.search import CSRNetwork, bounded_matrix, covered

__all__ = ["MODELS", "SiteProblem", "SitingRun", "build_problem", "site_stations", "solve_problem"]

log = logging.getLogger(__name__)

#: The siting models ``site_stations`` accepts.
MODELS = ("lscp", "mclp", "pmedian", "pcenter", "backup", "area", "mexclp")
_NEED_P = frozenset({"mclp", "pmedian", "pcenter", "backup", "mexclp"})
_COST_MODELS = frozenset({"pmedian", "pcenter"})
#: Models with a tie-break among optima (``tie_break="time"``).
TIE_MODELS = frozenset({"lscp", "mclp", "backup"})

Progress = Callable[[int, int], None]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class SiteProblem:
    """Matrices of one siting problem (cells × sites; existing stations first).

    Attributes
    ----------
    demand : DemandSurface
    existing : tuple of StationSpec
        Fixed sites ``0 … len(existing)-1``.
    candidates : Candidates
        Free sites ``len(existing) …``.
    coverage : scipy.sparse.csr_array of bool, shape (cells, sites)
        Site reaches the cell within ``driving_min``.
    times : scipy.sparse.csr_array or None
        Driving seconds (cells × sites) for p-median / p-center; missing = unreachable within
        ``cost_limit_min``.
    limits : ndarray of float
        Area limit per site, km² (``inf`` for a class without a district).
    turnout_min, driving_min : float
    new_class : str
        Class key of the stations the solver may add.
    zones : (cell_zone, site_zone) or None
        Barrier zones (GB 51080-2015 §4.1.3-4) when the area model must keep each cell with a
        station on its side of the barriers (``-1``: a cell in no zone, e.g. on the water).
    """

    demand: DemandSurface
    existing: tuple[StationSpec, ...]
    candidates: Candidates
    coverage: sp.csr_array
    times: sp.csr_array | None
    limits: FloatArray
    turnout_min: float
    driving_min: float
    new_class: str
    matrix_seconds: float = 0.0
    zones: tuple[IntArray, IntArray] | None = None

    @property
    def n_fixed(self) -> int:
        """Number of existing (fixed) sites."""
        return len(self.existing)

    @property
    def fixed(self) -> IntArray:
        """Indices of the fixed sites."""
        return np.arange(self.n_fixed, dtype=np.int64)

    @property
    def area(self) -> FloatArray:
        """Cell areas, km²."""
        return self.demand.cells["area_km2"].to_numpy(dtype=np.float64)

    @property
    def weights(self) -> FloatArray:
        """Cell weights (population × risk, or area when no population was given)."""
        return self.demand.cells["weight"].to_numpy(dtype=np.float64)

    @property
    def coverable(self) -> NDArray[np.bool_]:
        """Cells some site (existing or candidate) reaches within budget."""
        return np.diff(self.coverage.indptr) > 0

    def site_name(self, j: int) -> str:
        """Name of site ``j`` (an existing station or a candidate)."""
        k = self.n_fixed
        return self.existing[j].name if j < k else self.candidates.name[j - k]

    def candidate_lonlat(self, sites: Any) -> tuple[FloatArray, FloatArray]:
        """WGS-84 ``(lon, lat)`` of candidate sites given by site index (not existing ones)."""
        from firecover.network.coords import _transformer

        idx = np.asarray(sites, dtype=np.int64).reshape(-1) - self.n_fixed
        c = self.candidates
        lon, lat = _transformer(self.demand.crs, "EPSG:4326").transform(c.x[idx], c.y[idx])
        return np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))


@dataclass(frozen=True, eq=False)
class SitingRun:
    """A solved siting problem and the coverage analysis of its stations.

    Attributes
    ----------
    model : str
    problem : SiteProblem
    result : SitingResult
        From the array API; site indices as in ``problem``.
    chosen : list of StationSpec
        The new stations (status ``proposed``, class ``problem.new_class``).
    run : CoverageRun
        Jurisdictions, gaps and the standards check of existing + chosen stations.
    baseline : CoverageRun or None
        The same analysis for the existing stations alone (``None`` without any).
    rows : ndarray of int
        Cells given to the solver (the coverable ones for covering models).
    """

    model: str
    problem: SiteProblem
    result: siting.SitingResult
    chosen: list[StationSpec]
    run: CoverageRun
    baseline: CoverageRun | None
    rows: IntArray
    stats: dict[str, float] = field(default_factory=dict)
    zones: Any = None  # the search_zones layer (GeoDataFrame), firecover.site.zones
    figures: dict[str, Any] | None = None  # incidents / busy / population, site.demand_figures

    @property
    def uncoverable_km2(self) -> float:
        """Area of cells no site can reach within budget, km²."""
        return float(self.problem.area[~self.problem.coverable].sum())


# --------------------------------------------------------------------------- matrices


def _limits(existing: Sequence[StationSpec], n_cand: int, new_class: str, urban_edge: bool,
            standards: Any, overrides: Mapping[str, float] | None = None
            ) -> FloatArray:  # fmt: skip
    # candidates take the class overrides (a name override names an existing station)
    def lim(cls: str, edge: bool, name: str | None) -> float:
        v = area_limit(cls, urban_edge=edge, name=name, standards=standards,
                       overrides=overrides or None)  # fmt: skip
        return math.inf if v is None else float(v)

    old = [lim(s.class_key, s.urban_edge, s.name) for s in existing]
    return np.array(old + [lim(new_class, urban_edge, None)] * n_cand, dtype=np.float64)


def _site_matrix(net: CSRNetwork, sites: Snapped, targets: Snapped, limit_s: float,
                 progress: Progress | None) -> sp.csr_array:  # fmt: skip
    """Sites × cells seconds within ``limit_s``, in blocks so progress can be reported."""
    n = len(sites)
    step = max(1, math.ceil(n / 20))
    blocks = []
    for start in range(0, n, step):
        idx = np.arange(start, min(n, start + step))
        blocks.append(bounded_matrix(net, sites[idx], limit_s, targets=targets))
        if progress is not None:
            progress(int(idx[-1]) + 1, n)
    if not blocks:
        return sp.csr_array((0, len(targets)))
    return sp.csr_array(sp.vstack(blocks, format="csr"))


def build_problem(
    net: CSRNetwork,
    demand: DemandSurface,
    existing: Sequence[StationSpec],
    candidates: Candidates,
    *,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    new_class: str = "一级",
    urban_edge: bool = False,
    with_times: bool = False,
    cost_limit_min: float | None = None,
    standards: Any = None,
    progress: Progress | None = None,
    limits: Mapping[str, float] | None = None,
    barriers: Any = None,
    within_barrier_zones: bool = False,
    keep_times: bool = False,
) -> SiteProblem:
    """Place existing stations, then build the cells × sites matrices with the travel-time engine.

    Parameters
    ----------
    net, demand : CSRNetwork, DemandSurface
    existing : sequence of StationSpec
        Fixed sites (snapped like any station: off-network raises ``SnapError``).
    candidates : Candidates
        From :func:`firecover.site.candidates.generate_candidates`.
    turnout_min, driving_min : float, optional
        Budget (settings: 1 + 4 minutes). Coverage uses the driving part.
    new_class : str
        Class of the stations to add (any alias); sets their area limit.
    urban_edge : bool
        New stations are at the urban edge / in a new area (15 km² limit).
    with_times : bool
        Also build the travel-time matrix (p-median, p-center).
    cost_limit_min : float, optional
        Cut-off of that matrix, driving minutes (default: no cut-off).
    progress : callable, optional
        ``progress(done, total)`` as site blocks finish.
    limits : mapping, optional
        Area-limit overrides (km²) by class or station name (``[scenario.standards.limits]``),
        as :func:`firecover.standards.area_limit` reads them; new sites take the class ones.
    barriers, within_barrier_zones : optional
        With both, the barrier zones are computed (:attr:`SiteProblem.zones`) and the area
        model assigns a cell only to a site on its side of the barriers.
    keep_times : bool
        Keep the driving seconds within the budget as ``times`` (for ``tie_break="time"``)
        without building the longer matrix of ``with_times``.
    """
    if within_barrier_zones and barriers is None:
        raise DataFormatError("barrier zones need barriers: give --barriers FILE")
    if len(candidates) == 0 and not existing:
        raise DataFormatError("no sites: give existing stations or candidate sites")
    turnout = float(resolve(turnout_min, "turnout_min"))
    driving = float(resolve(driving_min, "driving_min"))
    cls = station_class(new_class, standards).key
    t0 = time.perf_counter()
    fixed = place_stations(net, existing) if existing else Snapped.empty()
    sites = Snapped.concat([fixed, candidates.snapped])
    limit_s = math.inf if cost_limit_min is None else 60.0 * cost_limit_min
    limit_s = max(limit_s, 60.0 * driving) if with_times else 60.0 * driving
    m = _site_matrix(net, sites, demand.points, limit_s, progress)
    cover = sp.csr_array(covered(m, 60.0 * driving).T.tocsr())
    times = sp.csr_array(m.T.tocsr()) if with_times or keep_times else None
    seconds = time.perf_counter() - t0
    log.info(
        "siting matrices: %d cells × %d sites (%d existing), %d pairs within %g min, %.1f s",
        len(demand),
        len(sites),
        len(existing),
        cover.nnz,
        driving,
        seconds,
    )
    lim = _limits(existing, len(candidates), cls, urban_edge, standards, limits)
    zones = _zones(net, demand, sites, barriers) if within_barrier_zones else None
    return SiteProblem(demand, tuple(existing), candidates, cover, times, lim, turnout,
                       driving, cls, seconds, zones)  # fmt: skip


def _zones(net: CSRNetwork, demand: DemandSurface, sites: Snapped, barriers: Any
           ) -> tuple[IntArray, IntArray]:  # fmt: skip
    """Barrier zone of every cell (-1: in none) and of every site (the nearest zone)."""
    import shapely

    from firecover.analysis.barriers import BarrierSet, station_zones

    bset = BarrierSet.build(demand.boundary, barriers, net.crs)
    cells = bset.zone_of(shapely.points(demand.points.x, demand.points.y))
    site = station_zones(bset.zones, shapely.points(sites.x, sites.y))
    log.info("barrier zones: %d zone(s) for the area model", bset.zones.size)
    return cells.astype(np.int64), site.astype(np.int64)


# --------------------------------------------------------------------------- solving


def _rows_for(problem: SiteProblem, model: str) -> IntArray:
    if model in _COST_MODELS:
        assert problem.times is not None
        return np.flatnonzero(np.diff(problem.times.indptr) > 0)
    return np.flatnonzero(problem.coverable)


def check_p(model: str, p: int | None) -> None:
    """Refuse an unknown model, a missing ``p`` where one is needed, or a negative ``p``."""
    if model not in MODELS:
        raise DataFormatError(f"unknown siting model {model!r}; use one of {', '.join(MODELS)}")
    if model in _NEED_P and p is None:
        raise DataFormatError(f"model {model} needs the number of new stations: give --p N")
    if p is not None and p < 0:
        raise DataFormatError(f"--p must be 0 or more, got {p}")


def solve_problem(
    problem: SiteProblem, model: str, p: int | None = None, *, time_limit: float | None = None,
    split: bool = False, tie_break: str | None = None, requirements: Sequence[Any] = (),
    busy_fraction: float | None = None, mexclp_variant: str = "independent",
) -> tuple[siting.SitingResult, IntArray]:  # fmt: skip
    """Solve ``model`` on ``problem`` with the existing stations fixed.

    Returns the array-level result and the cells (row indices) given to the solver: cells no
    site can reach are left out and reported by the caller. ``tie_break="time"`` (LSCP, MCLP,
    backup; needs ``problem.times``) picks the least weighted driving time among the optima.
    """
    check_p(model, p)
    if model in _COST_MODELS and problem.times is None:
        raise DataFormatError(f"model {model} needs travel times: build with with_times=True")
    rows = _rows_for(problem, model)
    if rows.size == 0:
        raise InfeasibleModelError(
            "no demand cell is reachable from any site within the budget; check the boundary "
            "and the graph, or add candidate sites"
        )
    fixed = problem.fixed
    cov = problem.coverage[rows]
    w = problem.weights[rows]
    tie: dict[str, Any] = {}
    if tie_break is not None and model in TIE_MODELS and problem.times is not None:
        tie = {"tie_break": tie_break, "times": problem.times[rows]}
    if requirements:  # site --risk --require / --require-reinforce (firecover.site.risk_site)
        from firecover.siting.requirements import required_cover

        return required_cover(cov, w, requirements, p=None if model == "lscp" else p,
                              fixed=fixed, time_limit=time_limit), rows  # fmt: skip
    if model == "lscp":
        return siting.lscp(cov, fixed=fixed, time_limit=time_limit, weights=w, **tie), rows
    if model == "mclp":
        return siting.mclp(cov, w, int(p or 0), fixed=fixed, time_limit=time_limit,
                           **tie), rows  # fmt: skip
    if model == "backup":
        return siting.backup_coverage(cov, w, int(p or 0), fixed=fixed, **tie), rows
    if model == "mexclp":
        if busy_fraction is None:
            raise DataFormatError("model mexclp needs the busy fraction: give --busy-fraction Q "
                                  "or --incidents FILE")  # fmt: skip
        return siting.mexclp(cov, w, int(p or 0), busy_fraction, fixed=fixed,
                             time_limit=time_limit, variant=mexclp_variant), rows  # fmt: skip
    if model == "area":
        zones = None if problem.zones is None else (problem.zones[0][rows], problem.zones[1])
        res = siting.area_limited(cov, problem.area[rows], problem.limits, p=p, fixed=fixed,
                                  time_limit=time_limit, split=split, zones=zones)  # fmt: skip
        return res, rows
    assert problem.times is not None
    times = problem.times[rows]
    if model == "pmedian":
        return siting.pmedian(times, int(p or 0), weights=w, fixed=fixed,
                              time_limit=time_limit), rows  # fmt: skip
    return siting.pcenter(times, int(p or 0), fixed=fixed, time_limit=time_limit), rows


def site_stations(
    net: CSRNetwork,
    demand: DemandSurface,
    existing: Sequence[StationSpec],
    candidates: Candidates,
    *,
    model: str = "lscp",
    p: int | None = None,
    turnout_min: float | None = None,
    driving_min: float | None = None,
    new_class: str = "一级",
    urban_edge: bool = False,
    time_limit: float | None = None,
    split: bool = False,
    barriers: Any = None,
    standards: Any = None,
    meta: dict[str, Any] | None = None,
    progress: Progress | None = None,
    limits: Mapping[str, float] | None = None,
    within_barrier_zones: bool = False,
    barrier_rule: str | None = None,
    tie_break: str | None = None,
    zone_loss: float | None = None,
    requirements: Callable[[SiteProblem], Sequence[Any]] | None = None,
    busy_fraction: float | None = None,
    mexclp_variant: str = "independent",
) -> SitingRun:
    """Pick new station sites on the network and analyse the resulting station set.

    Parameters
    ----------
    model : {"lscp", "mclp", "pmedian", "pcenter", "backup", "area"}
        See the module notes; ``p`` (new stations) is required except for ``lscp`` and
        ``area`` (where ``None`` minimises the number of new stations).
    within_barrier_zones : bool
        Area model: assign a cell only to a site on its side of the barriers (needs
        ``barriers``; GB 51080-2015 §4.1.3-4 as a constraint).
    tie_break : {"time", None}, optional
        Secondary objective among optima (setting ``tie_break``, ``"time"``).
    zone_loss : float, optional
        Search zones: the loss allowed (setting ``zone_loss``, 1 %); p-center has none.
    requirements : callable, optional
        ``requirements(problem)`` → hard rows (:class:`firecover.siting.requirements.Requirement`)
        for ``lscp`` / ``mclp`` (:func:`firecover.site.risk_site.requirement_builder`); no
        search zones and no tie-break then.
    busy_fraction, mexclp_variant : float, str
        MEXCLP: the system busy fraction ``q`` and ``"independent"`` or ``"hypercube"``.
    Other parameters are as in :func:`build_problem` and :func:`firecover.analysis.analyse`.

    Raises
    ------
    InfeasibleModelError
        No solution (e.g. the area limits cannot be met with these candidates).
    """
    check_p(model, p)
    check_value(time_limit, "positive_seconds", "time_limit")
    tie = resolve(tie_break, "tie_break")
    problem = build_problem(
        net, demand, existing, candidates, turnout_min=turnout_min, driving_min=driving_min,
        new_class=new_class, urban_edge=urban_edge, with_times=model in _COST_MODELS,
        standards=standards, progress=progress, limits=limits, barriers=barriers,
        within_barrier_zones=within_barrier_zones and model == "area",
        keep_times=bool(tie) and model in TIE_MODELS,
    )  # fmt: skip
    reqs = requirements(problem) if requirements is not None else []  # site --risk --require
    result, rows = solve_problem(problem, model, p, time_limit=time_limit, split=split,
                                 tie_break=tie, requirements=reqs, busy_fraction=busy_fraction,
                                 mexclp_variant=mexclp_variant)  # fmt: skip
    if result.status == "infeasible":
        raise InfeasibleModelError(
            f"the {model} model has no solution with these candidates; add candidate sites, "
            "relax the area limits or raise --p"
        )
    chosen = proposed_specs(problem, result.new_sites, model)
    m = {**(meta or {}), "synthetic": bool((meta or {}).get("synthetic", False))}
    kw: dict[str, Any] = {"turnout_min": problem.turnout_min, "driving_min": problem.driving_min,
                          "barriers": barriers, "standards": standards, "limits": limits,
                          "barrier_rule": barrier_rule}  # fmt: skip
    run = analyse(net, [*existing, *chosen], demand, meta=m, **kw)
    baseline = analyse(net, list(existing), demand, meta=m, **kw) if existing else None
    log.info("%s: %d new station(s), objective %.6g (%s)", model, len(chosen), result.objective,
             result.status)  # fmt: skip
    zones = None
    # zones ignore requirements; mexclp: no zones yet
    if model not in ("pcenter", "mexclp") and result.new_sites.size and not reqs:
        from firecover.site.zones import site_zones, zone_layer

        zones = zone_layer(problem, site_zones(problem, "area" if model == "area" else model,
                                               result.sites, result.new_sites, rows,
                                               loss=zone_loss))  # fmt: skip
        run.layers.search_zones = zones.to_crs(run.layers.crs)
    return SitingRun(model, problem, result, chosen, run, baseline, rows,
                     {"matrix_seconds": problem.matrix_seconds}, zones)  # fmt: skip
