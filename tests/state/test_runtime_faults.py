"""A runtime whose Valkey goes away mid-run: every command goes on with local state, one
``state.degraded`` names the URL (password masked), and ``state.recovered`` follows once the
server is back, without any command asking for it (the events bridge keeps probing)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.runtime import open_runtime
from ollm_actors.state.interface import StateHealthChanged
from ollm_actors.testing import hermetic_settings
from tests.state.conftest import ValkeyServer

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    async with run_emulator(state) as emu:
        yield emu


async def test_valkey_stopped_mid_run_degrades_then_recovers(
    valkey_restartable: ValkeyServer, emulator: RunningEmulator, tmp_path: Path
) -> None:
    server = valkey_restartable
    server.stop()
    server.start_with_password("s3cret")
    settings = hermetic_settings(
        [emulator.url],
        tmp_path / "cache",
        overrides={
            "state.url": server.url.replace("//", "//:s3cret@"),
            "state.backend": "valkey",
            "state.namespace": f"t{secrets.token_hex(6)}",
            "state.timeouts.call": 0.3,
            "state.timeouts.connect": 0.3,
        },
    )
    async with open_runtime(settings) as rt, rt.events.subscribe("state.*") as health:
        await rt.models.list_models(refresh=True)
        server.stop()
        with anyio.fail_after(10):
            done = await rt.models.pull_model("llama3.2:3b")
            listed = await rt.models.list_models(refresh=True)
            decision = await rt.router.select_model("code", prompt_tokens=1000)
            degraded = await anext(health)
        assert done.model == "llama3.2:3b"
        assert "llama3.2:3b" in {m.name for m in listed}
        assert decision.model
        assert rt.state.health == "degraded"
        assert degraded.topic == "state.degraded"
        payload = degraded.payload
        assert isinstance(payload, StateHealthChanged)
        assert f"127.0.0.1:{server.port}" in payload.url and "s3cret" not in payload.url
        server.start_with_password("s3cret")
        with anyio.fail_after(20):
            recovered = await anext(health)
        assert recovered.topic == "state.recovered"
        assert rt.state.health == "ok"
