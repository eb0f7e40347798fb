"""firecover.app.server: every endpoint through Starlette's test client, checked against the
engine run directly (firecover.analysis.analyse) and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import shapely.geometry
from click.testing import CliRunner
from starlette.testclient import TestClient

from firecover.analysis.run import analyse
from firecover.app.server import MAX_BODY, create_app
from firecover.app.workspace import Workspace
from firecover.cli.main import cli
from firecover.plan.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.toml"


@pytest.fixture(scope="module")
def client(workspace: Workspace) -> TestClient:
    return TestClient(create_app(workspace, scenario_path=DEMO))


def _new(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/api/sessions", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _post(
    client: TestClient, sid: str, action: str, body: Any = None, status: int = 200
) -> dict[str, Any]:
    r = client.post(f"/api/sessions/{sid}/{action}", json=body if body is not None else {})
    assert r.status_code == status, r.text
    return r.json()


def _inside_point(ws: Workspace, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    c = ws.demand.boundary.representative_point()
    lon, lat = ws.to_wgs84([c.x + dx], [c.y + dy])
    return float(lon[0]), float(lat[0])


def test_page_and_static_files(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "firecover" in r.text and "/static/app.js" in r.text
    for name in ("app.js", "app.css", "leaflet.js", "leaflet.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/secret.txt").status_code == 404
    assert client.get("/favicon.ico").status_code == 204


def test_meta_and_base(client: TestClient, workspace: Workspace) -> None:
    meta = client.get("/api/meta").json()
    assert meta["synthetic"] is True and meta["years"] == workspace.scenario.years
    assert {c["key"] for c in meta["classes"]} >= {"level1", "level2", "small"}
    assert "logistics" not in {c["key"] for c in meta["classes"]}
    assert meta["travel_model"] == workspace.net.travel_model
    assert "travel-time model" in meta["travel_model"]
    w, s, e, n = meta["bounds"]
    assert w < e and s < n
    base = client.get("/api/base").json()
    assert len(base["roads"]["features"]) > 100 and len(base["boundary"]["features"]) == 1


def test_state_matches_the_engine(client: TestClient, workspace: Workspace) -> None:
    state = _new(client)
    sc = workspace.scenario
    specs = sc.stations_in_service(state["year"])
    run = analyse(
        workspace.net,
        specs,
        workspace.demand,
        barriers=workspace.inputs.barriers,
        limits=sc.standards.limits or None,
    )
    assert [r["name"] for r in state["stations"]] == [s.name for s in specs]
    covered = float(
        run.jurisdictions.cells.loc[run.jurisdictions.cells["covered"], "area_km2"].sum()
    )
    assert state["summary"]["covered_km2"] == pytest.approx(covered, abs=1e-3)
    table = run.jurisdictions.stations
    for row, area, check in zip(state["stations"], table["area_km2"], run.checks, strict=True):
        assert row["area_km2"] == pytest.approx(float(area), abs=1e-3)
        assert row["compliant"] == check.compliant
    assert len(state["layers"]["jurisdictions"]["features"]) == len(specs)
    assert len(state["layers"]["service_areas"]["features"]) == len(specs)


def test_add_move_remove_undo_redo(client: TestClient, workspace: Workspace) -> None:
    s0 = _new(client)
    sid = s0["session"]
    lon, lat = _inside_point(workspace, 300.0, -200.0)
    s1 = _post(client, sid, "add", {"lon": lon, "lat": lat, "class": "二级", "name": "试验站"})
    assert [r["name"] for r in s1["stations"]][-1] == "试验站"
    assert len(s1["layers"]["jurisdictions"]["features"]) == len(s0["stations"]) + 1
    before = {r["name"]: r["area_km2"] for r in s0["stations"]}
    after = {r["name"]: r["area_km2"] for r in s1["stations"]}
    shrunk = {c["station"] for c in s1["change"]["shrunk"]}
    assert shrunk == {n for n in before if after[n] < before[n] - 0.005}
    assert shrunk, "a new station inside the district takes ground from a neighbour"
    s2 = _post(client, sid, "move", {"name": "试验站", "lon": lon + 0.004, "lat": lat})
    moved = next(r for r in s2["stations"] if r["name"] == "试验站")
    assert moved["lon"] != next(r for r in s1["stations"] if r["name"] == "试验站")["lon"]
    s3 = _post(client, sid, "remove", {"name": "试验站"})
    assert [r["name"] for r in s3["stations"]] == [r["name"] for r in s0["stations"]]
    assert s3["summary"] == s0["summary"]
    u = _post(client, sid, "undo")
    assert [r["name"] for r in u["stations"]] == [r["name"] for r in s2["stations"]]
    assert u["can_redo"] is True
    r = _post(client, sid, "redo")
    assert r["summary"] == s3["summary"] and r["can_redo"] is False
    _post(client, sid, "redo", status=422)


def test_tabs_do_not_see_each_other(client: TestClient, workspace: Workspace) -> None:
    a, b = _new(client), _new(client)
    name = a["stations"][0]["name"]
    _post(client, a["session"], "remove", {"name": name})
    again = client.get(f"/api/sessions/{b['session']}").json()
    assert [r["name"] for r in again["stations"]] == [r["name"] for r in b["stations"]]


def test_budget_and_year(client: TestClient, workspace: Workspace) -> None:
    s = _new(client)
    sid = s["session"]
    tight = _post(client, sid, "budget", {"driving_min": 1.5})
    assert tight["summary"]["driving_min"] == 1.5
    assert tight["summary"]["covered_share"] < s["summary"]["covered_share"]
    assert tight["change"]["uncovered_km2"] > 0
    first = workspace.scenario.years[0]
    y = _post(client, sid, "year", {"year": first})
    assert y["year"] == first
    assert len(y["stations"]) == len(workspace.scenario.stations_in_service(first))
    for bad in (
        {"driving_min": -4},
        {"driving_min": 0},
        {"driving_min": "fast"},
        {"turnout_min": 99},
    ):
        msg = _post(client, sid, "budget", bad, status=422)["error"]
        assert "driving_min" in msg or "turnout_min" in msg
    _post(client, sid, "year", {"year": 1999}, status=422)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"lon": 500, "lat": 38.7}, 422, "lon must lie"),
        ({"lon": 118.36, "lat": 95}, 422, "lat must lie"),
        ({"lon": "x", "lat": 38.7}, 422, "must be a number"),
        ({"lat": 38.7}, 400, "missing field 'lon'"),
        ({"lon": 118.0, "lat": 38.7}, 422, "extent"),
        ({"lon": None, "lat": 38.76, "class": "一级"}, 422, "must be a number"),
    ],
)
def test_add_refuses_bad_points(
    client: TestClient, body: dict[str, Any], status: int, words: str
) -> None:
    sid = _new(client)["session"]
    msg = _post(client, sid, "add", body, status=status)["error"]
    assert words in msg and "\n" not in msg


def test_add_refuses_bad_class_name_and_outside(client: TestClient, workspace: Workspace) -> None:
    sid = _new(client)["session"]
    lon, lat = _inside_point(workspace)
    assert (
        "class"
        in _post(client, sid, "add", {"lon": lon, "lat": lat, "class": "huge"}, status=422)["error"]
    )
    taken = workspace.scenario.stations[0].name
    assert (
        "exists"
        in _post(client, sid, "add", {"lon": lon, "lat": lat, "name": taken}, status=422)["error"]
    )
    assert (
        "战勤保障"
        in _post(client, sid, "add", {"lon": lon, "lat": lat, "class": "战勤保障"}, status=422)[
            "error"
        ]
    )
    _, _, x1, y1 = workspace.demand.boundary.bounds
    out_lon, out_lat = workspace.to_wgs84([x1 + 50.0], [y1 + 50.0])
    msg = _post(
        client, sid, "check", {"lon": float(out_lon[0]), "lat": float(out_lat[0])}, status=422
    )["error"]
    assert "outside the planning area" in msg or "extent" in msg
    assert _post(client, sid, "check", {"lon": lon, "lat": lat}) == {"ok": True}
    script = "<script>alert(1)</script>"
    s = _post(client, sid, "add", {"lon": lon, "lat": lat, "name": script})
    assert s["stations"][-1]["name"] == script  # text as given; the page writes it as text


def test_bad_requests(client: TestClient) -> None:
    sid = _new(client)["session"]
    assert client.get("/api/sessions/nope").status_code == 404
    assert "reload" in client.post("/api/sessions/nope/undo", json={}).json()["error"]
    r = client.post(
        f"/api/sessions/{sid}/add",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = client.post(f"/api/sessions/{sid}/add", json=[1, 2])
    assert r.status_code == 400 and "JSON object" in r.json()["error"]
    big = {"name": "x" * (MAX_BODY + 10), "lon": 0, "lat": 0}
    r = client.post(f"/api/sessions/{sid}/add", content=json.dumps(big).encode())
    assert r.status_code == 413
    assert client.post("/api/sessions", json={"year": "2024"}).status_code == 400
    assert client.get(f"/api/sessions/{sid}/add").status_code == 405
    assert _post(client, sid, "suggest", {"loss": 2}, status=400)["error"].startswith("loss")


def test_suggest_gain_is_what_adding_the_site_covers(client: TestClient) -> None:
    sid = _new(client)["session"]
    tight = _post(client, sid, "budget", {"driving_min": 2.0})
    assert tight["summary"]["covered_share"] < 1
    r = _post(client, sid, "suggest", {"loss": 0.0})
    assert r["gain_km2"] > 0 and r["zone_candidates"] >= 1
    assert r["zone"]["features"][0]["properties"]["n_candidates"] == r["zone_candidates"]
    wide = _post(client, sid, "suggest", {"loss": 0.5})
    assert wide["zone_candidates"] >= r["zone_candidates"]
    added = _post(client, sid, "add", {"lon": r["lon"], "lat": r["lat"]})
    assert added["change"]["newly_covered_km2"] == pytest.approx(r["gain_km2"], abs=2e-3)
    assert added["change"]["uncovered_km2"] == 0


def test_save_round_trip_and_cli(client: TestClient, workspace: Workspace, tmp_path: Path) -> None:
    s = _new(client)
    sid = s["session"]
    lon, lat = _inside_point(workspace, -250.0, 150.0)
    state = _post(client, sid, "add", {"lon": lon, "lat": lat, "class": "小型站", "name": "新站A"})
    path = tmp_path / "edited.toml"
    assert client.post(f"/api/sessions/{sid}/save", json={"path": str(path)}).json() == {
        "saved": str(path.resolve())
    }
    sc = load_scenario(path)
    assert [x.name for x in sc.stations_in_service(state["year"])] == [
        r["name"] for r in state["stations"]
    ]
    r = client.post(f"/api/sessions/{sid}/save", json={"path": str(path)})
    assert r.status_code == 409 and "confirm" in r.json()["error"]
    assert (
        client.post(
            f"/api/sessions/{sid}/save", json={"path": str(path), "overwrite": True}
        ).status_code
        == 200
    )
    r = client.post(f"/api/sessions/{sid}/save", json={"path": str(tmp_path / "x.txt")})
    assert r.status_code == 422 and ".toml" in r.json()["error"]
    # a refusal whose message merely contains "exists" (here in a folder name) is no conflict
    missing = tmp_path / "exists-here" / "missing" / "x.toml"
    r = client.post(f"/api/sessions/{sid}/save", json={"path": str(missing)})
    assert r.status_code == 422 and "exists-here" in r.json()["error"]
    graph = workspace.scenario.graph.file
    r = client.post(f"/api/sessions/{sid}/save", json={"path": str(graph)})
    assert r.status_code == 422
    r = client.post(f"/api/sessions/{sid}/save", json={"path": str(DEMO)})
    assert r.status_code == 409 and "loaded scenario" in r.json()["error"]
    out = tmp_path / "eval"
    res = CliRunner().invoke(
        cli, ["evaluate", str(path), "--out", str(out), "--no-optimum", "--no-html"]
    )
    assert res.exit_code in (0, 3), res.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    final = next(y for y in report["years"] if y["year"] == state["year"])
    assert final["covered_share"] == pytest.approx(state["summary"]["covered_share"], abs=1e-3)


def test_export_writes_the_evaluate_files(client: TestClient, tmp_path: Path) -> None:
    sid = _new(client)["session"]
    out = tmp_path / "export"
    r = client.post(f"/api/sessions/{sid}/export", json={"out": str(out)})
    assert r.status_code == 200, r.text
    assert (out / "report.json").is_file() and (out / "report.md").is_file()
    r = client.post(f"/api/sessions/{sid}/export", json={"out": str(DEMO.parent)})
    assert r.status_code == 422 and "input" in r.json()["error"]


def test_geojson_is_wgs84(client: TestClient, workspace: Workspace) -> None:
    s = _new(client)
    w, so, e, n = workspace.bounds_wgs84()
    for layer in ("jurisdictions", "service_areas", "stations"):
        for f in s["layers"][layer]["features"]:
            g = shapely.geometry.shape(f["geometry"])
            x0, y0, x1, y1 = g.bounds
            assert w - 0.01 <= x0 <= x1 <= e + 0.01 and so - 0.01 <= y0 <= y1 <= n + 0.01
            assert all(math.isfinite(v) for v in g.bounds)


def test_export_is_one_complete_run(client: TestClient, tmp_path: Path) -> None:
    sid = _new(client)["session"]
    out = tmp_path / "again"
    for _ in range(2):  # the second export replaces the first whole
        assert client.post(f"/api/sessions/{sid}/export", json={"out": str(out)}).status_code == 200
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"] if isinstance(f, dict) else f for f in manifest["files"]}
    assert "report.json" in {Path(x).name for x in listed}
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("a planner's own file", encoding="utf-8")
    r = client.post(f"/api/sessions/{sid}/export", json={"out": str(mine)})
    assert r.status_code == 422 and (mine / "notes.txt").read_text(encoding="utf-8")
