"""``open_runtime()``: the one place that knows which actors exist and how they are wired.

Each actor gets its collaborators at construction: the settings, the host clients, the event
bus, and the typed clients of the actors it asks (the limits and downloads actors ask the
inventory; the router asks the inventory and the limits actor). The runtime hands out
``rt.models`` (inventory and downloads), ``rt.limits``, ``rt.router``, ``rt.hosts`` and
``rt.events``.

Everything runs in one task group: leaving the ``async with`` (normally, by an error, or by
cancellation) stops the actors in reverse start order, closes every host client, and leaves
no task running.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.cell import ActorStatistics
from ollm_actors.actors.supervision import ActorSystem, RestartPolicy
from ollm_actors.config.model import Settings
from ollm_actors.downloads.lifecycle_api import LifecycleMixin
from ollm_actors.errors import ActorUnavailable
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.inventory.hosts_api import HostsAPI
from ollm_actors.ollama.deadlines import Deadlines
from ollm_actors.ollama.pool import HostPool
from ollm_actors.state.interface import Health, SharedState, StateHealthChanged
from ollm_actors.state.open import open_state
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.database import OnFirstUse

if TYPE_CHECKING:
    from ollm_actors.downloads.api import DownloadsAPI
    from ollm_actors.downloads.handle import PullHandle
    from ollm_actors.downloads.messages import PullInfo
    from ollm_actors.downloads.result import PullResult
    from ollm_actors.inventory.types import ModelDetails, ModelInfo, ModelStatus
    from ollm_actors.limits.api import LimitsAPI
    from ollm_actors.routing.api import RouterAPI
    from ollm_actors.service.server import Service

__all__ = ("ACTORS", "ActorName", "ModelsAPI", "Runtime", "cache_dir_for", "open_runtime")

logger = logging.getLogger("ollm_actors.state")

ActorName = Literal["inventory", "limits", "downloads", "router"]
#: every actor, in start order (each may ask only the ones before it)
ACTORS: tuple[ActorName, ...] = ("inventory", "limits", "downloads", "router")
# What each actor asks; a subset of actors is closed over this before it starts.
_NEEDS: dict[ActorName, tuple[ActorName, ...]] = {
    "inventory": (),
    "limits": ("inventory",),
    "downloads": ("inventory",),
    "router": ("inventory", "limits"),
}


def cache_dir_for(settings: Settings) -> Path:
    """``cache.dir`` (``OLLM_CACHE_DIR``) if set, else the platform's user cache dir."""
    if settings.cache.dir:
        return Path(settings.cache.dir).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ollm", appauthor=False))


def _closure(wanted: Collection[str]) -> tuple[ActorName, ...]:
    unknown = sorted(set(wanted) - set(ACTORS))
    if unknown:
        raise ValueError(f"unknown actors {unknown}; the actors are {', '.join(ACTORS)}")
    chosen: set[str] = set()
    pending = list(wanted)
    while pending:
        name = pending.pop()
        if name not in chosen:
            chosen.add(name)
            pending.extend(_NEEDS[name])  # type: ignore[index]
    return tuple(name for name in ACTORS if name in chosen)


_API = TypeVar("_API")


def _started(api: _API | None, name: str) -> _API:
    """``api``, or ``ActorUnavailable`` for an actor this runtime was opened without."""
    if api is None:
        raise ActorUnavailable(name, "not started in this runtime (see open_runtime's actors=)")
    return api


