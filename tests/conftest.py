"""Shared fixtures: keep logging configuration from leaking between tests; a private graph cache."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

# Tests never write into the user's graph cache: one private cache folder per test process.
# It is removed when the process's test session ends (each xdist worker has its own).
_CACHE_DIR = tempfile.mkdtemp(prefix="firecover-test-cache-")
os.environ["FIRECOVER_CACHE_DIR"] = _CACHE_DIR


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove this process's private graph cache folder."""
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


_LOG = logging.getLogger("firecover")
#: The library's own logger state (before any CLI call configured it).
_BASELINE = (_LOG.handlers[:], _LOG.level, _LOG.propagate)


@pytest.fixture(autouse=True)
def _restore_firecover_logging() -> Iterator[None]:
    """The CLI configures the ``firecover`` logger; put the library state back around every
    test (module-scoped fixtures that run the CLI would otherwise leak into later tests)."""
    _LOG.handlers[:], _LOG.level, _LOG.propagate = _BASELINE[0][:], _BASELINE[1], _BASELINE[2]
    yield
    _LOG.handlers[:], _LOG.level, _LOG.propagate = _BASELINE[0][:], _BASELINE[1], _BASELINE[2]
