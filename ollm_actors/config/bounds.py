"""Limits on settings input that no schema states: the length of environment values, and
``cache.dir`` spelt so that the runtime can use it as is.

Hostile or broken input must fail here, as a problem naming its source, not later inside a
library with a foreign exception (httpx's ``InvalidURL`` for a 120 KB host, ``RuntimeError``
from ``Path.expanduser`` for ``~nosuchuser``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = (
    "MAX_ENV_VALUE",
    "CacheDirError",
    "env_value_problem",
    "expand_cache_dir",
    "is_utf8",
    "shown_path",
)

#: longest environment value read: no setting needs more
MAX_ENV_VALUE = 64 * 1024


def is_utf8(text: str) -> bool:
    """False for text holding lone surrogates: what Python makes of an environment variable
    or an argument whose bytes are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def env_value_problem(text: str) -> tuple[str, str] | None:
    """``(expected, found)`` when the environment value ``text`` is refused before any
    parsing (too long, or bytes that are not UTF-8); ``None`` when it may be read."""
    if len(text) > MAX_ENV_VALUE:
        return f"at most {MAX_ENV_VALUE} characters", f"a value of {len(text)} characters"
    if not is_utf8(text):
        return "UTF-8 text", "bytes that are not UTF-8"
    return None


class CacheDirError(ValueError):
    """A ``cache.dir`` that cannot be a directory path; the message says what was found."""


def expand_cache_dir(text: str) -> str:
    """``text`` with a leading ``~`` or ``~user`` expanded (unchanged otherwise).

    Raises :class:`CacheDirError` for a NUL character or a ``~user`` with no home.
    """
    if "\0" in text:
        raise CacheDirError("a NUL character")
    if not text.startswith("~"):
        return text
    try:
        return str(Path(text).expanduser())
    except (RuntimeError, KeyError, OSError):
        user = text[1:].split("/", 1)[0]
        raise CacheDirError(
            f"no home directory for {repr(user) if user else 'the current user'}"
        ) from None


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` for a message: bytes that were not UTF-8 escaped, so printing cannot fail."""
    return os.fspath(path).encode("utf-8", "backslashreplace").decode("utf-8")
