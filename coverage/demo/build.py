"""Private: the deterministic generator of the embedded synthetic demo district (``data/demo/``).

Regenerate the bundled files with::

    python -m firecover.demo.build --out data/demo --scenario scenarios/demo.toml

Every run writes identical bytes (fixed seeds, coordinates rounded to the centimetre in UTM and to
1e-7 degree in WGS-84, lengths to the millimetre, hand-formatted WKT and JSON).

The district, *Lanhe Demo District (synthetic) / 澜河示范区（虚构）*, is invented. It lies in the
open water of the Bohai Sea (south-west corner at 617 000 E, 4 290 000 N in UTM zone 50N,
EPSG:32650, about 118.346 °E 38.751 °N) so that nobody mistakes it for a real place, and covers
3.6 km × 2.8 km = 10.08 km². It has

* an arterial grid (主干路, ``primary``, about 900 m apart), secondary roads (次干路) between them,
  local streets (支路, ``residential``) every 150–160 m with a few metres of jitter, some missing
  local links, six cul-de-sacs (…里) and five one-way local blocks;
* a one-way couplet of secondary roads (胜利路 eastbound, 解放路 westbound);
* a diagonal street (新华斜街) and two curved riverside roads (南/北滨河路, ``tertiary``);
* a river (澜河, 90 m wide) crossed only by three road bridges (澜河大道, 兴业路, 海昌路) and the
  expressway bridge (edges with ``bridge="yes"``); other roads stop at the riverside roads;
* an urban expressway (滨海快速路, 快速路, ``motorway``; a two-way centre line of the dual
  carriageway) on a grade-separated corridor, reached only through a full diamond interchange
  at 人民路 and a half diamond at 建设大道 (one-way ``motorway_link`` ramps).

Files written to ``--out``: ``demo_district.graphml`` (the road graph), ``boundary.geojson``
(district boundary, WGS-84), ``barriers.geojson`` (river polygon and expressway line, WGS-84, for
the GB 51080-2015 §4.1.3-4 barrier check) and ``demo.toml`` (the demo scenario, package copy);
``--scenario`` also writes the repository copy of the scenario with paths relative to it.

The graph follows osmnx's GraphML convention (every value stringified as
:func:`osmnx.save_graphml` does; :func:`osmnx.load_graphml` reads back geometries, ``oneway``,
``x``/``y``, ``length`` and the CRS; pass ``graph_dtypes={"synthetic": ...bool converter}`` to get
``synthetic`` as a bool) but is written with networkx's pure-Python writer so that the bytes do not
depend on whether ``lxml`` is installed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString, Polygon

from firecover._io import atomic_path, write_text_atomic
from firecover.demo.layout import (
    CRS,
    HEIGHT,
    NAME,
    ORIGIN,
    SOURCE,
    VERSION,
    WIDTH,
    build_graph,
    expressway_line,
    river_polygon,
)
from firecover.demo.scenario import SITES, scenario_text

__all__ = ["CRS", "NAME", "SOURCE", "VERSION", "build_graph", "main", "station_sites", "write_demo"]

logger = logging.getLogger(__name__)

GRAPH_FILE = "demo_district.graphml"
BOUNDARY_FILE = "boundary.geojson"
BARRIERS_FILE = "barriers.geojson"
SCENARIO_FILE = "demo.toml"
_CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}


# --------------------------------------------------------------------------- GraphML


def _wkt(line: LineString) -> str:
    return "LINESTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in line.coords) + ")"


def _stringified(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with every attribute a string, as :func:`osmnx.save_graphml` stores them."""
    out = graph.copy()
    out.graph = {k: str(v) for k, v in graph.graph.items()}
    for _, data in out.nodes(data=True):
        for k, v in data.items():
            data[k] = repr(v) if isinstance(v, float) else str(v)
    for _, _, data in out.edges(data=True):
        for k, v in data.items():
            if isinstance(v, LineString):
                data[k] = _wkt(v)
            else:
                data[k] = repr(v) if isinstance(v, float) else str(v)
    return out


