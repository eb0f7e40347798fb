"""The what-if planning page: a local web server on one district (``firecover serve``).

Owns the page (``static/``: HTML, script, style; Leaflet from the vendored package, so it works
offline), its JSON API on Starlette (``server``), a tab's editable copy of the plan with undo /
redo (``session``), the district loaded once and evaluated for any edit (``workspace``), the
"Suggest" button's exact best next site with its search zone (``suggest``), and the files the page
writes (``files``: the plan as a scenario, an evaluation export).

May import: :mod:`firecover.plan` and everything below it.
"""

from __future__ import annotations

from .server import create_app
from .session import PlanState, Session
from .suggest import Suggester
from .workspace import Evaluation, Workspace

__all__ = ["Evaluation", "PlanState", "Session", "Suggester", "Workspace", "create_app"]
