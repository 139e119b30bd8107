"""Pulls over HTTP, and the other streamed verbs (push, create, update).

``POST /v1/pulls`` starts or joins a pull for the client: followed, the answer streams the
pull's events (NDJSON ``{"ticket"}``, ``{"progress"}``..., then ``{"result"}`` or
``{"error"}``) and the client leaving withdraws its share; detached (``"detach": true``),
the service holds the share until the pull ends or the service stops. Every share the
service holds for a client is on this desk, so a cancel by id or name reaches them all.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, Callable
from typing import Any

import anyio
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ollm_actors.errors import OllmError, ServiceRefused
from ollm_actors.service.target import ServedRuntime
from ollm_actors.service.wire import error_body

__all__ = ("CancelBody", "PullDesk", "StartBody")

_encoder = msgspec.json.Encoder()


def _line(data: Any) -> bytes:
    return _encoder.encode(data) + b"\n"


class StartBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    host: str | None = None
    started_by: str | None = None
    detach: bool = False


class CancelBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    target: int | str
    host: str | None = None


class PushBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    host: str | None = None
    insecure: bool = False


class CreateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    from_: str
    parameters: dict[str, Any] | None = None
    system: str | None = None
    template: str | None = None
    host: str | None = None


class UpdateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    names: list[str] | None = None
    hosts: list[str] | None = None
    dry_run: bool = False


_STREAMED: dict[str, tuple[str, type[msgspec.Struct]]] = {
    "/v1/models/push": ("push_model", PushBody),
    "/v1/models/create": ("create_model", CreateBody),
    "/v1/models/update": ("update_models", UpdateBody),
}


async def _decode(request: Request, kind: type[Any]) -> Any:
    try:
        return msgspec.json.decode(await request.body() or b"{}", type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ServiceRefused("this service", 400, f"{request.url.path}: {exc}") from None


def _fields(body: msgspec.Struct) -> dict[str, Any]:
    return {name: getattr(body, name) for name in body.__struct_fields__}


class PullDesk:
    """The pull shares the service holds for its clients, by asker id."""

    def __init__(self, runtime: ServedRuntime) -> None:
        self._runtime = runtime
        self._handles: dict[int, Any] = {}

    @property
    def held(self) -> int:
        """How many shares the service holds now (followed and detached)."""
        return len(self._handles)

    def cancel_all(self) -> None:
        """Withdraw every share held for a client (the service is stopping)."""
        for handle in list(self._handles.values()):
            handle.cancel()

    async def _start(self, body: StartBody) -> Any:
        handle = await self._runtime.models.start_pull(
            body.name, body.host, started_by=body.started_by
        )
        self._handles[handle.asker] = handle
        return handle

    def _forget(self, handle: Any) -> None:
        self._handles.pop(handle.asker, None)

    def routes(
        self, shared: Any, stream: Callable[..., Response], json: Callable[..., Response]
    ) -> list[Route]:
        """The routes of pulls and streamed verbs, answering through ``shared``'s runtime."""
        runtime = self._runtime

        async def start(request: Request) -> Response:
            body = await _decode(request, StartBody)
            handle = await self._start(body)
            ticket = {
                "pull_id": handle.pull_id, "model": handle.model, "host": handle.host,
                "joined": handle.joined,
            }
            if body.detach:
                shared.task_group.start_soon(self._hold, handle)
                return json(ticket)

            async def cleanup() -> None:
                await handle.aclose()
                self._forget(handle)

            return stream(shared, _follow(handle, ticket), cleanup)

        async def listing(request: Request) -> Response:
            recent = request.query_params.get("recent", "false").lower() in ("1", "true")
            return json(await runtime.models.pulls(recent=recent))

        async def cancel(request: Request) -> Response:
            body = await _decode(request, CancelBody)
            return json(await runtime.models.cancel_pull(body.target, body.host))

        async def cancel_path(request: Request) -> Response:
            raw = request.path_params["target"]
            target: int | str = int(raw) if raw.isdigit() else raw
            host = request.query_params.get("host")
            return json(await runtime.models.cancel_pull(target, host))

        routes = [
            Route("/v1/pulls", start, methods=["POST"]),
            Route("/v1/pulls", listing, methods=["GET"]),
            Route("/v1/pulls/cancel", cancel, methods=["POST"]),
            Route("/v1/pulls/{target:path}", cancel_path, methods=["DELETE"]),
        ]
        for path, (name, kind) in _STREAMED.items():
            routes.append(Route(path, _streamed(shared, stream, name, kind), methods=["POST"]))
        return routes

    async def _hold(self, handle: Any) -> None:
        """Hold a detached share until the pull ends (cancelled with the service)."""
        try:
            await handle.wait()
        except OllmError:
            pass
        finally:
            self._forget(handle)


async def _follow(handle: Any, ticket: dict[str, Any]) -> AsyncGenerator[bytes, None]:
    yield _line({"ticket": ticket})
    async for event in handle.progress():
        yield _line({"progress": event})
    try:
        yield _line({"result": await handle.wait()})
    except OllmError as exc:
        yield _line(error_body(exc))


def _streamed(
    shared: Any, stream: Callable[..., Response], name: str, kind: type[msgspec.Struct]
) -> Callable[[Request], Any]:
    """A route running ``rt.models.<name>`` in the service's task group, its progress and
    outcome streamed; the client leaving cancels it."""

    async def endpoint(request: Request) -> Response:
        kwargs = _fields(await _decode(request, kind))
        send, receive = anyio.create_memory_object_stream[bytes](math.inf)
        scope = anyio.CancelScope()

        async def run() -> None:
            with send, scope:
                try:
                    result = await getattr(shared.runtime.models, name)(
                        **kwargs, on_progress=lambda event: send.send_nowait(
                            _line({"progress": event})
                        )
                    )
                    send.send_nowait(_line({"result": result}))
                except OllmError as exc:
                    send.send_nowait(_line(error_body(exc)))

        async def body() -> AsyncGenerator[bytes, None]:
            with receive:
                async for chunk in receive:
                    yield chunk

        async def cleanup() -> None:
            scope.cancel()

        shared.task_group.start_soon(run)
        return stream(shared, body(), cleanup)

    return endpoint
