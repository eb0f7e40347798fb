"""Private: a planner's road centre-line file (GPKG / SHP / GeoJSON lines) → raw road graph.

Nodes are built at line endpoints: endpoints closer than ``snap_tolerance_m`` (after
projection to metres) become one node. Lines must therefore be split at junctions, as
planning centre-line files normally are; two lines that merely cross share no node.

Columns (names are matched case-insensitively; ``None`` = auto-detect):

* road class — OSM ``highway`` values or Chinese planning classes (快速路, 主干路, 次干路,
  支路 ...); auto-detected among :data:`CLASS_COLUMNS`;
* speed — km/h, used instead of the class speed (never auto-detected);
* one-way / direction — auto-detected among :data:`ONEWAY_COLUMNS`; value meanings are given
  by :class:`OnewayValues` (default :data:`DEFAULT_ONEWAY`: ``1``/``yes``/``F``/``FT`` = one-way
  along the digitised direction, ``-1``/``T``/``TF``/``reverse`` = one-way against it,
  ``0``/``no``/``B``/empty = two-way), e.g. ``"1=forward,-1=backward,0=both,9=closed"``;
* name — auto-detected among :data:`NAME_COLUMNS`.

Link tables in the gotrackit style (``link_id, dir, from_node, to_node``, e.g. the Xi'an sample
data) fit the default: ``dir`` 1 = one-way from ``from_node`` to ``to_node``, which is the
drawing direction, 0 = two-way, -1 = one-way against. (Checked on that data: every geometry
starts at its ``from_node``; ``dir = 1`` links on arterials have a parallel opposite-direction
link of the same name ~9 m away — dual carriageways — while ``dir = 0`` links do not.)

Text encoding: shapefiles are decoded with the code page in their ``.cpg`` (e.g. ``GBK``);
pass ``encoding`` for a shapefile without one.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from firecover._errors import DataFormatError, UnsupportedCRSError
from firecover.network.road_class import canonical_class

logger = logging.getLogger(__name__)

CLASS_COLUMNS = (
    "road_class", "roadclass", "class", "highway", "fclass", "road_type", "roadtype", "type",
    "kind", "grade", "等级", "道路等级", "道路类型", "道路类别", "类型", "类别",
)  # fmt: skip
ONEWAY_COLUMNS = ("oneway", "one_way", "dir", "direction", "单行", "单向", "方向")
NAME_COLUMNS = ("name", "road_name", "roadname", "名称", "道路名称", "路名", "name_zh")
_SEMANTICS = {
    "forward": "forward", "f": "forward", "along": "forward", "yes": "forward",
    "backward": "backward", "b": "backward", "against": "backward", "reverse": "backward",
    "both": "both", "two-way": "both", "twoway": "both", "no": "both",
    "closed": "closed", "none": "closed",
}  # fmt: skip


@dataclass(frozen=True)
class OnewayValues:
    """Meaning of the values of a one-way / direction column.

    Attributes
    ----------
    forward : frozenset[str]
        Values meaning one-way along the line's digitised direction (first → last vertex).
    backward : frozenset[str]
        Values meaning one-way against the digitised direction.
    both : frozenset[str]
        Values meaning two-way (an empty cell is always two-way).
    closed : frozenset[str]
        Values meaning no vehicle traffic (the line is skipped).
    """

    forward: frozenset[str] = field(default_factory=frozenset)
    backward: frozenset[str] = field(default_factory=frozenset)
    both: frozenset[str] = field(default_factory=frozenset)
    closed: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, spec: str | Mapping[Any, str]) -> OnewayValues:
        """Build from ``"1=forward,-1=backward,0=both"`` or ``{1: "forward", ...}``.

        Meanings: ``forward``, ``backward``, ``both``, ``closed`` (aliases ``along``,
        ``against``/``reverse``, ``two-way``/``no``, ``none``).
        """
        pairs = spec.items() if isinstance(spec, Mapping) else _split_spec(spec)
        groups: dict[str, set[str]] = {"forward": set(), "backward": set(), "both": set()}
        groups["closed"] = set()
        for value, meaning in pairs:
            key = _SEMANTICS.get(str(meaning).strip().lower())
            if key is None:
                raise DataFormatError(
                    f"one-way value {value!r} has unknown meaning {meaning!r}; "
                    "use forward, backward, both or closed"
                )
            groups[key].add(normalise_value(value))
        return cls(**{k: frozenset(v) for k, v in groups.items()})

    def direction(self, value: Any) -> str | None:
        """``"forward"``, ``"backward"``, ``"both"``, ``"closed"`` or ``None`` if unknown."""
        text = normalise_value(value)
        if text == "":
            return "both"
        for name in ("forward", "backward", "both", "closed"):
            if text in getattr(self, name):
                return name
        return None


def _split_spec(spec: str) -> list[tuple[str, str]]:
    pairs = []
    for item in spec.split(","):
        if "=" not in item:
            raise DataFormatError(
                f"one-way values {spec!r}: write VALUE=MEANING pairs, e.g. "
                "'1=forward,-1=backward,0=both'"
            )
        value, meaning = item.rsplit("=", 1)
        pairs.append((value.strip(), meaning.strip()))
    return pairs


def normalise_value(value: Any) -> str:
    """Cell value → lower-case text; integral numbers lose their ``.0``; empty/NaN → ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int | float | np.integer | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip().lower()


