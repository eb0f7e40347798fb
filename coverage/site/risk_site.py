"""``site --risk``: risk-class demand weights, hard class requirements and 增援 in the MILP.

With ``--risk FILE|osm`` the demand cells' weights are multiplied by the largest class
``weight`` of the risk objects in each cell (:func:`firecover.analysis.risk.risk_cell_multiplier`;
weights per class in ``data/risk_rules.toml``). ``--require CLASS`` (repeatable, or ``all``)
makes every object of the class a hard constraint: at least one open site of the class's
``required_station`` (any site when the class names none; new sites have ``--new-class``)
reaches it within its ``required_min``. ``--require-reinforce`` adds, for every object whose
class has a reinforcement standard, ``reinforce_stations`` open sites within
``reinforce_min`` (k-coverage). The model is :func:`firecover.siting.requirements.required_cover`:
``--model mclp --p N`` maximises the covered weight under the requirements; ``--model lscp``
finds the fewest new sites that meet them (then the most covered weight).

Times are minutes from the dispatch order: a site reaches an object when
``turnout + driving <= required``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from firecover._errors import DataFormatError
from firecover.analysis.reinforce import risk_targets
from firecover.analysis.risk import risk_cell_multiplier
from firecover.analysis.risk_classes import load_risk_classes
from firecover.analysis.risk_files import write_risk_files
from firecover.analysis.risk_report import load_risk_layer, risk_markdown, risk_summary
from firecover.analysis.run import place_stations
from firecover.network.csr import CSRNetwork
from firecover.network.snapping import Snapped
from firecover.outputs.glossary import glossary
from firecover.site.problem import SiteProblem, SitingRun
from firecover.siting.requirements import Requirement
from firecover.traveltime.search import bounded_matrix

__all__ = [
    "REQUIRE_MODELS",
    "check_risk_options",
    "requirement_builder",
    "weighted_demand",
    "write_site_risk",
]

log = logging.getLogger(__name__)

#: Siting models that take the hard requirements.
REQUIRE_MODELS = ("lscp", "mclp")


def check_risk_options(risk: Any, require: Sequence[str], reinforce: bool, model: str) -> None:
    """Refuse requirements without ``--risk`` or with a model that cannot take them."""
    if (require or reinforce) and risk is None:
        raise DataFormatError("--require / --require-reinforce need risk objects: give --risk")
    if (require or reinforce) and model not in REQUIRE_MODELS:
        raise DataFormatError(
            f"--require / --require-reinforce work with --model lscp or mclp, not {model}"
        )


def weighted_demand(demand: Any, objects: gpd.GeoDataFrame) -> Any:
    """``demand`` with each cell's weight × the largest risk-class weight in it."""
    cells = demand.cells
    mult = risk_cell_multiplier(cells.geometry.to_numpy(), objects)
    w = cells["weight"].to_numpy(np.float64) * mult
    log.info("risk weights: %d cell(s) weighted up by risk objects", int((mult > 1).sum()))
    return dataclasses.replace(demand, cells=cells.assign(weight=w))


def _classes_required(objects: gpd.GeoDataFrame, require: Sequence[str]) -> np.ndarray:
    if any(str(r).strip().lower() == "all" for r in require):
        return np.ones(len(objects), dtype=bool)
    rc = load_risk_classes()
    keys = {rc.resolve(r).key for r in require}
    missing = keys - set(objects["risk_class"])
    if missing:
        raise DataFormatError(
            f"--require {', '.join(sorted(missing))}: no risk object of that class; check "
            f"the class name (classes present: {', '.join(sorted(set(objects['risk_class'])))})"
        )
    return objects["risk_class"].isin(keys).to_numpy()


def _reach(
    seconds: sp.csr_array, rows: np.ndarray, limit_s: np.ndarray, allowed: np.ndarray
) -> sp.csr_array:
    """Objects (``rows``) × sites: reached within the row's limit by an allowed site."""
    m = sp.csr_array(seconds[rows])
    r = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    keep = (m.data <= limit_s[r] + 1e-9) & allowed[r, m.indices]
    out = sp.csr_array(
        (np.ones(int(keep.sum()), dtype=bool), (r[keep], m.indices[keep])), shape=m.shape
    )
    return out


