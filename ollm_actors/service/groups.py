"""Task groups whose body's one error comes out as itself, not wrapped in an exception
group: callers of ``serve()`` and ``connect()`` catch ``ModelNotFound``, not a group."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ("single_errors",)


@contextmanager
def single_errors() -> Iterator[None]:
    """Re-raise a group of exactly one ``Exception`` as that exception."""
    try:
        yield
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1 and isinstance(group.exceptions[0], Exception):
            only = group.exceptions[0]
            raise only from only.__cause__
        raise
