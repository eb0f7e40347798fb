"""Batch evaluation: many scenarios (districts) at once on a Dask cluster.

Each scenario file is one independent task: a worker runs
:func:`firecover.plan.files.evaluate_scenario` on it and writes exactly what
``firecover evaluate`` writes into ``out_dir/<scenario stem>/`` (a repeated stem gets ``-2``,
``-3``, ... in input order). The worker sends back only a small :class:`ScenarioOutcome`; a
scenario that fails is reported with its one-line error and does not stop the others. A summary
across districts is written as ``summary.csv`` (UTF-8 with BOM, for Excel), ``summary.md``
(bilingual) and ``summary.json``.

Where the tasks run
-------------------
By default a :class:`distributed.LocalCluster` of worker *processes* (one thread each, no
dashboard) is started for the batch and closed afterwards. To spread a batch over machines,
start a scheduler and workers yourself and pass its address::

    dask scheduler                          # on one machine; listens on tcp://HOST:8786
    dask worker tcp://HOST:8786 --nthreads 1   # on each machine (firecover installed)

    firecover batch a.toml b.toml --out results --scheduler tcp://HOST:8786

Every worker must have firecover installed and see the scenario files, their road graphs and
boundaries, and the output folder at the same absolute paths (a shared file system): the
client sends absolute paths and the workers write the outputs themselves. A script that calls
:func:`run_batch` with the default local cluster must guard its entry point with
``if __name__ == "__main__":`` (worker processes are spawned and re-import the main module).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firecover._errors import BatchError, FirecoverError, ScenarioError
from firecover._schema import check_period, check_value
from firecover.outputs.run_folder import RunFolder
from firecover.outputs.webmap_tiles import TileSource
from firecover.plan.batch_summary import BatchResult, ScenarioOutcome

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["BatchResult", "ScenarioOutcome", "output_folders", "run_batch", "run_scenario_task"]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]
Progress = Callable[[str], None]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _failure(path: str, out: str, exc: BaseException, seconds: float,
             internal: bool | None = None) -> ScenarioOutcome:  # fmt: skip
    if internal is None:
        internal = not isinstance(exc, FirecoverError)
    detail = "".join(traceback.format_exception(exc)) if internal else None
    return ScenarioOutcome(Path(path).stem, path, out, False, error=_one_line(exc),
                           error_type=type(exc).__name__, internal=internal, detail=detail,
                           seconds=seconds)  # fmt: skip


def run_scenario_task(
    path: str, out: str, options: dict[str, Any], travel: dict[str, Any] | None = None
) -> ScenarioOutcome:
    """Evaluate one scenario into ``out`` (the Dask task; runs on a worker).

    ``options`` are keyword arguments of :func:`~firecover.plan.files.evaluate_scenario`;
    ``travel`` is a :meth:`~firecover.network.travel_scope.TravelScope.as_dict` (speeds, period,
    turns), applied here because context variables do not cross into worker processes.
    Every exception is caught and returned as a failed :class:`ScenarioOutcome`.
    """
    start = time.perf_counter()
    try:
        from firecover.network.travel_scope import TravelScope
        from firecover.plan.files import evaluate_scenario

        with TravelScope(**(travel or {})).applied():
            ev, _ = evaluate_scenario(path, out, **options)
    except Exception as exc:
        log.debug("scenario %s failed", path, exc_info=True)
        return _failure(path, out, exc, time.perf_counter() - start)
    final = ev.final
    s = final.run.summary
    opt = ev.optimum or {}
    return ScenarioOutcome(
        ev.scenario.name, path, out, True, name_zh=ev.scenario.name_zh,
        synthetic=bool(ev.synthetic), year=int(final.year), area_km2=float(s.area_km2),
        covered_share=float(s.covered_share), stations=len(final.stations),
        noncompliant=tuple(c.name for c in final.run.checks if not c.compliant),
        compliant=bool(ev.compliant), min_new_for_compliance=opt.get("min_new_for_compliance"),
        seconds=time.perf_counter() - start,
    )  # fmt: skip


# --------------------------------------------------------------------------- client side


def output_folders(scenarios: Sequence[Path], out_dir: Path) -> list[Path]:
    """``out_dir/<stem>`` per scenario; repeated stems get ``-2``, ``-3``, ... in input order.

    Names are compared case-insensitively so the folders stay distinct on any file system.
    """
    taken: set[str] = set()
    out = []
    for p in scenarios:
        name, k = p.stem, 1
        while name.casefold() in taken:
            k += 1
            name = f"{p.stem}-{k}"
        taken.add(name.casefold())
        out.append(out_dir / name)
    return out


@contextlib.contextmanager
def _client(scheduler: str | None, n_workers: int) -> Iterator[tuple[Client, str]]:
    """A client on ``scheduler``, or on a private local cluster closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"cannot connect to the Dask scheduler at {scheduler} "
                             f"({_one_line(exc)}); start one with `dask scheduler` or omit "
                             "--scheduler to use local worker processes") from exc  # fmt: skip
        with client:
            yield client, scheduler
        return
    with (
        LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                     dashboard_address=None, silence_logs=logging.ERROR) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):  # fmt: skip
        yield client, f"local ({n_workers} workers)"


