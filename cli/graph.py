"""``firecover graph``: fetch, import and describe road graphs (thin wrappers over the library)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import networkx as nx

from firecover import network
from firecover.cli.options import FACTOR, METRES0
from firecover.network.turns import add_restrictions, read_restriction_table

__all__ = ["COMMANDS", "graph"]

_PREPARE_OPTIONS = [
    click.option(
        "--profile",
        metavar="NAME|PATH",
        default=None,
        help="Speed profile: a bundled name (china_urban) or a TOML file.",
    ),
    click.option(
        "--congestion",
        "congestion_factor",
        type=FACTOR,
        default=None,
        help="Multiply every speed by this factor (default 1.0).",
    ),
    click.option(
        "--crs",
        metavar="EPSG",
        default=None,
        help="Projected output CRS, e.g. 32650 or EPSG:4547 (default: local UTM).",
    ),
    click.option(
        "--keep-all-components",
        is_flag=True,
        help="Keep every component, not only the largest strongly connected one.",
    ),
]


def _prepare_options(func: Any) -> Any:
    for option in reversed(_PREPARE_OPTIONS):
        func = option(func)
    return func


def _prepare_kwargs(
    profile: str | None, congestion_factor: float | None, crs: str | None, keep_all: bool
) -> network.PrepareOptions:
    crs_value: int | str | None = int(crs) if crs is not None and crs.isdigit() else crs
    return {
        "profile": profile,
        "congestion_factor": congestion_factor,
        "crs": crs_value,
        "keep_largest_component": False if keep_all else None,
    }


def _report(graph: nx.MultiDiGraph, out: Path) -> None:
    info = network.graph_info(graph)
    click.echo(
        f"wrote {out}: {info.nodes:,} nodes, {info.edges:,} edges, {info.road_km:,.1f} km of road "
        f"({info.crs}, profile {info.speed_profile})"
    )


@click.group("graph")
def graph() -> None:
    """Road graphs: download from OpenStreetMap, import files, describe."""


@graph.command("fetch")
@click.option("--place", metavar="TEXT", help="Place name that OpenStreetMap knows as an area.")
@click.option(
    "--polygon",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Boundary polygon file (GeoJSON / GPKG / SHP, any CRS).",
)
@click.option(
    "--bbox",
    nargs=4,
    type=float,
    metavar="W S E N",
    default=None,
    help="Bounding box in degrees: west south east north.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output GraphML.",
)
@_prepare_options
def fetch(
    place: str | None,
    polygon: Path | None,
    bbox: tuple[float, float, float, float] | None,
    out: Path,
    profile: str | None,
    congestion_factor: float | None,
    crs: str | None,
    keep_all_components: bool,
) -> None:
    """Download the drive network from OpenStreetMap (needs internet; responses are cached)."""
    given = [x is not None for x in (place, polygon, bbox)]
    if sum(given) != 1:
        raise click.UsageError("give exactly one of --place, --polygon, --bbox")
    network.check_graph_output(out, [polygon] if polygon else [])
    kwargs = _prepare_kwargs(profile, congestion_factor, crs, keep_all_components)
    if place is not None:
        result = network.graph_from_place(place, **kwargs)
    elif polygon is not None:
        result = network.graph_from_polygon(polygon, **kwargs)
    else:
        assert bbox is not None
        result = network.graph_from_bbox(*bbox, **kwargs)
    network.save_graph(result, out, inputs=[polygon] if polygon else [])
    _report(result, out)


@graph.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output GraphML."
)
@click.option("--class-column", metavar="C", help="Road-class column (default: auto-detect).")
@click.option("--speed-column", metavar="C", help="Speed column in km/h (replaces class speeds).")
@click.option("--oneway-column", metavar="C", help="One-way / direction column (default: auto).")
@click.option(
    "--oneway-values",
    metavar="SPEC",
    help="Meaning of one-way values, e.g. '1=forward,-1=backward,0=both' "
    "(forward = along the line's drawing direction).",
)
@click.option("--name-column", metavar="C", help="Road-name column (default: auto-detect).")
@click.option(
    "--default-class", metavar="CLASS", help="Class for lines without one (e.g. 主干路, primary)."
)
@click.option("--layer", metavar="NAME", help="Layer of a multi-layer file (GeoPackage).")
@click.option("--encoding", metavar="ENC", help="Text encoding of a shapefile without .cpg.")
@click.option(
    "--snap-tolerance",
    "snap_tolerance_m",
    type=METRES0,
    default=0.5,
    show_default=True,
    help="Centre lines: join line ends closer than this many metres.",
)
@click.option(
    "--bbox",
    nargs=4,
    type=float,
    metavar="W S E N",
    default=None,
    help="OSM files: keep roads in this lon/lat box.",
)
@click.option(
    "--restrictions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV of turn restrictions to add: from_way,via_node,to_way (OSM ids) or "
    "from_node,via_node,to_node (graph nodes), optional restriction (no_left_turn, ...).",
)
@_prepare_options
def import_(
    file: Path,
    out: Path,
    class_column: str | None,
    speed_column: str | None,
    oneway_column: str | None,
    oneway_values: str | None,
    name_column: str | None,
    default_class: str | None,
    layer: str | None,
    encoding: str | None,
    snap_tolerance_m: float,
    bbox: tuple[float, float, float, float] | None,
    restrictions: Path | None,
    profile: str | None,
    congestion_factor: float | None,
    crs: str | None,
    keep_all_components: bool,
) -> None:
    """Import FILE (.osm.pbf, .osm, .osm.bz2, .gpkg, .shp, .geojson, .graphml) as a road graph."""
    network.check_graph_output(out, [file] + ([restrictions] if restrictions else []))
    extra = read_restriction_table(restrictions) if restrictions is not None else []
    result = network.load_graph(
        file,
        class_column=class_column,
        speed_column=speed_column,
        oneway_column=oneway_column,
        oneway_values=oneway_values,
        name_column=name_column,
        default_class=default_class,
        layer=layer,
        encoding=encoding,
        snap_tolerance_m=snap_tolerance_m,
        clip=bbox,
        prepare=True,
        **_prepare_kwargs(profile, congestion_factor, crs, keep_all_components),
    )
    if extra:
        add_restrictions(result, extra)
    network.save_graph(result, out, inputs=[file] + ([restrictions] if restrictions else []))
    _report(result, out)


@graph.command("info")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def info(file: Path, as_json: bool) -> None:
    """Describe a road graph (GraphML, or any file `graph import` reads)."""
    summary = network.graph_info(network.load_graph(file))
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary.to_text())


COMMANDS: list[click.Command] = [graph]
