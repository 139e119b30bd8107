"""Shared by the lifecycle tests: one emulator with chosen models, a runtime over it with a
recorder of every event."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from ollm_actors.actors.bus import EventBus
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.runtime import Runtime, open_runtime
from tests.inventory.support import Recorder, settings_for

__all__ = ("Recorder", "lifecycle_runtime", "one_emulator", "requests_to")


@asynccontextmanager
async def one_emulator(installed: Sequence[str]) -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    for name in installed:
        state.install(name)
    async with run_emulator(state) as emulator:
        yield emulator


@asynccontextmanager
async def lifecycle_runtime(
    emulator: RunningEmulator, tmp_path: Path
) -> AsyncIterator[tuple[Runtime, Recorder]]:
    bus = EventBus()
    recorder = Recorder(bus)
    settings = settings_for([emulator.url], tmp_path, cache=tmp_path / "cache")
    async with open_runtime(settings, events=bus) as rt:
        yield rt, recorder


def requests_to(emulator: RunningEmulator, *paths: str) -> int:
    """How many requests the emulator received for any of ``paths`` (``POST /api/create``)."""
    return sum(emulator.state.requests[path] for path in paths)
