"""Import httpcore without importing trio until httpcore really needs it.

httpcore (1.0.x) runs ``import trio`` at import time in two modules (``_synchronization`` and
``_backends/trio``) whenever trio is installed, and httpx imports httpcore when its first
transport is built. Importing trio costs 60-130 ms, which a CLI running on asyncio should not
pay. Every use of ``trio`` in those modules is inside a function, so while httpcore is being
imported we put a stand-in module under the name ``trio``: its first attribute access imports
the real trio. Under trio nothing changes (trio is already imported, so no stand-in is used);
under asyncio trio is never imported. Choosing httpcore's network backend explicitly does not
help, because the import happens before any backend is chosen.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ("import_httpcore",)


class _TrioOnFirstUse(types.ModuleType):
    """Stands in for ``trio`` inside httpcore; forwards every attribute to the real module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("trio"), name)


def import_httpcore() -> None:
    """Make sure httpcore is imported, without importing trio if it is not loaded yet.

    Idempotent and synchronous; safe to call before every client is created.
    """
    if "httpcore" in sys.modules:
        return
    if "trio" in sys.modules:
        importlib.import_module("httpcore")
        return
    stand_in = _TrioOnFirstUse("trio")
    sys.modules["trio"] = stand_in
    try:
        importlib.import_module("httpcore")
    except ImportError:
        # A later httpcore that imports trio's submodules at import time: drop what was
        # half-imported and pay for trio rather than fail.
        for name in [m for m in sys.modules if m == "httpcore" or m.startswith("httpcore.")]:
            del sys.modules[name]
        del sys.modules["trio"]
        importlib.import_module("httpcore")
    finally:
        # Later `import trio` statements must load the real package.
        if sys.modules.get("trio") is stand_in:
            del sys.modules["trio"]
