"""The generic fetch: the per-request deadline, its error, reports; the probe."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from ollm_actors.errors import HostUnreachable, ServerError
from ollm_actors.inventory.fetch import fetch, probe, within_deadline
from ollm_actors.inventory.messages import Fetched, FetchKey
from ollm_actors.ollama.types import TagsResponse

pytestmark = pytest.mark.anyio

HOST = "http://127.0.0.1:11434"


async def never() -> TagsResponse:
    """A host that accepted the request and never answers."""
    await anyio.Event().wait()
    raise AssertionError("unreachable")


async def test_within_deadline_returns_the_answer() -> None:
    async def answer() -> int:
        return 7

    assert await within_deadline(answer, HOST, 5) == 7


async def test_a_silent_call_ends_at_the_deadline_as_host_unreachable() -> None:
    with anyio.fail_after(5):
        with pytest.raises(HostUnreachable) as caught:
            await within_deadline(never, HOST, 0.05)
    assert (caught.value.host, caught.value.reason) == (HOST, "no answer within 0.05 s")


async def test_the_call_s_own_error_passes_unchanged() -> None:
    error = ServerError(HOST, "/api/tags", 500, "boom")

    async def failing() -> int:
        raise error

    with pytest.raises(ServerError) as caught:
        await within_deadline(failing, HOST, 5)
    assert caught.value is error


async def test_cancellation_from_outside_is_not_a_timeout() -> None:
    with anyio.move_on_after(0.05) as scope:
        await within_deadline(never, HOST, 60)
    assert scope.cancelled_caught


async def test_fetch_reports_the_value_or_the_error() -> None:
    reports: list[Fetched] = []

    async def report(msg: Fetched) -> None:
        reports.append(msg)

    async def tags() -> TagsResponse:
        return TagsResponse()

    key = FetchKey("tags", HOST)
    await fetch(key, tags, 5, report)
    with anyio.fail_after(5):
        await fetch(key, never, 0.05, report)
    assert reports[0] == Fetched(key, value=TagsResponse())
    assert reports[1].key == key and reports[1].value is None
    assert isinstance(reports[1].error, HostUnreachable)
    assert reports[1].error.reason == "no answer within 0.05 s"


def no_waits(count: int) -> Iterator[float]:
    return iter([0.0] * count)


async def test_probe_reports_the_first_answer_and_stops() -> None:
    attempts: list[int] = []
    reports: list[int] = []

    async def version() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise HostUnreachable(HOST, "connection failed")
        return "0.12.0"

    async def report() -> None:
        reports.append(1)

    await probe(anyio.CancelScope(), version, HOST, 5, no_waits(10), report)
    assert (len(attempts), reports) == (3, [1])


async def test_probe_gives_up_silently_when_the_delays_run_out() -> None:
    reports: list[int] = []

    async def version() -> str:
        raise HostUnreachable(HOST, "connection failed")

    async def report() -> None:
        reports.append(1)

    await probe(anyio.CancelScope(), version, HOST, 5, no_waits(3), report)
    assert reports == []


async def test_a_probe_cancelled_before_it_runs_asks_nothing() -> None:
    attempts: list[int] = []

    async def version() -> str:
        attempts.append(1)
        return "0.12.0"

    async def report() -> None:
        raise AssertionError("a cancelled probe reports nothing")

    scope = anyio.CancelScope()
    scope.cancel()
    await probe(scope, version, HOST, 5, no_waits(3), report)
    assert attempts == []
