"""What a served runtime offers: the service types what it serves with this Protocol, so it
needs nothing of ``ollm_actors.runtime`` (which sits above it and imports it lazily)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ollm_actors.actors.bus import EventBus

__all__ = ("ServedRuntime",)


class ServedRuntime(Protocol):
    """A running runtime: ``Runtime`` is one; tests may serve a stand-in."""

    @property
    def models(self) -> Any: ...

    @property
    def limits(self) -> Any: ...

    @property
    def router(self) -> Any: ...

    @property
    def hosts(self) -> Sequence[str]: ...

    @property
    def events(self) -> EventBus: ...

    @property
    def settings(self) -> Any: ...

    def resolve_host(self, host: str | None) -> str: ...

    def statistics(self) -> Sequence[Any]: ...
