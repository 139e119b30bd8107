"""The Runtime facade: ``open_runtime()`` starts the four actors and hands out their APIs.

``rt.models`` (inventory and downloads), ``rt.limits``, ``rt.router`` and ``rt.events``.
Everything runs in one task group: leaving the ``async with`` (normally, by an error, or by
cancellation) stops the actors in reverse start order, closes every host client, and leaves
no task running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from ollm_actors.config.model import Settings
from ollm_actors.downloads.actor import DownloadsActor
from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.inventory.actor import InventoryActor
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.limits.actor import LimitsActor
from ollm_actors.limits.api import LimitsAPI
from ollm_actors.routing.actor import RouterActor
from ollm_actors.routing.api import RouterAPI
from ollm_actors.runtime.bus import EventBus
from ollm_actors.runtime.cell import ActorStatistics
from ollm_actors.runtime.context import RuntimeContext, open_context
from ollm_actors.runtime.models_api import ModelsAPI
from ollm_actors.runtime.supervision import ActorSystem, RestartPolicy

__all__ = ("Runtime", "open_runtime")


class Runtime:
    """A running set of actors: ``models``, ``limits``, ``router`` and ``events``."""

    def __init__(self, ctx: RuntimeContext, system: ActorSystem) -> None:
        self._ctx = ctx
        self._system = system
        self.settings = ctx.settings
        self.events: EventBus = ctx.bus
        self.models = ModelsAPI(InventoryAPI(ctx), DownloadsAPI(ctx))
        self.limits = LimitsAPI(ctx)
        self.router = RouterAPI(ctx)

    @property
    def hosts(self) -> tuple[str, ...]:
        """Display URLs of the configured hosts, the default first."""
        return self._ctx.hosts.urls

    def statistics(self) -> tuple[ActorStatistics, ...]:
        """Each actor's counters and state (queued, handled, restarts)."""
        return self._system.statistics()


@asynccontextmanager
async def open_runtime(
    settings: Settings | None = None,
    *,
    clock: Callable[[], float] | None = None,
    restart: RestartPolicy | None = None,
) -> AsyncIterator[Runtime]:
    """Start the runtime; works under trio and asyncio.

    ``settings`` defaults to :func:`ollm_actors.load_settings` with no arguments (files and
    environment). ``clock`` (default ``anyio.current_time``) drives TTLs, backoff and rates.
    Raises :class:`~ollm_actors.errors.SettingsError` for bad settings; on exit every actor is
    stopped and awaited and no task outlives the block.
    """
    if settings is None:
        from ollm_actors.config import load_settings

        settings = load_settings()
    policy = restart or RestartPolicy()
    async with open_context(settings, clock=clock) as (ctx, system):
        for name, factory in (
            ("inventory", InventoryActor),
            ("limits", LimitsActor),
            ("downloads", DownloadsActor),
            ("router", RouterActor),
        ):
            ctx.refs[name] = await system.spawn(
                lambda factory=factory: factory(ctx),  # type: ignore[misc]
                name=name,
                restart=policy,
            )
        yield Runtime(ctx, system)
