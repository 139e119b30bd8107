"""The bridge's outbox: this runtime's events waiting for the shared state, bounded.

The bus hands events over inline (a callback never waits), the bridge publishes them one
by one, each call bounded by the state's deadline. In between they wait here:

- a **progress** event (one with a coalescing key) replaces the pending one with the same
  key and goes to the end, so the latest wins and order by latest publication is kept (as
  in a bus subscriber's buffer);
- a **state** event is kept until published. When the outbox holds more than ``bound``
  events, the oldest pending progress event goes first; with none left, the oldest state
  event does, and :meth:`offer` says so (the bridge counts it and warns once per outage).
  Dropping the oldest keeps the newest facts (a ``pull.done`` outlives its ``pull.queued``);
- an event the bridge could not publish (the store stopped answering mid-call) is put back
  at the front, unless a newer progress event of its key came meanwhile.

Plain data, no event loop: the bridge owns the waiting.
"""

from __future__ import annotations

from collections import deque

from ollm_actors.actors.event import Event

__all__ = ("Outbox",)


class _Slot:
    """A pending event; ``event`` is None once a newer one of its key replaced it."""

    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event: Event | None = event


class Outbox:
    """Up to ``bound`` events in publication order, progress coalesced per key."""

    def __init__(self, bound: int) -> None:
        if bound < 1:
            raise ValueError(f"bound must be at least 1, got {bound}")
        self.bound = bound
        self._queue: deque[_Slot] = deque()
        self._by_key: dict[str, _Slot] = {}
        self._live = 0
        self._tombstones = 0
        #: state events dropped by an overflow, and progress events replaced or evicted
        self.dropped = 0
        self.coalesced = 0

    def __len__(self) -> int:
        return self._live

    def offer(self, event: Event) -> bool:
        """Queue ``event`` at the end; True if a state event had to be dropped for room."""
        self._bury(event.key)
        slot = _Slot(event)
        self._queue.append(slot)
        if event.key is not None:
            self._by_key[event.key] = slot
        self._live += 1
        return self._trim()

    def put_back(self, event: Event) -> bool:
        """Queue ``event`` at the front again (it was not published); a progress event
        superseded meanwhile is let go. True if a state event had to be dropped for room."""
        if event.key is not None and event.key in self._by_key:
            self.coalesced += 1
            return False
        slot = _Slot(event)
        self._queue.appendleft(slot)
        if event.key is not None:
            self._by_key[event.key] = slot
        self._live += 1
        return self._trim()

    def take(self) -> Event | None:
        """The oldest pending event, removed; None when there is none."""
        while self._queue:
            event = self._queue.popleft().event
            if event is None:
                self._tombstones -= 1
                continue
            if event.key is not None:
                del self._by_key[event.key]
            self._live -= 1
            return event
        return None

    def _bury(self, key: str | None) -> None:
        previous = self._by_key.pop(key, None) if key is not None else None
        if previous is not None:
            previous.event = None
            self._live -= 1
            self._tombstones += 1
            self.coalesced += 1
            if self._tombstones > self.bound:
                self._queue = deque(slot for slot in self._queue if slot.event is not None)
                self._tombstones = 0

    def _trim(self) -> bool:
        if self._live <= self.bound:
            return False
        for slot in self._queue:
            event = slot.event
            if event is not None and event.key is not None:
                self._bury(event.key)
                return False
        while self._queue:
            event = self._queue.popleft().event
            if event is None:
                self._tombstones -= 1
                continue
            self._live -= 1
            self.dropped += 1
            return True
        return False  # unreachable: more live events than the bound means some are queued
