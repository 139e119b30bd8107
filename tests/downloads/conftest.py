"""Fixtures for the downloads tests: an emulator, and the downloads actor spawned on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings, running_tasks

__all__ = ("FAST", "open_downloads", "running_tasks")

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
) -> AsyncIterator[tuple[Runtime, DownloadsAPI]]:
    """The downloads actor with the inventory it asks for installed names."""
    settings = hermetic_settings([url], tmp_path / "cache", overrides={**FAST, **overrides})
    async with open_runtime(settings, actors=("downloads",)) as rt:
        yield rt, rt.models.downloads
