"""Shared fixtures: keep logging configuration from leaking between tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_firecover_logging() -> Iterator[None]:
    """The CLI configures the ``firecover`` logger; undo that after every test."""
    log = logging.getLogger("firecover")
    saved = (log.handlers[:], log.level, log.propagate)
    yield
    log.handlers[:], log.level, log.propagate = saved[0], saved[1], saved[2]
