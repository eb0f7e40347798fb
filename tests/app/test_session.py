"""firecover.app.session: edits, undo / redo and the edited scenario, on the demo district."""

from __future__ import annotations

import pytest

from firecover._errors import FirecoverError, SnapError, StationClassError
from firecover.app.session import MAX_HISTORY, Session
from firecover.app.workspace import Workspace


def _point(ws: Workspace, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    c = ws.demand.boundary.representative_point()
    lon, lat = ws.to_wgs84([c.x + dx], [c.y + dy])
    return float(lon[0]), float(lat[0])


def test_starts_from_the_final_year_of_the_plan(workspace: Workspace) -> None:
    s = Session(workspace)
    sc = workspace.scenario
    assert s.state.year == sc.years[-1]
    assert s.in_service() == sc.stations_in_service(sc.years[-1])
    assert not s.can_undo and not s.can_redo


def test_add_names_and_classes(workspace: Workspace) -> None:
    s = Session(workspace)
    lon, lat = _point(workspace)
    a = s.add(lon, lat)
    b = s.add(lon, lat, "小型站", urban_edge=True)
    assert (a.name, b.name) == ("新站1", "新站2")
    assert a.class_key == "level1" and b.class_key == "small" and b.urban_edge
    assert a.status == "proposed" and a.year == s.state.year and a.datum == "wgs84"
    assert s.in_service()[-2:] == [a, b]
    with pytest.raises(StationClassError):
        s.add(lon, lat, "nonsense")
    with pytest.raises(FirecoverError, match="exists"):
        s.add(lon, lat, name="新站1")
    with pytest.raises(FirecoverError, match="at most"):
        s.add(lon, lat, name="x" * 61)


def test_move_keeps_where_it_came_from(workspace: Workspace) -> None:
    s = Session(workspace)
    first = s.in_service()[0]
    lon, lat = _point(workspace, 100.0, 100.0)
    moved = s.move(first.name, lon, lat)
    assert (moved.lon, moved.lat, moved.datum) == (lon, lat, "wgs84")
    assert (
        moved.source.startswith("moved on the firecover serve page")
        and first.source in moved.source
    )
    again = s.move(first.name, lon, lat)
    assert again.source.count("moved on the firecover serve page") == 1
    with pytest.raises(FirecoverError, match="no station named"):
        s.move("nobody", lon, lat)


def test_remove_clears_a_relocation_of_the_removed_station(workspace: Workspace) -> None:
    s = Session(workspace)
    live = s.in_service()
    s.remove(live[0].name)
    assert [x.name for x in s.in_service()] == [x.name for x in live[1:]]
    for st in s.state.stations:
        assert st.replaces is None or st.replaces != live[0].name
    while len([x for x in s.in_service() if x.class_key != "logistics"]) > 1:
        s.remove(s.in_service()[0].name)
    with pytest.raises(FirecoverError, match="at least one station"):
        s.remove(s.in_service()[0].name)


def test_undo_redo_and_history_limit(workspace: Workspace) -> None:
    s = Session(workspace)
    start = s.state
    s.set_budget(driving_min=3.0)
    s.set_budget(turnout_min=0.5)
    assert (s.state.driving_min, s.state.turnout_min) == (3.0, 0.5)
    s.undo()
    assert (s.state.driving_min, s.state.turnout_min) == (3.0, start.turnout_min)
    s.undo()
    assert s.state == start
    with pytest.raises(FirecoverError, match="nothing to undo"):
        s.undo()
    s.redo()
    s.set_budget(driving_min=2.0)  # a new edit drops the redo branch
    assert not s.can_redo
    for i in range(MAX_HISTORY + 5):
        s.set_budget(driving_min=1.0 + (i % 3))
    assert len(s._states) == MAX_HISTORY


def test_positions_are_checked(workspace: Workspace) -> None:
    s = Session(workspace)
    _, y0, x1, y1 = workspace.demand.boundary.bounds
    lon, lat = workspace.to_wgs84([x1 + 30.0], [(y0 + y1) / 2])
    with pytest.raises(FirecoverError, match=r"outside|extent"):
        s.check_position(float(lon[0]), float(lat[0]))
    for bad in (float("nan"), True, "1"):
        with pytest.raises(FirecoverError, match=r"number|lie in"):
            s.check_position(bad, 38.76)
    s.check_position(*_point(workspace))


def test_far_from_roads_is_refused(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Session(workspace)
    import firecover.app.session as session_module

    real = session_module.snap_stations

    def strict(net, x, y, names, **kw):  # type: ignore[no-untyped-def]
        return real(net, x, y, names, max_m=0.001)

    monkeypatch.setattr(session_module, "snap_stations", strict)
    lon, lat = _point(workspace, 37.0, 41.0)
    with pytest.raises(SnapError):
        s.add(lon, lat)
    assert not s.can_undo  # nothing was added


def test_evaluations_are_cached_by_plan(workspace: Workspace) -> None:
    s = Session(workspace)
    a = s.evaluate()
    s.set_budget(driving_min=3.0)
    b = s.evaluate()
    s.undo()
    assert s.evaluate() is a and b is not a


def test_tabs_asking_for_one_plan_at_once_share_one_evaluation(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    s = Session(workspace)
    s.set_budget(driving_min=3.25)  # a plan no other test evaluates
    calls = []
    real = workspace._evaluate

    def counted(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(workspace, "_evaluate", counted)
    results = []
    threads = [threading.Thread(target=lambda: results.append(s.evaluate())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(r is results[0] for r in results)


def test_a_drag_builds_only_the_moved_station_s_area(workspace: Workspace) -> None:
    s = Session(workspace)
    s.set_budget(driving_min=3.75)  # a budget no other test uses: a cold cache for it
    s.evaluate()
    cache = workspace._area_cache
    built = cache.builds
    first = s.in_service()[0]
    s.move(first.name, *_point(workspace, -120.0, 80.0))
    s.evaluate()
    assert cache.builds == built + 1
