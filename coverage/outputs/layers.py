"""Coverage layers: the :class:`CoverageLayers` container and the GeoPackage writer.

One schema (DESIGN.md, "Coverage layers") feeds the GeoPackage, the static map
(:mod:`~firecover.outputs.maps`) and the web map (:mod:`~firecover.outputs.webmap`). The container
checks the required columns, the geometry kinds and that every layer is in one projected (metric)
CRS.

The GeoPackage holds one layer per non-empty frame (``cells`` is written as ``demand_cells``)
plus a non-spatial ``metadata`` table of key/value rows (title, response budget, the
"SYNTHETIC DATA" label); every layer's description carries the budget and the label too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from firecover._errors import DataFormatError, InputFileError, OutputError, UnsupportedCRSError
from firecover._io import atomic_path, check_not_input
from firecover._version import __version__
from firecover.settings import DEFAULTS

__all__ = [
    "GPKG_LAYER_NAMES",
    "LAYER_COLUMNS",
    "SYNTHETIC_LABEL",
    "CoverageLayers",
    "CoverageMeta",
    "read_geopackage",
    "write_geopackage",
]

logger = logging.getLogger(__name__)

#: Stamp shown on every output made from invented data.
SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA — 虚构示例数据"

#: Required attribute columns of each layer (DESIGN.md, "Coverage layers"); geometry is implied.
LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "stations": ("name", "class_key", "class_zh", "status", "year", "snap_m"),
    "service_areas": ("station", "minutes", "driving_min", "area_km2"),
    "jurisdictions": (
        "station", "class_key", "area_km2", "limit_km2", "max_arrival_min",
        "reached_share", "compliant", "reasons",
    ),
    "cells": (
        "cell_id", "area_km2", "weight", "risk", "best_min", "station", "second_min",
        "covered", "far_from_road",
    ),
    "gaps": ("area_km2",),
    "roads": ("road_class", "oneway", "name"),
    "boundary": (),
    "barriers": ("kind",),
    "search_zones": ("site", "n_candidates", "loss"),
}  # fmt: skip

#: Layer names inside the GeoPackage (only ``cells`` is renamed).
GPKG_LAYER_NAMES: dict[str, str] = {name: name for name in LAYER_COLUMNS} | {
    "cells": "demand_cells"
}

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
_GEOM_KINDS: dict[str, frozenset[str]] = {
    "stations": frozenset({"Point"}),
    "service_areas": _POLYGONAL,
    "jurisdictions": _POLYGONAL,
    "cells": _POLYGONAL,
    "gaps": _POLYGONAL,
    "roads": frozenset({"LineString", "MultiLineString"}),
    "boundary": _POLYGONAL,
    "search_zones": _POLYGONAL,
}
_BOOL_COLUMNS = ("compliant", "covered", "far_from_road", "oneway")


def _fmt_min(value: float) -> str:
    """Format minutes without a trailing ``.0`` (5.0 → "5", 4.5 → "4.5")."""
    return f"{value:g}"


@dataclass(frozen=True)
class CoverageMeta:
    """Facts about a set of coverage layers.

    Attributes
    ----------
    title, title_zh : str
        Map and file title in English and Chinese.
    synthetic : bool
        The layers describe invented data; every output then carries :data:`SYNTHETIC_LABEL`.
    turnout_min, driving_min : float
        The response budget: turnout plus driving, minutes.
    crs : str or None
        The layers' metric CRS (filled in from the layers when ``None``).
    year : int or None
        Plan year the layers describe, if any.
    notes : tuple of str
        What building the road graph reported (e.g. dropped disconnected pieces); reports
        list them.
    turn_model : str
        The searches' turn model (:attr:`firecover.network.csr.CSRNetwork.turn_model`, e.g.
        ``"turns: off"``); "" when not recorded.
    travel_model : str
        The travel-time model line (profile, period, turn model, calibration source).
    """

    title: str = "Fire-station coverage"
    title_zh: str = "消防站覆盖分析"
    synthetic: bool = False
    turnout_min: float = DEFAULTS.turnout_min
    driving_min: float = DEFAULTS.driving_min
    crs: str | None = None
    year: int | None = None
    notes: tuple[str, ...] = ()
    turn_model: str = ""
    travel_model: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> CoverageMeta:
        """Build from a mapping, ignoring ``None`` values; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise DataFormatError(
                f"unknown coverage meta key(s): {', '.join(sorted(unknown))}; "
                f"use {', '.join(sorted(known))}"
            )
        return cls(**{k: v for k, v in values.items() if v is not None})

    @property
    def response_min(self) -> float:
        """Total response budget, minutes."""
        return self.turnout_min + self.driving_min

    def budget_label(self) -> str:
        """English budget, e.g. ``"5 min = 1 turnout + 4 driving"``."""
        return (
            f"{_fmt_min(self.response_min)} min = {_fmt_min(self.turnout_min)} turnout"
            f" + {_fmt_min(self.driving_min)} driving"
        )

    def budget_label_zh(self) -> str:
        """Chinese budget, e.g. ``"5 分钟 = 1 分钟出动 + 4 分钟行车"``."""
        return (
            f"{_fmt_min(self.response_min)} 分钟 = {_fmt_min(self.turnout_min)} 分钟出动"
            f" + {_fmt_min(self.driving_min)} 分钟行车"
        )

    def display_title(self) -> str:
        """The title as shown on maps: Chinese and English joined, whichever exist."""
        parts = [t for t in (self.title_zh, self.title) if t]
        return " · ".join(parts) if parts else "firecover"

    def records(self) -> list[tuple[str, str]]:
        """Key/value rows for the GeoPackage ``metadata`` table."""
        rows = [
            ("title", self.title),
            ("title_zh", self.title_zh),
            ("synthetic", "true" if self.synthetic else "false"),
            ("data_label", SYNTHETIC_LABEL if self.synthetic else ""),
            ("turnout_min", _fmt_min(self.turnout_min)),
            ("driving_min", _fmt_min(self.driving_min)),
            ("response_min", _fmt_min(self.response_min)),
            ("budget", self.budget_label()),
            ("budget_zh", self.budget_label_zh()),
            ("crs", self.crs or ""),
            ("year", "" if self.year is None else str(self.year)),
            ("notes", " | ".join(self.notes)),
            ("travel_model", self.travel_model),
            ("firecover_version", __version__),
        ]
        return rows


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame()


