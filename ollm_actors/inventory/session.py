"""A runtime of just the inventory and limits actors, for commands that only read models.

``ollm list``, ``ps``, ``show`` and ``limits`` need neither downloads nor routing; starting
only these two actors keeps those commands' start-up short. The order and wiring are the
full runtime's (inventory first, its ref in ``ctx.refs`` before limits starts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from ollm_actors.config.model import Settings
from ollm_actors.inventory.actor import InventoryActor
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.ollama.pool import HostPool
from ollm_actors.runtime.bus import EventBus
from ollm_actors.runtime.context import RuntimeContext
from ollm_actors.runtime.supervision import ActorSystem

if TYPE_CHECKING:
    from ollm_actors.limits.api import LimitsAPI

__all__ = ("InventorySession", "cache_dir_for", "open_inventory")


def cache_dir_for(settings: Settings) -> Path:
    """``cache.dir`` (``OLLM_CACHE_DIR``) if set, else the platform's user cache dir."""
    if settings.cache.dir:
        return Path(settings.cache.dir).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ollm", appauthor=False))


class InventorySession:
    """``models`` (the inventory), ``limits`` (None unless asked for) and ``ctx``."""

    def __init__(self, ctx: RuntimeContext, models: InventoryAPI, limits: LimitsAPI | None) -> None:
        self.ctx = ctx
        self.models = models
        self.limits = limits


@asynccontextmanager
async def open_inventory(
    settings: Settings, *, with_limits: bool = False
) -> AsyncIterator[InventorySession]:
    """Start the inventory actor (and the limits actor when ``with_limits``).

    Leaving the block stops them (pending cache writes are flushed) and closes every host
    client; no task outlives it.
    """
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
            clock=anyio.current_time,
        )
        async with ActorSystem(clock=ctx.clock) as system:
            ctx.refs["inventory"] = await system.spawn(
                lambda: InventoryActor(ctx), name="inventory"
            )
            limits: LimitsAPI | None = None
            if with_limits:
                from ollm_actors.limits.actor import LimitsActor
                from ollm_actors.limits.api import LimitsAPI

                ctx.refs["limits"] = await system.spawn(lambda: LimitsActor(ctx), name="limits")
                limits = LimitsAPI(ctx)
            yield InventorySession(ctx, InventoryAPI(ctx), limits)
