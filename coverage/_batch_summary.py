"""The cross-district summary of a batch run: a table, ``summary.csv``, ``.md`` and ``.json``."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._io import atomic_path, check_not_input, write_text_atomic
from ._version import __version__
from .outputs import SYNTHETIC_LABEL

if TYPE_CHECKING:
    from .batch import BatchResult, ScenarioOutcome

__all__ = ["summary_json", "summary_markdown", "summary_table", "write_summary"]

#: Table columns and their bilingual Markdown headers.
COLUMNS: dict[str, str] = {
    "scenario": "情景 Scenario",
    "folder": "目录 Folder",
    "ok": "完成 Ran",
    "year": "年份 Year",
    "area_km2": "面积 Area km²",
    "stations": "站数 Stations",
    "covered_share": "覆盖率 Covered share",
    "noncompliant": "不达标数 Non-compliant",
    "noncompliant_names": "不达标站 Non-compliant stations",
    "min_new_for_compliance": "达标最少新增 Fewest new for compliance",
    "error": "错误 Error",
    "seconds": "用时 Seconds",
}
_NUMERIC = {"year", "area_km2", "stations", "covered_share", "noncompliant",
            "min_new_for_compliance", "seconds"}  # fmt: skip


def _error_text(o: ScenarioOutcome) -> str:
    if o.ok:
        return ""
    kind = f"internal error ({o.error_type})" if o.internal else o.error_type
    return f"{kind}: {o.error}"


def _row(o: ScenarioOutcome) -> dict[str, Any]:
    return {
        "scenario": o.scenario,
        "folder": Path(o.out).name,
        "ok": o.ok,
        "year": o.year,
        "area_km2": o.area_km2,
        "stations": o.stations,
        "covered_share": o.covered_share,
        "noncompliant": len(o.noncompliant) if o.ok else None,
        "noncompliant_names": "; ".join(o.noncompliant),
        "min_new_for_compliance": o.min_new_for_compliance,
        "error": _error_text(o),
        "seconds": round(o.seconds, 2),
    }


def summary_table(outcomes: Sequence[ScenarioOutcome]) -> pd.DataFrame:
    """One row per scenario (columns: :data:`COLUMNS`); counts are nullable integers."""
    df = pd.DataFrame([_row(o) for o in outcomes], columns=list(COLUMNS))
    for col in ("year", "stations", "noncompliant", "min_new_for_compliance"):
        df[col] = df[col].astype("Int64")
    for col in ("area_km2", "covered_share", "seconds"):
        df[col] = df[col].astype("float64")
    return df


def _cell(col: str, value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if col == "ok":
        return "是 yes" if value else "否 FAILED"
    if col == "covered_share":
        return format(value, ".1%")
    if col == "area_km2":
        return format(value, ".2f")
    if col == "seconds":
        return format(value, ".1f")
    return str(value).replace("|", "\\|") or "—"


def summary_markdown(result: BatchResult) -> str:
    """The bilingual Markdown summary across the scenarios of a batch."""
    df = result.table()
    n_fail = len(result.failed)
    out = ["# 批量评估汇总 Batch evaluation summary\n"]
    if any(o.synthetic for o in result.outcomes):
        out.append(f"> **{SYNTHETIC_LABEL}** — some scenarios describe invented data.\n")
    out += [
        f"{len(df)} scenarios 情景, {len(df) - n_fail} ran 完成, {n_fail} failed 失败; "
        f"Dask: {result.scheduler}; {result.seconds:.1f} s. Each scenario's full report is in "
        "its folder (report.md, report.json).\n",
        "| " + " | ".join(COLUMNS.values()) + " |",
        "|" + "|".join("---:" if c in _NUMERIC else "---" for c in COLUMNS) + "|",
    ]
    for rec in df.to_dict("records"):
        out.append("| " + " | ".join(_cell(c, rec[c]) for c in COLUMNS) + " |")
    out += ["", f"_firecover {__version__}_", ""]
    return "\n".join(out)


def _jsonable(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else x


def summary_json(result: BatchResult) -> str:
    """``summary.json``: the batch settings and every :class:`ScenarioOutcome` field."""
    outcomes = [dataclasses.asdict(o) for o in result.outcomes]
    doc = {
        "scheduler": result.scheduler,
        "seconds": round(result.seconds, 3),
        "scenarios": len(result.outcomes),
        "failed": len(result.failed),
        "outcomes": [{k: _jsonable(v) for k, v in d.items()} for d in outcomes],
        "firecover_version": __version__,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_summary(result: BatchResult, *, inputs: Iterable[Path] = ()) -> dict[str, Path]:
    """Write ``summary.csv`` (UTF-8 with BOM), ``summary.md`` and ``summary.json`` atomically."""
    out = result.out_dir
    paths = {"csv": out / "summary.csv", "md": out / "summary.md", "json": out / "summary.json"}
    inputs = list(inputs)
    for p in paths.values():
        check_not_input(p, inputs)
    with atomic_path(paths["csv"]) as tmp:
        result.table().to_csv(tmp, index=False, encoding="utf-8-sig")
    write_text_atomic(paths["md"], summary_markdown(result))
    write_text_atomic(paths["json"], summary_json(result))
    return paths
