"""Every fix an error message names must exist: each ``--option`` written in the library's and
the CLI's source text (error templates, raised messages, hints) is an option of the click CLI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click

from firecover.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]+)")
#: Options of other programs that messages may name (pip, dask), not firecover's.
FOREIGN = {"--nthreads"}


def _cli_options(command: click.Command) -> set[str]:
    opts = {o for p in command.params for o in [*getattr(p, "opts", []),
                                                *getattr(p, "secondary_opts", [])]}  # fmt: skip
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            opts |= _cli_options(sub)
    return {o for o in opts if o.startswith("--")} | {"--help", "--version"}


def _strings(path: Path) -> list[tuple[int, str]]:
    """String constants (f-string parts included), without docstrings and help texts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docs.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg == "help":
            docs |= {id(n) for n in ast.walk(node.value)}
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):  # another program's argparse options
            docs |= {id(n) for n in ast.walk(node)}
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docs]
    return [(n.lineno, n.value) for n in nodes if isinstance(n.value, str)]


def test_every_option_named_in_a_message_exists() -> None:
    known = _cli_options(cli)
    bad = []
    files = [*sorted((ROOT / "coverage").rglob("*.py")), *sorted((ROOT / "cli").rglob("*.py"))]
    assert len(files) > 50
    for path in files:
        for line, text in _strings(path):
            if "python -m " in text:  # a developer tool's own command line
                continue
            for opt in OPTION.findall(text):
                if opt not in known and opt not in FOREIGN:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {opt}")
    assert not bad, "messages name options the CLI does not have: " + ", ".join(bad)


def test_the_walker_finds_options_and_would_flag_a_missing_one() -> None:
    known = _cli_options(cli)
    assert {"--driving", "--encoding", "--out", "--time-limit", "-v"} - known == {"-v"}
    assert OPTION.findall("raise --snap-max or use --out-dir") == ["--snap-max", "--out-dir"]
    assert "--snap-max" not in known
