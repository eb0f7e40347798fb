"""Typed settings with documented defaults.

Every function that needs one of these values takes it as an explicit keyword argument;
``None`` means "use the value in :data:`DEFAULTS`". Explicit arguments always win.

Sources for the time budget: GB 51080-2015 §4.1.3-1 (reach the district edge within 5 min of the
dispatch order) and 建标152-2017 (5 min = 1 min turnout + 4 min driving). See
``../shared/reference/standards.md`` in the project workspace and ``data/standards/``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["DEFAULTS", "Settings", "resolve"]


@dataclass(frozen=True)
class Settings:
    """Engine-wide defaults.

    Attributes
    ----------
    turnout_min : float
        Turnout time from dispatch order to wheels rolling, minutes (建标152-2017: 1 min).
    driving_min : float
        Driving time budget, minutes (建标152-2017: 4 min). Response = turnout + driving.
    speed_profile : str
        Name of the fire-engine speed profile in ``data/speeds/`` (``china_urban``).
    congestion_factor : float
        Multiplier applied to every profile speed (1.0 = profile as written; 0.8 = 20 % slower).
    period : str or None
        Time-of-day period of the speed profile (e.g. ``am_peak``; its ``[periods]`` table);
        ``None``: the profile's speeds as written.
    snap_max_m : float
        A station farther than this from any road is an error; a demand cell is flagged.
    access_speed_kph : float
        Speed on the access leg between a point and its snapped roadside position (lanes and
        yards that are not in the graph), km/h.
    service_buffer_m : float
        Roadside distance counted as reached on either side of a reached road, metres.
    service_fill_holes_km2 : float
        Holes smaller than this inside a service area are filled (block interiors served
        through lanes and courtyards that are not in the graph), km².
    cell_size_m : float
        Side of a square demand cell, metres.
    candidate_spacing_m : float
        Minimum spacing between generated candidate station sites, metres.
    candidate_road_classes : tuple of str
        Road classes that generated candidate sites may face: a station stands on a street
        frontage with its garage doors opening onto it (建标152-2017 siting rules), so engines
        must be able to use the street directly. Motorways, trunk roads, ``*_link`` ramps and
        ``service`` roads are excluded by default.
    hydrant_radius_m : float
        Municipal hydrant protection radius along the roads, metres: GB 50974-2014 §7.2.5 as
        quoted in the Laiyuan plan (seed 003): 保护半径不超过 150 m.
    hydrant_spacing_m : float
        Largest distance between neighbouring hydrants along a road, metres: GB 50974-2014
        §7.2.5 as quoted in the Laiyuan plan: 间距不大于 120 m.
    hydrant_demand_step_m : float
        Step of the road points the hydrant covering model must cover, metres.
    hydrant_candidate_step_m : float
        Step of the candidate positions for new hydrants along the roads, metres.
    hydrant_skip_road_classes : tuple of str
        Road classes left out of the hydrant analysis (municipal hydrants stand along city
        streets; expressways and their ramps carry none).
    barrier_min_km2 : float
        The barrier rule (GB 51080-2015 §4.1.3-4) ignores a district's part beyond a barrier
        smaller than this, km² (default 0.1 km² = ten 100 m cells: slivers from the cell grid
        and a road's edge are not a district crossing a barrier). The standard sets no figure;
        this is the project's documented threshold.
    barrier_min_share : float
        ... and a part smaller than this share of the district (default 0.02 = 2 %). A part
        counts only when it is at or above **both** thresholds.
    candidate_max : int
        Most generated candidate sites for the plan optimum: beyond it the spacing grows
        (denser candidates are kept in built-up areas, see ``candidate_rural_factor``).
    candidate_rural_factor : float
        Outside built-up areas (road density below ``candidate_builtup_km_per_km2``) generated
        candidates are this many times farther apart than in built-up areas.
    candidate_builtup_km_per_km2 : float
        Road length per km² (a 1 km grid; each two-way road counted once) from which an area
        counts as built-up for the candidate spacing.
    optimum_time : float
        Total seconds for the plan's comparison with the optimum (candidate matrix and the MCLP,
        area and LSCP models together), shared out among them; sized so that a Binhai-sized
        district's ``evaluate`` stays within 3 minutes on 2 cores.
    keep_largest_component : bool
        Keep only the largest strongly connected component of a road graph.
    tie_break : str or None
        Secondary objective among the optima of a covering model (``"time"``: least weighted
        travel time to the nearest open site; ``None``: the solver's first choice).
    zone_loss : float
        Search zones (选址范围): largest relative loss of the objective at which a candidate
        may replace a chosen site, the others fixed (0.01 = 1 %).
    zone_buffer_m : float
        Search-zone polygons are the union of discs of this radius around the zone's candidate
        sites (default half the candidate spacing, so neighbours along a road merge).
    incident_job_min : float
        Average minutes an engine is tied up per call (dispatch to back in quarters), for the
        busy fraction when the call file has no job-minutes column. 60 is our assumption, not
        a standard's figure: give the brigade's own average from its call records.
    radius_speed_kph : float
        Straight-line travel model: fire-engine speed over the road distance driven in the
        driving budget, km/h. 40 km/h with λ = 1.4 gives the standard's diamond of
        2 (S/λ)² ≈ 7.3 km² in 4 minutes; the standard states no speed (this is our assumption).
    radius_curvature : float
        Straight-line travel model: road curvature coefficient λ (road / straight-line
        distance), 1.3–1.5 in the standard's derivation.
    radius_shape : str
        Straight-line travel model: ``"diamond"`` (|dx| + |dy| <= P, the standard's own
        derivation of 7 km²) or ``"circle"`` (straight-line distance <= P).
    cache_dir : str or None
        Folder of the prepared-road-graph cache (``firecover.network.cache``). ``"auto"``:
        ``$FIRECOVER_CACHE_DIR`` if set (``off`` there disables), else the user cache folder
        (``~/.cache/firecover`` on Linux, ``~/Library/Caches/firecover`` on macOS,
        ``%LOCALAPPDATA%\\firecover\\Cache`` on Windows); ``"off"`` or ``None``: no cache.
    output_datum : str
        Datum of the longitude/latitude firecover writes into CSV, GeoJSON and Excel files
        (``wgs84``, ``gcj02`` for Amap / Tencent, ``bd09`` for Baidu, ``cgcs2000`` for
        Tianditu, which is WGS-84 to centimetres). GeoPackage layers stay in the metric CRS.
    """

    turnout_min: float = 1.0
    driving_min: float = 4.0
    speed_profile: str = "china_urban"
    congestion_factor: float = 1.0
    period: str | None = None
    snap_max_m: float = 500.0
    access_speed_kph: float = 15.0
    service_buffer_m: float = 100.0
    service_fill_holes_km2: float = 0.05
    cell_size_m: float = 100.0
    candidate_spacing_m: float = 200.0
    candidate_road_classes: tuple[str, ...] = (
        "primary", "secondary", "tertiary", "residential", "unclassified",
    )  # fmt: skip
    hydrant_radius_m: float = 150.0
    hydrant_spacing_m: float = 120.0
    hydrant_demand_step_m: float = 10.0
    hydrant_candidate_step_m: float = 20.0
    hydrant_skip_road_classes: tuple[str, ...] = ("motorway", "motorway_link")
    barrier_min_km2: float = 0.1
    barrier_min_share: float = 0.02
    candidate_max: int = 6000
    candidate_rural_factor: float = 2.5
    candidate_builtup_km_per_km2: float = 12.0
    optimum_time: float = 60.0
    keep_largest_component: bool = True
    tie_break: str | None = "time"
    zone_loss: float = 0.01
    zone_buffer_m: float = 100.0
    incident_job_min: float = 60.0
    radius_speed_kph: float = 40.0
    radius_curvature: float = 1.4
    radius_shape: str = "diamond"
    cache_dir: str | None = "auto"
    output_datum: str = "wgs84"

    @property
    def response_min(self) -> float:
        """Total response budget in minutes (turnout + driving)."""
        return self.turnout_min + self.driving_min

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with every non-``None`` override applied."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


DEFAULTS = Settings()


def resolve(value: Any, name: str) -> Any:
    """Return ``value`` unless it is ``None``, else the default for setting ``name``."""
    return getattr(DEFAULTS, name) if value is None else value
