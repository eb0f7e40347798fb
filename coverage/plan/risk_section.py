"""The risk-object and reinforcement (增援) section of plan reports (``evaluate --risk``).

:func:`attach_risk` is the hook of ``evaluate``: it loads ``--risk FILE|osm``
(:func:`firecover.analysis.risk_report.load_risk_layer`) and times the objects in every
evaluated year (:func:`firecover.analysis.risk_report.risk_summary`); the result is
``PlanEvaluation.risk`` and the ``risk`` key of ``report.json``. The Markdown section is
:func:`firecover.analysis.risk_report.risk_markdown`.
"""

from __future__ import annotations

import dataclasses
import os

from firecover.analysis.demand import DemandSurface
from firecover.analysis.risk_report import load_risk_layer, risk_summary
from firecover.network.csr import CSRNetwork
from firecover.plan.results import PlanEvaluation

__all__ = ["attach_risk"]


def attach_risk(
    ev: PlanEvaluation,
    net: CSRNetwork,
    demand: DemandSurface,
    risk: str | os.PathLike[str] | None,
    graph_file: str | os.PathLike[str] | None,
) -> PlanEvaluation:
    """``ev`` with its ``risk`` entry (unchanged without ``risk``): the hook of ``evaluate``."""
    if risk is None:
        return ev
    objects, source = load_risk_layer(
        risk, net.crs, graph_file=graph_file, boundary=demand.boundary
    )
    runs = [(yr.year, yr.run) for yr in ev.years]
    return dataclasses.replace(ev, risk=risk_summary(net, runs, demand, objects, source))
