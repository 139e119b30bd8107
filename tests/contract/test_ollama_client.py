"""The official ``ollama`` Python client against the emulator: it must see what real Ollama gives.

The sync ``ollama.Client`` runs in a worker thread (``anyio.to_thread``) so these tests run
under asyncio and trio alike; ``ollama.AsyncClient`` is asyncio-only and is skipped on trio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import closing
from datetime import datetime
from typing import TypeVar

import anyio
import httpx
import ollama
import pytest
import sniffio

from ollm_actors.emulator import EmulatorState, Fault, RunningEmulator, run_emulator

pytestmark = pytest.mark.anyio

T = TypeVar("T")


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.default()
    state.pull_steps_per_layer = 5
    async with run_emulator(state) as running:
        yield running


async def call(emulator: RunningEmulator, use: Callable[[ollama.Client], T]) -> T:
    """Run ``use`` with a fresh sync client in a worker thread, closing the client after."""

    def run() -> T:
        with closing(ollama.Client(host=emulator.url, timeout=10)) as client:
            return use(client)

    with anyio.fail_after(20):
        return await anyio.to_thread.run_sync(run)


async def response_error(emulator: RunningEmulator, use: Callable[[ollama.Client], object]) -> (
    ollama.ResponseError
):
    with pytest.raises(ollama.ResponseError) as caught:
        await call(emulator, use)
    return caught.value


async def test_list(emulator: RunningEmulator) -> None:
    listed = await call(emulator, lambda c: c.list())
    assert [m.model for m in listed.models] == [
        "nomic-embed-text:latest", "phi3:mini", "llama3.1:8b",
    ]
    llama = listed.models[-1]
    assert isinstance(llama.modified_at, datetime) and llama.modified_at.tzinfo is not None
    assert llama.size == 4_920_753_328
    assert llama.digest == emulator.state.installed["llama3.1:8b"].digest
    assert llama.details is not None
    assert (llama.details.family, llama.details.parameter_size) == ("llama", "8.0B")


async def test_show(emulator: RunningEmulator) -> None:
    shown = await call(emulator, lambda c: c.show("llama3.1:8b"))
    assert shown.modelinfo is not None
    assert shown.modelinfo["llama.context_length"] == 131072
    assert shown.modelinfo["general.architecture"] == "llama"
    assert shown.capabilities == ["completion", "tools"]
    assert shown.details is not None and shown.details.quantization_level == "Q4_K_M"
    assert shown.template and shown.parameters and shown.license and shown.modelfile


async def test_show_errors(emulator: RunningEmulator) -> None:
    missing = await response_error(emulator, lambda c: c.show("nomodel"))
    assert (missing.status_code, missing.error) == (404, "model 'nomodel:latest' not found")
    invalid = await response_error(emulator, lambda c: c.show("bad name"))
    assert (invalid.status_code, invalid.error) == (400, "invalid model name")


async def test_pull_streamed_then_listed(emulator: RunningEmulator) -> None:
    progress = await call(emulator, lambda c: list(c.pull("qwen2.5-coder:7b", stream=True)))
    assert progress[0].status == "pulling manifest"
    assert progress[-1].status == "success"
    layers = [p for p in progress if p.digest]
    assert layers[0].total and layers[0].completed is None
    assert layers[-1].completed == layers[-1].total
    names = [m.model for m in (await call(emulator, lambda c: c.list())).models]
    assert names[0] == "qwen2.5-coder:7b"


async def test_pull_not_streamed(emulator: RunningEmulator) -> None:
    done = await call(emulator, lambda c: c.pull("gemma2:2b"))
    assert done.status == "success"
    assert emulator.state.find_installed("gemma2:2b") is not None


async def test_pull_unknown_model(emulator: RunningEmulator) -> None:
    quiet = await response_error(emulator, lambda c: c.pull("nope:1b"))
    assert (quiet.status_code, quiet.error) == (500, "pull model manifest: file does not exist")
    streamed = await response_error(emulator, lambda c: list(c.pull("nope:1b", stream=True)))
    assert (streamed.status_code, streamed.error) == (
        -1, "pull model manifest: file does not exist"
    )


async def test_pull_invalid_name(emulator: RunningEmulator) -> None:
    error = await response_error(emulator, lambda c: list(c.pull("no good", stream=True)))
    assert (error.status_code, error.error) == (400, "invalid model name")


async def test_pull_faults_as_the_client_sees_them(emulator: RunningEmulator) -> None:
    emulator.state.inject(Fault(kind="http_500", message="server busy"))
    busy = await response_error(emulator, lambda c: list(c.pull("mistral", stream=True)))
    assert (busy.status_code, busy.error) == (500, "server busy")
    emulator.state.inject(Fault(kind="error_line", after_lines=4, message="max retries exceeded"))
    late = await response_error(emulator, lambda c: list(c.pull("mistral", stream=True)))
    assert (late.status_code, late.error) == (-1, "max retries exceeded")
    emulator.state.inject(Fault(kind="drop", after_lines=3))
    with pytest.raises(httpx.RemoteProtocolError):
        await call(emulator, lambda c: list(c.pull("mistral", stream=True)))
    resumed = await call(emulator, lambda c: list(c.pull("mistral", stream=True)))
    assert resumed[1].completed and resumed[1].completed > 0
    assert resumed[-1].status == "success"


async def test_delete_and_copy(emulator: RunningEmulator) -> None:
    copied = await call(emulator, lambda c: c.copy("phi3:mini", "phi3-backup"))
    assert copied.status == "success"
    deleted = await call(emulator, lambda c: c.delete("phi3:mini"))
    assert deleted.status == "success"
    missing = await response_error(emulator, lambda c: c.delete("phi3:mini"))
    assert (missing.status_code, missing.error) == (404, "model 'phi3:mini' not found")
    names = [m.model for m in (await call(emulator, lambda c: c.list())).models]
    assert "phi3-backup:latest" in names and "phi3:mini" not in names
    gone = await response_error(emulator, lambda c: c.copy("phi3:mini", "again"))
    assert gone.status_code == 404


async def test_ps(emulator: RunningEmulator) -> None:
    assert (await call(emulator, lambda c: c.ps())).models == []
    emulator.state.load("phi3:mini", context_length=4096, size_vram=0)
    running = (await call(emulator, lambda c: c.ps())).models
    assert [(m.model, m.context_length, m.size_vram) for m in running] == [
        ("phi3:mini", 4096, 0)
    ]
    assert running[0].expires_at is not None and running[0].size


async def test_refused_connection_is_a_connection_error() -> None:
    async with run_emulator() as gone:
        pass
    with pytest.raises(ConnectionError, match="Failed to connect to Ollama"):
        await call(gone, lambda c: c.list())


async def test_async_client_on_asyncio(emulator: RunningEmulator) -> None:
    if sniffio.current_async_library() != "asyncio":
        pytest.skip("ollama.AsyncClient runs on asyncio only")
    client = ollama.AsyncClient(host=emulator.url, timeout=10)
    try:
        with anyio.fail_after(10):
            statuses = [p.status async for p in await client.pull("llava", stream=True)]
            listed = await client.list()
    finally:
        await client._client.aclose()
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert listed.models[0].model == "llava:latest"
