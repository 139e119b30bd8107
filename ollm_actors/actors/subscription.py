"""An async subscriber's bounded buffer, with coalescing of progress events.

State events (no coalescing key) are never dropped: when they alone would exceed the buffer,
the subscriber is closed with ``SubscriberOverflow``. A progress event replaces the pending one
with the same key: the old one is removed and the new one queued at the end, so the subscriber
sees events in the order of their latest publication (a ``retrying`` state event is never
followed by progress published before it). When the buffer is full, the oldest pending
progress event makes room.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import anyio
import msgspec
from anyio.lowlevel import checkpoint

from ollm_actors.actors.event import Event
from ollm_actors.errors import SubscriberOverflow

__all__ = ("Subscription", "SubscriptionStatistics")


class SubscriptionStatistics(msgspec.Struct, frozen=True):
    """Counters of one subscriber: pending now, delivered, coalesced and dropped so far."""

    patterns: tuple[str, ...]
    pending: int
    delivered: int
    coalesced: int
    dropped: int
    closed: bool


class _Slot:
    """A progress event's queue position; set to None when a newer event replaces it.

    State events are queued bare: they are never replaced, and most events are state events,
    so they cost no extra allocation.
    """

    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event: Event | None = event


class Subscription:
    """An async iterator of the events matching ``patterns``, fed by an :class:`EventBus`.

    Iteration ends when the subscription is closed (leaving ``subscribe``'s ``async with``),
    and raises ``SubscriberOverflow`` if the subscriber fell too far behind.
    """

    def __init__(
        self,
        patterns: tuple[str, ...],
        buffer: int,
        matcher: Callable[[str], bool],
    ) -> None:
        if buffer < 1:
            raise ValueError(f"buffer must be at least 1, got {buffer}")
        self.patterns = patterns
        self.buffer = buffer
        self.matches = matcher
        self._queue: deque[Event | _Slot] = deque()
        self._by_key: dict[str, _Slot] = {}
        self._live = 0
        self._states = 0
        self._tombstones = 0
        self._waiter: anyio.Event | None = None
        self._closed = False
        self._error: SubscriberOverflow | None = None
        self._delivered = 0
        self._coalesced = 0
        self._dropped = 0

    def statistics(self) -> SubscriptionStatistics:
        return SubscriptionStatistics(
            patterns=self.patterns,
            pending=self._live,
            delivered=self._delivered,
            coalesced=self._coalesced,
            dropped=self._dropped,
            closed=self._closed,
        )

    def offer(self, event: Event) -> bool:
        """Queue ``event``; never waits. False if this made the subscriber overflow."""
        if self._closed:
            return True
        key = event.key
        if key is None:
            if self._states >= self.buffer:
                self._overflow()
                return False
            if self._live >= self.buffer:
                self._evict_oldest_progress()
            self._states += 1
        else:
            previous = self._by_key.pop(key, None)
            if previous is not None:
                previous.event = None
                self._live -= 1
                self._tombstones += 1
                self._coalesced += 1
            elif self._live >= self.buffer and not self._evict_oldest_progress():
                self._dropped += 1
                return True
        if key is None:
            self._queue.append(event)
        else:
            slot = _Slot(event)
            self._by_key[key] = slot
            self._queue.append(slot)
        self._live += 1
        if self._tombstones > self.buffer:
            self._compact()
        waiter = self._waiter
        if waiter is not None:
            waiter.set()
        return True

    def close(self) -> None:
        """End iteration after what is pending. Never waits."""
        self._closed = True
        self._wake()

    def _overflow(self) -> None:
        self._error = SubscriberOverflow(self.patterns, self.buffer)
        self._queue.clear()
        self._by_key.clear()
        self._live = self._states = self._tombstones = 0
        self.close()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            waiter.set()

    def _evict_oldest_progress(self) -> bool:
        for slot in self._queue:
            if not isinstance(slot, _Slot):
                continue
            event = slot.event
            if event is not None and event.key is not None:
                slot.event = None
                del self._by_key[event.key]
                self._live -= 1
                self._tombstones += 1
                self._dropped += 1
                return True
        return False

    def _compact(self) -> None:
        self._queue = deque(
            item for item in self._queue if not isinstance(item, _Slot) or item.event is not None
        )
        self._tombstones = 0

    def _pop(self) -> Event | None:
        queue = self._queue
        while queue:
            item = queue.popleft()
            if isinstance(item, _Slot):
                event = item.event
                if event is None:
                    self._tombstones -= 1
                    continue
                if event.key is not None:
                    del self._by_key[event.key]
            else:
                event = item
                self._states -= 1
            self._live -= 1
            self._delivered += 1
            return event
        return None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        """The next event; waits for one. Raises ``SubscriberOverflow`` after an overflow."""
        await checkpoint()
        while True:
            if self._error is not None:
                raise self._error
            event = self._pop()
            if event is not None:
                return event
            if self._closed:
                raise StopAsyncIteration
            waiter = self._waiter = anyio.Event()
            try:
                await waiter.wait()
            finally:
                self._waiter = None
