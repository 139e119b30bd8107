"""The inventory's probe loop: it probes every host once per ``health.interval`` (driven here
by a sleep the test releases by hand, no real waiting), not at all with ``interval: 0``, and
leaves no task behind when the actor stops while it waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from ollm_actors.actors import ActorSystem
from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.emulator import EmulatorState
from ollm_actors.inventory.actor import InventoryActor
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.ollama.deadlines import Deadlines
from ollm_actors.ollama.pool import HostPool
from ollm_actors.testing import running_tasks
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.database import load_builtin_database
from tests.fleet.support import emulators, fleet_settings

pytestmark = pytest.mark.anyio


class HandSleep:
    """A sleep that records what it was asked and returns when the test says so."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._send, self._receive = anyio.create_memory_object_stream[None](8)

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self._receive.receive()

    def release(self) -> None:
        self._send.send_nowait(None)

    def close(self) -> None:
        self._send.close()
        self._receive.close()


def task_names() -> list[str]:
    names = []
    for task in running_tasks():
        name = getattr(task, "name", None)  # trio
        names.append(str(name if name is not None else task.get_name()))  # type: ignore[attr-defined]
    return names


@asynccontextmanager
async def inventory_with(settings: Settings, sleep: HandSleep) -> AsyncIterator[InventoryAPI]:
    async with (
        HostPool(settings.hosts(), deadlines=Deadlines(connect=2, first_byte=5)) as pool,
        ActorSystem() as system,
    ):
        ref = await system.spawn(
            lambda: InventoryActor(
                settings=settings,
                hosts=pool,
                bus=EventBus(),
                cache_dir=None,
                database=load_builtin_database,
                clock=Clock(anyio.current_time),
                health_sleep=sleep,
            ),
            name="inventory",
        )
        yield InventoryAPI(ref)


async def test_every_host_is_probed_once_per_interval(tmp_path: Path) -> None:
    first, second = EmulatorState.default(), EmulatorState.default()
    sleep = HandSleep()
    with anyio.fail_after(20):
        async with emulators(first, second) as (a, b):
            settings = fleet_settings(
                [a.url, b.url], tmp_path, {"providers.ollama.health.interval": 7}
            )
            async with inventory_with(settings, sleep) as api:
                await anyio.wait_all_tasks_blocked()
                # The first round waits one interval: nothing is asked at start.
                assert sleep.asked == [7]
                assert first.requests["GET /api/version"] == 0
                for round_ in (1, 2):
                    sleep.release()
                    while len(sleep.asked) < round_ + 1:  # the loop told the actor, sleeps
                        await anyio.wait_all_tasks_blocked()
                    statuses = await api.hosts_status()  # joins the probes in flight
                    assert [s.version is not None for s in statuses] == [True, True]
                    assert first.requests["GET /api/version"] == round_
                    assert second.requests["GET /api/version"] == round_
                assert [n for n in task_names() if n.endswith("health")] == ["health"]
            # Stopped while the loop waits in its sleep: nothing of it is left running.
            assert [n for n in task_names() if "health" in n or "inventory" in n] == []
    sleep.close()
    assert sleep.asked == [7, 7, 7]


async def test_interval_zero_never_probes_by_itself(tmp_path: Path) -> None:
    state = EmulatorState.default()
    sleep = HandSleep()
    with anyio.fail_after(20):
        async with emulators(state) as (a,):
            settings = fleet_settings([a.url], tmp_path, {"providers.ollama.health.interval": 0})
            async with inventory_with(settings, sleep) as api:
                await anyio.wait_all_tasks_blocked()
                assert sleep.asked == []
                assert (await api.hosts_status())[0].version is not None  # asked: probed
                assert state.requests["GET /api/version"] == 1
    sleep.close()
