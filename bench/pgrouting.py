"""A throw-away PostgreSQL + pgRouting cluster for the peer benchmark (run on demand).

:func:`cluster` runs ``initdb`` in a temporary folder, starts ``postgres`` listening on a Unix
socket in that folder only (no TCP), creates the ``pgrouting`` extension and stops and removes
everything on exit. As root it runs the server as the ``postgres`` system user (``runuser``),
since PostgreSQL refuses to run as root. Needs Debian's ``postgresql-15-pgrouting`` (or the
version apt offers) and ``psycopg`` (PyPI).
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding ``initdb``, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))  # fmt: skip
    return Path(found[-1]).parent if found else None


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def cluster() -> Iterator[Any]:
    """A connected psycopg connection to a fresh local cluster with pgRouting."""
    import psycopg

    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL not found; apt-get install postgresql-15-pgrouting")
    root = Path(tempfile.mkdtemp(prefix="firecover-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    log = root / "server.log"
    started = False
    try:
        subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                                        "-U", "postgres", "--no-sync"]),
                       check=True, capture_output=True)  # fmt: skip
        opts = f"-k {sock} -c listen_addresses='' -c fsync=off -c work_mem=1GB"
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                                        "-o", opts, "-w", "start"]),
                       check=True, capture_output=True)  # fmt: skip
        started = True
        conn = psycopg.connect(host=str(sock), user="postgres", dbname="postgres",
                               autocommit=True)  # fmt: skip
        try:
            conn.execute("CREATE EXTENSION pgrouting CASCADE")
            yield conn
        finally:
            conn.close()
    finally:
        if started:
            subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                                            "fast", "-w", "stop"]),
                           check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def version(conn: Any) -> str:
    """pgRouting and PostgreSQL versions."""
    pgr = conn.execute("SELECT pgr_version()").fetchone()[0]
    pg = conn.execute("SHOW server_version").fetchone()[0]
    return f"pgRouting {pgr} on PostgreSQL {pg.split()[0]}"


def load_edges(conn: Any, eu: np.ndarray, ev: np.ndarray, cost: np.ndarray) -> None:
    """Table ``edges(id, source, target, cost)``: one row per directed edge (one-way as is)."""
    conn.execute("DROP TABLE IF EXISTS edges")
    conn.execute("CREATE TABLE edges (id bigint, source bigint, target bigint, "
                 "cost double precision)")  # fmt: skip
    with conn.cursor() as cur, cur.copy("COPY edges FROM STDIN") as cp:
        for k in range(eu.size):
            cp.write_row((k + 1, int(eu[k]), int(ev[k]), float(cost[k])))
    conn.execute("ANALYZE edges")


_EDGES_SQL = "SELECT id, source, target, cost FROM edges"


def _start_column(conn: Any) -> str:
    """The start-node column of multi-source pgr_drivingDistance (from_v before 3.6)."""
    cur = conn.execute("SELECT * FROM pgr_drivingDistance(%s, ARRAY[0]::bigint[], 0.0, "
                       "directed => true) LIMIT 0", (_EDGES_SQL,))  # fmt: skip
    names = [d.name for d in cur.description]
    return "start_vid" if "start_vid" in names else "from_v"


def driving_distance_count(conn: Any, starts: np.ndarray, limit: float) -> int:
    """Run ``pgr_drivingDistance`` from all ``starts`` at once; count the rows (timed part)."""
    sql = ("SELECT count(*) FROM pgr_drivingDistance(%s, %s::bigint[], %s, directed => true, "
           "equicost => false)")  # fmt: skip
    return int(conn.execute(sql, (_EDGES_SQL, [int(s) for s in starts], limit)).fetchone()[0])


def driving_distance(
    conn: Any, starts: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (start, node, agg_cost) rows of ``pgr_drivingDistance`` (for the check, untimed)."""
    col = _start_column(conn)
    sql = (f"COPY (SELECT {col}, node, agg_cost FROM pgr_drivingDistance("
           f"'{_EDGES_SQL}', ARRAY[{','.join(str(int(s)) for s in starts)}]::bigint[], "
           f"{float(limit)!r}, directed => true, equicost => false)) TO STDOUT")  # fmt: skip
    chunks = []
    with conn.cursor() as cur, cur.copy(sql) as cp:
        for block in cp:
            chunks.append(bytes(block))
    text = b"".join(chunks)
    if not text:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    df = pd.read_csv(io.BytesIO(text), sep="\t", header=None, dtype=np.float64)
    return df[0].to_numpy(np.int64), df[1].to_numpy(np.int64), df[2].to_numpy(np.float64)
