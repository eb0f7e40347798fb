"""Files of ``evaluate --risk`` / ``site --risk``: the timed risk objects and two risk maps.

* ``risk_objects.geojson`` — every object with its class, required time, first / 2nd / 3rd
  station and minutes, ``on_time`` and ``reinforce_ok`` (geometry WGS-84; ``lon``/``lat`` of its
  timed point in the output datum, named by the ``datum`` column);
* ``map_risk.png`` — the last run's districts and stations with the risk objects by class,
  late objects ringed;
* ``map_reinforce.png`` — the demand cells coloured by the arrival of the **third** station
  (增援), with the risk objects (short of reinforcement: dashed ring).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from firecover._io import atomic_path, check_not_input
from firecover.outputs.datum import lonlat_in_datum
from firecover.outputs.glossary import glossary
from firecover.outputs.layers import CoverageLayers
from firecover.outputs.maps import map_title, render_map
from firecover.outputs.risk_draw import risk_overlay

__all__ = ["write_risk_files"]

log = logging.getLogger(__name__)


def _geojson(layer: Any, path: Path, datum: str) -> None:
    out = layer.to_crs("EPSG:4326")
    pts = shapely.point_on_surface(out.geometry.to_numpy())
    lonlat = lonlat_in_datum(list(zip(shapely.get_x(pts), shapely.get_y(pts), strict=True)), datum)
    out["lon"] = [p[0] for p in lonlat]
    out["lat"] = [p[1] for p in lonlat]
    out["datum"] = datum
    for col in out.columns:
        if out[col].dtype == np.float64:
            out[col] = out[col].where(np.isfinite(out[col]), None)
    with atomic_path(path) as tmp:
        out.to_file(tmp, driver="GeoJSON")


def write_risk_files(
    risk: dict[str, Any] | None,
    layers: CoverageLayers,
    out: Path,
    *,
    inputs: tuple[Path, ...],
    lang: str,
    datum: str,
) -> dict[str, Path]:
    """Write the files above into ``out`` (nothing without ``risk``); their paths.

    ``risk`` is a :func:`firecover.analysis.risk_report.risk_summary` entry, ``layers`` the
    coverage layers of its last run.
    """
    if not risk:
        return {}
    paths = {
        "risk_geojson": out / "risk_objects.geojson",
        "risk_png": out / "map_risk.png",
        "reinforce_png": out / "map_reinforce.png",
    }
    for p in paths.values():
        check_not_input(p, inputs)
    layer = risk["_layer"]
    _geojson(layer, paths["risk_geojson"], datum)
    g = glossary(lang)
    base = map_title(layers.meta, lang)
    render_map(
        layers,
        paths["risk_png"],
        inputs=inputs,
        lang=lang,
        overlay=risk_overlay(layer),
        title=f"{base} — {g('risk_layer')}",
    )
    cells = layers.cells.assign(best_min=np.asarray(risk["_third_min"], dtype=np.float64))
    third = dataclasses.replace(layers, cells=cells)
    render_map(
        third,
        paths["reinforce_png"],
        inputs=inputs,
        lang=lang,
        show=("cells", "stations"),
        overlay=risk_overlay(layer, cbar_key="third_arrival_min"),
        title=f"{base} — {g('third_min_label')} ({g('risk_reinforce')})",
    )
    log.info("wrote %s", ", ".join(p.name for p in paths.values()))
    return paths