#: Default one-way semantics (OSM, Geofabrik/HERE B/F/T, ESRI FT/TF, gotrackit 0/1/-1).
DEFAULT_ONEWAY = OnewayValues(
    forward=frozenset({"1", "yes", "y", "true", "f", "ft", "forward", "正向", "单向", "单行"}),
    backward=frozenset({"-1", "t", "tf", "backward", "reverse", "反向", "逆向"}),
    both=frozenset({"0", "no", "false", "b", "both", "双向"}),
)


@dataclass(frozen=True)
class CenterlineOptions:
    """Column choices for :func:`read_centerline` (``None`` = auto-detect / not used)."""

    class_column: str | None = None
    speed_column: str | None = None
    oneway_column: str | None = None
    oneway_values: OnewayValues | str | Mapping[Any, str] | None = None
    name_column: str | None = None
    default_class: str | None = None
    layer: str | int | None = None
    encoding: str | None = None
    snap_tolerance_m: float = 0.5


def read_centerline(path: Path, options: CenterlineOptions | None = None) -> nx.MultiDiGraph:
    """Read a centre-line file into a raw road graph in a metric CRS.

    Parameters
    ----------
    path : Path
        GPKG / SHP / GeoJSON / FlatGeobuf file with (Multi)LineString features (never modified).
    options : CenterlineOptions, optional
        Column names, one-way semantics, default class, layer, encoding, snapping tolerance.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes with ``x``, ``y`` in metres; edges with ``length``, ``geometry``, ``oneway`` and,
        where known, ``highway`` (source class), ``source_speed_kph``, ``name``.

    Raises
    ------
    DataFormatError
        Unreadable or empty file, no lines, unknown column name, unknown one-way values.
    UnsupportedCRSError
        The file has no CRS.
    """
    opts = options or CenterlineOptions()
    if not (math.isfinite(opts.snap_tolerance_m) and opts.snap_tolerance_m >= 0):
        raise DataFormatError(f"snap tolerance must be >= 0 m, got {opts.snap_tolerance_m}")
    lines = _to_metric(_only_lines(_read(path, opts), path), path)
    cols = _resolve_columns(lines, opts, path)
    directions = _directions(lines, cols.get("oneway"), opts, path)
    keep = directions != "closed"
    lines, directions = lines[keep], directions[keep]
    nodes, ends = snap_endpoints(lines.geometry, opts.snap_tolerance_m)
    graph = _build_graph(lines, directions, nodes, ends, cols, opts)
    graph.graph.update(
        crs=lines.crs.to_string(), name=path.stem, source=f"centre-line file {path.resolve()}"
    )
    logger.info(
        "%s: %d lines → %d nodes, %d directed edges (%d one-way lines)",
        path.name,
        len(lines),
        graph.number_of_nodes(),
        graph.number_of_edges(),
        int((directions != "both").sum()),
    )
    return graph


