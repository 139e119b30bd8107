"""The part of an actor that survives restarts: its inbox, counters and life-cycle state.

A cell is shared by the actor's ref (senders), its supervisor and each incarnation of the
actor. Only the supervisor changes ``state``; the inbox is created once and closed once, so
messages queued while an actor restarts are handled by the next incarnation.
"""

from __future__ import annotations

import logging
from typing import Literal

import anyio
import msgspec
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ollm_actors.actors.messages import Envelope
from ollm_actors.errors import ActorUnavailable

__all__ = ("ActorCell", "ActorState", "ActorStatistics")

logger = logging.getLogger("ollm_actors.actors")

ActorState = Literal["starting", "running", "restarting", "stopped", "failed"]


class ActorStatistics(msgspec.Struct, frozen=True):
    """A snapshot of one actor: what tests and ``ollm -v`` read instead of private state.

    ``queued`` counts messages waiting in the inbox (including senders blocked on a full
    inbox); ``handled`` counts messages dispatched since spawn, over all restarts.
    """

    name: str
    state: ActorState
    queued: int
    handled: int
    restarts: int


class ActorCell:
    """Inbox and bookkeeping of one spawned actor (runtime internal)."""

    __slots__ = (
        "closed_reason",
        "current",
        "handled",
        "inbox_size",
        "name",
        "receive",
        "restarts",
        "scope",
        "send",
        "state",
        "stopped",
        "wake",
    )

    def __init__(self, name: str, inbox_size: int) -> None:
        if inbox_size < 1:
            raise ValueError(f"inbox_size must be at least 1, got {inbox_size}")
        self.name = name
        self.inbox_size = inbox_size
        self.send: MemoryObjectSendStream[Envelope]
        self.receive: MemoryObjectReceiveStream[Envelope]
        self.send, self.receive = anyio.create_memory_object_stream[Envelope](inbox_size)
        self.state: ActorState = "starting"
        self.handled = 0
        self.restarts = 0
        # The envelope being handled, so that an interrupted ask is still answered.
        self.current: Envelope | None = None
        # Set while the actor's loop waits for mail; senders set it after queuing.
        self.wake: anyio.Event | None = None
        self.scope = anyio.CancelScope()
        self.stopped = anyio.Event()
        self.closed_reason = "not started"

    def statistics(self) -> ActorStatistics:
        stats = self.send.statistics()
        return ActorStatistics(
            name=self.name,
            state=self.state,
            queued=stats.current_buffer_used + stats.tasks_waiting_send,
            handled=self.handled,
            restarts=self.restarts,
        )

    def unavailable(self) -> ActorUnavailable:
        return ActorUnavailable(self.name, self.closed_reason)

    def close(self, state: ActorState, reason: str) -> None:
        """Close the inbox and answer every ask still in it with ``ActorUnavailable``.

        Synchronous, so it cannot be interrupted half way. Senders blocked on a full inbox are
        woken with a broken-stream error, which the ref turns into ``ActorUnavailable``.
        """
        self.state = state
        self.closed_reason = reason
        self.send.close()
        error = ActorUnavailable(self.name, reason)
        current = self.current
        self.current = None
        if current is not None and current.reply is not None:
            current.reply.fail(error)
        while True:
            try:
                envelope = self.receive.receive_nowait()
            except (anyio.WouldBlock, anyio.EndOfStream):
                break
            if envelope.reply is not None:
                envelope.reply.fail(error)
        self.receive.close()
        self.stopped.set()
