"""The emulator's HTTP/1.1 server: anyio TCP listener + h11, under trio or asyncio.

h11 handles request parsing and response heads; streamed bodies are framed as chunks here
(one NDJSON line per chunk) because going through h11 per line costs several times more and
benchmarks stream a million lines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http import HTTPStatus

import anyio
import h11
import msgspec
from anyio.abc import SocketAttribute, SocketStream

from ollm_actors.emulator.faults import Fault
from ollm_actors.emulator.pull import error_line
from ollm_actors.emulator.routes import (
    NDJSON,
    FixedReply,
    Request,
    StreamReply,
    error_reply,
    handle,
)
from ollm_actors.emulator.state import EmulatorState

__all__ = ("RunningEmulator", "run_emulator", "serve_forever")

#: Largest request body accepted; Ollama's management requests are tiny.
_MAX_BODY = 1 << 20
_RECEIVE_SIZE = 65_536
#: Without pacing, chunks are coalesced into writes of about this size.
_FLUSH_BYTES = 65_536
#: Not JSON, not UTF-8: what the ``garbage_line`` fault sends.
_GARBAGE = b'{"status":"pulling \xff\xfe\x00 <<not json>>\n'

_GONE = (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, OSError)


class _ConnectionCount:
    """Open connections, with a way to wait until there are none."""

    def __init__(self) -> None:
        self.open = 0
        self._idle = anyio.Event()
        self._idle.set()

    def opened(self) -> None:
        if self.open == 0:
            self._idle = anyio.Event()
        self.open += 1

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0:
            self._idle.set()

    async def wait_idle(self) -> None:
        while self.open:
            await self._idle.wait()


class RunningEmulator(msgspec.Struct, frozen=True):
    """A serving emulator: its base ``url``, bound ``host``/``port`` and live ``state``."""

    url: str
    host: str
    port: int
    state: EmulatorState
    _connections: _ConnectionCount

    @property
    def open_connections(self) -> int:
        """Client connections the emulator holds open right now."""
        return self._connections.open

    async def wait_idle(self) -> None:
        """Wait until no client connection is open (e.g. after a client hung up mid-stream).

        Returns at once if none is open; cancelling the wait has no other effect.
        """
        await self._connections.wait_idle()


class _Dropped(Exception):
    """The connection must end now without a complete answer."""


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def _chunk(line: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(line), line)


class _Connection:
    """One client connection: requests answered in turn while the client keeps it alive."""

    def __init__(self, stream: SocketStream, state: EmulatorState) -> None:
        self.stream = stream
        self.state = state
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_BODY)

    async def _next_event(self) -> h11.Event | None:
        """The next h11 event, reading as needed; None when h11 pauses (pipelined request)."""
        while True:
            event = self.h11.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:
                return None
            try:
                data = await self.stream.receive(_RECEIVE_SIZE)
            except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                data = b""
            self.h11.receive_data(data)

    async def _read_request(self) -> tuple[h11.Request, bytes] | None:
        event = await self._next_event()
        if not isinstance(event, h11.Request):
            return None
        body = bytearray()
        while True:
            part = await self._next_event()
            if isinstance(part, h11.Data):
                body += part.data
                if len(body) > _MAX_BODY:
                    raise h11.RemoteProtocolError("request body too large", 413)
            elif isinstance(part, h11.EndOfMessage):
                return event, bytes(body)
            else:
                return None

    async def run(self) -> None:
        """Serve requests until the client closes, a fault drops it, or cancellation."""
        while True:
            try:
                parsed = await self._read_request()
            except h11.RemoteProtocolError as exc:
                if self.h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    await self._send_fixed(error_reply(exc.error_status_hint, str(exc)), False)
                return
            if parsed is None:
                return
            event, body = parsed
            method = event.method.decode("ascii", "replace").upper()
            target = event.target.decode("ascii", "replace").split("?", 1)[0]
            await self._answer(Request(method, target, body))
            if self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE:
                return
            self.h11.start_next_cycle()

    async def _answer(self, request: Request) -> None:
        state = self.state
        state.requests[f"{request.method} {request.path}"] += 1
        delay, fault = state.claim_faults(request.path)
        if fault is not None and fault.kind == "hang":
            await self._wait_client_gone()
            raise _Dropped
        if delay:
            await anyio.sleep(delay)
        if fault is not None and fault.kind == "http_500":
            await self._send_fixed(error_reply(500, fault.message), False)
            return
        reply = handle(state, request)
        head = request.method == "HEAD"
        if isinstance(reply, StreamReply):
            await self._send_stream(reply.lines, fault, reply.pace)
        elif fault is None:
            await self._send_fixed(reply, head)
        elif fault.kind == "error_line":
            await self._send_fixed(error_reply(200, fault.message), head)
        elif fault.kind == "garbage_line":
            await self._send_fixed(FixedReply(200, _GARBAGE, "application/json"), head)
        else:
            await self._misbehave(fault)

    async def _misbehave(self, fault: Fault) -> None:
        """Act out ``drop`` or ``stall``: either way no complete answer is sent."""
        if fault.kind == "stall":
            await self._wait_client_gone()
        raise _Dropped

    async def _wait_client_gone(self) -> None:
        # A stalled answer ends when the peer gives up; reading also notices it going away.
        try:
            while True:
                await self.stream.receive(_RECEIVE_SIZE)
        except _GONE:
            return

    async def _send_fixed(self, reply: FixedReply, head: bool) -> None:
        headers = [("Content-Length", str(len(reply.body)))]
        if reply.content_type is not None:
            headers.append(("Content-Type", reply.content_type))
        response = h11.Response(
            status_code=reply.status, headers=headers, reason=_reason(reply.status)
        )
        data = self.h11.send(response) or b""
        if reply.body and not head:
            data += self.h11.send(h11.Data(data=reply.body)) or b""
        data += self.h11.send(h11.EndOfMessage()) or b""
        await self.stream.send(data)

    async def _send_stream(
        self, lines: Iterator[bytes], fault: Fault | None, pace: float | None = None
    ) -> None:
        response = h11.Response(
            status_code=200,
            headers=[("Content-Type", NDJSON), ("Transfer-Encoding", "chunked")],
            reason=b"OK",
        )
        await self.stream.send(self.h11.send(response) or b"")
        # HTTP/1.0 peers get an unchunked body ended by closing the connection (h11 decides).
        chunked = self.h11.their_http_version == b"1.1"

        def frame(line: bytes) -> bytes:
            return _chunk(line) if chunked else line

        # A reply may bring its own pace (push has its knob); the rest go at pull's.
        hold = self.state.pull_hold if pace is None else None
        pace = self.state.pull_line_delay if pace is None else pace
        fault_at = fault.after_lines if fault is not None else -1
        pending: list[bytes] = []
        pending_size = 0
        sent = 0
        while True:
            if sent == fault_at and fault is not None:
                if pending:
                    await self.stream.send(b"".join(pending))
                    pending, pending_size = [], 0
                if fault.kind == "error_line":
                    await self.stream.send(frame(error_line(fault.message)))
                    break
                if fault.kind == "garbage_line":
                    await self.stream.send(frame(_GARBAGE))
                    fault_at = -1
                else:
                    await self._misbehave(fault)
            if hold is not None and sent == self.state.pull_hold_after and not hold.is_set():
                if pending:
                    await self.stream.send(b"".join(pending))
                    pending, pending_size = [], 0
                await hold.wait()
            line = next(lines, None)
            if line is None:
                break
            sent += 1
            if pace > 0:
                await self.stream.send(frame(line))
                await anyio.sleep(pace)
            else:
                framed = frame(line)
                pending.append(framed)
                pending_size += len(framed)
                if pending_size >= _FLUSH_BYTES:
                    await self.stream.send(b"".join(pending))
                    pending, pending_size = [], 0
        end = self.h11.send(h11.EndOfMessage()) or b""
        await self.stream.send(b"".join(pending) + end)


async def _serve_connection(
    stream: SocketStream, state: EmulatorState, count: _ConnectionCount
) -> None:
    count.opened()
    try:
        async with stream:
            await _Connection(stream, state).run()
    except (_Dropped, *_GONE):
        # The client went away or a fault ended the connection: closing it is all to do.
        return
    finally:
        count.closed()


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@asynccontextmanager
async def run_emulator(
    state: EmulatorState | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningEmulator]:
    """Serve an Ollama-compatible emulator on ``host:port`` (``port=0`` picks a free port).

    Yields a :class:`RunningEmulator` once the socket listens. ``state`` defaults to
    :meth:`EmulatorState.default`. Leaving the block (normally, by error or by cancellation)
    closes the listener and every open connection, mid-answer or idle, and waits for all of
    the emulator's tasks to end. Raises ``OSError`` if the address cannot be bound.
    """
    live = state if state is not None else EmulatorState.default()
    count = _ConnectionCount()
    listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
    async with listener, anyio.create_task_group() as tasks:
        bound = int(listener.extra(SocketAttribute.local_port))

        async def handler(stream: SocketStream) -> None:
            await _serve_connection(stream, live, count)

        tasks.start_soon(listener.serve, handler, tasks)
        try:
            yield RunningEmulator(_url(host, bound), host, bound, live, count)
        finally:
            tasks.cancel_scope.cancel()


def serve_forever(port: int, host: str = "127.0.0.1", state: EmulatorState | None = None) -> None:
    """Serve the emulator in the foreground (asyncio) until interrupted.

    Prints ``Ollama emulator listening on <url>`` once it listens. Blocks until Ctrl-C
    (``KeyboardInterrupt`` propagates to the caller) or the process is stopped. Raises
    ``OSError`` if the address cannot be bound.
    """

    async def main() -> None:
        async with run_emulator(state, host, port) as emulator:
            print(f"Ollama emulator listening on {emulator.url}", flush=True)
            await anyio.sleep_forever()

    anyio.run(main, backend="asyncio")
