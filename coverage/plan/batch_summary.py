"""The results of a batch run: one :class:`ScenarioOutcome` per scenario, the :class:`BatchResult`,
and the cross-district summary (a table, ``summary.csv``, ``.md`` and ``.json``)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from firecover._io import atomic_path, check_not_input, write_text_atomic
from firecover._version import __version__
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.outputs.text import markdown_safe

__all__ = [
    "BatchResult",
    "ScenarioOutcome",
    "summary_json",
    "summary_markdown",
    "summary_table",
    "write_summary",
]

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


@dataclass(frozen=True)
class ScenarioOutcome:
    """What one scenario of a batch produced (small and picklable; sent back by the worker).

    Attributes
    ----------
    scenario : str
        The scenario's name (its file stem if the file could not be read).
    path, out : str
        Absolute paths of the scenario file and of its output folder.
    ok : bool
        The evaluation ran and its outputs were written (whether or not the plan complies).
    error, error_type : str or None
        The one-line error message and the exception class name of a failed scenario.
    internal : bool
        The failure was not a :class:`~firecover.FirecoverError` (a bug; see ``detail``).
    detail : str or None
        The traceback of an internal error.
    name_zh : str or None
    synthetic : bool or None
    year : int or None
        The final evaluated year.
    area_km2, covered_share : float or None
        Planning area and the share covered within budget in the final year.
    stations : int or None
        Stations in service in the final year.
    noncompliant : tuple of str
        Stations failing the standard in the final year.
    compliant : bool or None
    min_new_for_compliance : int or None
        From the optimum comparison (``None`` without it).
    seconds : float
        Wall time of the task on its worker.
    """

    scenario: str
    path: str
    out: str
    ok: bool
    error: str | None = None
    error_type: str | None = None
    internal: bool = False
    detail: str | None = None
    name_zh: str | None = None
    synthetic: bool | None = None
    year: int | None = None
    area_km2: float | None = None
    covered_share: float | None = None
    stations: int | None = None
    noncompliant: tuple[str, ...] = ()
    compliant: bool | None = None
    min_new_for_compliance: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class BatchResult:
    """The outcome of :func:`run_batch`: one :class:`ScenarioOutcome` per scenario, in input order.

    Attributes
    ----------
    outcomes : list of ScenarioOutcome
    out_dir : Path
    scheduler : str
        The scheduler address used, or ``"local (N workers)"``.
    seconds : float
        Wall time of the whole batch.
    paths : dict of str to Path
        The summary files (``csv``, ``md``, ``json``).
    """

    outcomes: list[ScenarioOutcome]
    out_dir: Path
    scheduler: str
    seconds: float
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[ScenarioOutcome]:
        """The scenarios that did not run to the end."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        """Whether every scenario ran (some plans may still be non-compliant)."""
        return not self.failed

    def table(self) -> pd.DataFrame:
        """One row per scenario: area, stations, coverage, non-compliant stations, error."""
        return summary_table(self.outcomes)


# --------------------------------------------------------------------------- worker side


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
    """The bilingual Markdown summary across the scenarios of a batch.

    Names are escaped (:func:`~firecover.outputs.text.markdown_safe`).
    """
    return markdown_safe(_summary_markdown(result))


def _summary_markdown(result: BatchResult) -> str:
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
