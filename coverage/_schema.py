"""Private: strict readers for scenario TOML tables, with file:line error messages.

:class:`Locator` finds the line of a table header or key by scanning the text (tomllib keeps no
positions); :class:`Table` wraps one parsed table, rejects unknown keys and reads typed fields,
raising :class:`~firecover._errors.ScenarioError` messages such as::

    scenarios/x.toml:27: station 3 ("小白楼") field "class": unknown value "tiny"; allowed: …
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from firecover._errors import DataFormatError, ScenarioError

__all__ = [
    "RULES",
    "Context",
    "Locator",
    "Rule",
    "Table",
    "check_value",
    "fold",
    "number_problem",
    "parse_toml",
    "quote_list",
]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def fold(text: str) -> str:
    """Fold a name or alias for matching: NFKC, case-folded, without spaces, ``-`` and ``_``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-_")


def quote_list(items: Iterable[str]) -> str:
    """``a, b, c`` for messages."""
    return ", ".join(items)


def number_problem(value: Any, minimum: float | None = None, strict: bool = False,
                   integer: bool = False) -> str | None:  # fmt: skip
    """What is wrong with a number (``None``: nothing). The one check behind every entry point:
    scenario tables (:meth:`Table.number`), command-line options and API arguments
    (:func:`check_value`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number, got {_kind(value)} {value!r}"
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        return f"{value!r} is not a whole number"
    if not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if minimum is not None and (value <= minimum if strict else value < minimum):
        op = ">" if strict else "≥"
        return f"{value!r} is out of range; must be {op} {minimum:g}"
    return None


class Rule:
    """A named value rule: ``minimum`` (exclusive when ``strict``), whole numbers or not."""

    def __init__(self, name: str, minimum: float | None, strict: bool, unit: str,
                 integer: bool = False) -> None:  # fmt: skip
        self.name, self.minimum, self.strict, self.unit = name, minimum, strict, unit
        self.integer = integer

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` under this rule (``None``: nothing)."""
        return number_problem(value, self.minimum, self.strict, self.integer)


#: The rules values are checked by wherever they enter (scenario, CLI option, API argument).
RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("positive_minutes", 0.0, True, "minutes"),
        Rule("non_negative_minutes", 0.0, False, "minutes"),
        Rule("positive_seconds", 0.0, True, "seconds"),
        Rule("non_negative_seconds", 0.0, False, "seconds"),
        Rule("positive_metres", 0.0, True, "metres"),
        Rule("non_negative_metres", 0.0, False, "metres"),
        Rule("positive_factor", 0.0, True, ""),
        Rule("count", 0.0, False, "", integer=True),
        Rule("non_negative_km", 0.0, False, "km"),
        Rule("positive_hours", 0.0, True, "hours"),
        Rule("busy_share", 0.0, False, ""),  # below 1 too: firecover.siting.mexclp checks it
    )
}


def check_value(value: Any, rule: str, name: str, *, allow_none: bool = True) -> Any:
    """Return ``value`` if it obeys ``RULES[rule]``, else raise :class:`DataFormatError`.

    ``name`` is how the message names the value, e.g. ``"--driving"`` or ``"driving_min"``.
    ``None`` passes when ``allow_none`` (it means "use the setting").
    """
    if value is None and allow_none:
        return None
    why = RULES[rule].problem(value)
    if why is not None:
        unit = f" ({RULES[rule].unit})" if RULES[rule].unit else ""
        raise DataFormatError(f"{name}{unit}: {why}; give a valid value")
    return value


#: A time-of-day period name of a speed profile (``[periods.NAME]``).
PERIOD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def check_period(value: Any, name: str, *, many: bool = False) -> Any:
    """A period name (``am_peak``) or, with ``many``, a tuple of them or ``"all"``.

    Raises :class:`DataFormatError` naming ``name`` (e.g. ``"--period"``). Whether the speed
    profile has the period is checked when it is loaded.
    """
    if many and isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        text = str(value).strip()
        if many and text == "all":
            return "all"
        items = [t.strip() for t in text.split(",")] if many else [text]
    for item in items:
        if not PERIOD_NAME.match(item) or item == "all":
            raise DataFormatError(
                f"{name}: {item!r} is not a period name; use lower-case letters, digits and _ "
                "(e.g. am_peak)" + (", a comma list, or all" if many else "")
            )
    return tuple(dict.fromkeys(items)) if many else items[0]


