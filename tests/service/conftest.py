"""Fixtures of the service tests: an emulator, a runtime on it, that runtime served on a
temporary socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings

#: settings that keep retries fast in tests
FAST: dict[str, object] = {
    "downloads.backoff.initial": 0.01,
    "downloads.backoff.max": 0.05,
    "downloads.retries": 3,
}


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    state.pull_steps_per_layer = 4
    async with run_emulator(state) as emu:
        yield emu


@asynccontextmanager
async def served(
    url: str, tmp_path: Path, **serve: Any
) -> AsyncIterator[tuple[Runtime, Any]]:
    """A runtime on ``url`` served at ``tmp_path/s.sock`` (or as ``serve`` says)."""
    settings = hermetic_settings([url], tmp_path / "cache", overrides=FAST)
    async with open_runtime(settings) as rt:
        if "listen" not in serve:
            serve.setdefault("socket", tmp_path / "s.sock")
        async with rt.serve(**serve) as service:
            yield rt, service