def write_graphml(graph: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write ``graph`` as osmnx-style GraphML, byte for byte reproducibly."""
    with atomic_path(path) as tmp:
        nx.write_graphml_xml(_stringified(graph), tmp, encoding="utf-8")
    return Path(path)


# --------------------------------------------------------------------------- GeoJSON


def _lonlat(coords: Sequence[tuple[float, float]]) -> list[list[float]]:
    """Local metres → WGS-84 lon/lat, rounded to 1e-7 degree (about 1 cm)."""
    t = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    xs = np.array([ORIGIN[0] + p[0] for p in coords])
    ys = np.array([ORIGIN[1] + p[1] for p in coords])
    lon, lat = t.transform(xs, ys)
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]


def boundary_polygon() -> Polygon:
    """The district boundary in local metres (the outer ring roads), densified every 100 m."""
    pts: list[tuple[float, float]] = []
    corners = [(0.0, 0.0), (WIDTH, 0.0), (WIDTH, HEIGHT), (0.0, HEIGHT)]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        n = round(math.dist((x0, y0), (x1, y1)) / 100.0)
        pts += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(n)]
    return Polygon(pts)


def _feature(geom: dict[str, Any], props: dict[str, Any]) -> str:
    body = {"type": "Feature", "properties": props, "geometry": geom}
    return json.dumps(body, ensure_ascii=False, separators=(", ", ": "))


def _collection(name: str, features: Sequence[str]) -> str:
    head = {"type": "FeatureCollection", "name": name, "crs": _CRS84}
    text = json.dumps(head, ensure_ascii=False, separators=(", ", ": "))[:-1]
    return text + ', "features": [\n' + ",\n".join(features) + "\n]}\n"


def boundary_geojson() -> str:
    """The GeoJSON text of ``boundary.geojson``."""
    poly = boundary_polygon()
    ring = _lonlat(list(poly.exterior.coords))
    props = {
        "name": NAME,
        "name_zh": "澜河示范区（虚构）",
        "name_en": "Lanhe Demo District (synthetic)",
        "synthetic": True,
        "crs": "EPSG:4326 (WGS-84 longitude, latitude)",
        "metric_crs": CRS,
        "area_m2": round(poly.area, 1),
        "area_km2": round(poly.area / 1e6, 4),
        "source": SOURCE,
    }
    return _collection("boundary", [_feature({"type": "Polygon", "coordinates": [ring]}, props)])


def barriers_geojson() -> str:
    """The GeoJSON text of ``barriers.geojson`` (river polygon, expressway line)."""
    river = river_polygon()
    common = {"synthetic": True, "crs": "EPSG:4326 (WGS-84 longitude, latitude)", "source": SOURCE}
    river_props = {
        "type": "river",
        "name": "澜河",
        "name_en": "Lan River",
        "kind_zh": "大型河流",
        "width_m": 90.0,
        **common,
    }
    exp_props = {
        "type": "expressway",
        "name": "滨海快速路",
        "name_en": "Binhai Expressway",
        "kind_zh": "城市快速路",
        **common,
    }
    return _collection(
        "barriers",
        [
            _feature(
                {"type": "Polygon", "coordinates": [_lonlat(list(river.exterior.coords))]},
                river_props,
            ),
            _feature(
                {"type": "LineString", "coordinates": _lonlat(list(expressway_line().coords))},
                exp_props,
            ),
        ],
    )


# --------------------------------------------------------------------------- scenario


def station_sites(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """The demo stations placed on the graph node nearest each design target.

    Returns
    -------
    list of dict
        One per entry of :data:`firecover.demo.scenario.SITES`, with ``node``, ``x``, ``y``
        (EPSG:32650) and ``lon``, ``lat`` (WGS-84, 1e-7 degree) added.
    """
    nodes = sorted(graph.nodes)
    xy = np.array(
        [(graph.nodes[n]["x"] - ORIGIN[0], graph.nodes[n]["y"] - ORIGIN[1]) for n in nodes]
    )
    out = []
    for site in SITES:
        k = int(np.argmin(np.hypot(xy[:, 0] - site["target"][0], xy[:, 1] - site["target"][1])))
        local = (float(xy[k, 0]), float(xy[k, 1]))
        lon, lat = _lonlat([local])[0]
        x, y = graph.nodes[nodes[k]]["x"], graph.nodes[nodes[k]]["y"]
        out.append({**site, "node": nodes[k], "x": x, "y": y, "lon": lon, "lat": lat})
    return out


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


# --------------------------------------------------------------------------- main


def write_demo(out: str | os.PathLike[str], scenario: str | os.PathLike[str] | None = None) -> None:
    """Generate the demo district and write its files.

    Parameters
    ----------
    out : path
        Folder for ``demo_district.graphml``, ``boundary.geojson``, ``barriers.geojson`` and
        ``demo.toml`` (created if missing).
    scenario : path, optional
        Also write the scenario here, with the data paths relative to it.
    """
    out_dir = Path(out)
    graph = build_graph()
    write_graphml(graph, out_dir / GRAPH_FILE)
    write_text_atomic(out_dir / BOUNDARY_FILE, boundary_geojson())
    write_text_atomic(out_dir / BARRIERS_FILE, barriers_geojson())
    sites = station_sites(graph)
    write_text_atomic(out_dir / SCENARIO_FILE, scenario_text(sites, GRAPH_FILE, BOUNDARY_FILE))
    if scenario is not None:
        scen = Path(scenario)
        where = scen.resolve().parent
        text = scenario_text(
            sites,
            _rel(out_dir.resolve() / GRAPH_FILE, where),
            _rel(out_dir.resolve() / BOUNDARY_FILE, where),
        )
        write_text_atomic(scen, text)
    logger.info(
        "wrote the demo district (%d nodes, %d edges) to %s", len(graph), graph.size(), out_dir
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python -m firecover.demo.build --out DIR [--scenario FILE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m firecover.demo.build", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", required=True, help="folder for the demo data files")
    parser.add_argument("--scenario", help="also write the scenario TOML here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_demo(args.out, args.scenario)


if __name__ == "__main__":  # pragma: no cover
    main()
