"""Lazy package exports: a package names its public objects and the modules that define
them, and each module is imported on the first access of one of its names.

Commands such as ``ollm --help`` import the packages but use almost none of their contents;
this keeps their start from paying for the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ("lazy_getattr",)


def lazy_getattr(
    package: str, homes: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``homes[name]`` (a full module
    name) on first access and stores the value in ``namespace`` (the package's globals), so
    later accesses are plain lookups. Unknown names raise ``AttributeError``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    return __getattr__