class ModelsAPI(LifecycleMixin):
    """``rt.models``, the seed's ModelManagementService: list, show and status are the
    inventory's; pull and delete are the downloads actor's (``ActorUnavailable`` when the
    runtime was opened without it); copy, create, load, stop, push and update are the
    lifecycle calls (:class:`~ollm_actors.downloads.lifecycle_api.LifecycleMixin`)."""

    def __init__(
        self,
        inventory: InventoryAPI | None,
        downloads: DownloadsAPI | None,
        *,
        pool: HostPool,
        bus: EventBus,
        clock: Callable[[], float],
    ) -> None:
        self._inventory = inventory
        self._downloads = downloads
        self._pool, self._bus, self._clock = pool, bus, clock

    @property
    def inventory(self) -> InventoryAPI:
        return _started(self._inventory, "inventory")

    @property
    def downloads(self) -> DownloadsAPI:
        return _started(self._downloads, "downloads")

    async def list_models(self, host: str | None = None, refresh: bool = False) -> list[ModelInfo]:
        """Models on every online or cached host (or on ``host``); see InventoryAPI."""
        return await self.inventory.list_models(host, refresh)

    async def show_model(self, name: str, host: str | None = None) -> ModelDetails:
        """The server's facts about a model (fetched once per digest, then cached)."""
        return await self.inventory.show_model(name, host)

    async def get_model_status(self, name: str, host: str | None = None) -> ModelStatus:
        """available | pulling | absent | unknown, with hosts, fraction or suggestions."""
        return await self.inventory.get_model_status(name, host)

    async def start_pull(
        self, name: str, host: str | None = None, *, started_by: str | None = None
    ) -> PullHandle:
        """Start (or join) a pull and return its handle at once; ``started_by`` labels
        the share (default: this process)."""
        return await self.downloads.start_pull(name, host, started_by=started_by)

    async def pulls(self, *, recent: bool = False) -> tuple[PullInfo, ...]:
        """The pulls in flight (and with ``recent`` the last 20 ended); see DownloadsAPI."""
        return await self.downloads.pulls(recent=recent)

    async def cancel_pull(self, target: int | str, host: str | None = None) -> PullInfo:
        """Cancel every share of the pull with that id or model name; see DownloadsAPI."""
        return await self.downloads.cancel_pull(target, host)

    async def pull_model(
        self,
        name: str,
        host: str | None = None,
        on_progress: Callable[[Any], object] | None = None,
    ) -> PullResult:
        """Pull a model and wait for the end; cancelling the caller cancels its share."""
        return await self.downloads.pull_model(name, host, on_progress)

    async def delete_model(self, name: str, host: str | None = None) -> None:
        """Delete a model (refused while a pull of it is in flight)."""
        await self.downloads.delete_model(name, host)


class Runtime:
    """A running set of actors: ``models``, ``limits``, ``router`` and ``events``.

    ``limits`` and ``router`` raise ``ActorUnavailable`` when the runtime was opened without
    them; ``actors`` names the ones that run.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        events: EventBus,
        hosts: HostPool,
        system: ActorSystem,
        models: ModelsAPI,
        limits: LimitsAPI | None,
        router: RouterAPI | None,
        actors: tuple[ActorName, ...],
        state: SharedState,
    ) -> None:
        self.settings = settings
        self.events = events
        #: what this runtime shares with others (``state.backend``); ``state.origin`` is
        #: this runtime's id, the ``origin`` of its events on other machines
        self.state = state
        self.models = models
        self.actors = actors
        self._hosts = hosts
        self._system = system
        self._limits = limits
        self._router = router

    @property
    def limits(self) -> LimitsAPI:
        return _started(self._limits, "limits")

    @property
    def router(self) -> RouterAPI:
        return _started(self._router, "router")

    @property
    def hosts(self) -> HostsAPI:
        """The configured hosts: a sequence of their display URLs (the default first) with
        ``status()`` and ``probe()``, their health (``ollm hosts``)."""
        return HostsAPI(self._hosts.urls, self.models._inventory)

    def resolve_host(self, host: str | None) -> str:
        """The display URL of a configured host from any spelling of it (None: the default).

        Raises ``InvalidHost`` for a host that is not configured."""
        return self._hosts.resolve(host)

    def statistics(self) -> tuple[ActorStatistics, ...]:
        """Each actor's counters and state (queued, handled, restarts), in start order."""
        return self._system.statistics()

    def serve(
        self,
        *,
        socket: str | Path | None = None,
        listen: str | None = None,
        token: str | None = None,
    ) -> AbstractAsyncContextManager[Service]:
        """Expose this runtime over HTTP while inside the ``async with`` (see
        :func:`ollm_actors.service.serve`): at ``socket`` (default: the user runtime dir's
        ``ollm/ollm.sock``) or, with ``listen="HOST:PORT"``, over TCP (``token`` required
        off loopback). A person can then watch and cancel this runtime's pulls from a
        shell (``ollm pulls``, ``ollm events``)."""
        from ollm_actors.service.server import serve

        return serve(self, socket=socket, listen=listen, token=token)


