"""Private file helpers: existence checks, atomic writes that never touch inputs, write errors.

Also the test hook :func:`fault_point`: ``FIRECOVER_TEST_FAIL_AT=<step>[=<action>]`` makes the
process fail at a named step (``write:<file name>``, ``written:<file name>``, ``run:<phase>``;
shell-style wildcards allowed) so the fault-injection tests need no timing. Actions: ``error``
(default, a ``RuntimeError``), ``kill`` (SIGKILL), ``term`` (SIGTERM), ``enospc``, ``erofs``,
``eacces`` (an ``OSError`` with that errno). It costs one environment lookup per step.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from firecover._errors import DataFormatError, FirecoverError, InputFileError, OutputError

__all__ = [
    "FAULT_ENV",
    "WRITE_ERRNOS",
    "atomic_path",
    "check_not_input",
    "fault_point",
    "output_error",
    "read_text_utf8_or_gbk",
    "require_file",
    "write_text_atomic",
]

#: Environment variable of the fault-injection test hook.
FAULT_ENV = "FIRECOVER_TEST_FAIL_AT"

#: errno values that mean "this output cannot be written" (exit 7, never an internal error).
WRITE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EROFS", "EACCES", "EPERM", "EDQUOT", "EFBIG")
    if hasattr(errno, name)
)

_FIX = {
    errno.ENOSPC: "free some disk space or choose an --out folder on another disk",
    errno.EROFS: "the disk is mounted read-only; choose a writable --out folder",
    errno.EACCES: "you may not write there; choose a writable --out folder or fix its permissions",
    errno.EPERM: "the file or folder is protected (immutable?); choose another --out folder",
}


def output_error(exc: OSError, where: str | os.PathLike[str]) -> OutputError:
    """A one-line :class:`OutputError` for an ``OSError`` raised while writing ``where``."""
    what = exc.strerror or str(exc) or type(exc).__name__
    fix = _FIX.get(exc.errno or 0, "check the disk and the folder, or choose another --out path")
    name = f" ({exc.filename})" if exc.filename else ""
    return OutputError(f"cannot write {where}: {what}{name}; {fix}")


def fault_point(step: str) -> None:
    """The fault-injection test hook: fail here if ``$FIRECOVER_TEST_FAIL_AT`` names ``step``."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    pattern, _, action = spec.partition("=")
    if not fnmatch.fnmatchcase(step, pattern):
        return
    action = action or "error"
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "term":
        os.kill(os.getpid(), signal.SIGTERM)  # the default action or the CLI's handler acts
    codes = {"enospc": errno.ENOSPC, "erofs": errno.EROFS, "eacces": errno.EACCES}
    if action in codes:
        raise OSError(codes[action], os.strerror(codes[action]), step.partition(":")[2] or None)
    raise RuntimeError(f"injected failure at {step}")


def require_file(path: str | os.PathLike[str], what: str = "input file") -> Path:
    """Return ``path`` as a :class:`Path`, raising :class:`InputFileError` if it is missing."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{what} not found: {p} (check the path)")
    if p.is_dir() and p.suffix.lower() not in {".gdb"}:
        raise InputFileError(f"{what} is a directory, not a file: {p}")
    return p


def check_not_input(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse an output path that is one of the inputs (never overwrite the user's data)."""
    o = Path(out).resolve()
    for i in inputs:
        if Path(i).resolve() == o:
            raise OutputError(f"output {out} is also an input; choose a different output path")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it over ``path`` only if the block succeeds.

    The temporary file shares the destination's directory and suffix so that writers which
    pick a driver from the suffix (GeoPackage, GraphML, PNG) behave the same. An ``OSError``
    that means the file cannot be written (full disk, read-only, no permission) becomes an
    :class:`OutputError` (exit 7) naming the file.
    """
    dest = Path(path)
    tmp: Path | None = None
    try:
        fault_point(f"write:{dest.name}")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create output folder {dest.parent}: {exc.strerror}; "
                "choose a writable output path"
            ) from exc
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=dest.suffix,
                                        dir=dest.parent)  # fmt: skip
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # writers create the file themselves (GeoPackage drivers refuse empty files)
        yield tmp
        if not tmp.exists():
            raise OutputError(f"writer produced no file for {dest}")
        fault_point(f"written:{dest.name}")
        os.replace(tmp, dest)
    except BaseException as exc:
        if tmp is not None:
            for leftover in (
                tmp,
                tmp.with_name(tmp.name + "-journal"),
                tmp.with_name(tmp.name + "-wal"),
                tmp.with_name(tmp.name + "-shm"),
            ):
                with contextlib.suppress(OSError):
                    leftover.unlink()  # fmt: skip
        if (isinstance(exc, OSError) and not isinstance(exc, FirecoverError)
                and exc.errno in WRITE_ERRNOS):  # fmt: skip
            raise output_error(exc, dest) from exc
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def read_text_utf8_or_gbk(path: str | os.PathLike[str]) -> str:
    """A planner's text file as UTF-8 (with or without BOM) or, failing that, GBK; raises
    :class:`DataFormatError` naming the file when it is neither."""
    raw = Path(path).read_bytes()
    for enc in ("utf-8-sig", "gbk"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataFormatError(f"{path}: text is neither UTF-8 nor GBK; save it as UTF-8")
