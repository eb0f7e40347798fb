"""Private file helpers: existence checks and atomic writes that never touch inputs."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from firecover._errors import InputFileError, OutputError


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
    pick a driver from the suffix (GeoPackage, GraphML, PNG) behave the same.
    """
    dest = Path(path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {dest.parent}: {exc.strerror}") from exc
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers create the file themselves (GeoPackage drivers refuse empty files)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"writer produced no file for {dest}")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