def requirement_builder(
    net: CSRNetwork, objects: gpd.GeoDataFrame, require: Sequence[str], reinforce: bool
) -> Callable[[SiteProblem], list[Requirement]]:
    """The hook :func:`firecover.site.problem.site_stations` calls with the built problem."""
    required = _classes_required(objects, require) if require else np.zeros(len(objects), bool)
    k = objects["reinforce_stations"].to_numpy(np.int64)
    boosted = (k > 0) if reinforce else np.zeros(len(objects), bool)
    names = [str(n) for n in objects["name"]]

    def build(problem: SiteProblem) -> list[Requirement]:
        if not (required.any() or boosted.any()):
            return []
        fixed = place_stations(net, problem.existing) if problem.existing else Snapped.empty()
        sites = Snapped.concat([fixed, problem.candidates.snapped])
        site_cls = np.array(
            [s.class_key for s in problem.existing] + [problem.new_class] * len(problem.candidates),
            dtype=object,
        )
        turnout = problem.turnout_min
        req_s = 60.0 * (objects["required_min"].to_numpy(np.float64) - turnout)
        rf_s = 60.0 * (objects["reinforce_min"].to_numpy(np.float64) - turnout)
        limit = float(max(req_s[required].max(initial=0), rf_s[boosted].max(initial=0)))
        targets = risk_targets(net, objects)
        seconds = sp.csr_array(bounded_matrix(net, sites, limit, targets=targets).T.tocsr())
        out = []
        if required.any():
            need = objects["required_station"].to_numpy(object)
            allowed = (need[:, None] == "") | (need[:, None] == site_cls[None, :])
            rows = np.flatnonzero(required)
            reach = _reach(seconds, rows, req_s[rows], allowed[rows])
            out.append(
                Requirement(
                    reach,
                    np.ones(rows.size, np.int64),
                    [names[i] for i in rows],
                    "required response time",
                )
            )
        if boosted.any():
            rows = np.flatnonzero(boosted)
            anyone = np.ones((rows.size, len(site_cls)), dtype=bool)
            reach = _reach(seconds, rows, rf_s[rows], anyone)
            out.append(Requirement(reach, k[rows], [names[i] for i in rows], "reinforcement 增援"))
        log.info(
            "risk requirements: %d object(s) covered, %d with reinforcement",
            int(required.sum()),
            int(boosted.sum()),
        )
        return out

    return build


def load_site_risk(
    risk: str, crs: str, graph: str | Path, boundary: Any
) -> tuple[gpd.GeoDataFrame, str]:
    """The risk objects of ``site --risk`` (``osm``: from the ``--graph`` file)."""
    return load_risk_layer(risk, crs, graph_file=graph, boundary=boundary)


def write_site_risk(
    srun: SitingRun,
    net: CSRNetwork,
    objects: gpd.GeoDataFrame,
    source: str,
    out: Path,
    *,
    inputs: tuple[Path, ...],
    lang: str,
    datum: str,
) -> dict[str, Path]:
    """``risk.json`` / ``risk.md`` (before → after the new sites) and the risk files."""
    import json

    from firecover._io import check_not_input, write_text_atomic

    runs: list[tuple[Any, Any]] = [("after 选址后", srun.run)]
    if srun.baseline is not None:
        runs.insert(0, ("before 选址前", srun.baseline))
    risk = risk_summary(net, runs, srun.problem.demand, objects, source) | {"run_label": "risk_run"}
    paths = {"risk_json": out / "risk.json", "risk_md": out / "risk.md"}
    for p in paths.values():
        check_not_input(p, inputs)
    public = {k: v for k, v in risk.items() if not k.startswith("_")}
    text = json.dumps(public, ensure_ascii=False, indent=2, allow_nan=False)
    write_text_atomic(paths["risk_json"], text + "\n")
    g = glossary(lang)
    write_text_atomic(paths["risk_md"], "\n".join(risk_markdown(risk, g)) + "\n")
    paths |= write_risk_files(risk, srun.run.layers, out, inputs=inputs, lang=lang, datum=datum)
    return paths
