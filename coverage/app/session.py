"""One planner's copy of the plan on the page: edits, undo / redo, and the edited scenario.

A :class:`Session` belongs to one browser tab. Its :class:`PlanState` is the whole plan (every
station of the scenario, all years), the year shown and the budget; an edit (add, move, remove a
station, change the budget or the year) makes a new state, so undo and redo walk a list of
states. Edits are validated like any input: coordinates in range and inside the planning area,
a station within reach of a road, a known class, a unique name.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import uuid
from typing import Any

from firecover._errors import InputFileError, ScenarioError
from firecover.analysis.station_spec import StationSpec, name_key
from firecover.app.workspace import Evaluation, Workspace
from firecover.network.snapping import snap_stations
from firecover.plan.scenario import BudgetSpec, Scenario
from firecover.standards.check import station_class

__all__ = ["PlanState", "Session"]

#: States kept for undo.
MAX_HISTORY = 200
#: Longest station name accepted from the page.
MAX_NAME = 60
SOURCE_ADDED = "added on the firecover serve page (WGS-84, snapped to the nearest road)"


@dataclasses.dataclass(frozen=True)
class PlanState:
    """The whole edited plan, the year shown and the budget (minutes)."""

    stations: tuple[StationSpec, ...]
    year: int | None
    turnout_min: float
    driving_min: float


def _number(value: Any, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputFileError(f"{what} must be a number, not {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or not low <= v <= high:
        raise InputFileError(f"{what} must lie in {low:g}…{high:g}; got {value!r}")
    return v


class Session:
    """A tab's plan on top of a shared :class:`Workspace` (see the module notes)."""

    def __init__(self, workspace: Workspace, year: int | None = None) -> None:
        self.id = uuid.uuid4().hex
        self.ws = workspace
        sc = workspace.scenario
        years = sc.years
        if (
            year is not None
            and years
            and year not in range(years[0], (sc.last_year or years[-1]) + 1)
        ):
            raise ScenarioError(f"year {year} is outside the plan ({years[0]}–{sc.last_year})")
        start = PlanState(
            sc.stations,
            year if year is not None else (years[-1] if years else None),
            sc.budget.turnout_min,
            sc.budget.driving_min,
        )
        self._states = [start]
        self._pos = 0
        self.lock = threading.Lock()
        self.touched = time.monotonic()

    # ----------------------------------------------------------------- state

    @property
    def state(self) -> PlanState:
        """The current state."""
        return self._states[self._pos]

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return self._pos > 0

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return self._pos < len(self._states) - 1

    def scenario(self) -> Scenario:
        """The edited plan as a scenario (stations, budget)."""
        st = self.state
        return dataclasses.replace(
            self.ws.scenario,
            stations=st.stations,
            budget=BudgetSpec(turnout_min=st.turnout_min, driving_min=st.driving_min),
        )

    def in_service(self) -> list[StationSpec]:
        """The stations in service in the year shown."""
        return self.scenario().stations_in_service(self.state.year)

    def evaluate(self) -> Evaluation:
        """The current state evaluated (cached by the workspace)."""
        st = self.state
        return self.ws.evaluate(self.in_service(), st.turnout_min, st.driving_min)

    def _push(self, state: PlanState) -> None:
        del self._states[self._pos + 1 :]
        self._states.append(state)
        if len(self._states) > MAX_HISTORY:
            del self._states[0]
        self._pos = len(self._states) - 1

    def drop_last(self) -> None:
        """Forget the current state (an edit the engine refused) and go back one."""
        if self.can_undo:
            del self._states[self._pos :]
            self._pos -= 1

    def undo(self) -> None:
        """Go back one edit."""
        if not self.can_undo:
            raise InputFileError("nothing to undo")
        self._pos -= 1

    def redo(self) -> None:
        """Redo the last undone edit."""
        if not self.can_redo:
            raise InputFileError("nothing to redo")
        self._pos += 1

    # ----------------------------------------------------------------- edits

    def _find(self, name: Any) -> int:
        if not isinstance(name, str):
            raise InputFileError("give the station's name as text")
        live = {name_key(s.name) for s in self.in_service()}
        for i, s in enumerate(self.state.stations):
            if name_key(s.name) == name_key(name) and name_key(s.name) in live:
                return i
        raise InputFileError(f"no station named {name!r} is in service in {self.state.year}")

    def _position(self, lon: Any, lat: Any) -> tuple[float, float]:
        lon_v = _number(lon, "lon", -180.0, 180.0)
        lat_v = _number(lat, "lat", -90.0, 90.0)
        x, y = self.ws.snap_check(lon_v, lat_v)
        snap_stations(self.ws.net, [x], [y], ["the new position"])  # raises SnapError if far
        return lon_v, lat_v

    def add(
        self,
        lon: Any,
        lat: Any,
        class_name: Any = "一级",
        *,
        urban_edge: Any = False,
        name: Any = None,
    ) -> StationSpec:
        """Add a proposed station in the year shown; returns it."""
        if not isinstance(class_name, str) or not class_name.strip():
            raise InputFileError("give the station class as text, e.g. 一级 or level1")
        cls = station_class(class_name.strip())
        if not cls.district:
            raise InputFileError("a 战勤保障 station has no district; add it in the scenario file")
        lon_v, lat_v = self._position(lon, lat)
        taken = {name_key(s.name) for s in self.state.stations}
        if name is None or (isinstance(name, str) and not name.strip()):
            n = 1
            while name_key(f"新站{n}") in taken:
                n += 1
            label = f"新站{n}"
        elif isinstance(name, str):
            label = " ".join(name.split())
            if len(label) > MAX_NAME:
                raise InputFileError(f"a station name has at most {MAX_NAME} characters")
            if name_key(label) in taken:
                raise InputFileError(f"a station named {label!r} exists; choose another name")
        else:
            raise InputFileError("give the station's name as text")
        st = self.state
        year = st.year if st.year is not None else self.ws.scenario.last_year
        spec = StationSpec(
            name=label,
            class_name=class_name.strip(),
            class_key=cls.key,
            status="proposed",
            lon=lon_v,
            lat=lat_v,
            source=SOURCE_ADDED,
            year=year,
            build_type="new",
            urban_edge=bool(urban_edge),
            datum="wgs84",
            index=max((s.index for s in st.stations), default=0) + 1,
        )
        self._push(dataclasses.replace(st, stations=(*st.stations, spec)))
        return spec

    def move(self, name: Any, lon: Any, lat: Any) -> StationSpec:
        """Move a station in service to a new position (WGS-84); returns it."""
        i = self._find(name)
        lon_v, lat_v = self._position(lon, lat)
        st = self.state
        old = st.stations[i]
        source = old.source
        if not source.startswith("moved on the firecover serve page"):
            source = (
                f"moved on the firecover serve page from ({old.lon:.6f}, {old.lat:.6f}, "
                f"{old.datum}); was: {old.source}"
            )
        new = dataclasses.replace(old, lon=lon_v, lat=lat_v, datum="wgs84", source=source)
        stations = (*st.stations[:i], new, *st.stations[i + 1 :])
        self._push(dataclasses.replace(st, stations=stations))
        return new

    def remove(self, name: Any) -> StationSpec:
        """Take a station in service out of the plan; returns it."""
        i = self._find(name)
        st = self.state
        gone = st.stations[i]
        rest: list[StationSpec] = []
        for s in (*st.stations[:i], *st.stations[i + 1 :]):
            if s.replaces is not None and name_key(s.replaces) == name_key(gone.name):
                s = dataclasses.replace(s, replaces=None, build_type="new")
            rest.append(s)
        if not [s for s in rest if station_class(s.class_key).district]:
            raise InputFileError("the plan needs at least one station with a district")
        self._push(dataclasses.replace(st, stations=tuple(rest)))
        return gone

    def set_budget(self, driving_min: Any = None, turnout_min: Any = None) -> None:
        """Change the response budget (minutes)."""
        st = self.state
        d = st.driving_min if driving_min is None else _number(driving_min, "driving_min", 0.1, 60)
        t = st.turnout_min if turnout_min is None else _number(turnout_min, "turnout_min", 0, 30)
        self._push(dataclasses.replace(st, driving_min=d, turnout_min=t))

    def set_year(self, year: Any) -> None:
        """Show another year of the plan."""
        sc = self.ws.scenario
        first, last = sc.first_year, sc.last_year
        if first is None or last is None:
            raise InputFileError("this plan has no years")
        y = int(_number(year, "year", first, last))
        if y != year:
            raise InputFileError(f"year must be a whole year in {first}–{last}")
        self._push(dataclasses.replace(self.state, year=y))

    def check_position(self, lon: Any, lat: Any) -> None:
        """Raise when a point cannot take a station (outside the area or far from roads)."""
        self._position(lon, lat)
