"""The router's caches: decisions keyed by everything that decides them, the candidate list
kept for ``inventory.ttl`` on the runtime's clock, and a change announced while the router's
inbox is full still honoured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from ollm_actors.actors import ActorSystem
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.emulator.faults import Fault
from ollm_actors.routing.actor import RouterActor
from ollm_actors.routing.api import RouterAPI
from ollm_actors.routing.messages import SelectModel
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings
from ollm_actors.vocab.database import load_builtin_database
from tests.inventory.support import FakeClock

pytestmark = pytest.mark.anyio

TTL = 30.0


@asynccontextmanager
async def emulated(
    tmp_path: Path, *names: str, clock: FakeClock | None = None, actors: tuple[str, ...] = ()
) -> AsyncIterator[tuple[RunningEmulator, Runtime]]:
    state = EmulatorState.empty()
    for name in names:
        state.install(name)
    with anyio.fail_after(20):
        async with run_emulator(state) as emu:
            settings = hermetic_settings(
                [emu.url], tmp_path / "cfg", overrides={"inventory.ttl": TTL}
            )
            async with open_runtime(settings, clock=clock, actors=actors or ("router",)) as rt:
                yield emu, rt


async def test_decisions_are_keyed_by_prompt_size_and_requirements(tmp_path: Path) -> None:
    async with emulated(tmp_path, "phi3:mini", "llama3.1:8b") as (_, rt):
        await rt.router.select_model("fast")  # learn the server's facts first
        large_first = await rt.router.select_model("fast", prompt_tokens=6000)
        small = await rt.router.select_model("fast")
        large = await rt.router.select_model("fast", prompt_tokens=6000)
        tools = await rt.router.select_model("fast", require=["tools"])
        small_again = await rt.router.select_model("fast", prompt_tokens=0)
    assert large_first.model == large.model == "llama3.1:8b"
    assert small.model == small_again.model == "phi3:mini"
    assert tools.model == "llama3.1:8b"  # phi3:mini has no tools


async def test_the_candidate_list_expires_after_the_ttl_on_the_runtime_clock(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with emulated(tmp_path, "phi3:mini", clock=clock) as (emu, rt):
        await rt.router.select_model("fast")
        await rt.router.select_model("fast")
        warm = await rt.router.statistics()
        emu.state.install("llama3.2:3b")  # behind the runtime's back: no event
        clock.advance(TTL - 1)
        still = await rt.router.select_model("fast")
        before = await rt.router.statistics()
        clock.advance(2)
        fresh = await rt.router.select_model("fast")
        after = await rt.router.statistics()
    assert before.refreshes == warm.refreshes  # within the TTL: no new list
    assert all(c.name != "llama3.2:3b" for c in still.candidates)
    assert after.refreshes == warm.refreshes + 1
    assert any(c.name == "llama3.2:3b" for c in fresh.candidates)


async def test_a_change_while_the_inbox_is_full_is_still_honoured(tmp_path: Path) -> None:
    async with emulated(tmp_path, "phi3:mini", actors=("limits",)) as (emu, rt):
        settings = rt.settings
        async with ActorSystem() as system:
            ref = await system.spawn(
                lambda: RouterActor(
                    settings=settings,
                    bus=rt.events,
                    inventory=rt.models.inventory,
                    limits=rt.limits,
                    database=load_builtin_database,
                ),
                name="router",
                inbox_size=1,
            )
            router = RouterAPI(ref, settings)
            await router.select_model("fast")  # warm: facts learned, list built
            await router.select_model("fast")
            warm = await router.statistics()
            # Hold the router inside a rebuild: its next /api/ps answer comes late.
            emu.state.inject(Fault(kind="delay", path="/api/ps", seconds=1.0))
            rt.events.publish("host.online", None)  # an ordinary change: an Invalidate
            async with anyio.create_task_group() as tg:
                tg.start_soon(router.select_model, "fast")
                while emu.state.requests["GET /api/ps"] < warm.refreshes + 1:
                    await anyio.wait_all_tasks_blocked()
                    await anyio.lowlevel.checkpoint()
                ref.tell_nowait(SelectModel("fast", 0, ()))  # the inbox is now full
                rt.events.publish("inventory.changed", None)  # no room: only a flag
            after = await router.statistics()
    # The held rebuild, then the queued select rebuilt again because of the flag.
    assert after.refreshes == warm.refreshes + 2
    assert after.invalidations == warm.invalidations + 1  # only the ordinary one
