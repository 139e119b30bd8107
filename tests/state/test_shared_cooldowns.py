"""Host cooldowns shared between runtimes: a host one runtime put in cooldown is skipped by
another's router within ``state.staleness`` (2 s by default), the reasons naming the shared
cooldown and the runtime that set it; once that runtime clears it, the host is used again.
Then the router's rule on its own: other runtimes' cooldowns are skipped, this runtime's own
entries in the shared state are not (its inventory's cooldown already speaks for them).

Time is each runtime's injected clock; the Valkey server is real (the ``valkey`` fixture).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from ollm_actors.actors import ActorSystem
from ollm_actors.config.model import Settings
from ollm_actors.emulator import EmulatorState, Fault
from ollm_actors.inventory.hoststate import rfc3339
from ollm_actors.inventory.sharing import Sharing
from ollm_actors.routing.actor import RouterActor
from ollm_actors.routing.api import RouterAPI
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.shared_cooldowns import (
    foreign_cooldowns,
    shared_cooldown_reason,
    shared_skips,
    without_hosts,
)
from ollm_actors.runtime import open_runtime
from ollm_actors.state.interface import SharedCooldown
from ollm_actors.state.local import LocalState
from ollm_actors.state.valkey import ValkeyState
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.database import load_builtin_database
from tests.fleet.support import emulators, fleet_settings
from tests.inventory.support import FakeClock
from tests.state.conftest import ValkeyServer

COOLDOWN: dict[str, object] = {
    "routing.cooldown.failures": 2,
    "routing.cooldown.window": 60,
    "routing.cooldown.duration": 30,
}


@pytest.fixture
def namespace() -> str:
    return f"t{secrets.token_hex(6)}"


def shared_settings(
    urls: list[str], tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> Settings:
    """One runtime's settings: its own cache and config dirs under ``tmp_path``, the fleet
    ``urls`` and the shared state at ``valkey`` under ``namespace``."""
    state = {"state.backend": "valkey", "state.url": valkey.url, "state.namespace": namespace}
    return fleet_settings(urls, tmp_path, {**COOLDOWN, **state})


async def until(holds: Callable[[], Awaitable[bool]]) -> None:
    """Ask ``holds()`` again until it does. Each ask is a round trip to the server; the
    caller's ``fail_after`` bounds the wait."""
    while not await holds():
        await anyio.lowlevel.checkpoint()


@asynccontextmanager
async def observer(valkey: ValkeyServer, namespace: str) -> AsyncIterator[ValkeyState]:
    """A reader of the shared state with no cache: what the server holds right now."""
    async with ValkeyState(valkey.url, namespace=namespace, staleness=0.0) as state:
        yield state


