"""Events across machines: :class:`Bridge` joins a runtime's event bus to the shared state.

Two loops in one task group:

- **outbound**: every event this runtime publishes (``origin`` None) goes to
  ``state.publish`` as the JSON line the service's ``/v1/events`` sends. A bus callback
  only queues it in an :class:`~ollm_actors.service.outbox.Outbox` (the bus publisher never
  waits); the loop publishes one at a time, each call bounded by the state's deadline.
  While the store is degraded, nothing is published and nothing is lost: events wait in the
  outbox (progress coalesced per key) until ``state.recovered``; an event whose call the
  store did not answer is put back and published again (events are at least once). Only an
  outbox past its bound drops a state event, the oldest, counted in :meth:`statistics` and
  warned about once per outage. A write the store refuses (a foreign value where the stream
  should be) is skipped, counted and warned about once.
- **inbound**: every event another runtime published (``state.foreign_events``) is decoded
  with the payload Struct of its topic and delivered on the bus with ``bus.forward``,
  ``origin`` set to that runtime's id, its coalescing key prefixed with it (two machines'
  progress never replaces each other's). What does not decode, does not fit its topic's
  Struct, names another topic than its entry, has no runtime id for origin or is larger
  than the bound is skipped (logged at debug, counted): a hostile entry never stops the
  bridge. Should the stream itself fail (it should degrade instead), the bridge listens
  again after a capped backoff; the runtime goes on either way.

Never crossing machines, either way: events of another runtime (never re-published, so
nothing echoes or loops), ``bus.*`` (this process's callbacks) and ``state.*`` (this
machine's own view of the store: each machine reports its own).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.abc
import msgspec

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.event import Event
from ollm_actors.config.model import StateSettings
from ollm_actors.service.outbox import Outbox
from ollm_actors.service.wire import event_from_line
from ollm_actors.state.interface import RemoteEvent, SharedState
from ollm_actors.vocab.backoff import backoff_delay

__all__ = ("LOCAL_TOPICS", "Bridge", "BridgeStatistics", "crosses", "open_bridge")

logger = logging.getLogger("ollm_actors.state")

#: topic families that stay on their machine
LOCAL_TOPICS = ("bus", "state")
#: events waiting for the store at most (beyond, the oldest state event is dropped)
OUTBOX_BOUND = 4096
#: events published in one round trip at most, and how long the first waits for company
_BATCH, _LINGER = 512, 0.01
#: the largest event accepted from another machine (and sent to them), in bytes
MAX_EVENT_BYTES = 256 * 1024
# How often a degraded store's health is looked at without a state.* event on the bus.
_HEALTH_RECHECK = 1.0
# A runtime id is "rt-" and 12 hex digits; anything much longer is not one.
_MAX_ORIGIN = 64
# Re-subscribing after the store's event stream failed in a way it should not have.
_RETRY_INITIAL, _RETRY_MAX = 0.2, 10.0


def crosses(topic: str) -> bool:
    """Whether events of ``topic`` go to other machines (and are taken from them)."""
    return topic.partition(".")[0] not in LOCAL_TOPICS


class BridgeStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """Counts of one bridge: events published and forwarded, skipped (hostile or too large,
    either way), pending now, state events dropped by a full outbox, progress coalesced."""

    published: int
    forwarded: int
    skipped: int
    pending: int
    dropped: int
    coalesced: int


class Bridge:
    """The bus ``bus`` of one runtime joined to ``state`` (a shared one); run it with
    :meth:`run` in a task group (``await tg.start(bridge.run)``), or use
    :func:`open_bridge`."""

    def __init__(
        self,
        bus: EventBus,
        state: SharedState,
        *,
        bound: int = OUTBOX_BOUND,
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self._bus, self._state = bus, state
        self._outbox = Outbox(bound)
        self._max_bytes = max_event_bytes
        self._encoder = msgspec.json.Encoder()
        self._queued = anyio.Event()
        self._health = anyio.Event()
        self._drained = anyio.Event()
        self._listening = anyio.Event()
        self._in_flight = False
        self._warned = self._refusal_warned = False
        self._published = self._forwarded = self._skipped = 0

    def statistics(self) -> BridgeStatistics:
        """The counts now. Never waits."""
        return BridgeStatistics(
            published=self._published,
            forwarded=self._forwarded,
            skipped=self._skipped,
            pending=len(self._outbox),
            dropped=self._outbox.dropped,
            coalesced=self._outbox.coalesced,
        )

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[Bridge] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run both loops until cancelled; ``task_status.started(self)`` once this
        runtime's events are being collected and other runtimes' are listened to."""
        unsubscribe = self._bus.on("*", self._collect)
        try:
            async with anyio.create_task_group() as tg:
                await tg.start(self._inbound)
                tg.start_soon(self._outbound)
                task_status.started(self)
        finally:
            unsubscribe()

    async def wait_listening(self) -> None:
        """Wait until other runtimes' events are listened to (at once while they are):
        after the store's stream failed, the bridge listens again after a backoff."""
        await self._listening.wait()

    async def flush(self) -> None:
        """Wait until every collected event is published, or at once while the store is
        degraded (they would wait for it). Bound it with ``anyio.move_on_after``."""
        while (len(self._outbox) or self._in_flight) and not self._degraded():
            self._drained = anyio.Event()
            await self._drained.wait()

    # -- outbound ----------------------------------------------------------------------------

    def _collect(self, event: Event) -> None:
        """The bus callback: queue this runtime's own events. Never waits."""
        if not crosses(event.topic):
            if event.topic.startswith("state."):
                self._health.set()
            return
        if event.origin is not None:
            return
        if self._outbox.offer(event):
            self._dropped_one()
        self._queued.set()

    def _dropped_one(self) -> None:
        if not self._warned:
            self._warned = True
            logger.warning(
                "more than %d events wait for the shared state; the oldest are dropped "
                "(counted in the bridge's statistics) until it catches up",
                self._outbox.bound,
            )

    async def _outbound(self) -> None:
        outbox, state = self._outbox, self._state
        while True:
            event = outbox.take()
            if event is None:
                self._warned = False
                self._drained.set()
                self._queued = anyio.Event()
                await self._queued.wait()
                continue
            if self._degraded():
                # The inbound loop probes the store; its recovery is a state.recovered.
                self._put_back(event)
                self._drained.set()
                while self._degraded():
                    self._health = anyio.Event()
                    # state.recovered wakes it at once; a state whose health changes are
                    # not on this bus is looked at again now and then.
                    with anyio.move_on_after(_HEALTH_RECHECK):
                        await self._health.wait()
                continue
            # A short wait gathers what a busy runtime publishes meanwhile into the same
            # round trip (its cost is per call, not per event); nobody waits on it.
            self._in_flight = True  # taken from the outbox: a flush waits for it
            try:
                await anyio.sleep(_LINGER)
            finally:
                self._in_flight = False
            batch = self._encoded([event, *self._more(outbox)])
            if not batch:
                continue
            self._in_flight = True
            try:
                await state.publish_many([(e.topic, data) for e, data in batch])
            except Exception:
                # Not a store that is down (that degrades, it does not raise) but one that
                # refuses a write, e.g. a foreign value where the stream should be: each
                # event alone, so only those refused are skipped.
                await self._one_by_one(batch)
                continue
            finally:
                self._in_flight = False
            if self._degraded():
                for e, _ in reversed(batch):
                    self._put_back(e)  # maybe published after all: at least once
            else:
                self._published += len(batch)

    @staticmethod
    def _more(outbox: Outbox) -> list[Event]:
        """Whatever else waits, up to a batch: one round trip carries them all, so a busy
        runtime pays for its events per batch, not per event."""
        more: list[Event] = []
        while len(more) < _BATCH - 1:
            event = outbox.take()
            if event is None:
                break
            more.append(event)
        return more

    def _encoded(self, events: list[Event]) -> list[tuple[Event, bytes]]:
        batch: list[tuple[Event, bytes]] = []
        for event in events:
            try:
                data = self._encoder.encode(event)
            except (TypeError, ValueError, OverflowError, RecursionError) as exc:
                self._skip(event.topic, f"not encodable: {exc}")
                continue
            if len(data) > self._max_bytes:
                self._skip(event.topic, f"{len(data)} bytes, more than {self._max_bytes}")
                continue
            batch.append((event, data))
        return batch

    async def _one_by_one(self, batch: list[tuple[Event, bytes]]) -> None:
        for event, data in batch:
            try:
                await self._state.publish(event.topic, data)
            except Exception as exc:
                self._skip(event.topic, f"refused by the shared state: {exc!r}")
                self._refused(exc)
            else:
                self._published += 1

    def _degraded(self) -> bool:
        # A method, read anew each time: the health changes while a call waits.
        return self._state.health == "degraded"

    def _put_back(self, event: Event) -> None:
        if self._outbox.put_back(event):
            self._dropped_one()

    def _refused(self, exc: Exception) -> None:
        if not self._refusal_warned:
            self._refusal_warned = True
            logger.warning("the shared state refuses this runtime's events: %r", exc)

    def _skip(self, topic: str, why: str) -> None:
        self._skipped += 1
        logger.debug("event %r skipped by the bridge: %s", topic[:80], why)

    # -- inbound -----------------------------------------------------------------------------

    async def _inbound(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        failures = 0
        started = False
        while True:
            try:
                async with self._state.foreign_events() as events:
                    self._listening.set()
                    if not started:
                        started = True
                        task_status.started()
                    async for remote in events:
                        failures = 0
                        self._receive(remote)
            except Exception as exc:
                # The state promises never to raise for a store that misbehaves; should it
                # all the same, the runtime goes on and the bridge listens again.
                if not failures:
                    logger.warning("events of other machines interrupted: %r", exc)
            if self._listening.is_set():
                self._listening = anyio.Event()
            if not started:
                started = True
                task_status.started()
            # A stream that failed, or ended (it should not), is asked again after a pause.
            failures += 1
            await anyio.sleep(backoff_delay(failures, _RETRY_INITIAL, _RETRY_MAX))

    def _receive(self, remote: RemoteEvent) -> None:
        """Forward one entry of another runtime, or skip it. Never waits, never raises."""
        topic = remote.topic
        if len(remote.data) > self._max_bytes:
            self._skip(topic, f"{len(remote.data)} bytes, more than {self._max_bytes}")
            return
        origin = remote.origin
        if not origin or len(origin) > _MAX_ORIGIN or not origin.isprintable():
            self._skip(topic, f"origin {origin[:_MAX_ORIGIN]!r}")
            return
        if origin == self._state.origin:
            self._skip(topic, "this runtime's own")
            return
        if not crosses(topic):
            self._skip(topic, "a topic that stays on its machine")
            return
        try:
            event = event_from_line(remote.data, strict=True)
        except (msgspec.DecodeError, RecursionError) as exc:
            self._skip(topic, f"undecodable: {exc}")
            return
        if event.topic != topic:
            self._skip(topic, f"the event's topic is {event.topic[:80]!r}")
            return
        # The key is the publisher's: two machines' pulls must not coalesce into one.
        key = None if event.key is None else f"{remote.origin}/{event.key}"
        forwarded = msgspec.structs.replace(event, origin=remote.origin, key=key)
        try:
            self._bus.forward(forwarded)
        except ValueError as exc:
            self._skip(topic, str(exc))
            return
        self._forwarded += 1


@asynccontextmanager
async def open_bridge(
    bus: EventBus, state: SharedState, settings: StateSettings | None = None
) -> AsyncIterator[Bridge | None]:
    """A running :class:`Bridge` while inside the block when ``state.shared``, else None
    (nothing starts). ``settings`` (``state.*``) bound the events accepted
    (``maxValueBytes``, at most :data:`MAX_EVENT_BYTES`) and the flush on exit: what was
    collected is published for up to twice the call and connect timeouts (shielded), then
    both loops are cancelled; no task is left."""
    if not state.shared:
        yield None
        return
    settings = settings or StateSettings()
    timeouts = settings.timeouts
    bridge = Bridge(bus, state, max_event_bytes=min(settings.max_value_bytes, MAX_EVENT_BYTES))
    async with anyio.create_task_group() as tg:
        await tg.start(bridge.run)
        try:
            yield bridge
        finally:
            with anyio.move_on_after(2 * (timeouts.call + timeouts.connect), shield=True):
                await bridge.flush()
            tg.cancel_scope.cancel()
