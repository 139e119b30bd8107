"""``connect()``: a :class:`RemoteRuntime` over httpx with the API of ``Runtime``.

Calls go through the one table (:mod:`~ollm_actors.service.calls`); answers decode into the
same Structs, and error documents back into the same ``OllmError`` classes, so a caller (the
CLI) cannot tell a service from an in-process runtime by what it gets. Transport failures
become ``ServiceUnavailable`` here, at the one boundary of this client.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import msgspec

from ollm_actors.errors import OllmError, ServiceRefused, ServiceUnavailable
from ollm_actors.ollama._bounds import RawStream
from ollm_actors.service.calls import CALLS, Call
from ollm_actors.service.discovery import Target, default_socket, parse_target
from ollm_actors.service.groups import single_errors
from ollm_actors.service.wire import error_from_body

__all__ = ("ENV_TOKEN", "Connection", "RemoteArea", "connect")

#: the environment variable a client reads the service's bearer token from
ENV_TOKEN = "OLLM_SERVICE_TOKEN"

#: how long a plain call may take (a pull is streamed, so none is that long)
_CALL_TIMEOUT = 300.0


class Connection:
    """One client of one service: requests, streams, and the task group streams read in."""

    def __init__(self, client: httpx.AsyncClient, target: Target, tg: anyio.abc.TaskGroup):
        self.client, self.target, self.task_group = client, target, tg

    @contextmanager
    def boundary(self) -> Iterator[None]:
        """httpx's failures as ``ServiceUnavailable`` naming the service."""
        try:
            yield
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise ServiceUnavailable(str(self.target), reason) from None

    def error(self, response: httpx.Response, content: bytes) -> OllmError:
        try:
            body = msgspec.json.decode(content)
        except msgspec.DecodeError:
            body = None
        error = error_from_body(body, target=str(self.target), status=response.status_code)
        if isinstance(error, ServiceRefused):
            error.target = str(self.target)
        return error

    async def request(self, verb: str, path: str, *, params: Any = None, body: Any = None) -> bytes:
        content = msgspec.json.encode(body) if body is not None else None
        with self.boundary():
            response = await self.client.request(
                verb, path, params=params, content=content,
                headers={"content-type": "application/json"} if content else None,
            )
        if response.status_code >= 400:
            raise self.error(response, response.content)
        return response.content

    @asynccontextmanager
    async def stream(
        self, verb: str, path: str, body: Any = None, params: Any = None
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """The NDJSON lines of a streamed answer (the stream closes with the block)."""
        request = self.client.build_request(
            verb, path, params=params,
            content=msgspec.json.encode(body) if body is not None else None,
            # An event stream may be quiet for hours; only the connect is bounded.
            timeout=httpx.Timeout(None, connect=5.0),
        )
        with self.boundary():
            response = await self.client.send(request, stream=True)
        lines = _Lines(self, response)
        try:
            if response.status_code >= 400:
                with self.boundary():
                    content = await response.aread()
                raise self.error(response, content)
            yield lines
        finally:
            with anyio.CancelScope(shield=True):
                await lines.aclose()


class _Lines:
    """The non-empty lines of a streamed answer, read from the raw chunks of
    :class:`~ollm_actors.ollama._bounds.RawStream`, which knows how to close httpx's chain
    of readers fully (trio warns of every one left to the garbage collector)."""

    __slots__ = ("_buffer", "_connection", "_raw", "_ready")

    def __init__(self, connection: Connection, response: httpx.Response) -> None:
        self._connection = connection
        self._raw = RawStream(response)
        self._buffer = b""
        self._ready: deque[bytes] = deque()

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> bytes:
        while not self._ready:
            with self._connection.boundary():
                chunk = await self._raw.next()
            if chunk is None:
                if self._buffer.strip():
                    self._ready.append(self._buffer)
                    self._buffer = b""
                    break
                raise StopAsyncIteration
            *lines, self._buffer = (self._buffer + chunk).split(b"\n")
            self._ready.extend(line for line in lines if line.strip())
        return self._ready.popleft()

    async def aclose(self) -> None:
        await self._raw.aclose()


def _query(call: Call, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        if value is None:
            continue
        out[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return out


class RemoteArea:
    """``rt.models``, ``rt.limits``, ``rt.router`` … of a remote runtime: each method of the
    table is an async call with the in-process signature (arguments by position or name)."""

    def __init__(self, connection: Connection, area: str) -> None:
        self._connection = connection
        self._calls = {call.name: call for call in CALLS if call.area == area}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        call = self.__dict__.get("_calls", {}).get(name)
        if call is None:
            raise AttributeError(name)
        connection = self._connection

        async def remote(*args: Any, **kwargs: Any) -> Any:
            return await invoke(connection, call, args, kwargs)

        remote.__name__ = name
        return remote


async def invoke(
    connection: Connection, call: Call, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Call ``call`` on the service with Python arguments; its decoded answer."""
    names = [p.name for p in call.params]
    if len(args) > len(names):
        raise TypeError(f"{call.name}() takes {len(names)} arguments, {len(args)} given")
    given = dict(zip(names, args, strict=False))
    for name in call.client_only:
        kwargs.pop(name, None)
    unknown = set(kwargs) - set(names)
    if unknown:
        raise TypeError(f"{call.name}() got unexpected arguments {sorted(unknown)}")
    given.update(kwargs)
    data = msgspec.to_builtins(given)
    if call.verb == "GET":
        content = await connection.request("GET", call.path, params=_query(call, data))
    else:
        content = await connection.request(call.verb, call.path, body=data)
    if call.result is None:
        return None
    value = msgspec.json.decode(content, type=call.result)
    if call.tuple_keys:
        return {tuple(item[:-1]): item[-1] for item in value}
    if call.sync and isinstance(value, list):
        return tuple(value)
    return value


@asynccontextmanager
async def connect(
    target: str | Path | None = None, *, token: str | None = None, settings: Any = None
) -> AsyncIterator[Any]:
    """A :class:`~ollm_actors.service.remote.RemoteRuntime` for the service at ``target``
    (a socket path or ``http://host:port``; None: the default socket), sending ``token`` as
    a bearer token (default: ``OLLM_SERVICE_TOKEN`` when set); ``settings`` are the client's
    own (default: :func:`load_settings`), what ``remote.settings`` gives. Raises
    ``ServiceUnavailable`` when nothing answers there and ``ServiceRefused`` (401) for a
    missing or wrong token. Works under trio and asyncio;
    leaving the block closes every stream and leaves no task."""
    from ollm_actors.service.remote import RemoteRuntime

    where = parse_target(target if target is not None else default_socket())
    if token is None:
        token = os.environ.get(ENV_TOKEN) or None
    transport = httpx.AsyncHTTPTransport(uds=str(where.socket)) if where.socket else None
    headers = {"authorization": f"Bearer {token}"} if token else {}
    with single_errors():
        async with (
            httpx.AsyncClient(
                transport=transport, base_url=where.base_url(), headers=headers,
                timeout=httpx.Timeout(_CALL_TIMEOUT, connect=5.0),
            ) as client,
            anyio.create_task_group() as tg,
        ):
            connection = Connection(client, where, tg)
            hello = msgspec.json.decode(await connection.request("GET", "/v1/hello"))
            try:
                if settings is None:
                    from ollm_actors.config import load_settings

                    settings = load_settings()
                yield RemoteRuntime(connection, hello, settings)
            finally:
                tg.cancel_scope.cancel()
