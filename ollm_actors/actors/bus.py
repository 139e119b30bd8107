"""``EventBus``: topic-based publish/subscribe for callbacks (via pyee) and async streams.

Publishing is synchronous and never waits: callbacks run inline, async subscribers get the
event queued in their own bounded buffer. Which callbacks and subscribers a topic reaches is
computed once per topic and cached until the set of subscribers changes.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import msgspec

from ollm_actors.actors.event import CallbackFailed, Event
from ollm_actors.actors.subscription import Subscription
from ollm_actors.actors.topics import check_pattern, check_topic, topic_matches

__all__ = ("CALLBACK_FAILED", "BusStatistics", "EventBus")

logger = logging.getLogger("ollm_actors.actors")

#: topic of the state event published when a callback raises
CALLBACK_FAILED = "bus.callback_failed"

# Prefix of pyee event names, so a topic can never collide with pyee's own
# "new_listener" and "error" events.
_PREFIX = "topic:"
_CACHE_LIMIT = 4096

_Targets = tuple[tuple[str, ...], tuple[Subscription, ...]]

if TYPE_CHECKING:
    from pyee import EventEmitter


class BusStatistics(msgspec.Struct, frozen=True):
    """Counts for diagnostics: events published, callbacks and async subscribers now."""

    published: int
    callbacks: int
    subscribers: int


def _callback_name(callback: Callable[..., object]) -> str:
    return getattr(callback, "__qualname__", None) or repr(callback)


class EventBus:
    """Publish events by topic; subscribe with callbacks or async iterators.

    ``clock`` stamps events with wall-clock seconds, since events leave the process as JSON
    (a runtime passes its :class:`~ollm_actors.vocab.clock.Clock`'s ``wall``; a bus of its
    own uses ``time.time``).
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # pyee is loaded with the first callback: commands that only publish, or only
        # stream events, start without it.
        self._emitter: EventEmitter | None = None
        self._callback_patterns: dict[str, int] = {}
        self._subscriptions: list[Subscription] = []
        self._targets: dict[str, _Targets] = {}
        self._published = 0
        # Callback failures are reported after the event that caused them has reached every
        # callback, so each callback still sees events in publication order.
        self._depth = 0
        self._failures: list[CallbackFailed] = []

    def publish(self, topic: str, payload: Any, *, coalesce_key: str | None = None) -> Event:
        """Publish ``payload`` under ``topic`` and return the event. Never waits.

        With ``coalesce_key`` the event is a progress event: a slow subscriber keeps only the
        latest per key. Without, it is a state event, never dropped. A raising callback does
        not reach the publisher (see :meth:`on`). ValueError for an invalid topic.
        """
        targets = self._targets.get(topic)
        if targets is None:
            targets = self._resolve(check_topic(topic))
        event = Event(
            topic=topic,
            time=self._clock(),
            payload=payload,
            kind="state" if coalesce_key is None else "progress",
            key=coalesce_key,
        )
        self._deliver(event, targets)
        return event

    def forward(self, event: Event) -> None:
        """Deliver an event another runtime published (``event.origin`` set), as it was:
        its time, kind and key kept. Never waits; ValueError for an invalid topic or an
        event without an origin (this runtime's own go through :meth:`publish`)."""
        if event.origin is None:
            raise ValueError("EventBus.forward takes another runtime's event (origin set)")
        targets = self._targets.get(event.topic)
        if targets is None:
            targets = self._resolve(check_topic(event.topic))
        self._deliver(event, targets)

    def _deliver(self, event: Event, targets: _Targets) -> None:
        self._published += 1
        patterns, subscriptions = targets
        for subscription in subscriptions:
            if not subscription.offer(event):
                self._drop(subscription)
        if patterns and self._emitter is not None:
            self._depth += 1
            try:
                for pattern in patterns:
                    self._emitter.emit(_PREFIX + pattern, event)
            finally:
                self._depth -= 1
            if self._depth == 0 and self._failures:
                self._publish_failures()

    def on(self, pattern: str, callback: Callable[[Event], object]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event whose topic matches ``pattern``.

        Returns a function that unsubscribes (calling it twice is harmless). Callbacks run
        inline in ``publish`` and must not block. One that raises is logged and reported as a
        ``bus.callback_failed`` state event; the publisher and other callbacks carry on.
        Raises TypeError for an async callback (use :meth:`subscribe` for async consumers).
        """
        check_pattern(pattern)
        if inspect.iscoroutinefunction(callback):
            raise TypeError("EventBus.on takes a plain function; iterate subscribe() instead")

        def guarded(event: Event) -> None:
            try:
                callback(event)
            except Exception as error:
                self._report_failure(event, callback, error)

        if self._emitter is None:
            from pyee import EventEmitter

            self._emitter = EventEmitter()
        emitter = self._emitter
        emitter.add_listener(_PREFIX + pattern, guarded)
        self._callback_patterns[pattern] = self._callback_patterns.get(pattern, 0) + 1
        self._targets.clear()
        subscribed = True

        def unsubscribe() -> None:
            nonlocal subscribed
            if not subscribed:
                return
            subscribed = False
            emitter.remove_listener(_PREFIX + pattern, guarded)
            remaining = self._callback_patterns[pattern] - 1
            if remaining:
                self._callback_patterns[pattern] = remaining
            else:
                del self._callback_patterns[pattern]
            self._targets.clear()

        return unsubscribe

    @asynccontextmanager
    async def subscribe(self, *patterns: str, buffer: int = 256) -> AsyncIterator[Subscription]:
        """Receive matching events as an async iterator, while inside the ``async with``.

        No pattern means every topic. Only events published after entering are seen. The
        buffer holds up to ``buffer`` pending events; progress events are coalesced per key;
        if pending state events alone would exceed it, iteration raises
        ``SubscriberOverflow`` and the subscriber is dropped (others carry on). Leaving the
        block unsubscribes; cancellation leaves nothing behind.
        """
        chosen = tuple(check_pattern(p) for p in patterns) or ("*",)

        def matcher(topic: str) -> bool:
            return any(topic_matches(p, topic) for p in chosen)

        subscription = Subscription(chosen, buffer, matcher)
        self._subscriptions.append(subscription)
        self._targets.clear()
        try:
            yield subscription
        finally:
            subscription.close()
            self._drop(subscription)

    async def wait_for(
        self, pattern: str, predicate: Callable[[Event], bool] | None = None
    ) -> Event:
        """Wait for the next event matching ``pattern`` (and ``predicate``) and return it.

        Only events published after the call are seen; bound it with ``anyio.fail_after``.
        """
        async with self.subscribe(pattern) as events:
            async for event in events:
                if predicate is None or predicate(event):
                    return event
        raise AssertionError("unreachable: a subscription only ends when its block exits")

    def statistics(self) -> BusStatistics:
        """Counts for diagnostics. Never waits."""
        return BusStatistics(
            published=self._published,
            callbacks=sum(self._callback_patterns.values()),
            subscribers=len(self._subscriptions),
        )

    def _resolve(self, topic: str) -> _Targets:
        if len(self._targets) >= _CACHE_LIMIT:
            self._targets.clear()
        targets = (
            tuple(p for p in self._callback_patterns if topic_matches(p, topic)),
            tuple(s for s in self._subscriptions if s.matches(topic)),
        )
        self._targets[topic] = targets
        return targets

    def _drop(self, subscription: Subscription) -> None:
        try:
            self._subscriptions.remove(subscription)
        except ValueError:
            return
        self._targets.clear()

    def _report_failure(
        self, event: Event, callback: Callable[..., object], error: Exception
    ) -> None:
        name = _callback_name(callback)
        logger.warning(
            "event callback %s failed on %r: %r", name, event.topic, error, exc_info=error
        )
        # A callback failing on the failure report itself would loop forever.
        if event.topic != CALLBACK_FAILED:
            self._failures.append(
                CallbackFailed(topic=event.topic, callback=name, error=repr(error))
            )

    def _publish_failures(self) -> None:
        failures, self._failures = self._failures, []
        for failure in failures:
            self.publish(CALLBACK_FAILED, failure)
