"""``Event``: what the event bus delivers, a frozen Struct that encodes to JSON."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = ("CallbackFailed", "Event", "EventKind")

EventKind = Literal["state", "progress"]


class Event(msgspec.Struct, frozen=True):
    """One published event.

    ``payload`` is the publisher's msgspec Struct (or any msgspec-encodable value). ``kind``
    is ``"progress"`` for events published with a coalescing ``key`` (latest wins per key for
    a slow subscriber) and ``"state"`` otherwise (never dropped). ``time`` is the bus clock's
    reading at publication (wall-clock seconds by default). ``origin`` is None for an event
    this runtime published, else the id of the runtime that did (an event from another
    machine, through the shared state; see :meth:`EventBus.forward`).
    """

    topic: str
    time: float
    payload: Any
    kind: EventKind = "state"
    key: str | None = None
    origin: str | None = None


class CallbackFailed(msgspec.Struct, frozen=True):
    """Payload of ``bus.callback_failed``: a callback raised while handling an event."""

    topic: str
    callback: str
    error: str