def _split_dotted(name: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in name.split("."))


class Locator:
    """Line numbers of table headers and keys in a TOML text (1-based; ``None`` if not found)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.headers: list[tuple[int, tuple[str, ...], bool]] = []
        in_multiline = False
        for no, line in enumerate(self.lines, start=1):
            quotes = line.count('"""') + line.count("'''")
            if not in_multiline:
                m = _HEADER.match(line)
                if m:
                    self.headers.append((no, _split_dotted(m.group(2)), m.group(1) == "[["))
            if quotes % 2:
                in_multiline = not in_multiline

    def table_line(self, table: tuple[str, ...], index: int | None = None) -> int | None:
        """Line of the header ``[table]`` (or of the ``index``-th ``[[table]]``, 0-based)."""
        found = [no for no, path, _ in self.headers if path == table]
        k = 0 if index is None else index
        return found[k] if k < len(found) else None

    def _section_end(self, start: int) -> int:
        later = [no for no, _, _ in self.headers if no > start]
        return later[0] - 1 if later else len(self.lines)

    def key_line(self, table: tuple[str, ...], key: str, index: int | None = None) -> int | None:
        """Line of ``key = …`` inside ``[table]``; falls back to enclosing tables and headers."""
        start = self.table_line(table, index) if table else 0
        if start is None:  # an inline or dotted table: point at its key in the parent
            return self.key_line(table[:-1], table[-1]) if table else None
        pattern = re.compile(
            rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
            r"\s*(?:=|\.)"
        )
        end = self._section_end(start) if table else self._first_header_line()
        for no in range(start + 1, end + 1):
            if pattern.match(self.lines[no - 1]):
                return no
        sub = (*table, key)
        for no, path, _ in self.headers:
            if path[: len(sub)] == sub:
                return no
        return start or None

    def _first_header_line(self) -> int:
        return self.headers[0][0] - 1 if self.headers else len(self.lines)


class Context:
    """What every message needs: the file label, the locator and the scenario's folder."""

    def __init__(self, label: str, text: str, base_dir: Path) -> None:
        self.label = label
        self.locator = Locator(text)
        self.base_dir = base_dir

    def error(self, line: int | None, message: str) -> ScenarioError:
        where = f"{self.label}:{line}" if line else self.label
        return ScenarioError(f"{where}: {message}")


def parse_toml(text: str, ctx: Context) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into ``file:line:col: invalid TOML: …``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_LINE.search(msg)
        if m:
            where = f"{ctx.label}:{m.group(1)}:{m.group(2)}"
            msg = msg[: m.start()]
        else:
            where = f"{ctx.label}:{max(1, len(ctx.locator.lines))}"
            msg = _AT_END.sub(" at the end of the file", msg)
        raise ScenarioError(f"{where}: invalid TOML: {msg}; fix the syntax") from None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