@pytest.mark.anyio
async def test_a_cooldown_one_runtime_set_is_skipped_by_another_within_2_s(
    tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> None:
    first, second = EmulatorState.default(), EmulatorState.default()
    clock_a, clock_b = FakeClock(), FakeClock()
    with anyio.fail_after(30):
        async with emulators(first, second) as (a, b), observer(valkey, namespace) as server:
            urls = [a.url, b.url]
            settings_b = shared_settings(urls, tmp_path / "b", valkey, namespace)
            staleness = settings_b.state.staleness
            assert staleness == 2.0  # the default the issue promises
            async with (
                open_runtime(shared_settings(urls, tmp_path / "a", valkey, namespace),
                             clock=clock_a) as rt_a,
                open_runtime(settings_b, clock=clock_b) as rt_b,
            ):
                before = await rt_b.router.select_model("general")
                assert {c.host for c in before.candidates} == {a.url, b.url}

                # A sees host a fail twice within its window: a cooldown, in A only.
                first.inject(Fault(kind="http_500", path="/api/version", times=2))
                await rt_a.hosts.probe()
                clock_a.advance(5)
                (one, _) = await rt_a.hosts.probe()
                assert one.cooldown_until is not None and one.cooldown_reason
                await until(lambda: _has(server, a.url))
                shared = (await server.cooldowns())[a.url]
                assert shared.origin == rt_a.state.origin != rt_b.state.origin

                # B read the shared cooldowns just before; once that read is older than the
                # staleness, B's router skips the host, and says whose cooldown it is.
                clock_b.advance(staleness + 0.001)
                during = await rt_b.router.select_model("general")
                assert during.host == b.url
                assert {c.host for c in during.candidates} == {b.url}
                skipped = [r for r in during.reasons if r.startswith(f"skipped {a.url}")]
                assert skipped == [
                    f"skipped {a.url}: in shared cooldown until {rfc3339(shared.until)} set by "
                    f"{rt_a.state.origin} (last: {one.cooldown_reason})"
                ]
                (b_view, _) = await rt_b.hosts.status()
                assert b_view.cooldown_until is None  # B's own health of the host is untouched

                # A's cooldown ends and its probe finds the host answering: cleared for all.
                clock_a.advance(30)
                (one, _) = await rt_a.hosts.probe()
                assert (one.state, one.cooldown_until) == ("online", None)
                await until(lambda: _gone(server, a.url))
                clock_b.advance(staleness + 0.001)
                after = await rt_b.router.select_model("general")
                assert {c.host for c in after.candidates} == {a.url, b.url}
                assert not any(r.startswith("skipped") for r in after.reasons)


@pytest.mark.anyio
async def test_hostile_bytes_under_a_cooldown_key_do_not_stop_routing(
    tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> None:
    import coredis

    async with coredis.Redis.from_url(valkey.url) as client:
        await client.set(f"{namespace}:cool:http://x:1", b"\xc1 not a cooldown")
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default()) as (a,):
            settings = shared_settings([a.url], tmp_path, valkey, namespace)
            async with open_runtime(settings) as rt:
                decision = await rt.router.select_model("general")
    assert decision.host == a.url
    assert not any(r.startswith("skipped") for r in decision.reasons)


async def _has(server: ValkeyState, host: str) -> bool:
    return host in await server.cooldowns()


async def _gone(server: ValkeyState, host: str) -> bool:
    return host not in await server.cooldowns()


# -- the router's rule, on local state -------------------------------------------------------


class ElsewhereToo(LocalState):
    """Local state that also holds cooldowns other runtimes set (``elsewhere``): what a
    shared store shows this runtime, without one. One entry per host, as in the store: the
    other runtime's put came last."""

    def __init__(self) -> None:
        super().__init__()
        self.elsewhere: dict[str, SharedCooldown] = {}

    async def cooldowns(self) -> dict[str, SharedCooldown]:
        return {**await super().cooldowns(), **self.elsewhere}


@asynccontextmanager
async def router_over(
    settings: Settings, state: LocalState
) -> AsyncIterator[RouterAPI]:
    """The inventory and limits actors of a runtime, and a router of the test's own over
    ``state`` (the runtime opens its own state; the router is the part under test)."""
    async with (
        open_runtime(settings, actors=("inventory", "limits")) as rt,
        ActorSystem() as system,
    ):
        inventory, limits = rt.models.inventory, rt.limits
        ref = await system.spawn(
            lambda: RouterActor(
                settings=settings,
                bus=rt.events,
                inventory=inventory,
                limits=limits,
                database=load_builtin_database,
                state=state,
            ),
            name="router",
        )
        yield RouterAPI(ref, settings)


@pytest.mark.anyio
async def test_the_router_skips_other_runtimes_cooldowns_and_ignores_its_own(
    tmp_path: Path,
) -> None:
    state = ElsewhereToo()
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default(), EmulatorState.default()) as (a, b):
            settings = fleet_settings([a.url, b.url], tmp_path, COOLDOWN)
            async with router_over(settings, state) as router:
                both = {a.url, b.url}
                assert {c.host for c in (await router.select_model("general")).candidates} == both

                await state.put_cooldown(a.url, "this runtime's own", 30.0)
                own = await router.select_model("general")
                assert {c.host for c in own.candidates} == both
                assert not any(r.startswith("skipped") for r in own.reasons)

                until = time.time() + 30
                state.elsewhere[a.url] = SharedCooldown(
                    host=a.url, reason="HTTP 500", until=until, origin="rt-elsewhere"
                )
                # The decision for "general" is cached: a new shared cooldown still counts.
                during = await router.select_model("general")
                assert {c.host for c in during.candidates} == {b.url}
                assert f"skipped {a.url}: in shared cooldown until {rfc3339(until)} set by " \
                    "rt-elsewhere (last: HTTP 500)" in during.reasons

                del state.elsewhere[a.url]
                after = await router.select_model("general")
                assert {c.host for c in after.candidates} == both


