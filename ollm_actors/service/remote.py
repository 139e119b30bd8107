"""``RemoteRuntime`` and its parts: the ``Runtime`` API over a :class:`Connection`.

Pulls come back as :class:`~ollm_actors.service.remote_pull.RemotePullHandle` (the
interface of ``PullHandle``); events as the same ``Event`` Structs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import msgspec

from ollm_actors.actors.event import Event
from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.downloads.lifecycle_results import CreateResult, PushResult, UpdateResult
from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import OllmError, ServiceUnavailable
from ollm_actors.inventory.hosts_api import HostsAPI
from ollm_actors.ollama.pool import resolve_among
from ollm_actors.service.calls import result_of
from ollm_actors.service.client import Connection, RemoteArea
from ollm_actors.service.remote_pull import DetachedPull, RemotePullHandle, decode_line
from ollm_actors.service.wire import error_from_body, event_from_line
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("RemoteEvents", "RemoteModels", "RemoteRuntime")

#: ``PullInfo``, the downloads actor's own Struct, named by its public API
_PULL_INFO: Any = result_of(DownloadsAPI.pulls).__args__[0]


class RemoteModels(RemoteArea):
    """``rt.models`` of a remote runtime (``inventory`` too: ``rt.models.inventory``)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection, "models")
        self.inventory = RemoteArea(connection, "models.inventory")

    async def start_pull(
        self, name: str, host: str | None = None, *, started_by: str | None = None,
        detach: bool = False,
    ) -> Any:
        """Start or join a pull in the service; its handle once the service answered.
        ``detach``: the service holds the share (the pull outlives this client) and the
        answer is a :class:`DetachedPull` (``pull_id``, ``model``, ``host``, ``joined``)."""
        connection = self._connection
        body = {"name": name, "host": host, "started_by": started_by, "detach": detach}
        if detach:
            content = await connection.request("POST", "/v1/pulls", body=body)
            return msgspec.json.decode(content, type=DetachedPull)
        ready: anyio.Event = anyio.Event()
        found: list[RemotePullHandle] = []
        failure: list[BaseException] = []

        async def run() -> None:
            try:
                async with connection.stream("POST", "/v1/pulls", body) as lines:
                    first = decode_line(await anext(aiter(lines)))
                    handle = RemotePullHandle(connection, first["ticket"])
                    found.append(handle)
                    ready.set()
                    await handle._read(lines)
            except (OllmError, StopAsyncIteration) as exc:
                failure.append(exc)
            finally:
                ready.set()

        connection.task_group.start_soon(run)
        await ready.wait()
        if found:
            return found[0]
        error = failure[0] if failure else None
        if isinstance(error, OllmError):
            raise error
        raise ServiceUnavailable(str(connection.target), "the pull stream ended at once")

    async def pull_model(
        self, name: str, host: str | None = None,
        on_progress: Callable[[PullEvent], object] | None = None,
    ) -> PullResult:
        handle = await self.start_pull(name, host)
        try:
            if on_progress is not None:
                async for event in handle.progress():
                    if not event.terminal:
                        on_progress(event)
            result: PullResult = await handle.wait()
            return result
        except BaseException:
            await handle.aclose()
            raise

    async def pulls(self, *, recent: bool = False) -> tuple[Any, ...]:
        """The pulls running in the service (with ``recent``, the last ended ones too)."""
        content = await self._connection.request(
            "GET", "/v1/pulls", params={"recent": "true" if recent else "false"}
        )
        pulls: tuple[Any, ...] = msgspec.json.decode(content, type=tuple[_PULL_INFO, ...])
        return pulls

    async def cancel_pull(self, target: int | str, host: str | None = None) -> Any:
        """Cancel every share of the pull with that id or model name; how it ended."""
        content = await self._connection.request(
            "POST", "/v1/pulls/cancel", body={"target": target, "host": host}
        )
        return msgspec.json.decode(content, type=_PULL_INFO)

    async def _streamed(
        self, path: str, body: dict[str, Any], result: Any,
        on_progress: Callable[[PullEvent], object] | None,
    ) -> Any:
        async with self._connection.stream("POST", path, body) as lines:
            async for raw in lines:
                doc = decode_line(raw)
                if "progress" in doc:
                    if on_progress is not None:
                        on_progress(msgspec.convert(doc["progress"], PullEvent))
                elif "result" in doc:
                    return msgspec.convert(doc["result"], result)
                elif "error" in doc:
                    raise error_from_body(doc, target=str(self._connection.target), status=200)
        raise ServiceUnavailable(str(self._connection.target), "the stream ended early")

    async def push_model(
        self, name: str, host: str | None = None, insecure: bool = False,
        on_progress: Callable[[PullEvent], object] | None = None,
    ) -> PushResult:
        body = {"name": name, "host": host, "insecure": insecure}
        result: PushResult = await self._streamed("/v1/models/push", body, PushResult, on_progress)
        return result

    async def create_model(
        self, name: str, from_: str, parameters: Any = None, system: str | None = None,
        template: str | None = None, host: str | None = None,
        on_progress: Callable[[PullEvent], object] | None = None,
    ) -> CreateResult:
        body = {"name": name, "from_": from_, "parameters": dict(parameters or {}),
                "system": system, "template": template, "host": host}
        result: CreateResult = await self._streamed(
            "/v1/models/create", body, CreateResult, on_progress
        )
        return result

    async def update_models(
        self, names: list[str] | None = None, hosts: list[str] | None = None, *,
        dry_run: bool = False, on_progress: Callable[[PullEvent], object] | None = None,
    ) -> list[UpdateResult]:
        body = {"names": names, "hosts": hosts, "dry_run": dry_run}
        result: list[UpdateResult] = await self._streamed(
            "/v1/models/update", body, list[UpdateResult], on_progress
        )
        return result


