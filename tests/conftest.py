"""Shared fixtures: keep logging configuration from leaking between tests; a private graph cache."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator

import pytest

# Tests never write into the user's graph cache: one private cache folder per test process.
os.environ["FIRECOVER_CACHE_DIR"] = tempfile.mkdtemp(prefix="firecover-test-cache-")


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