# -- the inventory's writes -----------------------------------------------------------------


class Gated(LocalState):
    """Local state whose ``put_cooldown`` waits for ``gate``: a slow store, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = anyio.Event()
        self.calls: list[str] = []

    async def put_cooldown(self, host: str, reason: str, seconds: float) -> None:
        self.calls.append(f"put {reason}")
        await self.gate.wait()
        await super().put_cooldown(host, reason, seconds)

    async def clear_cooldown(self, host: str) -> None:
        self.calls.append("clear")
        await super().clear_cooldown(host)


@pytest.mark.anyio
async def test_a_cooldown_cleared_while_its_put_is_slow_stays_cleared() -> None:
    state, host = Gated(), "http://h:11434"
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:

            def soon(
                fn: Callable[..., Coroutine[Any, Any, object]],
                *args: object,
                name: str | None = None,
            ) -> None:
                tasks.start_soon(fn, *args, name=name)

            sharing = Sharing(state, Clock(anyio.current_time), soon, ttl=30.0)
            sharing.cooldown_started(host, "first", 30.0)
            await anyio.wait_all_tasks_blocked()
            # While that put hangs: ended, started again, ended. Only the last one matters.
            sharing.cooldown_ended(host)
            sharing.cooldown_started(host, "second", 30.0)
            sharing.cooldown_ended(host)
            await anyio.wait_all_tasks_blocked()
            assert state.calls == ["put first"]  # nothing overtakes the write in flight
            state.gate.set()
    assert state.calls == ["put first", "clear"]
    assert await state.cooldowns() == {}


# -- the pure rule ------------------------------------------------------------------------------

A, B, C = "http://a:11434", "http://b:11434", "http://c:11434"


def cooling(host: str, origin: str, reason: str = "3 failures") -> SharedCooldown:
    return SharedCooldown(host=host, reason=reason, until=1_800_000_000.0, origin=origin)


def test_only_other_runtimes_cooldowns_count() -> None:
    seen = {A: cooling(A, "rt-me"), B: cooling(B, "rt-other")}
    assert foreign_cooldowns(seen, "rt-me") == {B: seen[B]}
    assert foreign_cooldowns({A: seen[A]}, "rt-me") == {}


def test_the_reason_names_the_end_the_runtime_and_the_last_failure() -> None:
    assert shared_cooldown_reason(cooling(A, "rt-abc123", "HTTP 500")) == (
        "in shared cooldown until 2027-01-15T08:00:00Z set by rt-abc123 (last: HTTP 500)"
    )
    assert shared_cooldown_reason(cooling(A, "rt-abc123", "")) == (
        "in shared cooldown until 2027-01-15T08:00:00Z set by rt-abc123"
    )


def test_skips_are_for_this_runtimes_hosts_and_its_own_reason_stands() -> None:
    foreign: Mapping[str, SharedCooldown] = {
        A: cooling(A, "rt-other"),
        B: cooling(B, "rt-other"),
        C: cooling(C, "rt-other"),
    }
    local = {B: "in cooldown until ... after repeated failures"}
    assert shared_skips(foreign, {A, B}, local) == {A: shared_cooldown_reason(foreign[A])}


def test_leaving_out_no_host_keeps_the_same_candidates() -> None:
    listed = (Candidate(name="m", host=A, family="llama"), Candidate(name="m", host=B, family="x"))
    assert without_hosts(listed, set()) is listed
    assert without_hosts(listed, {C}) is listed
    assert without_hosts(listed, {A}) == (listed[1],)
