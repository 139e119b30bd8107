"""What every actor of a runtime shares: settings, the event bus, the host clients, a clock,
and the refs of the actors started before it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ollm_actors.config.model import Settings
from ollm_actors.ollama.pool import HostPool
from ollm_actors.runtime.bus import EventBus
from ollm_actors.runtime.ref import ActorRef

__all__ = ("RuntimeContext",)


class RuntimeContext:
    """The runtime's shared, read-only services.

    ``refs`` gains each actor's ref as it is spawned (inventory, limits, downloads, router, in
    that order); an actor may use the refs of actors spawned before it, and must reach any
    later one only through events.
    """

    __slots__ = ("bus", "cache_dir", "clock", "hosts", "refs", "settings")

    def __init__(
        self,
        *,
        settings: Settings,
        bus: EventBus,
        hosts: HostPool,
        cache_dir: Path | None,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.bus = bus
        self.hosts = hosts
        self.cache_dir = cache_dir
        self.clock = clock
        self.refs: dict[str, ActorRef[Any]] = {}