@asynccontextmanager
async def open_runtime(
    settings: Settings | None = None,
    *,
    actors: Collection[str] = ACTORS,
    clock: Callable[[], float] | None = None,
    restart: RestartPolicy | None = None,
    events: EventBus | None = None,
) -> AsyncIterator[Runtime]:
    """Start the runtime; works under trio and asyncio.

    ``settings`` defaults to :func:`ollm_actors.load_settings` with no arguments (files and
    environment). ``actors`` starts a subset (with the actors they ask: the router needs the
    inventory and the limits actor), which keeps a read-only command's start short.
    ``clock`` (default ``anyio.current_time``) drives TTLs, backoff and rates; ``events`` is
    a bus of the caller's (to listen from before the first actor starts). Raises
    ``SettingsError`` for bad settings and ``ValueError`` for an unknown actor name; on exit
    every actor is stopped and awaited and no task outlives the block.
    """
    import anyio

    if settings is None:
        from ollm_actors.config import load_settings

        settings = load_settings()
    started = _closure(actors)
    policy = restart or RestartPolicy()
    # One clock: the same reading times TTLs and backoff and stamps events.
    one_clock = Clock(clock or anyio.current_time)
    now = one_clock.now
    bus = events if events is not None else EventBus(clock=one_clock.wall)
    cache_dir = cache_dir_for(settings)
    timeouts = settings.providers.ollama.timeouts
    wire = settings.providers.ollama.limits
    async with (
        HostPool(
            settings.hosts(),
            deadlines=Deadlines(
                connect=timeouts.connect, first_byte=timeouts.first_byte,
                stall=timeouts.stream_stall, request=timeouts.request,
            ),
            max_tags_bytes=wire.max_body_bytes.tags,
            max_show_bytes=wire.max_body_bytes.show,
            max_ps_bytes=wire.max_body_bytes.ps,
            max_version_bytes=wire.max_body_bytes.version,
            max_error_bytes=wire.max_body_bytes.error,
            max_pull_line_bytes=wire.max_line_bytes,
            max_json_depth=wire.max_json_depth,
        ) as hosts,
        open_state(settings, one_clock, _health_reporter(bus, settings)) as shared,
        _bridged(bus, shared, settings),
        ActorSystem(clock=now) as system,
    ):
        # Read at most once per runtime, when first needed, and shared by every actor.
        database = OnFirstUse()
        inventory: InventoryAPI | None = None
        limits: LimitsAPI | None = None
        downloads: DownloadsAPI | None = None
        router: RouterAPI | None = None
        if "inventory" in started:
            from ollm_actors.inventory.actor import InventoryActor

            ref = await system.spawn(
                lambda: InventoryActor(
                    settings=settings,
                    hosts=hosts,
                    bus=bus,
                    cache_dir=cache_dir,
                    database=database,
                    clock=one_clock,
                    follow_pulls="downloads" in started,
                    state=shared,
                ),
                name="inventory",
                restart=policy,
            )
            inventory = InventoryAPI(ref, hosts)
        if "limits" in started:
            from ollm_actors.limits.actor import LimitsActor
            from ollm_actors.limits.api import LimitsAPI

            limits_ref = await system.spawn(
                lambda: LimitsActor(
                    settings=settings,
                    hosts=hosts,
                    bus=bus,
                    inventory=inventory,
                    database=database,
                ),
                name="limits",
                restart=policy,
            )
            limits = LimitsAPI(limits_ref, settings, hosts, inventory=inventory)
        if "downloads" in started:
            from ollm_actors.downloads.actor import DownloadsActor
            from ollm_actors.downloads.api import DownloadsAPI

            downloads_ref = await system.spawn(
                lambda: DownloadsActor(
                    settings=settings,
                    hosts=hosts,
                    bus=bus,
                    inventory=inventory,
                    database=database,
                    wall=one_clock.wall,
                    state=shared,
                ),
                name="downloads",
                restart=policy,
            )
            downloads = DownloadsAPI(downloads_ref, hosts=hosts, bus=bus)
        if "router" in started:
            from ollm_actors.routing.actor import RouterActor
            from ollm_actors.routing.api import RouterAPI

            assert inventory is not None and limits is not None  # the closure adds them
            router_ref = await system.spawn(
                lambda: RouterActor(
                    settings=settings,
                    bus=bus,
                    inventory=inventory,
                    limits=limits,
                    database=database,
                    state=shared,
                ),
                name="router",
                restart=policy,
            )
            router = RouterAPI(router_ref, settings)
        yield Runtime(
            settings=settings,
            events=bus,
            hosts=hosts,
            system=system,
            models=ModelsAPI(inventory, downloads, pool=hosts, bus=bus, clock=now),
            limits=limits,
            router=router,
            actors=started,
            state=shared,
        )


def _bridged(bus: EventBus, shared: SharedState, settings: Settings) -> Any:
    """Events across machines (:mod:`ollm_actors.service.bridge`) when the state is shared."""
    if shared.shared:
        from ollm_actors.service.bridge import open_bridge

        return open_bridge(bus, shared, settings.state)
    return nullcontext()


def _health_reporter(bus: EventBus, settings: Settings) -> Callable[[Health, str], None]:
    """``state.degraded`` / ``state.recovered`` on the bus, and one warning per outage."""
    from ollm_actors.vocab.hosts import redact_url

    url = redact_url(settings.state.url or "")

    def report(health: Health, reason: str) -> None:
        if health == "degraded":
            logger.warning("%s; working on local state until it answers again", reason)
        topic = "state.degraded" if health == "degraded" else "state.recovered"
        bus.publish(topic, StateHealthChanged(health=health, url=url, reason=reason))

    return report
