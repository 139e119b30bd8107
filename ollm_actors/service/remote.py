"""``RemoteRuntime`` and its parts: the ``Runtime`` API over a :class:`Connection`.

Pulls come back as :class:`RemotePullHandle` (the interface of ``PullHandle``): the
service streams the pull's events to the handle, read in the connection's task group;
``cancel()`` closes that stream, which withdraws this client's share in the service.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import msgspec
from anyio.lowlevel import checkpoint

from ollm_actors.actors.event import Event
from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.downloads.lifecycle_results import CreateResult, PushResult, UpdateResult
from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import OllmError, PullCancelled, ServiceUnavailable
from ollm_actors.inventory.hosts_api import HostsAPI
from ollm_actors.service.calls import result_of
from ollm_actors.service.client import Connection, RemoteArea
from ollm_actors.service.wire import error_from_body, event_from_line
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("RemoteEvents", "RemoteModels", "RemotePullHandle", "RemoteRuntime")

_ticket = msgspec.json.Decoder(dict[str, Any])
#: ``PullInfo``, the downloads actor's own Struct, named by its public API
_PULL_INFO: Any = result_of(DownloadsAPI.pulls).__args__[0]


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

    def progress(self) -> AsyncIterator[PullEvent]:
        """This pull's events, ending after the terminal one (``cancelled`` after
        :meth:`cancel`, even when others keep the pull going)."""
        return self._progress()

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

    async def _progress(self) -> AsyncIterator[PullEvent]:
        await checkpoint()
        while True:
            if self._events:
                event = self._events.popleft()
                yield event
                if event.terminal:
                    return
                continue
            if self._ended.is_set():
                if self._terminal is None:
                    yield self._closing_event()
                return
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
                    doc = _ticket.decode(raw)
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
        answer is the ticket (``pull_id``, ``model``, ``host``, ``joined``)."""
        connection = self._connection
        body = {"name": name, "host": host, "started_by": started_by, "detach": detach}
        if detach:
            return msgspec.json.decode(await connection.request("POST", "/v1/pulls", body=body))
        ready: anyio.Event = anyio.Event()
        found: list[RemotePullHandle] = []
        failure: list[BaseException] = []

        async def run() -> None:
            try:
                async with connection.stream("POST", "/v1/pulls", body) as lines:
                    first = _ticket.decode(await anext(aiter(lines)))
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
                doc = _ticket.decode(raw)
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
        the block is entered, as the same ``Event`` Structs."""
        params = [("topics", pattern) for pattern in patterns]
        async with self._connection.stream("GET", "/v1/events", params=params) as lines:
            iterator = aiter(lines)
            await anext(iterator)  # the service's "subscribed" line
            yield _events(iterator)

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


async def _events(lines: AsyncIterator[bytes]) -> AsyncIterator[Event]:
    async for raw in lines:
        yield event_from_line(raw)


class RemoteRuntime:
    """The API of ``Runtime`` for a runtime served elsewhere (see :func:`connect`):
    ``models``, ``limits``, ``router``, ``hosts``, ``events``, ``settings`` (redacted, as
    JSON data), ``resolve_host`` and ``statistics`` (async here: they ask the service)."""

    def __init__(self, connection: Connection, hello: dict[str, Any]) -> None:
        self.connection = connection
        self.settings: dict[str, Any] = hello["settings"]
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

    async def resolve_host(self, host: str | None) -> str:
        result: str = await self._top.resolve_host(host)
        return result

    async def statistics(self) -> tuple[Any, ...]:
        result: tuple[Any, ...] = await self._top.statistics()
        return result


class _RemoteHealth:
    """What ``HostsAPI`` asks of an inventory, asked of the service."""

    def __init__(self, area: RemoteArea) -> None:
        self._area = area

    async def hosts_status(self, probe: bool = False) -> Any:
        return await self._area.status(probe=probe)
