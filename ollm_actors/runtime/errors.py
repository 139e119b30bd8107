"""Errors raised by the actor runtime itself (beyond the shared ones in :mod:`ollm_actors.errors`).

``ActorUnavailable``, ``AskTimeout`` and ``SubscriberOverflow`` live in the shared module; the
three below only make sense inside the runtime, so they live here, still as :class:`OllmError`
subclasses carrying their facts as attributes.
"""

from __future__ import annotations

from ollm_actors.errors import OllmError

__all__ = ("ActorCrashed", "InboxFull", "UnhandledMessage")


def _describe(cause: BaseException) -> str:
    text = str(cause)
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


class ActorCrashed(OllmError):
    """An actor hit an unexpected exception (a bug).

    Raised to the asker whose message made the handler fail, and out of the
    :class:`~ollm_actors.runtime.supervision.ActorSystem` when an actor crashed more often than
    its restart policy allows. The original exception is chained as ``__cause__``.
    """

    fact_names = ("actor", "reason", "crashes")

    def __init__(self, actor: str, cause: BaseException, *, crashes: int = 1) -> None:
        self.actor = actor
        self.reason = _describe(cause)
        self.crashes = crashes
        if crashes > 1:
            text = f"actor '{actor}' crashed {crashes} times, giving up; last: {self.reason}"
        else:
            text = f"actor '{actor}' crashed: {self.reason}"
        super().__init__(text)
        self.__cause__ = cause


class UnhandledMessage(OllmError):
    """A message sent to an actor that has no handler for its type (a caller's bug)."""

    fact_names = ("actor", "message_type")

    def __init__(self, actor: str, message_type: str) -> None:
        self.actor = actor
        self.message_type = message_type
        super().__init__(f"actor '{actor}' has no handler for {message_type}")


class InboxFull(OllmError):
    """``tell_nowait`` to an actor whose bounded inbox is full."""

    fact_names = ("actor", "size")

    def __init__(self, actor: str, size: int) -> None:
        self.actor = actor
        self.size = size
        super().__init__(f"inbox of actor '{actor}' is full ({size} messages queued)")
