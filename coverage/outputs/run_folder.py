"""Run folders: an output folder holds one complete run, or is left as it was.

:class:`RunFolder` is the context manager every command that writes a folder goes through::

    with RunFolder(out, inputs=[graph, stations]) as rf:
        ...                                   # compute; nothing written yet
        write_run(run, rf.staging)            # every output goes into the staging folder
    paths = rf.final_paths(paths)             # where the files are now

1. **Checks first.** Before anything is written it refuses (:class:`~firecover.OutputError`,
   exit 7) a target that is an input or contains an input, a target that is a file, a target
   holding files that are not a previous firecover run (no ``manifest.json``, or files the
   manifest does not list: the user's own files are never deleted), and a target another run is
   writing (an exclusive ``fcntl`` lock on ``.<name>.firecover-lock`` beside it).
2. **Staging.** Outputs are written into ``.<name>.firecover-staging-<pid>-<rand>`` beside the
   target; ``manifest.json`` (files, sizes, sha256, firecover version, the inputs' sha256, the
   command line) is written last.
3. **Swap.** The staging folder and the old target are exchanged in one atomic step (Linux
   ``renameat2(RENAME_EXCHANGE)``; elsewhere the old target is first renamed to
   ``.<name>.firecover-old-<pid>-<rand>``), then the old run is removed. A failure or a kill
   at any point leaves the previous complete run (or nothing) at the target; the next run
   into the same target restores or removes what a dead run left (leftovers exist only while
   their run holds the lock, so holding it proves them dead).

:func:`verify_run_folder` checks a folder against its manifest.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import logging
import os
import secrets
import shlex
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from firecover._errors import FirecoverError, OutputError
from firecover._io import WRITE_ERRNOS, fault_point, output_error, write_text_atomic
from firecover._version import __version__

__all__ = ["MANIFEST", "RunFolder", "file_sha256", "verify_run_folder"]

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]

#: Name of the manifest every complete run folder carries.
MANIFEST = "manifest.json"
#: Marker in the names of staging, old and lock entries beside a target.
MARK = ".firecover-"


def file_sha256(path: PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _manifest_files(folder: Path) -> set[str] | None:
    """Relative paths a folder's manifest lists, or ``None`` when it has no readable manifest."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(f["path"]) for f in data["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def verify_run_folder(folder: PathLike) -> list[str]:
    """Problems of a run folder against its ``manifest.json`` (empty list: it verifies).

    Every listed file must exist with its size and SHA-256, and no unlisted file may be there.
    """
    root = Path(folder)
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        listed = {str(f["path"]): f for f in data["files"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"no readable {MANIFEST} in {root} ({type(exc).__name__})"]
    problems = []
    for rel, entry in sorted(listed.items()):
        p = root / rel
        if not p.is_file():
            problems.append(f"missing {rel}")
        elif p.stat().st_size != entry.get("size") or file_sha256(p) != entry.get("sha256"):
            problems.append(f"changed {rel}")
    for p in _files(root):
        rel = p.relative_to(root).as_posix()
        if rel != MANIFEST and rel not in listed:
            problems.append(f"unlisted {rel}")
    return problems


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); ``False`` if the
    system cannot (then the caller renames in two steps, and a later run repairs a crash
    between them)."""
    if not sys.platform.startswith("linux") or os.environ.get("FIRECOVER_NO_EXCHANGE"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


class RunFolder:
    """Write one run into ``target`` all at once (see the module notes).

    Parameters
    ----------
    target : path
        The output folder.
    inputs : iterable of path
        The run's input files: none may be the target or inside it; their SHA-256 go into the
        manifest.
    command : str, optional
        The command line recorded in the manifest (default: this process's ``sys.argv``).
    extra : mapping, optional
        More manifest keys (e.g. ``{"kind": "evaluate"}``).

    Attributes
    ----------
    staging : Path
        The folder to write into (valid inside the ``with`` block).
    target : Path
        The absolute target folder.
    manifest : dict
        The manifest written at the end (after the block).
    """

    def __init__(
        self,
        target: PathLike,
        *,
        inputs: Iterable[PathLike | None] = (),
        command: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.given = Path(target)
        self.target = Path(os.path.abspath(target))
        self.inputs = [Path(p) for p in inputs if p is not None]
        self.command = command if command is not None else shlex.join(sys.argv)
        self.extra = dict(extra or {})
        self.parent = self.target.parent
        self.name = self.target.name
        self.staging = (
            self.parent / f".{self.name}{MARK}staging-{os.getpid()}-{secrets.token_hex(4)}"
        )
        self.lock_path = self.parent / f".{self.name}{MARK}lock"
        self.manifest: dict[str, Any] = {}
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ checks

    def _refuse(self, message: str) -> OutputError:
        return OutputError(f"{message}; choose an empty or new --out folder")

    def check(self) -> None:
        """Every refusal that does not need the lock (called first by ``__enter__``)."""
        if not self.name or self.target == self.target.parent:
            raise self._refuse(f"cannot use {self.given} as an output folder")
        for i in self.inputs:
            ip = Path(os.path.abspath(i))
            if _is_inside(ip, self.target) or _is_inside(ip.resolve(), self.target.resolve()):
                raise self._refuse(
                    f"input {i} is inside the output folder {self.given} (a run replaces that "
                    "folder)"
                )
            if ip.is_dir() and _is_inside(self.target, ip):
                raise self._refuse(f"output folder {self.given} is inside the input {i}")
        if self.target.exists() and not self.target.is_dir():
            raise self._refuse(f"output {self.given} is a file, not a folder")
        if self.target.is_dir():
            found = [p.relative_to(self.target).as_posix() for p in _files(self.target)]
            if found:
                listed = _manifest_files(self.target)
                if listed is None:
                    raise self._refuse(
                        f"{self.given} holds files that are not a firecover run (no {MANIFEST}, "
                        f"e.g. {found[0]}); they are never deleted"
                    )
                extra = [f for f in found if f != MANIFEST and f not in listed]
                if extra:
                    raise self._refuse(
                        f"{self.given} holds {extra[0]}, which its previous run did not write "
                        "(it is never deleted)"
                    )

    def _lock(self) -> None:
        import fcntl

        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise output_error(exc, self.given) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.ENOENT):
                raise output_error(exc, self.given) from exc
            same = False
        else:
            if not same:
                os.close(fd)
        if not same:
            other = ""
            with contextlib.suppress(OSError, ValueError):
                other = f" (pid {int(self.lock_path.read_text().strip())})"
            raise OutputError(
                f"another firecover run{other} is writing {self.given}; wait for it to finish "
                "or choose another --out folder"
            )
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(OSError):
            self.lock_path.unlink()
        os.close(self._lock_fd)
        self._lock_fd = None

    def _clean_leftovers(self) -> None:
        """Restore or remove what dead runs into this target left (we hold the lock)."""
        prefix = f".{self.name}{MARK}"
        olds = sorted(self.parent.glob(f"{prefix}old-*"), key=lambda p: p.stat().st_mtime)
        if olds and not self.target.exists():
            newest = olds.pop()
            log.warning("restoring %s from an interrupted run (%s)", self.given, newest.name)
            os.rename(newest, self.target)
        for p in [*olds, *self.parent.glob(f"{prefix}staging-*")]:
            log.info("removing %s left by an interrupted run", p)
            shutil.rmtree(p, ignore_errors=True)

    # ------------------------------------------------------------------ protocol

    def __enter__(self) -> RunFolder:
        self.check()
        self._lock()
        try:
            self._clean_leftovers()
            self.check()  # again: the restored folder, or a folder a finished run just wrote
            self.staging.mkdir()
            fault_point("run:start")
        except BaseException as exc:
            self._abort()
            if isinstance(exc, OSError) and not isinstance(exc, FirecoverError):
                raise output_error(exc, self.given) from exc
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self._abort()
            if self._is_write_error(exc):
                raise output_error(exc, self.given) from exc  # type: ignore[arg-type]
            if isinstance(exc, OutputError) and str(self.staging) in str(exc):
                # name the folder the user gave, not the staging copy
                raise OutputError(str(exc).replace(str(self.staging), str(self.given))) from exc
            return
        try:
            self._commit()
        except BaseException as err:
            self._abort()
            if isinstance(err, OSError) and not isinstance(err, FirecoverError):
                raise output_error(err, self.given) from err
            raise
        finally:
            self._unlock()

    def _is_write_error(self, exc: BaseException) -> bool:
        """An ``OSError`` about writing here (not, say, an unreadable input)."""
        if not isinstance(exc, OSError) or isinstance(exc, FirecoverError):
            return False
        if exc.errno not in WRITE_ERRNOS:
            return False
        name = exc.filename
        return not name or _is_inside(Path(os.path.abspath(name)), self.parent)

    def _abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._unlock()

    def _commit(self) -> None:
        fault_point("run:staged")
        for p in sorted(self.staging.rglob(f"*{MARK}*"), reverse=True):  # nested runs' leftovers
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
        files = []
        for p in _files(self.staging):
            files.append({"path": p.relative_to(self.staging).as_posix(),
                          "size": p.stat().st_size, "sha256": file_sha256(p)})  # fmt: skip
        inputs = []
        for i in self.inputs:
            entry: dict[str, Any] = {"path": str(Path(os.path.abspath(i)))}
            if Path(i).is_file():
                entry |= {"size": Path(i).stat().st_size, "sha256": file_sha256(i)}
            inputs.append(entry)
        self.manifest = {
            "firecover": __version__,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "command": self.command,
            **self.extra,
            "inputs": inputs,
            "files": files,
        }
        text = json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n"
        write_text_atomic(self.staging / MANIFEST, text)
        fault_point("run:manifest")
        old = None
        if self.target.exists():
            old = self.parent / f".{self.name}{MARK}old-{os.getpid()}-{secrets.token_hex(4)}"
            if _exchange(self.staging, self.target):  # one atomic step: no moment without a run
                os.rename(self.staging, old)
            else:
                os.rename(self.target, old)
                fault_point("run:old-moved")
                os.rename(self.staging, self.target)
        else:
            os.rename(self.staging, self.target)
        fault_point("run:swapped")
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        log.info("wrote %s (%d files)", self.given, len(files))

    # ------------------------------------------------------------------ paths

    def final(self, path: PathLike) -> Path:
        """Where a path inside the staging folder is once the run is swapped in."""
        p = Path(path)
        try:
            return self.given / p.relative_to(self.staging)
        except ValueError:
            return p

    def final_paths(self, paths: Mapping[str, Path]) -> dict[str, Path]:
        """:meth:`final` of every value of ``paths``."""
        return {k: self.final(v) for k, v in paths.items()}
