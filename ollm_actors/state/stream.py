"""The events stream of the Valkey state: :class:`EventStream`, one bounded Valkey Stream
(``{namespace}:events``) every runtime appends its events to and reads the others' from.

Every call goes through the store's :class:`~ollm_actors.state.guard.Guard` (deadline,
health); a degraded store publishes nothing and the reader waits for the next probe. A key
of another type where the stream should be (foreign data under our namespace) is a
:class:`~ollm_actors.errors.StateDataError` naming it, never coredis's own error.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import coredis.exceptions

from ollm_actors.errors import StateDataError
from ollm_actors.state.guard import Guard
from ollm_actors.state.interface import RemoteEvent
from ollm_actors.state.scripts import PUBLISH

__all__ = ("BLOCK_MS", "EventStream")

T = TypeVar("T")

#: how long one XREAD blocks before it is asked again (bounded like every call)
BLOCK_MS = 1000


class EventStream:
    """Publish to and read from the stream ``stream`` through ``client`` (a coredis client)."""

    def __init__(
        self, client: Any, guard: Guard, *, shown: str, stream: str, origin: str, length: int
    ) -> None:
        self._client, self._guard, self._shown = client, guard, shown
        self._stream, self._origin, self._length = stream, origin, length

    async def _typed(self, op: Callable[[], Awaitable[T]]) -> T:
        try:
            return await op()
        except coredis.exceptions.ResponseError as exc:
            if "WRONGTYPE" not in str(exc) and not isinstance(
                exc, coredis.exceptions.WrongTypeError
            ):
                raise
            raise StateDataError(self._shown, self._stream, "not a stream") from None

    async def publish_many(self, events: Sequence[tuple[str, bytes]]) -> None:
        if not events:
            return
        args: list[str | bytes | int] = [self._length, self._origin]
        for topic, data in events:
            args += [topic, data]

        async def remote() -> None:
            await self._typed(lambda: self._client.eval(PUBLISH, [self._stream], args))

        await self._guard.call(remote, _nothing)

    @asynccontextmanager
    async def foreign_events(self) -> AsyncIterator[AsyncIterator[RemoteEvent]]:
        async def last_id() -> bytes:
            newest = await self._typed(lambda: self._client.xrevrange(self._stream, count=1))
            return newest[0].identifier if newest else b"0-0"

        start = await self._guard.call(last_id, _zero_id)
        events = self._events(start)
        try:
            yield events
        finally:
            await events.aclose()

    async def _events(self, after: bytes) -> AsyncGenerator[RemoteEvent, None]:
        stream = self._stream
        while True:
            await self._guard.next_probe()
            answer = await self._guard.call(
                lambda since=after: self._typed(  # type: ignore[misc]
                    lambda: self._client.xread({stream: since}, count=100, block=BLOCK_MS)
                ),
                _nothing,
                extra=BLOCK_MS / 1000,
            )
            if answer is None:
                continue
            for entry in answer.get(stream.encode(), ()):
                after = entry.identifier
                fields = entry.field_values
                origin = fields.get(b"origin", b"").decode("utf-8", "replace")
                if origin == self._origin:
                    continue
                yield RemoteEvent(
                    topic=fields.get(b"topic", b"").decode("utf-8", "replace"),
                    data=fields.get(b"data", b""),
                    origin=origin,
                )


async def _nothing() -> None:
    return None


async def _zero_id() -> bytes:
    return b"0-0"
