"""``/api/show`` with ``verbose``: the emulator fills the tokenizer arrays and lists the
tensors as a real server does. What it costs is why the inventory does not ask for it (README,
"Will it fit?"): the answer is megabytes, and over ``maxBodyBytes.show`` for a large vocabulary."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.errors import ProtocolError
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.vocab.ggml_sizes import summarise_tensors
from ollm_actors.vocab.memory import estimate_memory, facts_from_model_info

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.default()
    state.install("gemma2:2b")
    async with run_emulator(state) as emu:
        yield emu


async def test_plain_show_lists_no_tensors_and_empty_arrays(emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url) as client:
            show = await client.show("llama3.1:8b")
    assert show.tensors is None
    assert show.model_info["tokenizer.ggml.tokens"] == []


async def test_verbose_tensors_weigh_the_file_and_change_the_estimate_little(
    emulator: RunningEmulator,
) -> None:
    with anyio.fail_after(30):
        async with OllamaClient(emulator.url) as client:
            size = next(
                m.size for m in (await client.list_models()).models if m.name == "llama3.1:8b"
            )
            show = await client.show("llama3.1:8b", verbose=True)
    assert show.tensors is not None
    assert len(show.model_info["tokenizer.ggml.tokens"]) == 128_256
    parts = summarise_tensors(show.tensors)
    assert parts is not None and len(parts.layers) == 32
    # Every tensor counted: the list weighs the file (to a K-quant block of ffn width).
    assert abs(sum(parts.layers) + parts.output + parts.embedding - size) / size < 0.01
    by_size = facts_from_model_info(show.model_info, size=size)
    exact = facts_from_model_info(show.model_info, size=size, tensors=parts)
    assert by_size is not None and exact is not None and exact.exact
    plain, listed = (estimate_memory(f, num_ctx=4096).total for f in (by_size, exact))
    # What asking verbose would buy: a few percent (token_embd stays on the CPU; the file
    # size counts it, standing in for the layer the scheduler holds back).
    assert listed < plain and (plain - listed) / plain < 0.05


async def test_verbose_answer_of_a_large_vocabulary_exceeds_the_show_bound(
    emulator: RunningEmulator,
) -> None:
    with anyio.fail_after(30):
        async with OllamaClient(emulator.url) as client:
            await client.show("gemma2:2b")  # the plain answer is a kilobyte or two
            with pytest.raises(ProtocolError):
                await client.show("gemma2:2b", verbose=True)  # ~13 MB > 8 MiB
