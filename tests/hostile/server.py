"""A loopback HTTP/1.1 server that answers as badly as a test asks it to.

It speaks just enough HTTP to get a client past the status line: read one request, let the
test's :data:`Answer` write whatever it likes, close. An answer that never ends (an endless
body, a line without a newline) is ended by the client hanging up, which the server takes
quietly; leaving :func:`hostile_server` cancels whatever is still being written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import anyio
from anyio.abc import ByteStream, SocketAttribute

__all__ = (
    "VERSION_BODY",
    "Answer",
    "HostileServer",
    "Request",
    "chunked_forever",
    "fixed",
    "head_then_silence",
    "hostile_server",
)

#: What ``/api/version`` always answers, so a test can show the same client still works.
VERSION_BODY = b'{"version":"0.0.0-hostile"}'
_HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: dict[str, str]


Answer = Callable[[Request, ByteStream], Awaitable[None]]


@dataclass
class HostileServer:
    url: str
    port: int
    requests: list[Request] = field(default_factory=list)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Hostile"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fixed(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    """An answer of one whole body with an honest Content-Length."""

    async def answer(request: Request, stream: ByteStream) -> None:
        extra = {"Content-Type": "application/json", **(headers or {})}
        head = {**extra, "Content-Length": str(len(body)), "Connection": "close"}
        await stream.send(_head(status, head) + body)

    return answer


def chunked_forever(piece: bytes, *, status: int = 200, prefix: bytes = b"") -> Answer:
    """A chunked body that starts with ``prefix`` and repeats ``piece`` until the client leaves."""
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    async def answer(request: Request, stream: ByteStream) -> None:
        head = {"Content-Type": "application/x-ndjson", "Transfer-Encoding": "chunked"}
        await stream.send(_head(status, head))
        if prefix:
            await stream.send(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
        while True:
            await stream.send(frame)

    return answer


def head_then_silence(content_length: int) -> Answer:
    """A head claiming ``content_length`` bytes, then nothing: only the claim can fail it fast."""

    async def answer(request: Request, stream: ByteStream) -> None:
        head = {"Content-Type": "application/json", "Content-Length": str(content_length)}
        await stream.send(_head(200, head))
        await anyio.sleep_forever()

    return answer


async def _read_request(stream: ByteStream) -> Request:
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > _HEAD_LIMIT:
            raise ValueError("request head too long")
        data += await stream.receive()
    head, _, rest = data.partition(b"\r\n\r\n")
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    # Read the request body so the client is never blocked writing it.
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        rest += await stream.receive()
    return Request(method, target, headers)


@asynccontextmanager
async def hostile_server(
    answer: Answer, *, healthy_version: bool = True
) -> AsyncIterator[HostileServer]:
    """Serve ``answer`` on 127.0.0.1 (a free port); ``/api/version`` stays healthy unless
    ``healthy_version`` is False."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    async with listener, anyio.create_task_group() as tasks:
        port = int(listener.extra(SocketAttribute.local_port))
        server = HostileServer(f"http://127.0.0.1:{port}", port)
        healthy = fixed(VERSION_BODY)

        async def handle(stream: ByteStream) -> None:
            async with stream:
                # The client hanging up mid-answer is the expected end of a hostile answer.
                with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError,
                              anyio.EndOfStream, OSError):
                    request = await _read_request(stream)
                    server.requests.append(request)
                    path = request.target.partition("?")[0]
                    if healthy_version and path.endswith("/api/version"):
                        await healthy(request, stream)
                    else:
                        await answer(request, stream)

        tasks.start_soon(listener.serve, handle, tasks)
        try:
            yield server
        finally:
            tasks.cancel_scope.cancel()
