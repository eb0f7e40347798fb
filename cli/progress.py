"""The phase display of long commands: one line per phase on stderr, with the elapsed time.

The library reports phases through a ``progress(message)`` callback; the CLI prints them here.
``-q`` (the ``firecover`` logger above WARNING) turns the display off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import click

__all__ = ["phase_progress"]


def phase_progress() -> Callable[[str], None]:
    """A ``progress(message)`` callback printing ``  … [  12.3 s] message`` to stderr."""
    started = time.perf_counter()
    quiet = logging.getLogger("firecover").getEffectiveLevel() > logging.WARNING

    def show(message: str) -> None:
        if not quiet:
            click.echo(f"  … [{time.perf_counter() - started:6.1f} s] {message}", err=True)

    return show
