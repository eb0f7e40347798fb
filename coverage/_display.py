"""How every figure shown to a planner is rounded: one rule, so a figure never contradicts
the verdict beside it.

The rule
    A figure checked against a limit is rounded **towards the side of the limit its verdict is
    on**, never across it. A figure that must stay at or below a limit (a district's km², the
    slowest arrival in minutes) is rounded *up* when it fails and *down* when it passes: 5.003
    min against "≤ 5 min" is shown "5.01", never "5.00 超过 5 min"; 7.004 km² against 7 km² is
    "7.01". A share is rounded *down* (it is checked against "all reached"): 99.6 % is shown
    "99 %", and "100 %" means every bit was reached. When a threshold is not on the display
    grid, more decimals are shown until the figure is on the right side of it.
    A figure without a limit (a total area, a count) is rounded to the nearest value.

Used by every report (``coverage.md``, ``report.md``, ``site.md``), the standards check's
reasons and the CLI. Root module: imports nothing of firecover.
"""

from __future__ import annotations

import math

__all__ = ["DECIMALS", "SHARE_TOL", "TOL", "at_most", "figure", "pct", "share_floor"]

#: Decimals shown for minutes and km² (``5.01``, ``3.08``).
DECIMALS = 2
#: Decimals shown for a share in percent (``99%``); more only where a threshold needs them.
PCT_DECIMALS = 0
#: Most decimals ever shown when a threshold is off the display grid.
_MAX_DECIMALS = 9
#: Float noise tolerated when a value is exactly on the grid (``0.29 * 100``).
_EPS = 1e-9
#: Tolerance of the standards check when it compares km² and minutes with a limit.
TOL = 1e-9
#: A share this close to its threshold counts as reaching it (the check's tolerance).
SHARE_TOL = 1e-6


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _down(x: float, d: int) -> float:
    f = 10.0**d
    return math.floor(x * f + _EPS) / f


def _up(x: float, d: int) -> float:
    f = 10.0**d
    return math.ceil(x * f - _EPS) / f


def figure(x: float | None, decimals: int = DECIMALS) -> str:
    """A figure without a limit: nearest, trailing zeros dropped (``8.2``, ``7``, ``∞``, ``—``)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return _strip(f"{x:.{decimals}f}")


def at_most(
    x: float | None, limit: float | None, decimals: int = DECIMALS, tol: float = TOL
) -> str:
    """A figure checked against "``x`` ≤ ``limit``", rounded towards its verdict.

    Fails (``x > limit + tol``, the standards check's own test): rounded up, so the shown
    figure is above the limit. Passes: rounded down (never below what it takes to stay at or
    under the limit), so it is at or below it. More decimals are used when the limit is off the
    grid. ``limit`` ``None`` / NaN / ``inf``: :func:`figure`.
    """
    if x is None or math.isnan(x) or math.isinf(x):
        return figure(x, decimals)
    if limit is None or math.isnan(limit) or math.isinf(limit):
        return figure(x, decimals)
    fails = x > limit + tol
    for d in range(decimals, _MAX_DECIMALS + 1):
        shown = _up(x, d) if fails else min(_down(x, d), limit)
        if (shown > limit) == fails:
            return _strip(f"{shown:.{d}f}")
    return _strip(f"{limit:.{_MAX_DECIMALS}f}") if not fails else repr(float(x))


def _share_shown(share: float, threshold: float, decimals: int, tol: float) -> tuple[float, int]:
    """(percent shown, decimals) for a share compared with "``share`` ≥ ``threshold``"."""
    passes = share >= threshold - tol
    goal = threshold * 100.0
    for d in range(decimals, _MAX_DECIMALS + 1):
        shown = _down(share * 100.0, d)
        if (shown >= goal - _EPS) == passes:
            return shown, d
    return (goal, _MAX_DECIMALS) if passes else (_down(share * 100.0, _MAX_DECIMALS), _MAX_DECIMALS)


def share_floor(share: float, threshold: float = 1.0, decimals: int = PCT_DECIMALS,
                tol: float = SHARE_TOL) -> float:  # fmt: skip
    """The share :func:`pct` shows, as a fraction (0-1)."""
    return _share_shown(share, threshold, decimals, tol)[0] / 100.0


def pct(share: float, threshold: float = 1.0, decimals: int = PCT_DECIMALS,
        tol: float = SHARE_TOL) -> str:  # fmt: skip
    """A share in percent, rounded down: ``"99%"`` for 0.996, ``"100%"`` only for all of it.

    ``threshold`` is the share a verdict compares it with (default 1 = all reached; the check
    counts ``share >= threshold - tol`` as reached); the shown figure is at or above the
    threshold exactly when the verdict says so.
    """
    if share is None or math.isnan(share):
        return "—"
    if math.isinf(share):
        return "∞%" if share > 0 else "-∞%"
    shown, d = _share_shown(share, threshold, decimals, tol)
    return f"{_strip(f'{shown:.{d}f}')}%"
