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
from firecover.outputs.run_folder import RunFolder

__all__ = ["calibrate_files", "profile_toml"]

PathLike = str | os.PathLike[str]


#: What each rejection reason means, for calibration.md (keys as in calibration.json).
REASONS = {
    "unknown_station": "站名不在站点文件中 station not in the station file",
    "far_from_road": "到场点远离道路（坐标有误）point far from any road (wrong coordinates)",
    "times_out_of_order": "到场早于出车 arrival not after departure",
    "unreachable": "路网不可达 not reachable on the network",
    "faster_than_network": "快于路网极限（非本站出动或坐标有误）faster than the network allows "
    "(engine not from this station, or wrong coordinates)",
    "far_above": "远慢于预测 far slower than predicted (3× and 120 s over)",
    "residual": "残差过大 residual beyond 5 robust standard deviations",
}


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


def calibration_markdown(doc: dict[str, Any]) -> str:
    """``calibration.md``: what was fitted, how well, and what was rejected."""

    def s(d: dict[str, Any]) -> str:
        return f"median {d['median']} s, p90 {d['p90']} s"

    out = [
        "# 车速标定 Speed calibration from response records\n",
        f"> {doc['travel_model']}\n",
        f"Records 记录: {doc['records']} — used 采用 {doc['records_used']}, rejected 剔除 "
        f"{doc['records_rejected']}; {doc['iterations']} route → fit rounds "
        f"({'converged 收敛' if doc['converged'] else 'NOT converged 未收敛'}).\n",
        "## 各等级道路车速 Speeds per road class\n",
        "| class 道路等级 | before 标定前 km/h | fitted 标定 km/h | 95 % interval 置信区间 "
        "| km driven 行驶里程 |",
        "|---|---:|---:|---|---:|",
    ]
    for c, prior in doc["prior_kph"].items():
        if c in doc["speeds_kph"]:
            lo, hi = doc["ci95_kph"][c]
            ci = f"{lo if lo is not None else '—'} – {hi if hi is not None else '∞'}"
            fitted = f"{doc['speeds_kph'][c]}"
        else:
            ci, fitted = "kept (too little driving) 数据不足，沿用", "—"
        out.append(f"| {c} | {prior} | {fitted} | {ci} | {doc['class_km'].get(c, 0)} |")
    e, h = doc["error_s"], doc["holdout"]["error_s"]
    out += [
        "",
        "## 误差 Predicted vs recorded driving time (absolute error)\n",
        "Driving time 行车时间 = arrived 到场 − departed 出车 "
        "(or − dispatched 调派 − turnout 出动).\n",
        f"- used records 采用记录: before {s(e['before'])}; after {s(e['after'])}",
        f"- held-out records 留出检验 ({doc['holdout']['n']}, fitted without them): "
        f"before {s(h['before'])}; after {s(h['after'])}",
        "",
    ]
    if doc["rejected"]:
        out += [
            "## 剔除的记录 Rejected records\n",
            "| row 行 | station 站 | reason 原因 |",
            "|---:|---|---|",
        ]
        out += [
            f"| {r['row']} | {r['station']} | {r['reason']}: {REASONS[r['reason']]} |"
            for r in doc["rejected"]
        ]
        out.append("")
    out.append("Use the profile 使用: `--speeds speeds.toml` with any command.\n")
    return "\n".join(out)


def calibrate_files(
    graph: PathLike,
    stations: PathLike,
    records: PathLike,
    out: PathLike,
    *,
    min_class_km: float = 1.0,
    turnout_min: float | None = None,
) -> dict[str, Path]:
    """Fit speeds to a records file and write the calibration run folder.

    Nothing is written when the records cannot be read or fitted (the error names the row).

    Returns
    -------
    dict
        ``profile``, ``json``, ``md`` → final paths.
    """
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
        write_text_atomic(paths["md"], calibration_markdown(doc))
    return rf.final_paths(paths)
