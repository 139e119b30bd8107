"""The inventory's requests to its hosts: one generic fetch, the fetches in flight, the probe.

Every request is bounded by the per-request deadline (``timeouts.request``): the client's
own bounds cut each phase short (connecting, the answer's head, each wait for data), the
deadline the whole request, so a host that accepts but trickles cannot hold an answer longer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Protocol, TypeVar, TypeVarTuple, Unpack

import anyio

from ollm_actors.errors import HostUnreachable, OllmError
from ollm_actors.inventory.hoststate import details_from_show
from ollm_actors.inventory.messages import FetchAnswer, Fetched, FetchKey, FetchKind
from ollm_actors.inventory.pending import PendingFetch
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.ollama.pool import HostPool

__all__ = ("Fetches", "Lookup", "StartSoon", "fetch", "probe", "within_deadline")

T = TypeVar("T")
PosArgs = TypeVarTuple("PosArgs")

Report = Callable[[Fetched], Awaitable[None]]

#: Asked before a host is: what another runtime shared instead (None: ask the host). Never
#: raises; bounded by the shared state's own deadlines, not by the host's.
Lookup = Callable[[], Awaitable[FetchAnswer | None]]


class StartSoon(Protocol):
    """The actor's ``start_soon``: run ``fn(*args)`` as a child task of the actor."""

    def __call__(
        self,
        fn: Callable[[Unpack[PosArgs]], Coroutine[Any, Any, object]],
        *args: *PosArgs,
        name: str | None = None,
    ) -> None: ...


async def within_deadline(call: Callable[[], Awaitable[T]], host: str, deadline: float) -> T:
    """Await ``call()`` for at most ``deadline`` seconds and return its result.

    Raises ``HostUnreachable(host, "no answer within N s")`` when the deadline passes (the
    call is cancelled), and whatever ``OllmError`` the call raises. Cancellation from outside
    passes through unchanged.
    """
    try:
        with anyio.fail_after(deadline):
            return await call()
    except TimeoutError:
        raise HostUnreachable(host, f"no answer within {deadline:g} s") from None


async def fetch(
    key: FetchKey,
    call: Callable[[], Awaitable[FetchAnswer]],
    deadline: float,
    report: Report,
    first: Lookup | None = None,
) -> None:
    """Run ``call`` :func:`within_deadline` of ``key.host`` and ``report`` the outcome;
    with ``first``, report what it finds instead when it finds something (the host is not
    asked). The lookup is outside the host's deadline: a slow shared store must never make a
    host look unreachable.

    Every ``OllmError`` becomes a :class:`Fetched` with ``error`` set; only cancellation, or
    a bug in ``call``, ends it otherwise.
    """
    if first is not None:
        found = await first()
        if found is not None:
            await report(Fetched(key, value=found))
            return
    try:
        value = await within_deadline(call, key.host, deadline)
    except OllmError as exc:
        await report(Fetched(key, error=exc))
    else:
        await report(Fetched(key, value=value))


class Fetches:
    """The actor's fetches in flight: at most one per :class:`FetchKey`.

    ``tags``, ``ps`` and ``show`` return the :class:`PendingFetch` of the request in flight,
    starting it (a child task through ``start_soon``) when there is none; each reports a
    :class:`Fetched` through ``report`` (the actor's ``tell``), whose handler calls
    :meth:`finished` and settles what it returns. Used from the actor's handlers only.
    """

    def __init__(
        self, pool: HostPool, deadline: float, start_soon: StartSoon, report: Report
    ) -> None:
        self._pool = pool
        self._deadline = deadline
        self._start_soon = start_soon
        self._report = report
        self._pending: dict[FetchKey, PendingFetch] = {}

    def in_flight(self, kind: FetchKind) -> set[str]:
        """The hosts with a fetch of ``kind`` in flight."""
        return {key.host for key in self._pending if key.kind == kind}

    def finished(self, key: FetchKey) -> PendingFetch | None:
        """Forget the fetch of ``key`` (it reported) and return it, to be settled.

        None for a report this incarnation did not start: the inbox survives a restart, so
        a report of the previous incarnation's fetch can still arrive.
        """
        return self._pending.pop(key, None)

    def tags(self, url: str, first: Lookup | None = None) -> PendingFetch:
        """``/api/tags`` of ``url`` (unless ``first`` finds the list shared: see
        :func:`fetch`)."""
        return self._join(FetchKey("tags", url), self._pool.client(url).list_models, first)

    def ps(self, url: str) -> PendingFetch:
        """``/api/ps`` of ``url``."""
        return self._join(FetchKey("ps", url), self._pool.client(url).ps)

    def show(
        self, url: str, name: str, digest: str, first: Lookup | None = None
    ) -> PendingFetch:
        """``/api/show`` of ``name`` on ``url``, reduced to :class:`ModelDetails`; one per
        digest, so names sharing a digest share the request (``first``: see :func:`fetch`)."""
        client = self._pool.client(url)

        async def details() -> ModelDetails:
            # Not verbose: that answer is megabytes of tokenizer arrays for a tensor list
            # the estimate barely needs (README, "Will it fit?").
            show = await client.show(name)
            return details_from_show(show, name=name, host=url, digest=digest)

        return self._join(FetchKey("show", url, digest), details, first)

    def _join(
        self,
        key: FetchKey,
        call: Callable[[], Awaitable[FetchAnswer]],
        first: Lookup | None = None,
    ) -> PendingFetch:
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = PendingFetch()
            name = f"inventory:{key.kind}:{key.host}"
            self._start_soon(fetch, key, call, self._deadline, self._report, first, name=name)
        return pending


async def probe(
    scope: anyio.CancelScope,
    call: Callable[[], Awaitable[object]],
    host: str,
    deadline: float,
    delays: Iterable[float],
    report: Callable[[], Awaitable[None]],
) -> None:
    """Watch a host that went offline: after each of ``delays``, try ``call`` (bounded as in
    :func:`within_deadline`); at the first answer, ``report()`` and return.

    Runs inside ``scope``, so the owner stops it with ``scope.cancel()`` once the host is
    known to answer again (from the scope's creation on, even before the task started).
    Returns without reporting when ``delays`` run out.
    """
    with scope:
        for delay in delays:
            await anyio.sleep(delay)
            try:
                await within_deadline(call, host, deadline)
            except OllmError:
                continue
            await report()
            return
