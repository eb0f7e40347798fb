"""Search zones (选址范围) of a siting run as a polygon layer.

For every chosen new site, :func:`zone_layer` lists the candidate sites that can replace it,
the other sites fixed, losing at most ``loss`` of the objective
(:func:`firecover.siting.zones.search_zones`, exact vectorised swaps on the run's own matrix).
The covering models (LSCP, MCLP, area) are measured on covered area (km²), backup covering on
its once- and twice-covered weight, p-median on its weighted time.

**Geometry.** A zone is the union of discs of radius ``zone_buffer_m`` (default 100 m, half the
default candidate spacing, so that neighbouring candidates along a street merge into one band)
around the roadside positions of its candidates. A convex or concave hull was rejected: it
would show land between the candidates (blocks, a river) as eligible when no candidate lies
there. The layer has one row per chosen site: ``site`` (its name), ``n_candidates`` (the site
included), ``loss`` (the loss allowed), ``worst_loss`` (the largest loss among the members),
``candidates`` (their names, ``;``-joined) and the polygon.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from firecover.outputs.glossary import Glossary
from firecover.settings import resolve
from firecover.siting.zones import SearchZone, search_zones

if TYPE_CHECKING:
    from firecover.site.problem import SiteProblem

__all__ = ["ZONE_COLUMNS", "site_zones", "zone_layer", "zone_polygon"]

log = logging.getLogger(__name__)

ZONE_COLUMNS = ("site", "n_candidates", "loss", "worst_loss", "candidates")
#: Segments per quarter circle of a zone's discs: 4 (a 16-gon, within 2 m of a 100 m circle);
#: 8 doubled the vertices of a Binhai-sized run's zones (17 zones of 777 candidates: 21 MB of
#: GeoJSON) for a difference no map shows.
ZONE_QUAD_SEGS = 4


def site_zones(
    problem: SiteProblem, model: str, sites: Any, new_sites: Any, rows: Any, *,
    loss: float | None = None,
) -> list[SearchZone]:  # fmt: skip
    """The search zones of ``new_sites`` on ``problem`` (rows = cells given to the solver)."""
    rows = np.asarray(rows, dtype=np.int64)
    eligible = np.zeros(problem.coverage.shape[1], dtype=bool)
    eligible[problem.n_fixed :] = True
    if model == "pmedian":
        assert problem.times is not None
        return search_zones("pmedian", problem.times[rows], sites, new_sites,
                            problem.weights[rows], loss=loss, eligible=eligible)  # fmt: skip
    weights = problem.weights[rows] if model == "backup" else problem.area[rows]
    return search_zones(model, problem.coverage[rows], sites, new_sites, weights, loss=loss,
                        eligible=eligible)  # fmt: skip


def zone_polygon(x: Any, y: Any, buffer_m: float | None = None) -> Any:
    """A search zone's polygon: the union of discs of ``buffer_m`` (setting ``zone_buffer_m``)
    around the candidates at ``x``, ``y`` (metres; see the module notes on the geometry)."""
    radius = float(resolve(buffer_m, "zone_buffer_m"))
    return shapely.union_all(shapely.buffer(shapely.points(x, y), radius, quad_segs=ZONE_QUAD_SEGS))


def zone_layer(
    problem: SiteProblem, zones: list[SearchZone], *, buffer_m: float | None = None
) -> gpd.GeoDataFrame:
    """The ``search_zones`` layer (metric CRS of the problem) of ``zones``."""
    radius = float(resolve(buffer_m, "zone_buffer_m"))
    cand = problem.candidates
    k = problem.n_fixed
    records: dict[str, list[Any]] = {c: [] for c in ZONE_COLUMNS}
    geoms = []
    for z in zones:
        idx = z.candidates - k
        geoms.append(zone_polygon(cand.x[idx], cand.y[idx], radius))
        records["site"].append(problem.site_name(int(z.site)))
        records["n_candidates"].append(z.n_candidates)
        records["loss"].append(z.max_loss)
        records["worst_loss"].append(float(z.loss.max(initial=0.0)))
        records["candidates"].append(";".join(str(cand.name[i]) for i in idx))
    log.info("search zones: %s", ", ".join(f"{s} {n}" for s, n in
                                           zip(records["site"], records["n_candidates"],
                                               strict=True)))  # fmt: skip
    return gpd.GeoDataFrame(records, geometry=geoms, crs=cand.crs)


def tie_break_summary(stats: Any, tie_break: str | None) -> dict[str, Any]:
    """What the tie-break did (JSON-ready): the rule and the weighted times before / after."""
    if not tie_break or "weighted_time_s" not in stats:
        return {"rule": None, "statement": "none: the solver's first optimum is reported"}
    before, after = float(stats["weighted_time_before_s"]), float(stats["weighted_time_s"])
    total = float(stats.get("time_weight", 0.0)) or 1.0
    return {
        "rule": tie_break,
        "statement": "lexicographic: first the model's objective, then the least weighted "
        "driving time from each cell to its nearest open site",
        "weighted_time_before_s": round(before, 3),
        "weighted_time_s": round(after, 3),
        "mean_time_before_s": round(before / total, 1),
        "mean_time_s": round(after / total, 1),
        "optimal": bool(stats.get("tie_break_optimal", 0.0)),
        "method": "milp" if stats.get("tie_break_milp", 1.0) else "swaps",
        "swaps": int(stats.get("tie_break_swaps", 0)),
    }


def zones_summary(zones: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    """The search zones as JSON-ready records (no geometry; area in km²)."""
    if zones is None:
        return []
    return [
        {"site": str(r.site), "n_candidates": int(r.n_candidates), "loss": float(r.loss),
         "worst_loss": round(float(r.worst_loss), 6),
         "area_km2": round(float(r.geometry.area) / 1e6, 3),
         "candidates": str(r.candidates).split(";")}
        for r in zones.itertuples()
    ]  # fmt: skip


def zones_markdown(
    tie: dict[str, Any],
    zones: list[dict[str, Any]],
    *,
    drawn: bool = True,
    g: Glossary | None = None,
) -> list[str]:
    """Markdown lines: the tie-break rule and the search-zone table (``drawn``: on the map),
    in ``g``'s language (default both)."""
    g = g or Glossary("both")
    lines = []
    if tie.get("rule"):
        lines.append(
            f"- {g('ties')}: "
            + g("ties_rule", before=f"{tie['mean_time_before_s']:.0f}",
                after=f"{tie['mean_time_s']:.0f}")
            + ("" if tie.get("optimal")
               else g("ties_swap") if tie.get("method") == "swaps" else g("ties_time_limit"))
        )  # fmt: skip
    else:
        lines.append(f"- {g('ties')}: {g('ties_none')}")
    if not zones:
        return [*lines, ""]
    loss = zones[0]["loss"]
    where = g("zones_where_map") if drawn else g("zones_where_files")
    lines += [
        "",
        g("zones_intro", loss=f"{loss:.0%}", where=where),
        "",
        f"| {g('zones_new_site')} | {g('zones_candidates')} | {g('zones_area')} "
        f"| {g('zones_worst')} |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {z['site']} | {z['n_candidates']} | {z['area_km2']:.2f} "
              f"| {z['worst_loss']:.2%} |" for z in zones]  # fmt: skip
    return [*lines, ""]
