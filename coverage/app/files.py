"""Files the planning page writes: the edited plan as a scenario, and an evaluation export."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firecover._errors import FirecoverError, OutputError, OutputExistsError
from firecover._io import check_not_input, write_text_atomic
from firecover.app.session import Session
from firecover.outputs.run_folder import RunFolder
from firecover.plan.evaluate import evaluate_plan
from firecover.plan.files import write_evaluation
from firecover.plan.scenario import load_scenario
from firecover.plan.scenario_writer import scenario_toml

if TYPE_CHECKING:
    from firecover.app.server import PlanningApp

__all__ = ["export_run", "save_scenario"]

log = logging.getLogger(__name__)


def _inputs(app: PlanningApp) -> list[Path]:
    ws = app.ws
    sc = ws.scenario
    paths = [app.scenario_path, ws.graph_file, ws.boundary_file, sc.graph.file, sc.boundary.file]
    return [Path(p) for p in paths if p is not None]


def _path(value: Any, what: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise OutputError(f"give the {what} as a path on this computer")
    return Path(os.path.expanduser(value.strip())).resolve()


def save_scenario(app: PlanningApp, session: Session, path: Any, overwrite: bool = False) -> Path:
    """Write the session's plan as a scenario file at ``path`` and check it reads back.

    Never over an input other than the loaded scenario, and over an existing file (the loaded
    scenario included) only with ``overwrite`` — the page asks first.
    """
    p = _path(path, "scenario file")
    if p.suffix.lower() != ".toml":
        raise OutputError(f"a scenario file ends in .toml, not {p.name!r}")
    if not p.parent.is_dir():
        raise OutputError(f"folder {p.parent} does not exist; create it or choose another path")
    loaded = None if app.scenario_path is None else Path(app.scenario_path).resolve()
    check_not_input(p, [q for q in _inputs(app) if q.resolve() != loaded])
    if p.exists() and not overwrite:
        which = "the loaded scenario" if p == loaded else "a file"
        raise OutputExistsError(f"{p} exists ({which}); confirm to overwrite it")
    ws = app.ws
    text = scenario_toml(
        session.scenario(),
        graph_file=ws.graph_file,
        boundary_file=ws.boundary_file,
        note=f"Edited on the firecover serve page from {loaded or ws.scenario.name}.",
    )
    with tempfile.TemporaryDirectory() as tmp:  # check it reads back before it lands
        probe = Path(tmp) / p.name
        probe.write_text(text, encoding="utf-8")
        try:
            load_scenario(probe)
        except FirecoverError as exc:
            raise OutputError(f"the edited plan would not read back ({exc}); not saved") from exc
    write_text_atomic(p, text)
    log.info("serve: saved the plan to %s", p)
    return p


def export_run(app: PlanningApp, session: Session, out: Any) -> list[Path]:
    """Evaluate the session's plan year by year (without the optimum) and write what
    ``firecover evaluate`` writes into the folder ``out``."""
    folder = _path(out, "output folder")
    inputs = tuple(_inputs(app))
    for q in inputs:
        if q.resolve() == folder or folder in q.resolve().parents:
            raise OutputError(f"{folder} holds an input ({q.name}); choose another output folder")
    ws = app.ws
    ev = evaluate_plan(
        session.scenario(),
        ws.net,
        ws.demand,
        barriers=ws.inputs.barriers,
        synthetic=ws.inputs.synthetic,
        optimum=False,
        boundary_note=ws.boundary_note,
    )
    # like `firecover evaluate`: the folder holds one complete run or the previous one
    with RunFolder(folder, inputs=inputs, extra={"kind": "serve-export"}) as rf:
        paths = write_evaluation(ev, rf.staging, inputs=tuple(rf.inputs))
    return list(rf.final_paths(paths).values())
