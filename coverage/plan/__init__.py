"""Station plans: the scenario format, year-by-year evaluation, the optimum, batches.

Owns scenario files (``scenarios/*.toml``: graph and boundary sources, budget, standards,
stations with their years and build types), evaluating a plan for every year its station set
changes (marginal gains, the standards check), the comparison with the optimum, plan reports
(``report.json`` contract, ``report.md``), the ``evaluate`` / ``check`` files, the demo run, and
many scenarios at once on Dask.

May import: :mod:`firecover.site` and everything below it.
"""

from __future__ import annotations

from .atlas_files import write_atlas
from .batch import output_folders, run_batch
from .batch_summary import BatchResult, ScenarioOutcome
from .demo_run import run_demo
from .evaluate import evaluate_plan
from .files import check_scenario, evaluate_scenario, write_evaluation
from .optimum import plan_optimum
from .report import plan_json, plan_markdown, plan_report
from .results import PlanEvaluation, StationGain, YearResult
from .risk_section import attach_risk
from .scenario import (
    BoundarySource,
    BudgetSpec,
    GraphSource,
    LayersSpec,
    Scenario,
    StandardsSpec,
    default_scenario_path,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "BatchResult",
    "BoundarySource",
    "BudgetSpec",
    "GraphSource",
    "LayersSpec",
    "PlanEvaluation",
    "Scenario",
    "ScenarioOutcome",
    "StandardsSpec",
    "StationGain",
    "YearResult",
    "attach_risk",
    "check_scenario",
    "default_scenario_path",
    "evaluate_plan",
    "evaluate_scenario",
    "load_scenario",
    "output_folders",
    "parse_scenario",
    "plan_json",
    "plan_markdown",
    "plan_optimum",
    "plan_report",
    "run_batch",
    "run_demo",
    "write_atlas",
    "write_evaluation",
]
