"""The official ``ollama`` client's lifecycle calls against the emulator: copy, create, push,
and generate as load (empty prompt) and unload (``keep_alive=0``).

As in test_ollama_client.py, the sync client runs in a worker thread under both backends and
``ollama.AsyncClient`` (asyncio-only) is skipped on trio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import closing
from typing import TypeVar

import anyio
import ollama
import pytest
import sniffio

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator

pytestmark = pytest.mark.anyio

T = TypeVar("T")


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.default()
    state.pull_steps_per_layer = 3
    state.push_steps_per_layer = 3
    async with run_emulator(state) as running:
        yield running


async def call(emulator: RunningEmulator, use: Callable[[ollama.Client], T]) -> T:
    def run() -> T:
        with closing(ollama.Client(host=emulator.url, timeout=10)) as client:
            return use(client)

    with anyio.fail_after(20):
        return await anyio.to_thread.run_sync(run)


async def response_error(
    emulator: RunningEmulator, use: Callable[[ollama.Client], object]
) -> ollama.ResponseError:
    with pytest.raises(ollama.ResponseError) as caught:
        await call(emulator, use)
    return caught.value


async def test_copy(emulator: RunningEmulator) -> None:
    copied = await call(emulator, lambda c: c.copy("llama3.1:8b", "mine/llama:v1"))
    assert copied.status == "success"
    assert emulator.state.find_installed("mine/llama:v1") is not None
    missing = await response_error(emulator, lambda c: c.copy("gone", "x"))
    assert (missing.status_code, missing.error) == (404, 'model "gone" not found')
    bad = await response_error(emulator, lambda c: c.copy("llama3.1:8b", "x y"))
    assert (bad.status_code, bad.error) == (400, 'destination "x y" is invalid')


async def test_create_streamed_and_not(emulator: RunningEmulator) -> None:
    lines = await call(emulator, lambda c: list(c.create(
        "llama-2k", from_="llama3.1:8b", parameters={"num_ctx": 2048}, system="Be brief.",
        stream=True,
    )))
    assert [p.status for p in lines][-2:] == ["writing manifest", "success"]
    assert lines[0].status and lines[0].status.startswith("using existing layer sha256:")
    shown = await call(emulator, lambda c: c.show("llama-2k"))
    assert shown.parameters and "num_ctx                        2048" in shown.parameters
    assert shown.modelfile and "PARAMETER num_ctx 2048" in shown.modelfile
    done = await call(emulator, lambda c: c.create("phi-copy", from_="phi3:mini"))
    assert done.status == "success"
    unknown = await response_error(emulator, lambda c: c.create("x", from_="nope:1b"))
    assert (unknown.status_code, unknown.error) == (500, "pull model manifest: file does not exist")
    bad = await response_error(emulator, lambda c: c.create("bad name", from_="phi3:mini"))
    assert (bad.status_code, bad.error) == (400, "invalid model name")


async def test_push(emulator: RunningEmulator) -> None:
    progress = await call(emulator, lambda c: list(c.push("phi3:mini", stream=True)))
    assert progress[0].status == "retrieving manifest"
    assert [p.status for p in progress[-2:]] == ["pushing manifest", "success"]
    layers = [p for p in progress if p.digest]
    assert layers[0].total and layers[0].completed is None
    assert layers[-1].completed == layers[-1].total
    assert "phi3:mini" in emulator.state.pushed
    done = await call(emulator, lambda c: c.push("phi3:mini"))
    assert done.status == "success"
    streamed = await response_error(emulator, lambda c: list(c.push("nope", stream=True)))
    assert streamed.status_code == -1 and "no such file or directory" in streamed.error


async def test_generate_loads_and_unloads(emulator: RunningEmulator) -> None:
    loaded = await call(emulator, lambda c: c.generate("phi3:mini", prompt="", keep_alive="10m"))
    assert (loaded.done, loaded.done_reason, loaded.response) == (True, "load", "")
    running = await call(emulator, lambda c: c.ps())
    assert [m.model for m in running.models] == ["phi3:mini"]
    unloaded = await call(emulator, lambda c: c.generate("phi3:mini", keep_alive=0))
    assert (unloaded.done, unloaded.done_reason) == (True, "unload")
    assert (await call(emulator, lambda c: c.ps())).models == []
    chat = await call(emulator, lambda c: c.chat("phi3:mini", messages=[]))
    assert (chat.done_reason, chat.message.role) == ("load", "assistant")
    missing = await response_error(emulator, lambda c: c.generate("nope", prompt=""))
    assert (missing.status_code, missing.error) == (404, "model 'nope' not found")


async def test_async_client_on_asyncio(emulator: RunningEmulator) -> None:
    if sniffio.current_async_library() != "asyncio":
        pytest.skip("ollama.AsyncClient runs on asyncio only")
    client = ollama.AsyncClient(host=emulator.url, timeout=10)
    try:
        with anyio.fail_after(10):
            await client.copy("phi3:mini", "phi3-b")
            made = [p.status async for p in await client.create(
                "phi3-4k", from_="phi3-b", parameters={"num_ctx": 4096}, stream=True
            )]
            pushed = [p.status async for p in await client.push("phi3-4k", stream=True)]
            loaded = await client.generate("phi3-4k", prompt="")
            unloaded = await client.generate("phi3-4k", keep_alive=0)
    finally:
        await client._client.aclose()
    assert made[-1] == pushed[-1] == "success"
    assert (loaded.done_reason, unloaded.done_reason) == ("load", "unload")
