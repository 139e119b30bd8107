"""The public face: every name in __all__ resolves, and nothing heavy loads on import."""

from __future__ import annotations

import subprocess
import sys

import ollm_actors


def test_all_attributes_resolve() -> None:
    for name in ollm_actors.__all__:
        assert getattr(ollm_actors, name) is not None, name


def test_all_is_sorted_tuple_without_duplicates() -> None:
    assert isinstance(ollm_actors.__all__, tuple)
    assert len(set(ollm_actors.__all__)) == len(ollm_actors.__all__)


def test_errors_share_one_base() -> None:
    for name in ollm_actors.__all__:
        value = getattr(ollm_actors, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, ollm_actors.OllmError), name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        ollm_actors.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_light() -> None:
    code = (
        "import sys, ollm_actors; "
        "print(sorted(m for m in ('httpx', 'anyio', 'msgspec', 'rich', 'typer', 'yaml') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
