"""Fixtures for the downloads tests: an emulator, and the downloads actor spawned on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
import sniffio

from ollm_actors.downloads.actor import DownloadsActor
from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.ollama.pool import HostPool
from ollm_actors.runtime.bus import EventBus
from ollm_actors.runtime.context import RuntimeContext
from ollm_actors.runtime.supervision import ActorSystem
from ollm_actors.testing import hermetic_settings

#: settings that keep retries fast and stalls short in tests
FAST: dict[str, object] = {
    "downloads.backoff.initial": 0.01,
    "downloads.backoff.max": 0.05,
    "downloads.retries": 3,
    "downloads.stallTimeout": 0.4,
}


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    state.pull_steps_per_layer = 6
    async with run_emulator(state) as emu:
        yield emu


@asynccontextmanager
async def open_downloads(
    url: str, tmp_path: Path, **overrides: object
) -> AsyncIterator[tuple[RuntimeContext, DownloadsAPI]]:
    """The downloads actor alone (no inventory: suggestions come from the host itself)."""
    settings = hermetic_settings([url], tmp_path / "cache", overrides={**FAST, **overrides})
    # Built here rather than with ollm_actors.testing.runtime_context, which imports every
    # actor of the runtime: the downloads actor is tested on its own.
    provider = settings.providers.ollama
    async with (
        HostPool(
            settings.hosts(),
            connect_timeout=provider.timeouts.connect,
            read_timeout=provider.timeouts.read,
        ) as hosts,
        ActorSystem() as system,
    ):
        ctx = RuntimeContext(
            settings=settings,
            bus=EventBus(),
            hosts=hosts,
            cache_dir=tmp_path / "cache",
            clock=anyio.current_time,
        )
        ctx.refs["downloads"] = await system.spawn(lambda: DownloadsActor(ctx), name="downloads")
        yield ctx, DownloadsAPI(ctx)


def _trio_tasks() -> set[object]:
    import trio

    found: set[object] = set()
    pending = [trio.lowlevel.current_root_task()]
    while pending:
        task = pending.pop()
        found.add(task)
        for nursery in task.child_nurseries:
            pending.extend(nursery.child_tasks)
    return found


def running_tasks() -> set[object]:
    """Every task alive in the current event loop (call from inside a test)."""
    if sniffio.current_async_library() == "trio":
        return _trio_tasks()
    return set(asyncio.all_tasks())
