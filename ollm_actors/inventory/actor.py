"""The inventory actor: installed and loaded models per host, host health, the cache file.

* **Lists** are answered from memory while younger than ``inventory.ttl`` (measured with the
  runtime's clock). Otherwise a fetch starts as a child task; every ask that arrives while it
  runs waits for that same fetch (:class:`~ollm_actors.inventory.pending.PendingFetch`), so
  concurrent asks cost one request. Hosts are fetched concurrently, each request bounded by
  the deadline ``timeouts.request`` (a hung host fails sooner, at the client's ``connect``
  and ``firstByte`` bounds), and an answer waits only for the hosts it is about, so a dead
  host never delays the answer about a live one beyond those bounds.
* **Offline**: a host that refuses or times out is marked offline, ``host.offline`` is
  published, its last list is served marked stale and a probe (child task, capped exponential
  backoff ``inventory.probe.initial/.max``) watches it. When it answers, the list is fetched
  again and ``host.online`` then ``inventory.changed`` are published. A host known offline is
  answered from its cache at once, without waiting for it.
* **Cache**: one file per host (:mod:`~ollm_actors.inventory.persist`), loaded in
  ``on_start`` (stale until the host confirms it) and rewritten in the background after each
  change; ``cache.corrupt`` and ``cache.unwritable`` report problems, never raised, and
  ``cache.writable`` the end of an outage (failed writes are retried with backoff).
* **Health** (:mod:`~ollm_actors.inventory.health`): every
  ``providers.ollama.health.interval`` seconds each host is probed (``/api/version``, timed);
  every outcome (probes and fetches) updates the host's word, online / degraded / offline,
  and a change publishes ``host.online`` / ``host.degraded`` / ``host.offline``. Failures
  also feed the cooldown rule (``routing.cooldown``): ``host.cooldown`` when a host enters
  one, ``host.cooldown_ended`` (and a probe) when it is over.
* **Shared** with other runtimes (:mod:`~ollm_actors.inventory.sharing`, through the injected
  state): cooldowns as they start and end, each list a host answered, the facts it learned.
  A list due for a fetch is first looked up there (another runtime's fresher snapshot is
  used instead of asking), a show fetch too (facts per digest).
* **Events heard**: ``pull.*`` (to answer ``pulling`` and to refetch after ``pull.done``) and
  ``model.deleted`` (to drop the model at once), this runtime's own only (``origin`` None).

The decisions are in :mod:`~ollm_actors.inventory.rules`; this shell holds the state, starts
the fetches and applies their outcome.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import anyio

from ollm_actors.actors import Actor, Reply, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.errors import OllmError
from ollm_actors.inventory import health, rules
from ollm_actors.inventory.fetch import Fetches
from ollm_actors.inventory.follow import follow_pulls
from ollm_actors.inventory.health_handlers import HealthHandlers
from ollm_actors.inventory.hoststate import HostState, rfc3339
from ollm_actors.inventory.messages import (
    CacheWriteFailed,
    CacheWriteRecovered,
    Fetched,
    GetStatus,
    HostsStatus,
    InventoryMessage,
    KnownDetails,
    ListLoaded,
    ListModels,
    ShowModel,
)
from ollm_actors.inventory.pending import PendingFetch, after_all, answer_after
from ollm_actors.inventory.persist import CacheKeeper
from ollm_actors.inventory.probe import Probes, health_loop
from ollm_actors.inventory.pull_handlers import PullHandlers
from ollm_actors.inventory.sharing import Sharing
from ollm_actors.inventory.snapshots import SharedDetails, SharedList
from ollm_actors.inventory.types import (
    HostCooldown,
    HostCooldownEnded,
    HostOffline,
    HostOnline,
    HostStatus,
    ModelDetails,
)
from ollm_actors.inventory.writer import WriteFile, save_file
from ollm_actors.ollama.pool import HostPool
from ollm_actors.ollama.types import PsResponse, TagsResponse
from ollm_actors.state.interface import SharedState
from ollm_actors.state.local import LocalState
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.database import DatabaseSource
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.pull_events import PullEvent
from ollm_actors.vocab.suggest import pullable_names

__all__ = ("InventoryActor", "InventoryMessage")

logger = logging.getLogger("ollm_actors.inventory")


class InventoryActor(HealthHandlers, PullHandlers, Actor[InventoryMessage]):
    """Owns, per host: installed models, loaded models, last good fetch, online, stale."""

    def __init__(
        self,
        *,
        settings: Settings,
        hosts: HostPool,
        bus: EventBus,
        cache_dir: Path | None,
        database: DatabaseSource,
        clock: Clock,
        follow_pulls: bool = True,
        cache_write: WriteFile = save_file,
        cache_sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        health_sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        state: SharedState | None = None,
    ) -> None:
        """``database`` names what is pullable; ``clock`` gives the wall time of fetches and
        set-aside files (``now()`` is its monotonic reading). ``follow_pulls`` is false with
        no downloads actor (no ``pull.*`` event can come). Seams for tests: ``cache_write``
        (one file's blocking write), ``cache_sleep`` (the wait before a retry) and
        ``health_sleep`` (how the health loop and the cooldown timer wait). ``state`` is what
        it shares with other runtimes (default: nothing, a :class:`LocalState`)."""
        self._shared: SharedState = state if state is not None else LocalState(clock)
        self._database = database
        self._clock = clock
        self._follow_pulls = follow_pulls
        self._settings = settings
        self._pool = hosts
        self._bus = bus
        self._cache_dir = cache_dir
        self._cache_write = cache_write
        self._cache_sleep = cache_sleep
        self._health_sleep = health_sleep

    def _pullable(self) -> list[str]:
        return pullable_names(entry.pattern for entry in self._database())

    # life cycle ---------------------------------------------------------------------------

    async def on_start(self) -> None:
        inventory = self._settings.inventory
        timeouts = self._settings.providers.ollama.timeouts
        self._ttl = inventory.ttl
        self._probe_initial = inventory.probe.initial
        self._probe_max = inventory.probe.max
        self._deadline = timeouts.request
        self._hosts = {url: HostState(url) for url in self._pool.urls}
        self._attached: dict[str, HostState] = {}
        self._fetches = Fetches(self._pool, self._deadline, self.start_soon, self.ref.tell)
        self._probes = Probes(self._pool, self._deadline, self.now, self.start_soon, self.ref.tell)
        self._slow = self._settings.providers.ollama.health.slow
        self._cooldown = self._settings.routing.cooldown.rule()
        self._sharing = Sharing(self._shared, self._clock, self.start_soon, ttl=self._ttl)
        self._pulls: dict[rules.PullKey, PullEvent] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        ref = self.ref
        self._cache = CacheKeeper(
            self._cache_dir,
            self._bus,
            lambda path, why: ref.tell(CacheWriteFailed(path, why)),
            self._clock,
            recovered=lambda path: ref.tell(CacheWriteRecovered(path)),
            write=self._cache_write,
            sleep=self._cache_sleep,
        )
        for url, document in (await self._cache.load(self._pool.urls)).items():
            self._hosts[url].load(document)
        if self._cache.writing:
            await self.start_task(self._cache.run)
        if self._follow_pulls:
            self._unsubscribe = follow_pulls(self._bus, ref, self.start_soon)
        interval = self._settings.providers.ollama.health.interval
        if interval > 0:
            self.start_soon(health_loop, interval, self._health_sleep, ref.tell, name="health")

    async def on_stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._cache.flush()

    # applying outcomes ----------------------------------------------------------------------

    @handler
    async def _fetched(self, msg: Fetched) -> None:
        pending = self._fetches.finished(msg.key)
        state = self._state(msg.key.host)
        value, error = msg.value, msg.error
        if isinstance(value, TagsResponse | SharedList):
            self._listed(state, value)
        elif isinstance(value, PsResponse):
            state.record_loaded(value.models)
            self._announce(health.health_news(state))
        elif isinstance(value, SharedDetails):
            state.shown[msg.key.digest] = value.details
            self._persist(state)
        elif isinstance(value, ModelDetails):
            state.shown[msg.key.digest] = value
            self._persist(state)
            self._sharing.learned(value)
        elif error is not None:
            self._failed(state, msg.key.kind, error)
        if pending is not None:
            pending.settle(error)

    def _listed(self, state: HostState, value: TagsResponse | SharedList) -> None:
        """Apply a good list: the host's answer (then shared), or another runtime's shared
        snapshot, which counts as fetched when that runtime fetched it (its TTL runs from
        there, so lists passed on between runtimes never outlive ``inventory.ttl``)."""
        models, wall = value.models, self._clock.wall()
        unchanged = rules.cache_file_still_true(state, models, wall=wall, ttl=self._ttl)
        if isinstance(value, SharedList):
            now, stamp = self.now() - max(0.0, wall - value.stamp), rfc3339(value.stamp)
        else:
            now, stamp = self.now(), self._clock.rfc3339()
        self._announce(rules.apply_list(state, models, now=now, wall=stamp))
        if isinstance(value, SharedList):
            state.snapshot_stamp = value.stamp
        else:
            self._sharing.listed(state, models)
        if state.probe is not None:
            state.probe.cancel()
            state.probe = None
        if not unchanged:
            self._persist(state)

    def _announce(self, news: Iterable[tuple[str, object]]) -> None:
        for topic, payload in news:
            if isinstance(payload, HostOffline):
                logger.info("Ollama host %s is offline: %s", payload.host, payload.reason)
            elif isinstance(payload, HostOnline):
                logger.info("Ollama host %s is back online", payload.host)
            elif isinstance(payload, HostCooldown):
                self._sharing.cooldown_started(
                    payload.host, payload.reason, self._cooldown.duration
                )
            elif isinstance(payload, HostCooldownEnded):
                self._sharing.cooldown_ended(payload.host)
            self._bus.publish(topic, payload)

    def _persist(self, state: HostState) -> None:
        if state.listed is not None:
            self._cache.save(state.document())
            state.saved_wall = state.fetched_wall

    # asks -----------------------------------------------------------------------------------

    def _state(self, url: str) -> HostState:
        """The state of a configured host, or of one attached to the pool for a call (made
        on first use; it stays out of the answers about every host)."""
        state = self._hosts.get(url)
        if state is None:
            state = self._attached.get(url)
            if state is None:
                state = self._attached[url] = HostState(url)
        return state

    def _targets(self, host: str | None) -> list[HostState]:
        if host is None:
            return list(self._hosts.values())
        return [self._state(self._pool.resolve(host))]

    def _lists(self, targets: Iterable[HostState], *, refresh: bool) -> list[PendingFetch]:
        """The list fetches an answer about ``targets`` waits for, started where due."""
        in_flight = self._fetches.in_flight("tags")
        due = rules.lists_to_wait_for(
            targets, in_flight=in_flight, now=self.now(), ttl=self._ttl, refresh=refresh
        )
        return [self._tags(url, refresh=refresh) for url in due]

    def _tags(self, url: str, *, refresh: bool) -> PendingFetch:
        """The list fetch of ``url``, looked up in the shared state first unless the host
        must be asked: a refresh, a list dirty after a pull here, or a host whose list
        failed here (offline or erring: another runtime's snapshot would hide what this one
        sees of the host)."""
        state = self._state(url)
        ask = refresh or state.dirty or state.online is False or "tags" in state.trouble
        return self._fetches.tags(url, None if ask else self._sharing.list_lookup(state))

    @handler
    async def _list(self, msg: ListModels) -> None:
        targets = self._targets(msg.host)
        waits = self._lists(targets, refresh=msg.refresh)
        answer_after(waits, self.defer(msg), lambda: rules.snapshot(targets, *self._moment()))

    def _moment(self) -> tuple[float, float]:
        return self.now(), self._clock.wall()

    @handler
    async def _hosts_status(self, msg: HostsStatus) -> None:
        targets = list(self._hosts.values())
        due = health.probes_to_wait_for(
            targets, in_flight=self._probes.in_flight(), fresh_after=None if msg.probe else 0.0
        )
        waits = [self._probes.probe(url) for url in due]
        waits += self._lists(targets, refresh=False)
        waits += [self._fetches.ps(url) for url in rules.loaded_to_wait_for(targets)]

        def statuses() -> list[HostStatus]:
            return [state.status(*self._moment()) for state in targets]

        answer_after(waits, self.defer(msg), statuses)

    @handler
    async def _loaded(self, msg: ListLoaded) -> None:
        targets = self._targets(msg.host)
        waits = [self._fetches.ps(url) for url in rules.loaded_to_wait_for(targets)]
        answer_after(waits, self.defer(msg), functools.partial(rules.loaded_models, targets))

    @handler
    async def _status(self, msg: GetStatus) -> None:
        targets = self._targets(msg.host)
        parsed = parse_model_name(msg.name)
        status = functools.partial(
            rules.model_status,
            parsed.display,
            parsed.key,
            targets,
            pulls=self._pulls,
            every_host=self._hosts.values(),
            pullable=self._pullable,
        )
        answer_after(self._lists(targets, refresh=False), self.defer(msg), status)

    @handler
    async def _show(self, msg: ShowModel) -> None:
        reply = self.defer(msg)
        targets = self._targets(msg.host)
        parsed = parse_model_name(msg.name)

        def step() -> None:
            plan = rules.show_plan(
                parsed.display,
                parsed.key,
                targets,
                named_host=msg.host is not None,
                every_host=self._hosts.values(),
            )
            if isinstance(plan, rules.ShowFetch):
                self._answer_when_shown(reply, plan)
            elif isinstance(plan, OllmError):
                reply.fail(plan)
            else:
                reply.send(plan)

        after_all(self._lists(targets, refresh=False), step)

    @handler
    async def _known(self, msg: KnownDetails) -> None:
        states = [*self._hosts.values(), *self._attached.values()]
        self.defer(msg).send([d for state in states for d in state.shown.values()])

    def _answer_when_shown(self, reply: Reply[ModelDetails], plan: rules.ShowFetch) -> None:
        url, name, digest = plan.state.url, plan.name, plan.digest
        pending = self._fetches.show(
            url, name, digest, self._sharing.facts_lookup(url, name, digest)
        )

        def details() -> ModelDetails:
            if pending.error is not None:
                raise pending.error
            return plan.state.shown[plan.digest]

        answer_after([pending], reply, details)

    @handler
    async def _write_failed(self, msg: CacheWriteFailed) -> None:
        self._cache.write_failed(msg.path, msg.reason)

    @handler
    async def _write_recovered(self, msg: CacheWriteRecovered) -> None:
        self._cache.write_recovered(msg.path)
