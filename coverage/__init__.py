"""firecover: fire-station coverage planning engine."""

from ._version import __version__

__all__ = ["__version__"]
