"""The runtime over HTTP: :func:`serve` exposes a runtime (``ollm serve``,
``rt.serve()``), :func:`connect` attaches to one with the same API as ``Runtime``.

Served by hypercorn (trio or asyncio, whichever runs) with a Starlette application; the
client is httpx. Those are imported only when a service is served or connected to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ollm_actors.service.discovery import default_socket, find_service, parse_target

if TYPE_CHECKING:
    from ollm_actors.service.client import connect as connect
    from ollm_actors.service.server import Service as Service
    from ollm_actors.service.server import serve as serve

__all__ = ("Service", "connect", "default_socket", "find_service", "parse_target", "serve")

_LAZY = {
    "connect": "ollm_actors.service.client",
    "serve": "ollm_actors.service.server",
    "Service": "ollm_actors.service.server",
}


def __getattr__(name: str) -> Any:
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
