"""``ActorRef``: the only way to talk to an actor."""

from __future__ import annotations

from typing import Generic, TypeVar

import anyio
import msgspec
from anyio.lowlevel import checkpoint, checkpoint_if_cancelled

from ollm_actors.actors.cell import ActorCell, ActorStatistics
from ollm_actors.actors.messages import Envelope, Request
from ollm_actors.actors.reply import Reply
from ollm_actors.errors import ActorUnavailable, AskTimeout, InboxFull

__all__ = ("ActorRef",)

M = TypeVar("M", bound=msgspec.Struct)
R = TypeVar("R")

_GONE = frozenset({"stopped", "failed"})


class ActorRef(Generic[M]):
    """A handle to a spawned actor. Cheap to copy around; valid across restarts.

    Messages from one sender are handled in the order they were sent.
    """

    __slots__ = ("_cell",)

    def __init__(self, cell: ActorCell) -> None:
        self._cell = cell

    @property
    def name(self) -> str:
        return self._cell.name

    def __repr__(self) -> str:
        return f"<ActorRef {self._cell.name!r} {self._cell.state}>"

    def statistics(self) -> ActorStatistics:
        """A snapshot of the actor's state and counters. Never waits."""
        return self._cell.statistics()

    async def tell(self, msg: M) -> None:
        """Queue ``msg`` for the actor and return without waiting for it to be handled.

        Waits for inbox space when the inbox is full. Raises ``ActorUnavailable`` if the actor
        is stopped or failed. Cancellation before the message was queued leaves it unsent.
        """
        await checkpoint()
        await self._put(Envelope(msg))

    def tell_nowait(self, msg: M) -> None:
        """Queue ``msg`` without waiting. Raises ``InboxFull`` or ``ActorUnavailable``."""
        cell = self._cell
        try:
            cell.send.send_nowait(Envelope(msg))
        except anyio.WouldBlock:
            raise InboxFull(cell.name, cell.inbox_size) from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise cell.unavailable() from None
        wake = cell.wake
        if wake is not None:
            wake.set()

    # The timeout is part of the ask contract (it raises AskTimeout naming the actor and the
    # message), which a caller's own fail_after could not do.
    async def ask(self, msg: Request[R], *, timeout: float | None = None) -> R:  # noqa: ASYNC109
        """Send ``msg`` and wait for the actor's answer.

        Returns the answer. Raises the handler's own ``OllmError`` if it raised one;
        ``ActorCrashed`` (cause chained) if the handler hit a bug; ``ActorUnavailable`` at once
        if the actor is stopped or failed, or when it stops before answering; ``AskTimeout``
        if ``timeout`` seconds pass first (waiting for inbox space counts). On cancellation or
        timeout the reply is marked abandoned and nothing is left open.
        """
        cell = self._cell
        if cell.state in _GONE:
            await checkpoint_if_cancelled()
            raise cell.unavailable()
        reply: Reply[R] = Reply(anyio.Event())
        if timeout is None:
            return await self._exchange(Envelope(msg, reply), reply)
        with anyio.move_on_after(timeout):
            return await self._exchange(Envelope(msg, reply), reply)
        raise AskTimeout(cell.name, type(msg).__name__, timeout)

    async def _exchange(self, envelope: Envelope, reply: Reply[R]) -> R:
        try:
            await self._put(envelope)
            return await reply.wait()
        except ActorUnavailable:
            # An actor stopping is usually the caller's own cancellation reaching the actor
            # first; the caller must then see the cancellation, not a stray error that would
            # escape its move_on_after as an exception group.
            await checkpoint_if_cancelled()
            raise
        finally:
            reply._abandon()

    async def _put(self, envelope: Envelope) -> None:
        cell = self._cell
        send = cell.send
        try:
            try:
                send.send_nowait(envelope)
            except anyio.WouldBlock:
                await send.send(envelope)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            await checkpoint_if_cancelled()
            raise cell.unavailable() from None
        wake = cell.wake
        if wake is not None:
            wake.set()

