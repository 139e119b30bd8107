"""What every actor of a runtime shares: settings, the event bus, the host clients, a clock,
and the refs of the actors started before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ollm_actors.config.model import Settings
from ollm_actors.ollama.pool import HostPool
from ollm_actors.runtime.bus import EventBus
from ollm_actors.runtime.ref import ActorRef
from ollm_actors.runtime.supervision import ActorSystem

__all__ = ("RuntimeContext", "cache_dir_for", "open_context")


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


def cache_dir_for(settings: Settings) -> Path:
    """``cache.dir`` (``OLLM_CACHE_DIR``) if set, else the platform's user cache dir."""
    if settings.cache.dir:
        return Path(settings.cache.dir).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ollm", appauthor=False))


@asynccontextmanager
async def open_context(
    settings: Settings, *, clock: Callable[[], float] | None = None
) -> AsyncIterator[tuple[RuntimeContext, ActorSystem]]:
    """The shared services of a runtime and an empty actor system to spawn actors into.

    Opens a client per configured host; on exit the actors stop (reverse spawn order) before
    the clients close. ``clock`` defaults to ``anyio.current_time``.
    """
    import anyio

    provider = settings.providers.ollama
    async with HostPool(
        settings.hosts(),
        connect_timeout=provider.timeouts.connect,
        read_timeout=provider.timeouts.read,
    ) as hosts:
        ctx = RuntimeContext(
            settings=settings,
            bus=EventBus(),
            hosts=hosts,
            cache_dir=cache_dir_for(settings),
            clock=clock or anyio.current_time,
        )
        async with ActorSystem(clock=ctx.clock) as system:
            yield ctx, system
