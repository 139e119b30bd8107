"""The Starlette application: the calls of :mod:`~ollm_actors.service.calls` as routes, the
streamed ones (pulls, push, create, update, events) as NDJSON, errors as the CLI's
``{"error": ...}`` documents with an HTTP status by type.

Streams end cleanly in every way a client can leave: each streamed answer is a
:class:`_Stream` that, when the client disconnects or the stream ends, closes its body and
runs its cleanup (withdraw the pull share, cancel the push) in the request's own task, and
counts itself in :attr:`Shared.open_streams`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import anyio
import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ollm_actors.errors import OllmError, ServiceRefused
from ollm_actors.service.calls import CALLS, Call, params_type
from ollm_actors.service.pulls import PullDesk
from ollm_actors.service.redact import redacted_settings
from ollm_actors.service.target import ServedRuntime
from ollm_actors.service.wire import error_body, status_of

__all__ = ("Shared", "build_app")

_log = logging.getLogger("ollm_actors.service")
_encoder = msgspec.json.Encoder()
_JSON = "application/json"
_NDJSON = "application/x-ndjson"
_MAX_BUFFER = 1 << 20  # pending events one subscriber may hold in the service


class Shared:
    """What the routes share: the runtime, the pulls desk, the open streams."""

    def __init__(self, runtime: ServedRuntime, task_group: anyio.abc.TaskGroup) -> None:
        self.runtime = runtime
        self.task_group = task_group
        self.desk = PullDesk(runtime)
        self.open_streams = 0
        self.closing = False
        self._subscriptions: set[Any] = set()

    def close_streams(self) -> None:
        """End every event stream (shutdown): their clients see the stream end."""
        self.closing = True
        for subscription in list(self._subscriptions):
            subscription.close()


def line(data: Any) -> bytes:
    return _encoder.encode(data) + b"\n"


def _json(data: Any, status: int = 200) -> Response:
    return Response(_encoder.encode(data), status_code=status, media_type=_JSON)


def _error(error: OllmError) -> Response:
    return _json(error_body(error), status_of(error))


class _Stream(StreamingResponse):
    """An NDJSON answer whose body is closed and ``cleanup`` awaited however it ends."""

    def __init__(
        self, shared: Shared, body: AsyncGenerator[bytes, None],
        cleanup: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        super().__init__(body, media_type=_NDJSON)
        self._shared, self._body, self._cleanup = shared, body, cleanup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._shared.open_streams += 1
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Bounded: a pull share's withdrawal is itself bounded (PullHandle.aclose).
            with anyio.CancelScope(shield=True):
                await self._body.aclose()
                if self._cleanup is not None:
                    await self._cleanup()
            self._shared.open_streams -= 1


async def _arguments(request: Request, call_type: type[msgspec.Struct], verb: str) -> Any:
    """The request's parameters as the call's params Struct (``ServiceRefused`` 400)."""
    try:
        if verb == "GET":
            query: dict[str, Any] = {}
            for key, value in request.query_params.multi_items():
                query.setdefault(key, []).append(value)
            flat = {k: v[0] if len(v) == 1 else v for k, v in query.items()}
            return msgspec.convert(flat, call_type, strict=False)
        body = await request.body()
        return msgspec.json.decode(body or b"{}", type=call_type)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ServiceRefused("this service", 400, f"{request.url.path}: {exc}") from None


def _kwargs(args: msgspec.Struct) -> dict[str, Any]:
    return {name: getattr(args, name) for name in args.__struct_fields__}


def _resolve(runtime: Any, area: str) -> Any:
    for part in filter(None, area.split(".")):
        runtime = getattr(runtime, part)
    return runtime


def _wire(call: Call, value: Any) -> Any:
    if call.tuple_keys:
        return [[*key, item] for key, item in value.items()]
    return value


def _route(shared: Shared, call: Call) -> Route:
    call_type = params_type(call)

    async def endpoint(request: Request) -> Response:
        kwargs = _kwargs(await _arguments(request, call_type, call.verb))
        method = getattr(_resolve(shared.runtime, call.area), call.name)
        result = method(**kwargs) if call.sync else await method(**kwargs)
        return _json(_wire(call, result))

    return Route(call.path, endpoint, methods=[call.verb])


async def _health(request: Request) -> Response:
    return _json({"service": "ollm", "pid": os.getpid()})


def _routes(shared: Shared) -> list[Route]:
    runtime = shared.runtime

    async def hello(request: Request) -> Response:
        return _json({"hosts": list(runtime.hosts), "settings": redacted_settings(runtime)})

    async def settings(request: Request) -> Response:
        return _json(redacted_settings(runtime))

    async def events(request: Request) -> Response:
        topics = tuple(request.query_params.getlist("topics")) or ("*",)
        if any(not topic for topic in topics):
            raise ServiceRefused("this service", 400, "an empty topic pattern")
        buffer = request.query_params.get("buffer", "256")
        if not buffer.isdigit() or not 1 <= int(buffer) <= _MAX_BUFFER:
            raise ServiceRefused("this service", 400, f"buffer: 1 to {_MAX_BUFFER}, got {buffer!r}")

        async def body() -> AsyncGenerator[bytes, None]:
            async with runtime.events.subscribe(*topics, buffer=int(buffer)) as subscription:
                shared._subscriptions.add(subscription)
                try:
                    if shared.closing:
                        return
                    # A first line at once: the client knows it is subscribed from here on.
                    yield b"{}\n"
                    try:
                        async for event in subscription:
                            yield line(event)
                    except OllmError as exc:  # SubscriberOverflow: the client hears why
                        yield line(error_body(exc))
                finally:
                    shared._subscriptions.discard(subscription)

        return _Stream(shared, body())

    return [
        Route("/v1/hello", hello),
        Route("/v1/settings", settings),
        Route("/v1/events", events),
        *shared.desk.routes(shared, _Stream, _json),
        *(_route(shared, call) for call in CALLS),
    ]


async def _on_ollm_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OllmError)
    return _error(exc)


async def _on_bug(request: Request, exc: Exception) -> Response:
    _log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    body = {"error": {"type": "InternalError", "message": f"{type(exc).__name__}: {exc}"}}
    return _json(body, 500)


def build_app(shared: Shared, token: str | None) -> Any:
    """The ASGI application serving ``shared.runtime``; with ``token``, every route but
    ``/v1/health`` needs ``Authorization: Bearer <token>`` (401 otherwise)."""
    app = Starlette(
        routes=[Route("/v1/health", _health), *_routes(shared)],
        exception_handlers={OllmError: _on_ollm_error, Exception: _on_bug},
    )
    if token is None:
        return app
    from ollm_actors.service.auth import BearerToken

    return BearerToken(app, token)
