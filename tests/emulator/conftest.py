"""Fixtures: a running emulator and an httpx client bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(EmulatorState.default()) as running:
        yield running


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.url, timeout=10) as http:
        yield http
