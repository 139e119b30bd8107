"""Restart limits per cause: one host's garbage never exhausts the system; other causes keep
their own budgets."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from ollm_actors.actors import Actor, ActorCrashed, ActorSystem, Request, RestartPolicy, handler
from ollm_actors.actors.supervision import crash_cause
from ollm_actors.errors import ProtocolError

pytestmark = pytest.mark.anyio

POLICY = RestartPolicy(max_restarts=2, within=60.0, backoff_initial=0.0, backoff_max=0.0)


class Crash(msgspec.Struct, frozen=True, tag=True):
    kind: str
    host: str = ""


class Ping(Request[str], frozen=True):
    pass


class Fragile(Actor[Crash | Ping]):
    @handler
    async def crash(self, message: Crash) -> None:
        if message.kind == "protocol":
            # An OllmError alone is answered, not a crash; a crash is something unexpected
            # that happened while handling what a host sent.
            raise RecursionError("maximum recursion depth exceeded") from ProtocolError(
                message.host, "/api/tags", "nested too deep"
            )
        if message.kind == "wrapped":
            try:
                raise ProtocolError(message.host, "/api/ps", "garbage")
            except ProtocolError as inner:
                raise RuntimeError("decoding failed") from inner
        if message.kind == "value":
            raise ValueError("a bug of ours")
        raise KeyError("another bug of ours")

    @handler
    async def ping(self, message: Ping) -> str:
        return "pong"


async def crash_then_ping(system: ActorSystem, crashes: list[Crash]) -> str:
    ref = await system.spawn(Fragile, name="fragile", restart=POLICY)
    for message in crashes:
        await ref.tell(message)
    return await ref.ask(Ping())


async def test_a_host_provoking_crashes_never_exhausts_the_system() -> None:
    many = [Crash("protocol", "http://bad:11434")] * (POLICY.max_restarts + 5)
    with anyio.fail_after(5):
        async with ActorSystem(clock=lambda: 0.0) as system:
            assert await crash_then_ping(system, many) == "pong"
            [stats] = system.statistics()
            assert stats.restarts == POLICY.max_restarts + 5
            assert stats.state == "running"


async def test_a_cause_raised_from_a_host_error_counts_against_that_host() -> None:
    many = [Crash("wrapped", "http://bad:11434")] * (POLICY.max_restarts + 2)
    with anyio.fail_after(5):
        async with ActorSystem(clock=lambda: 0.0) as system:
            assert await crash_then_ping(system, many) == "pong"


async def test_each_cause_has_its_own_budget() -> None:
    mixed = [Crash("value"), Crash("key")] * POLICY.max_restarts
    with anyio.fail_after(5):
        async with ActorSystem(clock=lambda: 0.0) as system:
            assert await crash_then_ping(system, mixed) == "pong"


async def test_one_internal_cause_beyond_its_budget_still_fails_loudly() -> None:
    hostile = [Crash("protocol", "http://bad:11434")] * 4
    bugs = [Crash("value")] * (POLICY.max_restarts + 1)
    with anyio.fail_after(5), pytest.raises(ActorCrashed) as info:
        async with ActorSystem(clock=lambda: 0.0) as system:
            ref = await system.spawn(Fragile, name="fragile", restart=POLICY)
            for message in hostile + bugs:
                await ref.tell(message)
            await anyio.sleep_forever()
    assert info.value.crashes == POLICY.max_restarts + 1
    assert isinstance(info.value.__cause__, ValueError)


def test_the_cause_is_the_type_and_the_host_named_anywhere_in_the_chain() -> None:
    plain = ValueError("x")
    assert crash_cause(plain) == ("builtins.ValueError", None)
    try:
        raise ProtocolError("http://h:1", "/api/tags", "bad")
    except ProtocolError as inner:
        outer = RuntimeError("wrapped")
        outer.__cause__ = inner
    assert crash_cause(outer) == ("builtins.RuntimeError", "http://h:1")
    assert crash_cause(ProtocolError("http://a:1", "/", "x")) != crash_cause(
        ProtocolError("http://b:1", "/", "x")
    )
