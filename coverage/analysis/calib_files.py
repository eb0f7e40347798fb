"""``firecover calibrate`` from files: read, fit, and write the run folder.

The folder holds ``speeds.toml`` (the base speed profile with the fitted class speeds, usable as
``--speeds FILE`` by every routing command), ``calibration.json`` (keys ``speeds_kph``,
``ci95_kph``, ``prior_kph``, ``kept_prior``, ``records_used``, ``records_rejected``,
``rejected``, ``error_s`` {``before``, ``after``} × {``median``, ``p90``}, ``holdout``,
``iterations``, ``converged``, ``travel_model``) and ``calibration.md``, all through one
:class:`~firecover.outputs.run_folder.RunFolder`: bad records leave the folder as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path
from typing import Any

from firecover._io import write_text_atomic
from firecover.analysis.calib_records import read_records
from firecover.analysis.calibrate import CalibrationResult, calibrate_speeds
from firecover.analysis.files import load_inputs
from firecover.analysis.run import place_stations
from firecover.analysis.stations import read_stations_file
from firecover.network.periods import current_travel, travel_model_line
from firecover.network.speeds import SpeedProfile, load_profile
from firecover.outputs.glossary import check_lang, glossary
from firecover.outputs.run_folder import RunFolder
from firecover.outputs.text import markdown_safe

__all__ = ["calibrate_files", "profile_toml"]

PathLike = str | os.PathLike[str]


def _num(x: float, nd: int = 3) -> float | None:
    return round(x, nd) if math.isfinite(x) else None


def calibration_doc(res: CalibrationResult, *, records: Path, model: str) -> dict[str, Any]:
    """The ``calibration.json`` document."""
    return {
        "records": records.name,
        "speeds_kph": {c: round(v, 2) for c, v in res.speeds_kph.items()},
        "ci95_kph": {c: [_num(a, 2), _num(b, 2)] for c, (a, b) in res.ci_kph.items()},
        "prior_kph": {c: round(v, 2) for c, v in res.prior_kph.items()},
        "kept_prior": res.kept_prior,
        "class_km": {c: round(v, 2) for c, v in res.class_km.items()},
        "records_used": res.records_used,
        "records_rejected": res.records_rejected,
        "rejected": res.rejected,
        "error_s": {k: {s: _num(v) for s, v in d.items()} for k, d in res.error_s.items()},
        "holdout": {"n": res.holdout_n, "error_s": {
            k: {s: _num(v) for s, v in d.items()} for k, d in res.holdout_error_s.items()}},
        "iterations": res.iterations,
        "converged": res.converged,
        "travel_model": model,
    }  # fmt: skip


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v))
    return json.dumps(str(v), ensure_ascii=False)


def profile_toml(base: SpeedProfile, speeds: dict[str, float], calibration: str) -> str:
    """A speed-profile TOML: ``base`` with ``speeds`` (km/h) replacing its class speeds."""
    merged = {**dict(base.speeds_kph), **{c: round(v, 2) for c, v in speeds.items()}}
    cap = max(base.cap_kph, *merged.values())
    lines = [
        "# Written by firecover calibrate: per-class speeds fitted to response records;",
        "# classes the records did not drive enough keep the base profile's speeds.",
        f"name = {_toml_value(base.name + '_calibrated')}",
        f"description = {_toml_value('calibrated from ' + calibration)}",
        f"calibration = {_toml_value(calibration)}",
        f"default_kph = {_toml_value(base.default_kph)}",
        f"cap_kph = {_toml_value(cap)}",
        f"honour_maxspeed = {_toml_value(base.honour_maxspeed)}",
        "",
        "[speeds_kph]",
        *(f"{c} = {_toml_value(v)}" for c, v in merged.items()),
    ]
    if base.reference_mix:
        lines += ["", "[reference_mix]",
                  *(f"{c} = {_toml_value(v)}" for c, v in base.reference_mix.items())]  # fmt: skip
    if base.aliases:
        aliases = (f"{_toml_value(k)} = {_toml_value(v)}" for k, v in base.aliases.items())
        lines += ["", "[aliases]", *aliases]
    for name, p in base.periods.items():
        lines += ["", f"[periods.{name}]", f"description = {_toml_value(p.description)}",
                  f"hours = {_toml_value(p.hours)}", f"factor = {_toml_value(p.factor)}",
                  *(f"{c} = {_toml_value(v)}" for c, v in p.factors.items())]  # fmt: skip
    return "\n".join(lines) + "\n"


def calibration_markdown(doc: dict[str, Any], lang: str = "both") -> str:
    """``calibration.md`` in ``lang`` (glossary ``[calibration]``): fit, errors, rejections."""
    g = glossary(lang)

    def stats(d: dict[str, Any]) -> str:
        return g("calib_stats", median=d["median"], p90=d["p90"])

    state = g("calib_converged") if doc["converged"] else g("calib_not_converged")
    out = [
        f"# {g('calib_title')}\n",
        f"> {doc['travel_model']}\n",
        g("calib_records", file=doc["records"], used=doc["records_used"],
          rejected=doc["records_rejected"], rounds=doc["iterations"], state=state) + "\n",
        f"## {g('calib_speeds')}\n",
        "| " + " | ".join(g(k) for k in ("calib_class", "calib_before", "calib_fitted", "calib_ci",
                                        "calib_km")) + " |",
        "|---|---:|---:|---|---:|",
    ]  # fmt: skip
    for c, prior in doc["prior_kph"].items():
        if c in doc["speeds_kph"]:
            lo, hi = doc["ci95_kph"][c]
            ci = f"{lo if lo is not None else '—'} – {hi if hi is not None else '∞'}"
            fitted = f"{doc['speeds_kph'][c]}"
        else:
            ci, fitted = g("calib_kept"), "—"
        out.append(f"| {c} | {prior} | {fitted} | {ci} | {doc['class_km'].get(c, 0)} |")
    e, h = doc["error_s"], doc["holdout"]["error_s"]
    out += [
        "",
        f"## {g('calib_errors')}\n",
        g("calib_driving") + "\n",
        "- " + g("calib_used", before=stats(e["before"]), after=stats(e["after"])),
        "- " + g("calib_holdout", n=doc["holdout"]["n"], before=stats(h["before"]),
                 after=stats(h["after"])),
        "",
    ]  # fmt: skip
    if doc["rejected"]:
        out += [f"## {g('calib_rejected')}\n",
                f"| {g('calib_row')} | {g('calib_station')} | {g('calib_reason')} |",
                "|---:|---|---|"]  # fmt: skip
        out += [f"| {r['row']} | {r['station']} | {r['reason']}: {g('reason_' + r['reason'])} |"
                for r in doc["rejected"]]  # fmt: skip
        out.append("")
    out.append(g("calib_use") + "\n")
    return markdown_safe("\n".join(out))


def calibrate_files(
    graph: PathLike,
    stations: PathLike,
    records: PathLike,
    out: PathLike,
    *,
    min_class_km: float = 1.0,
    turnout_min: float | None = None,
    lang: str | None = None,
) -> dict[str, Path]:
    """Fit speeds to a records file and write the calibration run folder.

    Nothing is written when the records cannot be read or fitted (the error names the row).

    Returns
    -------
    dict
        ``profile``, ``json``, ``md`` → final paths.
    """
    lang = check_lang(lang) if lang is not None else "both"
    recs = read_records(records, turnout_min=turnout_min)
    specs = read_stations_file(stations)
    with RunFolder(out, inputs=[graph, stations, records]) as rf:
        inp = load_inputs(graph)
        snapped = place_stations(inp.net, specs)
        res = calibrate_speeds(inp.net, snapped, [s.name for s in specs], recs,
                               min_class_km=min_class_km)  # fmt: skip
        attrs = inp.graph.graph
        base = load_profile(current_travel().speeds or attrs.get("speed_profile") or None)
        stamp = dt.date.today().isoformat()
        source = f"{recs.path.name} ({res.records_used} records, {stamp})"
        model = travel_model_line(attrs.get("speed_profile"), attrs.get("period") or None,
                                  attrs.get("speed_calibration") or None)  # fmt: skip
        doc = calibration_doc(res, records=recs.path, model=model)
        paths = {"profile": rf.staging / "speeds.toml", "json": rf.staging / "calibration.json",
                 "md": rf.staging / "calibration.md"}  # fmt: skip
        write_text_atomic(paths["profile"], profile_toml(base, res.speeds_kph, source))
        write_text_atomic(paths["json"], json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        write_text_atomic(paths["md"], calibration_markdown(doc, lang))
    return rf.final_paths(paths)
