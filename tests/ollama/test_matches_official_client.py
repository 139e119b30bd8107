"""Our client and the official ``ollama`` client read the same facts from the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import ollama
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.ollama.client import OllamaClient

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(EmulatorState.default()) as emu:
        yield emu


async def test_same_models_and_show_facts(emulator: RunningEmulator) -> None:
    with ollama.Client(host=emulator.url) as official, anyio.fail_after(20):
        theirs = await anyio.to_thread.run_sync(official.list)
        async with OllamaClient(emulator.url) as client:
            ours = await client.list_models()
            assert [(m.model, m.digest, m.size) for m in ours.models] == [
                (m.model, m.digest, int(m.size or 0)) for m in theirs.models
            ]
            assert len(ours.models) >= 2
            for entry in ours.models:
                mine = await client.show(entry.name)
                other = await anyio.to_thread.run_sync(official.show, entry.name)
                assert other.details is not None
                assert mine.details.family == other.details.family
                assert list(mine.details.families or ()) == list(other.details.families or ())
                assert mine.details.parameter_size == other.details.parameter_size
                assert mine.details.quantization_level == other.details.quantization_level
                assert list(mine.capabilities or ()) == list(other.capabilities or ())
                info = other.modelinfo or {}
                arch = info["general.architecture"]
                assert mine.architecture == arch
                assert mine.context_length == info[f"{arch}.context_length"]