class RemoteEvents:
    """``rt.events`` of a remote runtime: ``subscribe`` over the NDJSON stream, ``on``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @asynccontextmanager
    async def subscribe(
        self, *patterns: str, buffer: int = 256
    ) -> AsyncIterator[AsyncIterator[Event]]:
        """The service's events matching ``patterns`` (none: every topic), from the moment
        the block is entered, as the same ``Event`` Structs; ``buffer`` bounds the state
        events the service holds for this subscriber (beyond it, iteration raises
        ``SubscriberOverflow``, as in-process)."""
        params = [("topics", pattern) for pattern in patterns] + [("buffer", str(buffer))]
        async with self._connection.stream("GET", "/v1/events", params=params) as lines:
            iterator = aiter(lines)
            await anext(iterator)  # the service's "subscribed" line
            yield _Events(iterator, str(self._connection.target))

    def on(self, pattern: str, callback: Callable[[Event], object]) -> Callable[[], None]:
        """Call ``callback`` with every matching event until the returned function is
        called (or the connection closes). A plain call: the stream opens in the
        background."""
        scope = anyio.CancelScope()

        async def follow() -> None:
            with scope:
                async with self.subscribe(pattern) as events:
                    async for event in events:
                        callback(event)

        self._connection.task_group.start_soon(follow)
        return scope.cancel


class _Events:
    """The events of one subscription, decoded line by line."""

    __slots__ = ("_lines", "_target")

    def __init__(self, lines: AsyncIterator[bytes], target: str) -> None:
        self._lines, self._target = lines, target

    def __aiter__(self) -> _Events:
        return self

    async def __anext__(self) -> Event:
        raw = await anext(self._lines)
        if raw.startswith(b'{"error"'):
            raise error_from_body(decode_line(raw), target=self._target, status=200)
        return event_from_line(raw)


class RemoteRuntime:
    """The API of ``Runtime`` for a runtime served elsewhere (see :func:`connect`):
    ``models``, ``limits``, ``router``, ``hosts``, ``events``, ``resolve_host`` and
    ``statistics`` (async here: it asks the service).

    ``settings`` are this client's (what it renders with, as the CLI's flags say);
    ``service_settings`` are the service's, redacted (no host credentials, no token), as
    JSON data."""

    def __init__(self, connection: Connection, hello: dict[str, Any], settings: Any) -> None:
        self.connection = connection
        self.settings = settings
        self.service_settings: dict[str, Any] = hello["settings"]
        self.models = RemoteModels(connection)
        self.limits = RemoteArea(connection, "limits")
        self.router = RemoteArea(connection, "router")
        self.events = RemoteEvents(connection)
        self._top = RemoteArea(connection, "")
        self._urls: tuple[str, ...] = tuple(hello["hosts"])
        self._hosts_area = RemoteArea(connection, "hosts")

    @property
    def target(self) -> str:
        return str(self.connection.target)

    @property
    def hosts(self) -> Sequence[str]:
        return HostsAPI(self._urls, _RemoteHealth(self._hosts_area))  # type: ignore[arg-type]

    def resolve_host(self, host: str | None) -> str:
        """The display URL of the service's host that any spelling ``host`` names (None: the
        default); a plain call, as in-process. Raises ``InvalidHost`` for a host the service
        does not have."""
        return resolve_among(host, self._urls)

    async def statistics(self) -> tuple[Any, ...]:
        result: tuple[Any, ...] = await self._top.statistics()
        return result


class _RemoteHealth:
    """What ``HostsAPI`` asks of an inventory, asked of the service."""

    def __init__(self, area: RemoteArea) -> None:
        self._area = area

    async def hosts_status(self, probe: bool = False) -> Any:
        return await self._area.status(probe=probe)
