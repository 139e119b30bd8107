"""The message base for requests and the envelope that carries a message into an inbox.

Messages are frozen, tagged :class:`msgspec.Struct` values. A message that expects an answer
subclasses :class:`Request` parameterised by its reply type, so that
``await ref.ask(GetCount())`` is typed as the reply::

    class GetCount(Request[int], frozen=True):
        pass

The envelope pairs a message with its reply handle, so the message itself stays a pure,
encodable value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

if TYPE_CHECKING:
    from ollm_actors.actors.reply import Reply

__all__ = ("Envelope", "Request")

R = TypeVar("R")


class Request(msgspec.Struct, Generic[R], frozen=True, tag=True):
    """Base of messages that are asked: ``R`` is the type of the answer."""


class Envelope(msgspec.Struct, frozen=True):
    """One inbox item: the message and, for an ask, the handle its answer goes to."""

    message: Any
    reply: Reply[Any] | None = None
