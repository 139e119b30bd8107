"""Pull leases across runtimes (each runtime here stands for a machine: its own cache, one
Valkey between them): one ``/api/pull`` per model and host, followers finish with the
holder, a cancel from anywhere reaches it, a dead holder's pull is taken over."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from ollm_actors.actors.event import Event
from ollm_actors.downloads.handle import PullHandle
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.errors import PullCancelled
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.state.interface import LeaseLost, lease_key
from ollm_actors.state.valkey import ValkeyState
from ollm_actors.testing import hermetic_settings
from tests.state.conftest import ValkeyServer

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:3b"
PULLS = "POST /api/pull"


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 4
    state.pull_hold = anyio.Event()
    async with run_emulator(state) as emu:
        yield emu


@pytest.fixture
def namespace() -> str:
    return f"t{secrets.token_hex(6)}"


class Machines:
    """Runtimes sharing one Valkey namespace, each with its own cache directory."""

    def __init__(self, url: str, server: ValkeyServer, namespace: str, tmp: Path) -> None:
        self.url, self.server, self.namespace, self.tmp = url, server, namespace, tmp
        self.count = 0

    @asynccontextmanager
    async def runtime(self, **overrides: object) -> AsyncIterator[Runtime]:
        self.count += 1
        settings = hermetic_settings(
            [self.url],
            self.tmp / f"machine{self.count}",
            overrides={
                "state.backend": "valkey",
                "state.url": self.server.url,
                "state.namespace": self.namespace,
                "state.leaseTtl": 1.5,
                # Generous deadlines: a loaded test machine must not look like an outage.
                "state.timeouts.call": 3.0,
                "state.timeouts.connect": 3.0,
                **overrides,
            },
        )
        async with open_runtime(settings, actors=("downloads",)) as rt:
            yield rt


@pytest.fixture
def machines(
    emulator: RunningEmulator, valkey: ValkeyServer, namespace: str, tmp_path: Path
) -> Machines:
    return Machines(emulator.url, valkey, namespace, tmp_path)


async def until(handle: PullHandle, seen: Callable[[Any], bool]) -> None:
    """Read ``handle``'s events until one satisfies ``seen``."""
    async for event in handle.progress():
        if seen(event):
            return
    raise AssertionError(f"the pull ended ({handle.last}) before the event looked for")


def following(event: Any) -> bool:
    return "following the pull of runtime" in event.status


async def leader_and_follower(a: Runtime, b: Runtime) -> tuple[PullHandle, PullHandle]:
    """A pulls (and holds the lease), then B asks for the same model and follows."""
    leader = await a.models.downloads.start_pull(MODEL)
    await until(leader, lambda e: e.event == "progress")
    follower = await b.models.downloads.start_pull(MODEL)
    await until(follower, following)
    return leader, follower


async def test_two_machines_pulling_one_model_send_one_pull_and_both_finish(
    machines: Machines, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(20):
        async with machines.runtime() as a, machines.runtime() as b:
            leader, follower = await leader_and_follower(a, b)
            assert a.state.origin in follower.last.status  # type: ignore[union-attr]
            emulator.state.pull_hold.set()  # type: ignore[union-attr]
            relayed = [e async for e in follower.progress()]
            done_a, done_b = await leader.wait(), await follower.wait()
    assert emulator.state.requests[PULLS] == 1
    # The holder's progress, from the shared events, as the follower's own pull's events.
    moving = [e for e in relayed if e.event == "progress" and e.completed > 0]
    assert moving and all(e.pull_id == follower.pull_id for e in relayed)
    assert relayed[-1].event == "done"
    assert done_a.model == done_b.model == MODEL
    assert done_b.total == done_a.total > 0  # the follower's figures are the holder's


async def test_a_third_machine_cancels_the_pull_for_both(
    machines: Machines, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(20):
        async with machines.runtime() as a, machines.runtime() as b, machines.runtime() as c:
            leader, follower = await leader_and_follower(a, b)
            info = await c.models.downloads.cancel_pull(MODEL)
            assert info.state == "cancelled"
            assert info.started_by == (f"runtime {a.state.origin}",)
            with pytest.raises(PullCancelled):
                await leader.wait()
            with pytest.raises(PullCancelled):
                await follower.wait()
            assert leader.state == follower.state == "cancelled"
    assert emulator.state.requests[PULLS] == 1


async def test_the_follower_cancelling_for_all_stops_the_holder(
    machines: Machines, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(20):
        async with machines.runtime() as a, machines.runtime() as b:
            leader, follower = await leader_and_follower(a, b)
            info = await b.models.downloads.cancel_pull(MODEL)
            assert info.state == "cancelled"
            with pytest.raises(PullCancelled):
                await follower.wait()
            with pytest.raises(PullCancelled):
                await leader.wait()


async def test_when_the_holders_askers_withdraw_a_follower_takes_over(
    machines: Machines, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(20):
        async with machines.runtime() as a, machines.runtime() as b:
            leader, follower = await leader_and_follower(a, b)
            await leader.aclose()  # A's only asker withdraws: B still wants the model
            assert leader.state == "cancelled"
            emulator.state.pull_hold.set()  # type: ignore[union-attr]
            done = await follower.wait()
    assert done.model == MODEL
    assert emulator.state.requests[PULLS] == 2  # B pulled itself, resuming A's bytes


async def test_a_dead_holders_lease_runs_out_and_a_follower_pulls(
    machines: Machines, emulator: RunningEmulator, valkey: ValkeyServer, namespace: str
) -> None:
    # A holder that took the lease and died: nobody renews it.
    async with ValkeyState(valkey.url, namespace=namespace) as ghost:
        lease = await ghost.acquire(lease_key("pull", emulator.url, MODEL), ttl=1.0)
        assert lease is not None
    emulator.state.pull_hold.set()  # type: ignore[union-attr]
    with anyio.fail_after(20):
        async with machines.runtime() as b:
            follower = await b.models.downloads.start_pull(MODEL)
            await until(follower, following)
            assert emulator.state.requests[PULLS] == 0
            done = await follower.wait()
    assert done.model == MODEL
    assert emulator.state.requests[PULLS] == 1


async def test_a_lease_lost_mid_pull_is_reported(
    machines: Machines, emulator: RunningEmulator, valkey: ValkeyServer, namespace: str
) -> None:
    import coredis

    lost: list[Event] = []
    with anyio.fail_after(20):
        async with machines.runtime(**{"state.leaseTtl": 0.6}) as a:
            got_lost = anyio.Event()

            def seen(event: Event) -> None:
                lost.append(event)
                got_lost.set()

            a.events.on("state.lease_lost", seen)
            leader = await a.models.downloads.start_pull(MODEL)
            await until(leader, lambda e: e.event == "progress")
            key = f"{namespace}:lease:{lease_key('pull', emulator.url, MODEL)}"
            async with coredis.Redis.from_url(valkey.url) as raw:
                await raw.set(key, b"rt-thief|token")  # taken by another, as after a TTL ran out
            await got_lost.wait()
            emulator.state.pull_hold.set()  # type: ignore[union-attr]
            await leader.wait()  # advisory: the pull itself goes on
    payload = lost[0].payload
    assert isinstance(payload, LeaseLost)
    assert payload.holder == "rt-thief" and payload.model == MODEL
    assert "ran out before it was renewed" in payload.reason
