"""The local web server of the planning page (Starlette on uvicorn).

Routes (JSON in and out; every error is ``{"error": "<one line>"}`` with a 4xx status):

====================================  ==========================================================
``GET  /``                            the page (Leaflet from the vendored ``xstatic-leaflet``)
``GET  /static/{file}``               the page's script, style sheet and Leaflet
``GET  /api/meta``                    district, classes, years, budget, bounds, labels
``GET  /api/base``                    boundary, roads (arterials on large networks), barriers
``POST /api/sessions``                a new tab's copy of the plan ``{"year"?}``
``GET  /api/sessions/{id}``           its state (stations, verdicts, layers, summary)
``POST /api/sessions/{id}/add``       ``{"lon", "lat", "class"?, "urban_edge"?, "name"?}``
``POST /api/sessions/{id}/move``      ``{"name", "lon", "lat"}``
``POST /api/sessions/{id}/remove``    ``{"name"}``
``POST /api/sessions/{id}/budget``    ``{"driving_min"?, "turnout_min"?}``
``POST /api/sessions/{id}/year``      ``{"year"}``
``POST /api/sessions/{id}/undo``      / ``redo``
``POST /api/sessions/{id}/check``     ``{"lon", "lat"}``: can a station stand there?
``POST /api/sessions/{id}/suggest``   ``{"loss"?}``: best next site and its search zone
``POST /api/sessions/{id}/save``      ``{"path", "overwrite"?}``: the plan as a scenario file
``POST /api/sessions/{id}/export``    ``{"out"}``: what ``firecover evaluate`` writes
====================================  ==========================================================

An edit answers with the new state and ``change``: km² newly covered and no longer covered,
and the stations whose district grew or shrank. Each tab (session) edits its own copy; at most
:data:`MAX_SESSIONS` are kept (the least recently used goes first). Request bodies are limited to
:data:`MAX_BODY` bytes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from firecover._errors import FirecoverError, OutputExistsError
from firecover.app.session import Session
from firecover.app.suggest import Suggester
from firecover.app.workspace import Evaluation, Workspace
from firecover.outputs.webmap import leaflet_assets
from firecover.settings import DEFAULTS

__all__ = ["MAX_BODY", "MAX_SESSIONS", "create_app"]

log = logging.getLogger(__name__)

#: Largest request body accepted (bytes).
MAX_BODY = 16 * 1024
#: Sessions (browser tabs) kept at once.
MAX_SESSIONS = 64
#: Smallest change of a district reported as grown / shrunk (km²).
CHANGE_KM2 = 0.005


class _RefusedError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)


def change(before: Evaluation | None, after: Evaluation, cell_km2: Any) -> dict[str, Any]:
    """What an edit changed: km² newly covered / uncovered and districts grown or shrunk.

    ``cell_km2`` is the area of each demand cell (the order of ``Evaluation.covered``).
    """
    if before is None or before.covered.shape != after.covered.shape:
        return {"newly_covered_km2": None, "uncovered_km2": None, "shrunk": [], "grown": []}
    return {
        "newly_covered_km2": round(float(cell_km2[after.covered & ~before.covered].sum()), 4),
        "uncovered_km2": round(float(cell_km2[before.covered & ~after.covered].sum()), 4),
        "shrunk": _moved(before, after, -1),
        "grown": _moved(before, after, 1),
    }


def _moved(before: Evaluation, after: Evaluation, sign: int) -> list[dict[str, Any]]:
    out = []
    for name, km2 in after.district_km2.items():
        old = before.district_km2.get(name)
        if old is not None and sign * (km2 - old) > CHANGE_KM2:
            out.append({"station": name, "before_km2": round(old, 3), "after_km2": round(km2, 3)})
    return out


class PlanningApp:
    """The state behind the routes: one workspace, many sessions."""

    def __init__(self, workspace: Workspace, *, scenario_path: Path | None = None) -> None:
        self.ws = workspace
        self.suggester = Suggester(workspace)
        self.scenario_path = scenario_path
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._base: dict[str, Any] | None = None
        self.cell_area = workspace.demand.cells["area_km2"].to_numpy(dtype=float)

    # ----------------------------------------------------------------- helpers

    def session(self, sid: str) -> Session:
        with self._lock:
            s = self.sessions.get(sid)
            if s is None:
                raise _RefusedError(404, f"no session {sid!r}; reload the page to start a new one")
            self.sessions.move_to_end(sid)
            s.touched = time.monotonic()
            return s

    def new_session(self, year: Any) -> Session:
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise _RefusedError(400, "year must be a whole number")
        s = Session(self.ws, year)
        with self._lock:
            self.sessions[s.id] = s
            while len(self.sessions) > MAX_SESSIONS:
                self.sessions.popitem(last=False)
        return s

    def state(self, s: Session, before: Evaluation | None = None) -> dict[str, Any]:
        ev = s.evaluate()
        st = s.state
        return {
            "session": s.id,
            "year": st.year,
            "can_undo": s.can_undo,
            "can_redo": s.can_redo,
            **ev.to_json(),
            "change": change(before, ev, self.cell_area),
        }

    def meta(self) -> dict[str, Any]:
        sc = self.ws.scenario
        from firecover.standards.check import load_standards

        std = load_standards(sc.standards.profile)
        classes = [
            {"key": c.key, "zh": c.zh_short, "en": c.en, "limit_km2": c.area_limit_km2}
            for c in std.classes.values()
            if c.district
        ]
        return {
            "name": sc.name,
            "name_zh": sc.name_zh,
            "synthetic": bool(sc.synthetic or self.ws.inputs.synthetic),
            "years": sc.years,
            "first_year": sc.first_year,
            "last_year": sc.last_year,
            "budget": {"turnout_min": sc.budget.turnout_min, "driving_min": sc.budget.driving_min},
            "bounds": self.ws.bounds_wgs84(),
            "classes": classes,
            "boundary_note": self.ws.boundary_note,
            "travel_model": self.ws.travel_model,
            "scenario_path": None if self.scenario_path is None else str(self.scenario_path),
        }

    def base(self) -> dict[str, Any]:
        if self._base is None:
            self._base = self.ws.base_layers()
        return self._base


async def _body(request: Request) -> dict[str, Any]:
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > MAX_BODY):
        raise _RefusedError(413, f"request body over {MAX_BODY} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise _RefusedError(413, f"request body over {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _RefusedError(
            400, f"the request body is not JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict):
        raise _RefusedError(400, "the request body must be a JSON object")
    return data


Handler = Callable[[Request], Any]


def _guard(fn: Callable[..., Any]) -> Handler:
    """Turn refusals and library errors into one-line JSON errors (4xx)."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await fn(request)
        except _RefusedError as exc:
            return _error(exc.status, str(exc))
        except FirecoverError as exc:
            status = 409 if isinstance(exc, OutputExistsError) else 422
            return _error(status, str(exc))
        except Exception as exc:  # a bug: say so in one line, keep the traceback in the log
            log.exception("serve: %s %s failed", request.method, request.url.path)
            return _error(
                500, f"internal error ({type(exc).__name__}): {exc}; this is a bug in firecover"
            )
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