def _collect(client: Client, futures: list[Future], tasks: list[tuple[str, str]],
             progress: Progress | None) -> list[ScenarioOutcome]:  # fmt: skip
    """Wait for every task; a task that errored on the cluster becomes a failed outcome."""
    from distributed import as_completed

    index = {f.key: i for i, f in enumerate(futures)}
    outcomes: list[ScenarioOutcome | None] = [None] * len(futures)
    for fut in as_completed(futures, loop=client.loop):
        i = index[fut.key]
        if fut.status == "error":  # the worker died or the task could not run there
            res = _failure(*tasks[i], fut.exception(), 0.0, internal=True)
        else:
            res = fut.result()
        outcomes[i] = res
        if progress is not None:
            state = "done" if res.ok else f"FAILED ({res.error_type}: {res.error})"
            progress(f"{Path(res.out).name}: {state} in {res.seconds:.1f} s")
    return [o for o in outcomes if o is not None]


def run_batch(
    scenarios: Sequence[PathLike],
    out_dir: PathLike,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    graph: PathLike | None = None,
    optimum: bool = True,
    cell_size_m: float | None = None,
    time_limit: float | None = None,
    html: bool = True,
    progress: Progress | None = None,
    tiles: TileSource | None = None,
    speeds: str | None = None,
    period: str | None = None,
    turns: str | None = None,
) -> BatchResult:
    """Evaluate several scenario files in parallel on Dask and write a summary across them.

    Parameters
    ----------
    scenarios : sequence of path
        Scenario ``.toml`` files; each is one task.
    out_dir : path
        Outputs go to ``out_dir/<stem>/`` (see :func:`output_folders`) plus
        ``summary.csv``, ``summary.md`` and ``summary.json``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a local cluster of
        ``n_workers`` processes started for this batch (see the module notes).
    n_workers : int, optional
        Local workers; default ``min(len(scenarios), CPU count)``. Ignored with ``scheduler``.
    graph : path, optional
        Road graph file used for every scenario instead of its own.
    optimum, cell_size_m, time_limit, html, tiles
        As for ``firecover evaluate`` (``tiles``: the HTML maps' basemap, default none).
    progress : callable, optional
        Called with a one-line message as each scenario finishes.
    speeds, period, turns : str, optional
        Speed profile, time-of-day period and turn mode (``auto|on|off``) for every scenario,
        as ``--speeds`` / ``--period`` / ``--turns``; default: the choice in force
        (:func:`~firecover.network.periods.use_travel`,
        :func:`~firecover.network.turns.use_turns`), else each scenario's own
        (``[scenario.graph] period``).

    Returns
    -------
    BatchResult
        Failed scenarios are reported in it (and in the summary), never raised.

    Raises
    ------
    ScenarioError
        No scenario given.
    BatchError
        The scheduler cannot be reached.
    """
    from firecover.network.travel_scope import TravelScope
    from firecover.plan.batch_summary import write_summary

    paths = [Path(p).resolve() for p in scenarios]
    if not paths:
        raise ScenarioError("no scenario file given; pass at least one .toml file")
    out = Path(out_dir).resolve()
    check_value(time_limit, "positive_seconds", "time_limit")
    check_value(cell_size_m, "positive_metres", "cell_size_m")
    if period is not None:
        check_period(period, "period")
    travel = TravelScope.current(speeds, period, turns).as_dict()
    inputs = [*paths] + ([] if graph is None else [Path(graph)])
    # the per-scenario folders are built inside the batch's own staging folder and swapped in
    # with it: OUT is the previous complete batch or this one
    with RunFolder(out, inputs=inputs, extra={"kind": "batch"}) as rf:
        folders = output_folders(paths, rf.staging)
        tasks = [(str(p), str(f)) for p, f in zip(paths, folders, strict=True)]
        options = {"graph": None if graph is None else str(Path(graph).resolve()),
                   "optimum": optimum, "cell_size_m": cell_size_m, "time_limit": time_limit,
                   "html": html, "tiles": tiles}  # fmt: skip
        n = n_workers if n_workers is not None else min(len(paths), os.cpu_count() or 1)
        start = time.perf_counter()
        with _client(scheduler, max(1, n)) as (client, where):
            log.info("batch of %d scenarios on %s", len(tasks), where)
            futures = [client.submit(run_scenario_task, p, f, options, travel, pure=False,
                                     key=f"firecover-{Path(f).name}-{uuid.uuid4().hex[:8]}")
                       for p, f in tasks]  # fmt: skip
            outcomes = _collect(client, futures, tasks, progress)
        outcomes = [dataclasses.replace(o, out=str(out / Path(o.out).name)) for o in outcomes]
        staged = BatchResult(outcomes, rf.staging, where, time.perf_counter() - start)
        written = write_summary(staged, inputs=inputs)
    result = BatchResult(outcomes, out, where, staged.seconds)
    return dataclasses.replace(result, paths=rf.final_paths(written))
