"""A run's travel-time choice as a value that crosses into worker processes and threads.

``--speeds``, ``--period`` (:func:`firecover.network.periods.use_travel`) and ``--turns``
(:func:`firecover.network.turns.use_turns`) are context variables: they do not reach Dask worker
processes, and a server's threads do not inherit them. :class:`TravelScope` captures them
(:meth:`TravelScope.current`), travels as plain data (:meth:`TravelScope.as_dict`) and is entered
again where the work runs (:meth:`TravelScope.applied`). Precedence is unchanged: an explicit
argument wins over the captured choice, which wins over a scenario's ``[scenario.graph] period``
(see :mod:`firecover.plan.sources`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from firecover._errors import DataFormatError
from firecover.network.periods import current_travel, use_travel
from firecover.network.turns import TURN_MODES, current_turn_mode, use_turns

__all__ = ["TravelScope"]


@dataclass(frozen=True)
class TravelScope:
    """Speed profile, period and turn mode of a run (``None``: not chosen).

    Attributes
    ----------
    speeds : str or None
        Bundled profile name or TOML file (made absolute when it names an existing file, so a
        worker with another working directory finds it).
    period : str or None
        Period of the profile (``am_peak``, ...).
    turns : str or None
        ``auto``, ``on`` or ``off``.
    """

    speeds: str | None = None
    period: str | None = None
    turns: str | None = None

    def __post_init__(self) -> None:
        if self.turns is not None and self.turns not in TURN_MODES:
            raise DataFormatError(f"turns: {self.turns!r} is not a turn mode; use one of "
                                  f"{', '.join(TURN_MODES)}")  # fmt: skip
        if self.speeds is not None and Path(self.speeds).is_file():
            object.__setattr__(self, "speeds", str(Path(self.speeds).resolve()))

    @classmethod
    def current(
        cls, speeds: str | None = None, period: str | None = None, turns: str | None = None
    ) -> TravelScope:
        """The choice in force in this context, with explicit (non-``None``) arguments winning."""
        choice = current_travel()
        return cls(
            speeds if speeds is not None else choice.speeds,
            period if period is not None else choice.period,
            turns if turns is not None else current_turn_mode(),
        )

    def as_dict(self) -> dict[str, str | None]:
        """Plain data for a Dask task (``TravelScope(**d)`` rebuilds it)."""
        return asdict(self)

    @contextlib.contextmanager
    def applied(self) -> Iterator[TravelScope]:
        """Run the block under this choice (what is ``None`` keeps the enclosing choice)."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(use_travel(speeds=self.speeds, period=self.period))
            if self.turns is not None:
                stack.enter_context(use_turns(self.turns))
            yield self
