"""One-shot reply handles: how an answer travels back to an asker.

A reply is an :class:`anyio.Event` plus a slot, which is lighter than a memory object stream of
size one and leaves nothing to close: an asker that is cancelled simply stops waiting.
"""

from __future__ import annotations

from typing import Generic, TypeVar, cast

import anyio

__all__ = ("Reply",)

R = TypeVar("R")


class Reply(Generic[R]):
    """The answer slot of one ask.

    A handler's return value answers its ask automatically. A handler that cannot answer yet
    calls :meth:`~ollm_actors.actors.actor.Actor.defer` to take this handle and later calls
    :meth:`send` or :meth:`fail` (from a handler, typically when a child task reports back).
    Only the first answer counts. A deferred reply still unanswered when its actor stops or
    restarts is failed with :class:`~ollm_actors.errors.ActorUnavailable`.

    A reply for a message that was *told* (not asked) has no one waiting: answering it is a
    harmless no-op, so handlers need not care how they were reached.
    """

    __slots__ = ("_abandoned", "_deferred", "_done", "_error", "_event", "_owner", "_value")

    def __init__(self, event: anyio.Event | None) -> None:
        self._event = event
        self._done = False
        self._deferred = False
        self._abandoned = False
        self._value: object = None
        self._error: BaseException | None = None
        # The set of unanswered deferred replies of the actor incarnation holding this one.
        self._owner: set[Reply[object]] | None = None

    @property
    def answered(self) -> bool:
        """True once :meth:`send` or :meth:`fail` was called."""
        return self._done

    @property
    def expects_answer(self) -> bool:
        """True if an asker waits (or waited) for this reply; False for a told message."""
        return self._event is not None

    @property
    def abandoned(self) -> bool:
        """True if the asker stopped waiting (cancelled or timed out) before an answer came."""
        return self._abandoned

    def send(self, value: R) -> bool:
        """Answer with ``value``. Never waits. Returns False if already answered."""
        if self._done:
            return False
        self._value = value
        self._finish()
        return True

    def fail(self, error: BaseException) -> bool:
        """Answer with ``error``, raised to the asker. Never waits. False if already answered."""
        if self._done:
            return False
        self._error = error
        self._finish()
        return True

    def _finish(self) -> None:
        self._done = True
        if self._owner is not None:
            self._owner.discard(cast("Reply[object]", self))
            self._owner = None
        if self._event is not None:
            self._event.set()

    def _take(self, owner: set[Reply[object]]) -> None:
        """Mark as deferred and track it in ``owner`` until answered."""
        self._deferred = True
        if not self._done and self._owner is None:
            self._owner = owner
            owner.add(cast("Reply[object]", self))

    def _abandon(self) -> None:
        if not self._done:
            self._abandoned = True

    async def wait(self) -> R:
        """Wait for the answer and return it, or raise the error it was failed with.

        Cancelling the wait marks nothing by itself; the runtime's ``ask`` marks the reply
        abandoned. Raises RuntimeError for a reply of a told message (no one can wait on it).
        """
        event = self._event
        if event is None:
            raise RuntimeError("a reply to a told message cannot be waited for")
        await event.wait()
        if self._error is not None:
            raise self._error
        return cast("R", self._value)
