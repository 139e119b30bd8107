"""Pull handles of a remote runtime: :class:`RemotePullHandle` has the interface of
``PullHandle``; the service streams the pull's events to it, read in the connection's task
group, and ``cancel()`` closes that stream, which withdraws this client's share in the
service. :class:`DetachedPull` is what a detached start answers."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import anyio
import msgspec
from anyio.lowlevel import checkpoint

from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import OllmError, PullCancelled, ServiceUnavailable
from ollm_actors.service.client import Connection
from ollm_actors.service.wire import error_from_body
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("DetachedPull", "RemotePullHandle", "decode_line")

#: one NDJSON line of a streamed answer, as a JSON object
decode_line = msgspec.json.Decoder(dict[str, Any]).decode


class DetachedPull(msgspec.Struct, frozen=True, kw_only=True):
    """A pull started with ``detach=True``: the service holds its share."""

    pull_id: int
    model: str
    host: str
    joined: bool


class RemotePullHandle:
    """A pull started through the service, as one client sees it (``PullHandle``'s API)."""

    def __init__(self, connection: Connection, ticket: dict[str, Any]) -> None:
        self.model: str = ticket["model"]
        self.host: str = ticket["host"]
        self.pull_id: int = ticket["pull_id"]
        self.joined: bool = ticket["joined"]
        self._connection = connection
        self._events: deque[PullEvent] = deque()
        self._last: PullEvent | None = None
        self._terminal: PullEvent | None = None
        self._outcome: PullResult | OllmError | None = None
        self._scope = anyio.CancelScope()
        self._ended = anyio.Event()
        self._wake: anyio.Event | None = None
        self._cancelled = False

    def __repr__(self) -> str:
        return f"<RemotePullHandle {self.model!r} on {self.host} {self.state}>"

    @property
    def last(self) -> PullEvent | None:
        return self._last

    @property
    def state(self) -> str:
        return self._last.event if self._last is not None else "queued"

    @property
    def finished(self) -> bool:
        return self._outcome is not None or self._terminal is not None

    def progress(self) -> _Progress:
        """This pull's events, ending after the terminal one (``cancelled`` after
        :meth:`cancel`, even when others keep the pull going)."""
        return _Progress(self)

    def cancel(self) -> None:
        """Withdraw this client's share (closes its stream). A plain call: never waits."""
        if self.finished or self._cancelled:
            return
        self._cancelled = True
        self._scope.cancel()

    async def wait(self) -> PullResult:
        """The pull's result; raises like ``PullHandle.wait`` (``PullCancelled`` after
        :meth:`cancel`, the pull's typed error, ``ServiceUnavailable`` if the service
        went away). Cancelling the wait withdraws this client's share."""
        try:
            await self._ended.wait()
        except anyio.get_cancelled_exc_class():
            await self.aclose()
            raise
        outcome = self._outcome
        if isinstance(outcome, PullResult):
            return outcome
        assert outcome is not None
        raise outcome

    async def aclose(self) -> None:
        """Withdraw this share unless the pull ended, and wait for the stream to close."""
        self.cancel()
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            await self._ended.wait()

    async def _next(self) -> PullEvent | None:
        """The next event, or None once the stream ended and every event was taken."""
        await checkpoint()
        while True:
            if self._events:
                return self._events.popleft()
            if self._ended.is_set():
                return None if self._terminal is not None else self._closing_event()
            wake = self._wake = anyio.Event()
            try:
                await wake.wait()
            finally:
                self._wake = None

    def _closing_event(self) -> PullEvent:
        base = self._last or PullEvent(event="queued", model=self.model, host=self.host)
        outcome = self._outcome
        if isinstance(outcome, PullResult):
            return msgspec.structs.replace(base, event="done")
        if isinstance(outcome, PullCancelled):
            return msgspec.structs.replace(base, event="cancelled", retry_in=None)
        message = outcome.message if outcome is not None else "ended"
        return msgspec.structs.replace(
            base, event="failed", error=message, error_type=type(outcome).__name__,
            retry_in=None,
        )

    def _push(self, event: PullEvent) -> None:
        self._last = event
        self._events.append(event)
        if event.terminal:
            self._terminal = event
        self._notify()

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _read(self, lines: AsyncIterator[bytes]) -> None:
        """Read the pull's stream to its end (in the connection's task group)."""
        try:
            with self._scope:
                async for raw in lines:
                    doc = decode_line(raw)
                    if "progress" in doc:
                        self._push(msgspec.convert(doc["progress"], PullEvent))
                    elif "result" in doc:
                        self._outcome = msgspec.convert(doc["result"], PullResult)
                    elif "error" in doc:
                        self._outcome = error_from_body(
                            doc, target=str(self._connection.target), status=200
                        )
        except OllmError as exc:
            self._outcome = exc
        finally:
            if self._outcome is None:
                self._outcome = (
                    PullCancelled(self.model, self.host) if self._cancelled
                    else ServiceUnavailable(str(self._connection.target), "the stream ended")
                )
            self._ended.set()
            self._notify()


class _Progress:
    """The async iterator :meth:`RemotePullHandle.progress` returns (a class, not an async
    generator: a reader that stops early leaves nothing to finalise)."""

    __slots__ = ("_done", "_handle")

    def __init__(self, handle: RemotePullHandle) -> None:
        self._handle, self._done = handle, False

    def __aiter__(self) -> _Progress:
        return self

    async def __anext__(self) -> PullEvent:
        if self._done:
            raise StopAsyncIteration
        event = await self._handle._next()
        if event is None:
            self._done = True
            raise StopAsyncIteration
        if event.terminal:
            self._done = True
        return event