class Table:
    """One parsed TOML table, read strictly (unknown keys are errors).

    Parameters
    ----------
    data : Any
        The parsed value (must be a table).
    ctx : Context
        File label, locator and folder.
    path : tuple of str
        The table's TOML path, e.g. ``("scenario", "graph")`` or ``("station",)``.
    label : str
        How messages name the table, e.g. ``[scenario.graph]`` or ``station 3 ("小白楼")``.
    allowed : sequence of str or None
        The keys the table may have (``None``: any key).
    index : int, optional
        For an element of an array of tables, its 0-based position.
    """

    def __init__(
        self,
        data: Any,
        ctx: Context,
        path: tuple[str, ...],
        label: str,
        allowed: Sequence[str] | None,
        index: int | None = None,
    ) -> None:
        self.ctx, self.path, self.label, self.index = ctx, path, label, index
        if not isinstance(data, dict):
            self.fail(None, f"must be a table, not {_kind(data)}")
        self.data: dict[str, Any] = data
        for key in data:
            if allowed is not None and key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                self.fail(
                    key, f'unknown key "{key}"; allowed: {quote_list(allowed)}{hint}', field=False
                )

    # ------------------------------------------------------------------ errors

    def line(self, key: str | None) -> int | None:
        """Line of ``key`` (or of the table header)."""
        loc = self.ctx.locator
        if key is None:
            return loc.table_line(self.path, self.index) or (
                loc.key_line(self.path[:-1], self.path[-1]) if self.path else None
            )
        return loc.key_line(self.path, key, self.index)

    def fail(self, key: str | None, message: str, *, field: bool = True) -> NoReturn:
        """Raise a :class:`ScenarioError` about ``key`` (or the whole table)."""
        if key is None or not field:
            text = f"{self.label}: {message}"
        else:
            text = f'{self.label} field "{key}": {message}'
        raise self.ctx.error(self.line(key), text)

    # ------------------------------------------------------------------ readers

    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return key in self.data

    def text(self, key: str, *, required: bool = False, what: str = "") -> str | None:
        """A non-empty string (stripped), or ``None`` when absent and not required."""
        value = self._get(key, required, what)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_kind(value)}")
        if not value.strip():
            self.fail(key, "is empty; " + (what or "give a value or remove the key"))
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        """A boolean (``true``/``false``)."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_kind(value)} {value!r}")
        return value

    def year(self, key: str, *, required: bool = False, what: str = "") -> int | None:
        """An integer year between 1900 and 2200."""
        value = self._get(key, required, what)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected an integer year such as 2024, got {_kind(value)} {value!r}")
        if not 1900 <= value <= 2200:
            self.fail(key, f"year {value} is out of range; expected 1900–2200")
        return value

    def number(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: float | None = None,
        strict: bool = False,
        what: str = "",
        rule: str | None = None,
    ) -> float | None:
        """A finite number, optionally ``>= minimum`` (``> minimum`` when ``strict``), or one
        obeying the named rule of :data:`RULES` (the rule the CLI options use)."""
        value = self._get(key, required, what)
        if value is None:
            return None
        why = RULES[rule].problem(value) if rule else number_problem(value, minimum, strict)
        if why is not None:
            self.fail(key, why)
        return float(value)

    def choice(
        self,
        key: str,
        aliases: Mapping[str, str],
        allowed: str,
        *,
        required: bool = False,
        what: str = "",
    ) -> str | None:
        """A value from ``aliases`` (folded alias → canonical value)."""
        value = self.text(key, required=required, what=what)
        if value is None:
            return None
        canonical = aliases.get(fold(value))
        if canonical is None:
            self.fail(key, f'unknown value "{value}"; allowed: {allowed}')
        return canonical

    def file(self, key: str, what: str) -> Path | None:
        """An existing file, the path relative to the scenario file's folder."""
        value = self.text(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        resolved = Path(os.path.normpath(path if path.is_absolute() else self.ctx.base_dir / path))
        if not resolved.exists():
            self.fail(
                key,
                f"{what} not found: {resolved} (paths are relative to the scenario "
                "file's folder); fix the path",
            )
        return resolved

    def table(self, key: str, allowed: Sequence[str] | None) -> Table | None:
        """A sub-table, or ``None`` when absent."""
        if key not in self.data:
            return None
        label = "[" + ".".join((*self.path, key)) + "]"
        return Table(self.data[key], self.ctx, (*self.path, key), label, allowed)

    def one_of(self, keys: Sequence[str], *, required: bool) -> str | None:
        """The single key of ``keys`` present (error if several, or none when required)."""
        present = [k for k in keys if k in self.data]
        if len(present) > 1:
            self.fail(
                present[1],
                f"give only one of {quote_list(keys)} (found {quote_list(present)})",
                field=False,
            )
        if not present and required:
            self.fail(None, f"missing the source; give exactly one of {quote_list(keys)}")
        return present[0] if present else None

    def _get(self, key: str, required: bool, what: str) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "missing; required" + (f": {what}" if what else ""))
            return None
        return self.data[key]
