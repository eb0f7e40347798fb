"""The exception hierarchy: one root, each error also the matching built-in, exit codes set."""

from __future__ import annotations

import inspect

import pytest

from firecover import _errors
from firecover._errors import FirecoverError, InfeasibleModelError

ERROR_CLASSES = [
    obj
    for name, obj in inspect.getmembers(_errors, inspect.isclass)
    if issubclass(obj, FirecoverError) and obj is not FirecoverError
]


def test_all_exported() -> None:
    assert {c.__name__ for c in ERROR_CLASSES} | {"FirecoverError"} == set(_errors.__all__)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_each_error_is_also_a_builtin(cls: type[FirecoverError]) -> None:
    builtin_bases = [b for b in cls.__mro__[1:] if b.__module__ == "builtins" and b is not object]
    assert any(b is not Exception and b is not BaseException for b in builtin_bases), cls
    assert isinstance(cls.exit_code, int) and cls.exit_code >= 2


def test_infeasible_is_value_error() -> None:
    with pytest.raises(ValueError, match="row 3"):
        raise InfeasibleModelError("row 3 cannot be covered")


def test_output_exists_is_output_error_and_file_exists() -> None:
    from firecover._errors import OutputError, OutputExistsError

    with pytest.raises(FileExistsError):
        raise OutputExistsError("x.toml exists; confirm to overwrite it")
    assert issubclass(OutputExistsError, OutputError)
    assert OutputExistsError.exit_code == OutputError.exit_code
