"""Atomic writes and input protection."""

from __future__ import annotations

from pathlib import Path

import pytest

from firecover._errors import InputFileError, OutputError
from firecover._io import atomic_path, check_not_input, require_file, write_text_atomic


def test_write_text_atomic(tmp_path: Path) -> None:
    out = write_text_atomic(tmp_path / "sub" / "a.txt", "和平区")
    assert out.read_text(encoding="utf-8") == "和平区"
    assert sorted(p.name for p in out.parent.iterdir()) == ["a.txt"]


def test_failed_write_leaves_old_file_intact(tmp_path: Path) -> None:
    dest = tmp_path / "r.json"
    dest.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer crashed")
    assert dest.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_writer_that_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no file"), atomic_path(tmp_path / "x.gpkg"):
        pass


def test_check_not_input(tmp_path: Path) -> None:
    src = tmp_path / "g.graphml"
    src.write_text("x")
    with pytest.raises(OutputError, match="also an input"):
        check_not_input(tmp_path / "." / "g.graphml", [src])
    check_not_input(tmp_path / "h.graphml", [src])


def test_require_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        require_file(tmp_path / "missing.osm")
    with pytest.raises(InputFileError, match="directory"):
        require_file(tmp_path)


def test_read_text_utf8_or_gbk(tmp_path: Path) -> None:
    from firecover._errors import DataFormatError
    from firecover._io import read_text_utf8_or_gbk

    (tmp_path / "u.csv").write_bytes("\ufeff站名,经度\n".encode())
    (tmp_path / "g.csv").write_bytes("站名,经度\n".encode("gbk"))
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00\xd8")
    assert read_text_utf8_or_gbk(tmp_path / "u.csv") == "站名,经度\n"
    assert read_text_utf8_or_gbk(tmp_path / "g.csv") == "站名,经度\n"
    with pytest.raises(DataFormatError, match="neither UTF-8 nor GBK"):
        read_text_utf8_or_gbk(tmp_path / "bad.csv")