def _is_empty(frame: Any) -> bool:
    return frame is None or len(frame) == 0


def _as_frame(name: str, value: Any) -> gpd.GeoDataFrame | None:
    """Normalise an optional layer: ``None``/empty → ``None``, GeoSeries → GeoDataFrame."""
    if _is_empty(value):
        return None
    if isinstance(value, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=value.reset_index(drop=True))
    if isinstance(value, gpd.GeoDataFrame):
        return value
    raise DataFormatError(f"layer {name!r} must be a GeoDataFrame or GeoSeries, got {type(value)}")


def _same_crs(a: Any, b: Any) -> bool:
    return bool(CRS.from_user_input(a).equals(CRS.from_user_input(b)))


@dataclass
class CoverageLayers:
    """The coverage layers of one analysis, all in one metric CRS (DESIGN.md schema).

    Parameters
    ----------
    stations, service_areas, jurisdictions, cells, gaps, roads : GeoDataFrame
        The schema's layers; an empty frame (the default) means "not available".
    boundary : GeoDataFrame or GeoSeries, optional
        The planning area outline (stored as a GeoDataFrame).
    barriers : GeoDataFrame, optional
        Rivers, railways and other barriers, with a ``kind`` column.
    meta : CoverageMeta or mapping
        Title, budget, the synthetic flag, CRS and year.
    search_zones : GeoDataFrame, optional
        Siting runs: the search zone (选址范围) of each chosen site (``site``,
        ``n_candidates``, ``loss``; :mod:`firecover.site.zones`).

    Raises
    ------
    DataFormatError
        A non-empty layer lacks a required column or has the wrong geometry kind, or all
        layers are empty.
    UnsupportedCRSError
        A layer has no CRS, the layers disagree, or the CRS is not projected.
    """

    stations: gpd.GeoDataFrame = field(default_factory=_empty)
    service_areas: gpd.GeoDataFrame = field(default_factory=_empty)
    jurisdictions: gpd.GeoDataFrame = field(default_factory=_empty)
    cells: gpd.GeoDataFrame = field(default_factory=_empty)
    gaps: gpd.GeoDataFrame = field(default_factory=_empty)
    roads: gpd.GeoDataFrame = field(default_factory=_empty)
    boundary: gpd.GeoDataFrame | None = None
    barriers: gpd.GeoDataFrame | None = None
    meta: CoverageMeta = field(default_factory=CoverageMeta)
    search_zones: gpd.GeoDataFrame = field(default_factory=_empty)
    #: Incident points drawn as a density on the PNG maps (not a GeoPackage layer; issue 17).
    incidents: gpd.GeoDataFrame | None = None
    #: Timed risk objects on the HTML map (``evaluate --risk``; not a GeoPackage layer).
    risk_objects: gpd.GeoDataFrame | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.meta, CoverageMeta):
            self.meta = CoverageMeta.from_mapping(self.meta)
        self.boundary = _as_frame("boundary", self.boundary)
        self.barriers = _as_frame("barriers", self.barriers)
        for name in LAYER_COLUMNS:
            frame = getattr(self, name)
            if frame is None:
                continue
            if not isinstance(frame, gpd.GeoDataFrame):
                raise DataFormatError(
                    f"layer {name!r} must be a GeoDataFrame, got {type(frame).__name__}"
                )
            if len(frame):
                _check_columns(name, frame)
                _check_geometry(name, frame)
        self._check_crs()

    def has(self, name: str) -> bool:
        """Whether layer ``name`` exists and has at least one row."""
        return not _is_empty(getattr(self, name))

    def layers(self) -> Iterator[tuple[str, gpd.GeoDataFrame]]:
        """Yield ``(name, frame)`` for every non-empty layer, in schema order."""
        for name in LAYER_COLUMNS:
            if self.has(name):
                yield name, getattr(self, name)

    @property
    def crs(self) -> CRS:
        """The common metric CRS of the layers."""
        assert self.meta.crs is not None  # set by __post_init__
        return CRS.from_user_input(self.meta.crs)

    def total_bounds(self) -> tuple[float, float, float, float]:
        """Bounds ``(minx, miny, maxx, maxy)`` of the boundary, else of all layers."""
        if self.boundary is not None:
            b = self.boundary.total_bounds
        else:
            frames = [f.total_bounds for _, f in self.layers()]
            b = [min(f[0] for f in frames), min(f[1] for f in frames),
                 max(f[2] for f in frames), max(f[3] for f in frames)]  # fmt: skip
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])

    def _check_crs(self) -> None:
        found: list[tuple[str, Any]] = []
        for name, frame in self.layers():
            if frame.crs is None:
                raise UnsupportedCRSError(
                    f"layer {name!r} has no CRS; set it with .set_crs(...) to the graph's CRS"
                )
            found.append((name, frame.crs))
        if self.meta.crs is not None:
            found.insert(0, ("meta.crs", self.meta.crs))
        if not found:
            raise DataFormatError("coverage layers are all empty; nothing to write or draw")
        first_name, first = found[0]
        for name, crs in found[1:]:
            if not _same_crs(first, crs):
                raise UnsupportedCRSError(
                    f"layer {name!r} is in {CRS.from_user_input(crs).to_string()} but "
                    f"{first_name} is in {CRS.from_user_input(first).to_string()}; "
                    "reproject all layers to the graph's metric CRS"
                )
        crs = CRS.from_user_input(first)
        if not crs.is_projected:
            raise UnsupportedCRSError(
                f"coverage layers are in {crs.to_string()}, which is not projected; "
                "use the road graph's metric CRS (e.g. EPSG:32650)"
            )
        if self.meta.crs is None:
            self.meta = replace(self.meta, crs=crs.to_string())