def _read(path: Path, opts: CenterlineOptions) -> gpd.GeoDataFrame:
    if path.stat().st_size == 0:
        raise DataFormatError(f"centre-line file {path} is empty; export it again")
    kwargs: dict[str, Any] = {"engine": "pyogrio"}
    if opts.layer is not None:
        kwargs["layer"] = opts.layer
    if opts.encoding:
        kwargs["encoding"] = opts.encoding
    try:
        frame = gpd.read_file(path, **kwargs)
    except (DataSourceError, DataLayerError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = "; give its text encoding (e.g. GBK)" if "codec" in reason else ""
        raise DataFormatError(f"cannot read centre-line file {path}: {reason}{hint}") from exc
    if len(frame) == 0:
        raise DataFormatError(f"centre-line file {path} has no features; check the layer")
    if not opts.encoding:
        _refuse_mojibake(frame, path)
    return frame


def _as_gbk(text: str) -> str | None:
    """``text`` re-decoded as GBK if it is GBK bytes misread as Latin-1 with CJK inside."""
    if not any("\x80" <= ch <= "\xff" for ch in text):
        return None
    try:
        fixed = text.encode("latin-1").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if any("\u4e00" <= ch <= "\u9fff" for ch in fixed) else None


def _refuse_mojibake(frame: gpd.GeoDataFrame, path: Path) -> None:
    """A GBK shapefile without ``.cpg`` reads as Latin-1 gibberish: say so, suggest the fix."""
    texts = [str(c) for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object and col != frame.geometry.name:
            texts += [v for v in frame[col].head(50) if isinstance(v, str)]
    for text in texts:
        fixed = _as_gbk(text)
        if fixed is not None:
            cpg = " (no .cpg file)" if path.suffix.lower() == ".shp" else ""
            raise DataFormatError(
                f"{path}{cpg}: text looks GBK-encoded but was read as Latin-1 ({text!r} would be "
                f"{fixed!r}); pass --encoding GBK (or add a .cpg file containing GBK)"
            )


def _only_lines(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    present = frame.geometry.notna() & ~frame.geometry.is_empty
    if not present.all():
        logger.warning("%s: skipped %d features without geometry", path.name, int((~present).sum()))
    frame = frame[present]
    is_line = frame.geom_type.isin(["LineString", "MultiLineString"])
    if not is_line.any():
        kinds = ", ".join(sorted(set(frame.geom_type.dropna()))) or "no geometry"
        raise DataFormatError(f"{path} has no road lines (found {kinds}); give a line layer")
    if not is_line.all():
        logger.warning("%s: skipped %d non-line features", path.name, int((~is_line).sum()))
    frame = frame[is_line].copy()
    frame["_fid"] = frame.index
    return frame.explode(index_parts=False, ignore_index=True)


def _to_metric(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    crs = frame.crs
    if crs is None:
        raise UnsupportedCRSError(
            f"{path} has no coordinate reference system; add a .prj / define the CRS in GIS"
        )
    metric = crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in {"metre", "meter"}
    if metric:
        return frame
    utm = frame.estimate_utm_crs()
    logger.info("%s: reprojecting from %s to %s", path.name, crs.to_string(), utm.to_string())
    return frame.to_crs(utm)


def _find_column(frame: pd.DataFrame, wanted: str, path: Path) -> str:
    lookup = {str(c).lower(): str(c) for c in frame.columns if c != "geometry"}
    if wanted.lower() in lookup:
        return lookup[wanted.lower()]
    have = ", ".join(lookup.values())
    raise DataFormatError(f"column {wanted!r} not found in {path.name}; columns are: {have}")


def _detect(frame: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    lookup = {str(c).lower(): str(c) for c in frame.columns if c != "geometry"}
    return next((lookup[c] for c in candidates if c in lookup), None)


def _resolve_columns(frame: pd.DataFrame, opts: CenterlineOptions, path: Path) -> dict[str, str]:
    cols: dict[str, str] = {}
    for key, given, candidates in (
        ("class", opts.class_column, CLASS_COLUMNS),
        ("speed", opts.speed_column, ()),
        ("oneway", opts.oneway_column, ONEWAY_COLUMNS),
        ("name", opts.name_column, NAME_COLUMNS),
    ):
        found = _find_column(frame, given, path) if given else _detect(frame, candidates)
        if found is not None:
            cols[key] = found
            logger.info("%s: %s column %r", path.name, key, found)
    if opts.default_class is not None and canonical_class(opts.default_class) is None:
        raise DataFormatError(
            f"default class {opts.default_class!r} is not a known road class; use e.g. "
            "primary, residential, 主干路 or 支路"
        )
    if "class" not in cols and "speed" not in cols and opts.default_class is None:
        logger.warning(
            "%s: no road-class column (looked for %s) and no speed column; every road gets "
            "the profile's default speed; pass class_column, speed_column or default_class",
            path.name,
            ", ".join(CLASS_COLUMNS[:6]),
        )
    if "oneway" not in cols:
        logger.warning("%s: no one-way column found; all roads are two-way", path.name)
    return cols


def _directions(
    frame: pd.DataFrame, column: str | None, opts: CenterlineOptions, path: Path
) -> np.ndarray:
    if column is None:
        return np.full(len(frame), "both", dtype=object)
    spec = opts.oneway_values
    values = spec if isinstance(spec, OnewayValues) else DEFAULT_ONEWAY
    if spec is not None and not isinstance(spec, OnewayValues):
        values = OnewayValues.parse(spec)
    out = np.array([values.direction(v) for v in frame[column]], dtype=object)
    unknown = Counter(
        normalise_value(v) for v, d in zip(frame[column], out, strict=True) if d is None
    )
    if unknown:
        shown = ", ".join(f"{v!r}" for v, _ in unknown.most_common(5))
        raise DataFormatError(
            f"{path.name}: column {column!r} has values with no one-way meaning ({shown}); "
            "give their meaning, e.g. oneway_values='1=forward,-1=backward,0=both'"
        )
    counts = Counter(out.tolist())
    logger.info("%s: one-way column %r → %s", path.name, column, dict(counts))
    return out


def snap_endpoints(geoms: gpd.GeoSeries, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Cluster line endpoints closer than ``tolerance_m`` into nodes.

    Parameters
    ----------
    geoms : GeoSeries
        LineStrings in a metric CRS.
    tolerance_m : float
        Endpoints within this distance (single linkage) become one node.

    Returns
    -------
    nodes : ndarray, shape (k, 2)
        Node coordinates (mean of the clustered endpoints).
    ends : ndarray, shape (n, 2)
        Node index of each line's start and end.
    """
    first = shapely.get_point(geoms.values, 0)
    last = shapely.get_point(geoms.values, -1)
    pts = np.vstack([shapely.get_coordinates(first), shapely.get_coordinates(last)])
    pairs = cKDTree(pts).query_pairs(r=tolerance_m, output_type="ndarray")
    n = len(pts)
    adjacency = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    k, labels = connected_components(adjacency, directed=False)
    counts = np.bincount(labels, minlength=k)
    nodes = np.column_stack(
        [np.bincount(labels, weights=pts[:, i], minlength=k) / counts for i in (0, 1)]
    )
    m = len(geoms)
    return nodes, np.column_stack([labels[:m], labels[m:]])


def _column_values(
    lines: gpd.GeoDataFrame, cols: dict[str, str], opts: CenterlineOptions
) -> dict[str, list[Any]]:
    """Per-line source class, speed and name as lists (``None`` where missing)."""
    n = len(lines)
    classes = [None] * n if "class" not in cols else lines[cols["class"]].tolist()
    classes = [opts.default_class if normalise_value(c) == "" else str(c).strip() for c in classes]
    speeds: list[float | None] = [None] * n
    if "speed" in cols:
        numeric = pd.to_numeric(lines[cols["speed"]], errors="coerce").to_numpy(dtype=float)
        speeds = [float(s) if np.isfinite(s) and s > 0 else None for s in numeric]
        bad = sum(s is None for s in speeds)
        if bad:
            logger.warning("%d lines have no valid speed (> 0 km/h); they use the class speed", bad)
    names = [None] * n if "name" not in cols else lines[cols["name"]].tolist()
    names = [None if normalise_value(v) == "" else str(v).strip() for v in names]
    return {"highway": classes, "source_speed_kph": speeds, "name": names}


def _build_graph(
    lines: gpd.GeoDataFrame,
    directions: np.ndarray,
    nodes: np.ndarray,
    ends: np.ndarray,
    cols: dict[str, str],
    opts: CenterlineOptions,
) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(nodes))
    values = _column_values(lines, cols, opts)
    fids = lines["_fid"].tolist()
    skipped = 0
    for i, (geom, (u, v), way) in enumerate(zip(lines.geometry, ends, directions, strict=True)):
        geom = _pin_ends(geom, nodes[u], nodes[v])
        if u == v and geom.length < 2 * opts.snap_tolerance_m:
            skipped += 1
            continue
        attrs = {k: vals[i] for k, vals in values.items() if vals[i] is not None}
        attrs.update(source_fid=int(fids[i]), oneway=way != "both", length=float(geom.length))
        if way in ("forward", "both"):
            graph.add_edge(int(u), int(v), geometry=geom, reversed=False, **attrs)
        if way in ("backward", "both"):
            graph.add_edge(int(v), int(u), geometry=geom.reverse(), reversed=True, **attrs)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if skipped:
        logger.warning("skipped %d zero-length lines", skipped)
    return graph


def _pin_ends(geom: LineString, start: np.ndarray, end: np.ndarray) -> LineString:
    """Move the first and last vertex onto their (snapped) node positions."""
    coords = np.asarray(geom.coords)[:, :2].copy()
    coords[0], coords[-1] = start, end
    return LineString(coords)