def _static(name: str) -> str:
    return resources.files("firecover.app").joinpath("static", name).read_text(encoding="utf-8")


def create_app(workspace: Workspace, *, scenario_path: Path | None = None) -> Starlette:
    """The Starlette application for ``workspace`` (see the module notes for the routes)."""
    from starlette.concurrency import run_in_threadpool

    app_state = PlanningApp(workspace, scenario_path=scenario_path)
    js, css = leaflet_assets()
    files = {
        "leaflet.js": (js, "text/javascript"),
        "leaflet.css": (css, "text/css"),
        "app.js": (_static("app.js"), "text/javascript"),
        "app.css": (_static("app.css"), "text/css"),
    }
    page = _static("index.html")

    async def index(request: Request) -> Response:
        return HTMLResponse(page)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in files:
            return _error(404, f"no file {name!r}")
        text, kind = files[name]
        return Response(text, media_type=kind)

    async def meta(request: Request) -> Any:
        return app_state.meta()

    async def base(request: Request) -> Any:
        return await run_in_threadpool(app_state.base)

    async def create(request: Request) -> Any:
        data = await _body(request)
        s = app_state.new_session(data.get("year"))
        return await run_in_threadpool(app_state.state, s)

    async def get_state(request: Request) -> Any:
        s = app_state.session(request.path_params["sid"])
        return await run_in_threadpool(app_state.state, s)

    def edit(action: Callable[[Session, dict[str, Any]], Any]) -> Handler:
        async def handler(request: Request) -> Any:
            s = app_state.session(request.path_params["sid"])
            data = await _body(request)

            def work() -> Any:
                with s.lock:
                    before = s.evaluate()
                    action(s, data)
                    try:
                        return app_state.state(s, before)
                    except FirecoverError:
                        s.drop_last()  # an edit the engine refuses is not kept
                        raise

            return await run_in_threadpool(work)

        return handler

    def _req(data: dict[str, Any], key: str) -> Any:
        if key not in data:
            raise _RefusedError(400, f"missing field {key!r}")
        return data[key]

    async def check(request: Request) -> Any:
        s = app_state.session(request.path_params["sid"])
        data = await _body(request)
        await run_in_threadpool(s.check_position, _req(data, "lon"), _req(data, "lat"))
        return {"ok": True}

    async def suggest(request: Request) -> Any:
        s = app_state.session(request.path_params["sid"])
        data = await _body(request)
        loss = data.get("loss", DEFAULTS.zone_loss)
        if isinstance(loss, bool) or not isinstance(loss, int | float) or not 0 <= loss < 1:
            raise _RefusedError(400, "loss must be a number in [0, 1), e.g. 0.01 for 1 %")

        def work() -> Any:
            st = s.state
            return app_state.suggester.suggest(
                s.evaluate(), st.turnout_min, st.driving_min, float(loss)
            )

        return await run_in_threadpool(work)

    async def save(request: Request) -> Any:
        s = app_state.session(request.path_params["sid"])
        data = await _body(request)
        from firecover.app.files import save_scenario

        path = await run_in_threadpool(
            save_scenario, app_state, s, _req(data, "path"), bool(data.get("overwrite", False))
        )
        return {"saved": str(path)}

    async def export(request: Request) -> Any:
        s = app_state.session(request.path_params["sid"])
        data = await _body(request)
        from firecover.app.files import export_run

        paths = await run_in_threadpool(export_run, app_state, s, _req(data, "out"))
        return {"written": sorted(str(p) for p in paths)}

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", index),
        Route("/favicon.ico", favicon),
        Route("/static/{name}", static),
        Route("/api/meta", _guard(meta)),
        Route("/api/base", _guard(base)),
        Route("/api/sessions", _guard(create), methods=["POST"]),
        Route("/api/sessions/{sid}", _guard(get_state)),
        Route("/api/sessions/{sid}/check", _guard(check), methods=["POST"]),
        Route("/api/sessions/{sid}/suggest", _guard(suggest), methods=["POST"]),
        Route("/api/sessions/{sid}/save", _guard(save), methods=["POST"]),
        Route("/api/sessions/{sid}/export", _guard(export), methods=["POST"]),
    ]
    actions: dict[str, Callable[[Session, dict[str, Any]], Any]] = {
        "add": lambda s, d: s.add(
            _req(d, "lon"),
            _req(d, "lat"),
            d.get("class", "一级"),
            urban_edge=d.get("urban_edge", False),
            name=d.get("name"),
        ),
        "move": lambda s, d: s.move(_req(d, "name"), _req(d, "lon"), _req(d, "lat")),
        "remove": lambda s, d: s.remove(_req(d, "name")),
        "budget": lambda s, d: s.set_budget(d.get("driving_min"), d.get("turnout_min")),
        "year": lambda s, d: s.set_year(_req(d, "year")),
        "undo": lambda s, d: s.undo(),
        "redo": lambda s, d: s.redo(),
    }
    for name, action in actions.items():
        routes.append(
            Route(f"/api/sessions/{{sid}}/{name}", _guard(edit(action)), methods=["POST"])
        )
    app = Starlette(routes=routes)
    app.state.planning = app_state
    return app
