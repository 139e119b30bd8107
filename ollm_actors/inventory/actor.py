"""The inventory actor: installed and loaded models per host, host health, the cache file.

* **Lists** are answered from memory while younger than ``inventory.ttl`` (measured with the
  runtime's clock). Otherwise a fetch starts as a child task; every ask that arrives while it
  runs waits for that same fetch (deferred replies), so concurrent asks cost one request.
  Hosts are fetched concurrently, each bounded by its own timeout (connect + read), so a dead
  host never delays the answer about a live one.
* **Offline**: a host that refuses or times out is marked offline, ``host.offline`` is
  published, its last list is served marked stale and a probe (child task, capped exponential
  backoff ``inventory.probe.initial/.max``) watches it. When it answers, the list is fetched
  again and ``host.online`` then ``inventory.changed`` are published. A host known offline is
  answered from its cache at once, without waiting for it.
* **Cache**: one file per host (:mod:`ollm_actors.inventory.store`), loaded in ``on_start``
  (stale until the host confirms it) and rewritten in the background after each change. A
  corrupt or foreign file is set aside and reported as ``cache.corrupt``; an unwritable cache
  dir is reported once as ``cache.unwritable`` and the inventory carries on in memory.
* **Events heard**: ``pull.*`` (to answer ``pulling`` and to refetch after ``pull.done``) and
  ``model.deleted`` (to drop the model at once).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import anyio
import msgspec

from ollm_actors.actors import Actor, InboxFull, Reply, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.errors import HostUnreachable, InvalidHost, ModelNotFound, OllmError
from ollm_actors.inventory.cache import CacheProblem
from ollm_actors.inventory.hoststate import (
    HostState,
    details_from_show,
    loaded_from,
    rfc3339_now,
)
from ollm_actors.inventory.messages import (
    CacheWriteFailed,
    GetStatus,
    ListLoaded,
    ListModels,
    ModelGone,
    ProbeAnswered,
    PsFetched,
    PullSeen,
    ShowFetched,
    ShowModel,
    TagsFetched,
)
from ollm_actors.inventory.store import HostCacheFile, encode_cache, load_host_cache
from ollm_actors.inventory.types import (
    CacheUnwritable,
    HostOffline,
    HostOnline,
    InventoryChanged,
    InventorySnapshot,
    LoadedModel,
    ModelDetails,
    ModelStatus,
)
from ollm_actors.inventory.writer import CacheWriter
from ollm_actors.ollama.pool import HostPool
from ollm_actors.ollama.types import ListedModel
from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.names import model_key, parse_model_name
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent
from ollm_actors.vocab.suggest import close_matches, pullable_names

__all__ = ("InventoryActor", "InventoryMessage")

logger = logging.getLogger("ollm_actors.inventory")

InventoryMessage = (
    ListModels
    | ListLoaded
    | ShowModel
    | GetStatus
    | TagsFetched
    | PsFetched
    | ShowFetched
    | ProbeAnswered
    | CacheWriteFailed
    | PullSeen
    | ModelGone
)

_Key = tuple[str, str]  # ("tags" | "ps", host)
_TERMINAL = frozenset({"pull.done", "pull.failed", "pull.cancelled"})


class _Waiter:
    """An answer that is due once every fetch in ``keys`` has reported back."""

    __slots__ = ("finish", "keys")

    def __init__(self, keys: set[_Key], finish: Callable[[], None]) -> None:
        self.keys = keys
        self.finish = finish


class InventoryActor(Actor[InventoryMessage]):
    """Owns, per host: installed models, loaded models, last good fetch, online, stale."""

    def __init__(
        self,
        *,
        settings: Settings,
        hosts: HostPool,
        bus: EventBus,
        cache_dir: Path | None,
        follow_pulls: bool = True,
    ) -> None:
        """``follow_pulls`` is false in a runtime without a downloads actor: no ``pull.*`` or
        ``model.deleted`` event can reach the bus then, so none is listened for."""
        self._follow_pulls = follow_pulls
        self._settings = settings
        self._pool = hosts
        self._bus = bus
        self._cache_dir = cache_dir

    # life cycle ---------------------------------------------------------------------------

    async def on_start(self) -> None:
        settings = self._settings
        self._ttl = settings.inventory.ttl
        self._probe_initial = settings.inventory.probe.initial
        self._probe_max = settings.inventory.probe.max
        timeouts = settings.providers.ollama.timeouts
        self._deadline = timeouts.connect + timeouts.read
        self._hosts = {url: HostState(url) for url in self._pool.urls}
        self._waiters: list[_Waiter] = []
        self._show_waiters: dict[tuple[str, str], list[Reply[ModelDetails]]] = {}
        self._pulls: dict[tuple[str, str], PullEvent] = {}
        self._unwritable_reported = False
        self._writer: CacheWriter | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        if self._cache_dir is not None:
            await self._load_caches(self._cache_dir)
        if self._writer is not None:
            await self.start_task(self._writer.run)
        if self._follow_pulls:
            self._unsubscribe = [
                self._bus.on("pull.*", self._on_pull_event),
                self._bus.on("model.deleted", self._on_model_deleted),
            ]

    async def on_stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        # Changes not yet written (the writer task is already cancelled) are written now.
        if self._writer is not None:
            for path, reason in await self._writer.flush():
                self._report_unwritable(path, reason)

    async def _load_caches(self, directory: Any) -> None:
        if directory.exists() and not directory.is_dir():
            self._report_unwritable(str(directory), "exists and is not a directory")
            return
        self._writer = CacheWriter(directory, self._tell_write_failed)
        for url, state in self._hosts.items():
            found = await anyio.to_thread.run_sync(load_host_cache, directory, url)
            if isinstance(found, HostCacheFile):
                state.load(found)
            elif isinstance(found, CacheProblem):
                if found.moved_to is None:
                    logger.warning("inventory cache %s not used: %s", found.path, found.reason)
                else:
                    logger.warning(
                        "inventory cache %s set aside as %s: %s",
                        found.path,
                        found.moved_to,
                        found.reason,
                    )
                self._bus.publish("cache.corrupt", found)

    async def _tell_write_failed(self, path: str, reason: str) -> None:
        await self.ref.tell(CacheWriteFailed(path, reason))

    def _report_unwritable(self, path: str, reason: str) -> None:
        self._writer = None
        if self._unwritable_reported:
            return
        self._unwritable_reported = True
        logger.warning(
            "inventory cache %s is not writable (%s); keeping it in memory", path, reason
        )
        self._bus.publish("cache.unwritable", CacheUnwritable(path=path, reason=reason))

    # bus callbacks: run inline in publish(); they only queue a message ---------------------

    def _tell_from_callback(self, msg: PullSeen | ModelGone, droppable: bool) -> None:
        try:
            self.ref.tell_nowait(msg)
        except InboxFull:
            # Progress is superseded by the next event; state events must arrive, so they
            # wait for room in a child task.
            if not droppable:
                self.start_soon(self.ref.tell, msg)
        except OllmError:
            return  # the actor is stopping

    def _on_pull_event(self, event: Any) -> None:
        if isinstance(event.payload, PullEvent):
            droppable = event.topic == "pull.progress"
            self._tell_from_callback(PullSeen(event.topic, event.payload), droppable)

    def _on_model_deleted(self, event: Any) -> None:
        if isinstance(event.payload, ModelDeleted):
            self._tell_from_callback(ModelGone(event.payload), False)

    # helpers ------------------------------------------------------------------------------

    def _targets(self, host: str | None) -> list[HostState]:
        if host is None:
            return list(self._hosts.values())
        return [self._hosts[self._pool.resolve(host)]]

    def _known_host(self, host: str) -> HostState | None:
        try:
            return self._hosts.get(self._pool.resolve(host))
        except InvalidHost:
            return None

    def _ensure_lists(self, targets: Iterable[HostState], *, refresh: bool) -> set[_Key]:
        """Start the fetches the answer needs; returns the keys of those it must wait for."""
        pending: set[_Key] = set()
        now = self.now()
        for state in targets:
            if not state.tags_inflight:
                if not refresh and state.fresh(now, self._ttl):
                    continue
                # A host known offline answers from its cache; its probe watches it.
                if not refresh and state.online is False and state.probe is not None:
                    continue
                state.tags_inflight = True
                self.start_soon(self._fetch_tags, state.url, name=f"inventory:tags:{state.url}")
            pending.add(("tags", state.url))
        return pending

    def _when_done(self, keys: set[_Key], reply: Reply[Any], answer: Callable[[], Any]) -> None:
        """Answer ``reply`` with ``answer()`` (or its OllmError) once ``keys`` reported."""

        def finish() -> None:
            try:
                value = answer()
            except OllmError as exc:
                reply.fail(exc)
            else:
                reply.send(value)

        self._after(keys, finish)

    def _after(self, keys: set[_Key], step: Callable[[], None]) -> None:
        """Run ``step`` now if ``keys`` is empty, else once every fetch in it reported."""
        if keys:
            self._waiters.append(_Waiter(set(keys), step))
        else:
            step()

    def _settle(self, key: _Key) -> None:
        ready: list[_Waiter] = []
        for waiter in self._waiters:
            waiter.keys.discard(key)
            if not waiter.keys:
                ready.append(waiter)
        if ready:
            self._waiters = [w for w in self._waiters if w.keys]
            for waiter in ready:
                waiter.finish()

    def _no_data_error(self, targets: list[HostState]) -> OllmError:
        for state in targets:
            if state.error is not None:
                return state.error
        return HostUnreachable(targets[0].url, "no answer yet")

    def _snapshot(self, targets: list[HostState]) -> InventorySnapshot:
        if all(state.listed is None for state in targets):
            raise self._no_data_error(targets)
        models: list[Any] = []
        for state in targets:
            models.extend(state.infos())
        return InventorySnapshot(
            hosts=tuple(state.status() for state in targets), models=tuple(models)
        )

    def _persist(self, state: HostState) -> None:
        if self._writer is not None and state.listed is not None:
            self._writer.submit(state.url, encode_cache(state.document()))

    def _publish_changed(
        self, state: HostState, added: Iterable[str], removed: Iterable[str]
    ) -> None:
        self._bus.publish(
            "inventory.changed",
            InventoryChanged(
                host=state.url, added=tuple(sorted(added)), removed=tuple(sorted(removed))
            ),
        )

    def _suggestions(self, name: str, *, pullable: bool = False) -> tuple[str, ...]:
        """Names close to ``name``: installed ones (on any host) for show; for the status
        of an absent model, whose next step is a pull, pullable ones (installed first, then
        the model database's)."""
        installed = [m.name for state in self._hosts.values() for m in state.listed or ()]
        found = close_matches(name, installed)
        if pullable and len(found) < 3:
            known = pullable_names(entry.pattern for entry in load_builtin_database())
            seen = {n.casefold() for n in found}
            found += tuple(n for n in close_matches(name, known) if n.casefold() not in seen)
        return found[:3]

    # child tasks ----------------------------------------------------------------------------

    def _timed_out(self, url: str) -> HostUnreachable:
        return HostUnreachable(url, f"no answer within {self._deadline:g} s")

    async def _fetch_tags(self, url: str) -> None:
        try:
            with anyio.fail_after(self._deadline):
                tags = await self._pool.client(url).list_models()
        except TimeoutError:
            await self.ref.tell(TagsFetched(url, None, self._timed_out(url)))
        except OllmError as exc:
            await self.ref.tell(TagsFetched(url, None, exc))
        else:
            await self.ref.tell(TagsFetched(url, tags))

    async def _fetch_ps(self, url: str) -> None:
        try:
            with anyio.fail_after(self._deadline):
                ps = await self._pool.client(url).ps()
        except TimeoutError:
            await self.ref.tell(PsFetched(url, None, self._timed_out(url)))
        except OllmError as exc:
            await self.ref.tell(PsFetched(url, None, exc))
        else:
            await self.ref.tell(PsFetched(url, ps))

    async def _fetch_show(self, url: str, name: str, digest: str) -> None:
        try:
            with anyio.fail_after(self._deadline):
                show = await self._pool.client(url).show(name)
        except TimeoutError:
            await self.ref.tell(ShowFetched(url, digest, name, None, self._timed_out(url)))
        except OllmError as exc:
            await self.ref.tell(ShowFetched(url, digest, name, None, exc))
        else:
            await self.ref.tell(ShowFetched(url, digest, name, show))

    async def _probe(self, url: str, scope: anyio.CancelScope) -> None:
        client = self._pool.client(url)
        with scope:
            for attempt in itertools.count(1):
                await anyio.sleep(backoff_delay(attempt, self._probe_initial, self._probe_max))
                try:
                    with anyio.fail_after(self._deadline):
                        await client.version()
                except (OllmError, TimeoutError):
                    continue
                await self.ref.tell(ProbeAnswered(url))
                return

    # state changes ----------------------------------------------------------------------------

    def _host_failed(self, state: HostState, error: OllmError) -> None:
        state.error = error
        if not isinstance(error, HostUnreachable):
            state.confirmed = False
            return
        state.confirmed = False
        state.ps_ok = False
        if state.online is not False:
            state.online = False
            logger.info("Ollama host %s is offline: %s", state.url, error.reason)
            self._bus.publish(
                "host.offline",
                HostOffline(
                    host=state.url, reason=error.reason, cached_models=len(state.listed or ())
                ),
            )
        if state.probe is None:
            state.probe = anyio.CancelScope()
            self.start_soon(
                self._probe, state.url, state.probe, name=f"inventory:probe:{state.url}"
            )

    def _list_fetched(self, state: HostState, models: list[ListedModel]) -> None:
        before = state.names() if state.listed is not None else None
        was_offline = state.online is False
        state.set_listed(models)
        state.online = True
        state.confirmed = True
        state.dirty = False
        state.error = None
        state.fetched_at = self.now()
        state.fetched_wall = rfc3339_now()
        if state.probe is not None:
            state.probe.cancel()
            state.probe = None
        after = state.names()
        added = after - before if before is not None else after
        removed = before - after if before is not None else set()
        if was_offline:
            logger.info("Ollama host %s is back online", state.url)
            self._bus.publish("host.online", HostOnline(host=state.url, models=len(models)))
        if was_offline or added or removed:
            self._publish_changed(state, added, removed)
        self._persist(state)

    # handlers: asks ----------------------------------------------------------------------------

    @handler
    async def _list(self, msg: ListModels) -> None:
        reply = self.defer(msg)
        targets = self._targets(msg.host)
        pending = self._ensure_lists(targets, refresh=msg.refresh)
        self._when_done(pending, reply, lambda: self._snapshot(targets))

    @handler
    async def _loaded(self, msg: ListLoaded) -> None:
        reply = self.defer(msg)
        targets = self._targets(msg.host)
        pending: set[_Key] = set()
        for state in targets:
            if state.online is False and state.probe is not None:
                continue
            if not state.ps_inflight:
                state.ps_inflight = True
                self.start_soon(self._fetch_ps, state.url, name=f"inventory:ps:{state.url}")
            pending.add(("ps", state.url))

        def answer() -> list[LoadedModel]:
            if all(s.loaded is None for s in targets):
                raise self._no_data_error(targets)
            out: list[LoadedModel] = []
            for s in targets:
                stale = not s.ps_ok
                out.extend(loaded_from(m, s.url, stale=stale) for m in s.loaded or ())
            return out

        self._when_done(pending, reply, answer)

    @handler
    async def _show(self, msg: ShowModel) -> None:
        reply = self.defer(msg)
        targets = self._targets(msg.host)
        parsed = parse_model_name(msg.name)
        pending = self._ensure_lists(targets, refresh=False)
        self._after(
            pending,
            lambda: self._show_step(parsed.display, parsed.key, msg.host, targets, reply),
        )

    def _show_step(
        self,
        display: str,
        key: str,
        host: str | None,
        targets: list[HostState],
        reply: Reply[ModelDetails],
    ) -> None:
        holders = [(s, e) for s in targets if (e := s.find(key)) is not None]
        if not holders:
            if all(s.listed is None for s in targets):
                reply.fail(self._no_data_error(targets))
            else:
                shown_host = targets[0].url if host is not None else None
                reply.fail(ModelNotFound(display, shown_host, self._suggestions(display)))
            return
        # An online host first: it can answer a show request if the facts are not known yet.
        holders.sort(key=lambda pair: pair[0].online is not True)
        state, entry = holders[0]
        for other in self._hosts.values():
            known = other.shown.get(entry.digest)
            if known is not None:
                reply.send(
                    msgspec.structs.replace(
                        known, name=entry.name, host=state.url, stale=state.stale
                    )
                )
                return
        if state.online is False and state.probe is not None:
            reply.fail(state.error or HostUnreachable(state.url, "offline"))
            return
        waiting_key = (state.url, entry.digest)
        waiting = self._show_waiters.get(waiting_key)
        if waiting is None:
            self._show_waiters[waiting_key] = waiting = []
            self.start_soon(
                self._fetch_show,
                state.url,
                entry.name,
                entry.digest,
                name=f"inventory:show:{entry.name}",
            )
        waiting.append(reply)

    @handler
    async def _status(self, msg: GetStatus) -> None:
        reply = self.defer(msg)
        targets = self._targets(msg.host)
        parsed = parse_model_name(msg.name)
        pending = self._ensure_lists(targets, refresh=False)

        def answer() -> ModelStatus:
            return self._model_status(parsed.display, parsed.key, targets)

        self._when_done(pending, reply, answer)

    def _model_status(self, display: str, key: str, targets: list[HostState]) -> ModelStatus:
        holders = tuple(s.url for s in targets if s.find(key) is not None)
        if holders:
            return ModelStatus(model=display, status="available", hosts=holders)
        urls = {s.url for s in targets}
        pulls = [(h, ev) for (k, h), ev in self._pulls.items() if k == key and h in urls]
        if pulls:
            total = sum(ev.total for _, ev in pulls)
            done = sum(ev.completed for _, ev in pulls)
            return ModelStatus(
                model=display,
                status="pulling",
                hosts=tuple(h for h, _ in pulls),
                fraction=min(1.0, done / total) if total else None,
            )
        if all(s.listed is not None for s in targets):
            return ModelStatus(
                model=display,
                status="absent",
                suggestions=self._suggestions(display, pullable=True),
            )
        return ModelStatus(model=display, status="unknown")

    # handlers: reports ----------------------------------------------------------------------------

    @handler
    async def _tags_fetched(self, msg: TagsFetched) -> None:
        state = self._hosts[msg.host]
        state.tags_inflight = False
        if msg.tags is not None:
            self._list_fetched(state, msg.tags.models)
        else:
            self._host_failed(state, msg.error)
        self._settle(("tags", msg.host))

    @handler
    async def _ps_fetched(self, msg: PsFetched) -> None:
        state = self._hosts[msg.host]
        state.ps_inflight = False
        if msg.ps is not None:
            state.loaded = msg.ps.models
            state.ps_ok = True
        else:
            state.ps_ok = False
            self._host_failed(state, msg.error)
        self._settle(("ps", msg.host))

    @handler
    async def _show_fetched(self, msg: ShowFetched) -> None:
        state = self._hosts[msg.host]
        waiting = self._show_waiters.pop((msg.host, msg.digest), [])
        if msg.show is None:
            if isinstance(msg.error, HostUnreachable):
                self._host_failed(state, msg.error)
            for reply in waiting:
                reply.fail(msg.error)
            return
        details = details_from_show(msg.show, name=msg.name, host=msg.host, digest=msg.digest)
        state.shown[msg.digest] = details
        self._persist(state)
        for reply in waiting:
            reply.send(details)

    @handler
    async def _probe_answered(self, msg: ProbeAnswered) -> None:
        state = self._hosts[msg.host]
        state.probe = None
        if state.online is False and not state.tags_inflight:
            state.tags_inflight = True
            self.start_soon(self._fetch_tags, state.url, name=f"inventory:tags:{state.url}")

    @handler
    async def _write_failed(self, msg: CacheWriteFailed) -> None:
        self._report_unwritable(msg.path, msg.reason)

    @handler
    async def _pull_seen(self, msg: PullSeen) -> None:
        state = self._known_host(msg.event.host)
        key = model_key(msg.event.model)
        if state is None:
            return
        if msg.topic in _TERMINAL:
            self._pulls.pop((key, state.url), None)
            if msg.topic == "pull.done":
                state.dirty = True
        else:
            self._pulls[(key, state.url)] = msg.event

    @handler
    async def _model_gone(self, msg: ModelGone) -> None:
        state = self._known_host(msg.event.host)
        key = model_key(msg.event.model)
        if state is None:
            return
        removed = state.remove(key)
        if removed is not None:
            self._publish_changed(state, (), (removed.name,))
            self._persist(state)
