"""The public API: every name in ``firecover.__all__`` resolves, lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import firecover


@pytest.mark.parametrize("name", firecover.__all__)
def test_public_name_resolves(name: str) -> None:
    assert getattr(firecover, name) is not None


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="no_such"):
        _ = firecover.no_such  # type: ignore[attr-defined]


def test_import_is_light() -> None:
    heavy = ("osmnx", "geopandas", "dask", "distributed")
    code = f"import sys, firecover; print(*(m in sys.modules for m in {heavy!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"] * len(heavy)
