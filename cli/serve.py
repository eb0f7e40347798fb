"""``firecover serve``: the what-if planning page on one district, in the browser."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import click

from firecover._errors import InputFileError
from firecover.cli.options import METRES

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)
log = logging.getLogger("firecover.cli")


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.argument("scenario", type=_FILE)
@click.option(
    "--graph",
    type=_FILE,
    default=None,
    help="Road graph file (overrides the scenario's; for offline use).",
)
@click.option(
    "--boundary",
    type=_FILE,
    default=None,
    help="Planning boundary file (overrides the scenario's).",
)
@click.option("--cell-size", type=METRES, default=None, help="Demand cell metres (100).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but localhost shares the page on the network.",
)
def serve(
    scenario: Path,
    graph: Path | None,
    boundary: Path | None,
    cell_size: float | None,
    port: int,
    host: str,
) -> None:
    """Start the what-if planning page for SCENARIO at http://HOST:PORT/.

    Click to add a station, drag one, remove one, change the budget: each change shows the new
    5-minute areas, jurisdictions, what changed and the standards verdicts. "Suggest" finds the
    best next site and its search zone; "Save as scenario" writes the edited plan as a scenario
    file; "Export" writes what `firecover evaluate` writes. Each browser tab edits its own copy.
    Stop with Ctrl-C.
    """
    import uvicorn

    from firecover.app.server import create_app
    from firecover.app.workspace import Workspace

    if cell_size is not None and not cell_size > 0:
        raise InputFileError(f"--cell-size must be a positive number of metres; got {cell_size}")
    if not _is_local(host):
        click.echo(
            f"Warning: --host {host} shares the page with every computer that can reach this one; "
            "anyone there can edit plans and write files as you.",
            err=True,
        )
    click.echo(f"Loading {scenario} …", err=True)
    ws = Workspace.from_scenario(scenario, graph=graph, boundary=boundary, cell_size_m=cell_size)
    app = create_app(ws, scenario_path=Path(scenario).resolve())
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(f"firecover serve: open http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


COMMANDS: list[click.Command] = [serve]
