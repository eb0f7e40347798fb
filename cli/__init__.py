"""The ``firecover`` command line (click). Commands hold no logic: they call the library."""

from .main import cli, main

__all__ = ["cli", "main"]
