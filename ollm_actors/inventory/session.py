"""A runtime of just the inventory and limits actors, for commands that only read models.

``ollm list``, ``ps``, ``show`` and ``limits`` need neither downloads nor routing; starting
only these two actors keeps those commands' start-up short. The order and wiring are the
full runtime's (inventory first, its ref in ``ctx.refs`` before limits starts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from ollm_actors.config.model import Settings
from ollm_actors.inventory.actor import InventoryActor
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.runtime.context import RuntimeContext, open_context

if TYPE_CHECKING:
    from ollm_actors.limits.api import LimitsAPI

__all__ = ("InventorySession", "open_inventory")


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
    async with open_context(settings) as (ctx, system):
        ctx.refs["inventory"] = await system.spawn(
            lambda: InventoryActor(ctx, follow_pulls=False), name="inventory"
        )
        limits: LimitsAPI | None = None
        if with_limits:
            from ollm_actors.limits.actor import LimitsActor
            from ollm_actors.limits.api import LimitsAPI

            ctx.refs["limits"] = await system.spawn(lambda: LimitsActor(ctx), name="limits")
            limits = LimitsAPI(ctx)
        yield InventorySession(ctx, InventoryAPI(ctx), limits)
