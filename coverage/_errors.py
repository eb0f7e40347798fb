"""The firecover exception hierarchy.

Every error the library raises on purpose derives from :class:`FirecoverError` and also from
the matching built-in exception, so callers may catch either. Each class carries the process
exit code the command line uses for it; messages are one line naming the problem and the fix.
"""

from __future__ import annotations

__all__ = [
    "BatchError",
    "CoordinateError",
    "DataFormatError",
    "FirecoverError",
    "GraphError",
    "InfeasibleModelError",
    "InputFileError",
    "NetworkUnavailableError",
    "OutputError",
    "OutputExistsError",
    "ScenarioError",
    "SnapError",
    "SolverError",
    "StationClassError",
    "UnsupportedCRSError",
]


class FirecoverError(Exception):
    """Root of every error firecover raises on purpose."""

    exit_code: int = 1


class InputFileError(FirecoverError, FileNotFoundError):
    """An input file is missing or unreadable."""

    exit_code = 2


class DataFormatError(FirecoverError, ValueError):
    """An input file or table has the wrong format, columns or values."""

    exit_code = 2


class UnsupportedCRSError(FirecoverError, ValueError):
    """A coordinate reference system is missing, unknown, or of the wrong kind."""

    exit_code = 2


class CoordinateError(FirecoverError, ValueError):
    """Coordinates are impossible, swapped (lat/lon), or outside the road graph."""

    exit_code = 2


class SnapError(FirecoverError, ValueError):
    """A station (or other point that must be on a road) is too far from the network."""

    exit_code = 2


class StationClassError(FirecoverError, ValueError):
    """A station class that the standards profile does not know."""

    exit_code = 2


class ScenarioError(FirecoverError, ValueError):
    """A scenario file fails validation."""

    exit_code = 2


class GraphError(FirecoverError, ValueError):
    """A road graph is empty, lacks required attributes, or is otherwise unusable."""

    exit_code = 2


class InfeasibleModelError(FirecoverError, ValueError):
    """An optimisation model has no feasible solution (e.g. a demand no site can cover)."""

    exit_code = 4


class SolverError(FirecoverError, RuntimeError):
    """The MILP solver failed for a reason other than infeasibility."""

    exit_code = 5


class NetworkUnavailableError(FirecoverError, ConnectionError):
    """An online download (OpenStreetMap) failed; use an offline file instead."""

    exit_code = 6


class OutputError(FirecoverError, OSError):
    """An output cannot be written, or would overwrite an input."""

    exit_code = 7


class OutputExistsError(OutputError, FileExistsError):
    """An output file exists and is written over only when the user confirms (``overwrite``).

    The serve API answers it with 409 Conflict, on which the page asks to overwrite.
    """

    exit_code = 7


class BatchError(FirecoverError, RuntimeError):
    """A batch run finished but some scenarios failed, or its Dask scheduler is unreachable."""

    exit_code = 8