def _check_columns(name: str, frame: gpd.GeoDataFrame) -> None:
    for column in LAYER_COLUMNS[name]:
        if column not in frame.columns:
            raise DataFormatError(
                f"coverage layer {name!r} lacks column {column!r}; "
                f"it needs {', '.join(LAYER_COLUMNS[name]) or 'only a geometry'}"
            )


def _check_geometry(name: str, frame: gpd.GeoDataFrame) -> None:
    try:
        types = set(frame.geom_type.dropna().unique())
    except AttributeError as exc:  # no active geometry column
        raise DataFormatError(f"coverage layer {name!r} has no geometry column") from exc
    allowed = _GEOM_KINDS.get(name)
    if allowed is not None and not types <= allowed:
        bad = ", ".join(sorted(types - allowed))
        raise DataFormatError(
            f"coverage layer {name!r} has {bad} geometries; it needs {', '.join(sorted(allowed))}"
        )


def _layer_description(name: str, meta: CoverageMeta) -> str:
    parts = [f"firecover {name}", f"response budget {meta.budget_label()}"]
    if meta.synthetic:
        parts.insert(0, f"SYNTHETIC DATA ({SYNTHETIC_LABEL})")
    return "; ".join(parts)


def _prepared(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy safe to write: plain index, geometry named ``geometry``, bool/str columns tidy."""
    out = frame.reset_index(drop=True)
    if out.geometry.name != "geometry":
        out = out.rename_geometry("geometry")
    if name == "stations" and "year" in out.columns:
        out["year"] = pd.array(pd.to_numeric(out["year"], errors="coerce"), dtype="Int64")
    return out


def _write_layer(path: Path, name: str, frame: gpd.GeoDataFrame, meta: CoverageMeta) -> None:
    types = set(frame.geom_type.dropna().unique())
    promote = len(types) > 1 and any(t.startswith("Multi") for t in types)
    pyogrio.write_dataframe(
        _prepared(name, frame),
        path,
        layer=GPKG_LAYER_NAMES[name],
        driver="GPKG",
        promote_to_multi=promote,
        layer_options={"DESCRIPTION": _layer_description(name, meta)},
    )


def _write_styles(path: Path, layers: CoverageLayers, lang: str) -> None:
    from firecover.outputs.maps import station_colours
    from firecover.outputs.qgis_styles import layer_styles_table

    named = [(n, GPKG_LAYER_NAMES[n], f) for n, f in layers.layers()]
    stations = layers.jurisdictions["station"] if layers.has("jurisdictions") else []
    table = layer_styles_table(named, colours=station_colours(stations),
                               response_min=layers.meta.response_min, lang=lang)  # fmt: skip
    if len(table):
        pyogrio.write_dataframe(table, path, layer="layer_styles", driver="GPKG",
                                layer_options={"FID": "id"})  # fmt: skip


def write_geopackage(
    layers: CoverageLayers,
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    lang: str = "both",
) -> Path:
    """Write every non-empty layer, a ``metadata`` table and QGIS styles (``layer_styles``,
    field aliases in ``lang``; :mod:`firecover.outputs.qgis_styles`) to one GeoPackage,
    atomically.

    Parameters
    ----------
    layers : CoverageLayers
        The layers to write.
    path : path-like
        Destination ``.gpkg``; an existing file is replaced only once the new one is complete.
    inputs : iterable of path-like, optional
        Input files of the run; writing over one of them is refused.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        The path does not end in ``.gpkg``, is an input, or cannot be written.
    """
    dest = Path(path)
    if dest.suffix.lower() != ".gpkg":
        raise OutputError(f"GeoPackage output must end in .gpkg, got {dest.name}; rename it")
    check_not_input(dest, inputs)
    with atomic_path(dest) as tmp:
        try:
            for name, frame in layers.layers():
                _write_layer(tmp, name, frame, layers.meta)
            table = pd.DataFrame(layers.meta.records(), columns=["key", "value"])
            pyogrio.write_dataframe(
                table, tmp, layer="metadata", driver="GPKG",
                layer_options={"DESCRIPTION": _layer_description("metadata", layers.meta)},
            )  # fmt: skip
            _write_styles(tmp, layers, lang)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
            raise OutputError(f"cannot write GeoPackage {dest}: {exc}") from exc
    logger.info("wrote GeoPackage %s (%d layers)", dest, len(list(layers.layers())))
    return dest


def _meta_from_table(table: pd.DataFrame) -> CoverageMeta:
    kv = dict(zip(table["key"].astype(str), table["value"].astype(str), strict=False))

    def num(key: str, default: float) -> float:
        return float(kv[key]) if kv.get(key) else default

    return CoverageMeta(
        title=kv.get("title", ""),
        title_zh=kv.get("title_zh", ""),
        synthetic=kv.get("synthetic", "false").lower() == "true",
        turnout_min=num("turnout_min", DEFAULTS.turnout_min),
        driving_min=num("driving_min", DEFAULTS.driving_min),
        crs=kv.get("crs") or None,
        year=int(kv["year"]) if kv.get("year") else None,
        notes=tuple(n for n in kv.get("notes", "").split(" | ") if n and n != "nan"),
        travel_model=kv.get("travel_model", "") if kv.get("travel_model") != "nan" else "",
    )


def _restore_types(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if name == "stations" and "year" in frame.columns:
        frame["year"] = pd.array(pd.to_numeric(frame["year"]), dtype="Int64")
    for column in _BOOL_COLUMNS:
        if column in frame.columns and frame[column].dtype != bool and frame[column].notna().all():
            frame[column] = frame[column].astype(bool)
    return frame


def read_geopackage(path: str | os.PathLike[str]) -> CoverageLayers:
    """Read a GeoPackage written by :func:`write_geopackage` back into :class:`CoverageLayers`.

    Raises
    ------
    InputFileError
        The file does not exist.
    DataFormatError
        The file is not a firecover GeoPackage (no ``metadata`` table) or a layer is invalid.
    """
    src = Path(path)
    if not src.is_file():
        raise InputFileError(f"GeoPackage not found: {src} (check the path)")
    try:
        names = {str(row[0]) for row in pyogrio.list_layers(src)}
    except pyogrio.errors.DataSourceError as exc:
        raise DataFormatError(f"{src} is not a readable GeoPackage: {exc}") from exc
    if "metadata" not in names:
        raise DataFormatError(f"{src} has no 'metadata' table; write it with write_geopackage")
    kwargs: dict[str, Any] = {"meta": _meta_from_table(pyogrio.read_dataframe(src, "metadata"))}
    for name, gpkg_name in GPKG_LAYER_NAMES.items():
        if gpkg_name in names:
            kwargs[name] = _restore_types(name, gpd.read_file(src, layer=gpkg_name))
    return CoverageLayers(**kwargs)
