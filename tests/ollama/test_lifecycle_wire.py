"""ollama/lifecycle.py against the emulator: copy, create, push, load, unload, and their errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from ollm_actors.emulator import EmulatorState, Fault, RunningEmulator, run_emulator
from ollm_actors.errors import (
    HostUnreachable,
    InvalidModelName,
    ModelNotFound,
    OperationFailed,
    ProtocolError,
    ServerError,
    SettingsError,
)
from ollm_actors.ollama import lifecycle
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.deadlines import Deadlines
from ollm_actors.ollama.lifecycle_types import ProgressLine, check_keep_alive

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.default()
    state.pull_steps_per_layer = 3
    state.push_steps_per_layer = 3
    async with run_emulator(state) as emu:
        yield emu


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(emulator.url, deadlines=Deadlines(first_byte=10)) as opened:
        yield opened


async def create_all(client: OllamaClient, name: str, **kwargs: object) -> list[ProgressLine]:
    async with lifecycle.create(client, name, **kwargs) as lines:  # type: ignore[arg-type]
        return [line async for line in lines]


async def push_all(client: OllamaClient, name: str) -> list[ProgressLine]:
    async with lifecycle.push(client, name) as lines:
        return [line async for line in lines]


async def test_copy(client: OllamaClient, emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        await lifecycle.copy(client, "phi3:mini", "phi3-backup")
        assert emulator.state.find_installed("phi3-backup:latest") is not None
        with pytest.raises(ModelNotFound) as missing:
            await lifecycle.copy(client, "gone:1b", "x")
    assert (missing.value.model, missing.value.host) == ("gone:1b", client.display)


async def test_bad_names_and_keep_alive_send_nothing(
    client: OllamaClient, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(10):
        with pytest.raises(InvalidModelName):
            await lifecycle.copy(client, "phi3:mini", "bad name")
        with pytest.raises(InvalidModelName):
            await create_all(client, "ok", from_="bad name")
        with pytest.raises(InvalidModelName):
            await push_all(client, "no good")
        with pytest.raises(InvalidModelName):
            await lifecycle.load(client, "bad name")
        with pytest.raises(SettingsError) as bad:
            await lifecycle.load(client, "phi3:mini", keep_alive="-1")
    assert bad.value.problems[0].path == "keep_alive"
    assert not emulator.state.requests


@pytest.mark.parametrize("value", ["30m", "1h2m3s", "-1m", "0", " 5s ", 0, -1, 2.5, None])
def test_keep_alive_accepted(value: object) -> None:
    assert check_keep_alive(value) == (value.strip() if isinstance(value, str) else value)


@pytest.mark.parametrize("value", ["-1", "1", "5x", "", "m", True, float("nan"), [1]])
def test_keep_alive_refused(value: object) -> None:
    with pytest.raises(SettingsError):
        check_keep_alive(value)


async def test_create_streams_typed_lines(
    client: OllamaClient, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(10):
        lines = await create_all(
            client, "llama-2k", from_="llama3.1:8b", parameters={"num_ctx": 2048},
            system="Be brief.",
        )
        shown = await client.show("llama-2k")
    assert [line.status for line in lines][-2:] == ["writing manifest", "success"]
    assert all(isinstance(line, ProgressLine) for line in lines)
    assert any(line.status.startswith("creating new layer sha256:") for line in lines)
    assert "PARAMETER num_ctx 2048" in shown.modelfile and shown.system == "Be brief."


async def test_create_pulls_its_base_through_two_successes(
    client: OllamaClient, emulator: RunningEmulator
) -> None:
    with anyio.fail_after(10):
        lines = await create_all(client, "g", from_="gemma2:2b")
    statuses = [line.status for line in lines]
    assert statuses.count("success") == 2 and statuses[-1] == "success"
    assert emulator.state.find_installed("g") is not None


async def test_create_errors(client: OllamaClient, emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        with pytest.raises(ModelNotFound) as unknown:
            await create_all(client, "x", from_="nope:1b")
        assert (unknown.value.model, unknown.value.host) == ("nope:1b", client.display)
        with pytest.raises(ServerError) as refused:
            await create_all(client, "x", from_="phi3:mini", template="{{ .Prompt")
        assert refused.value.status == 400 and "template error" in refused.value.body
        emulator.state.inject(Fault(kind="error_line", path="/api/create", after_lines=1,
                                    message="disk full"))
        with pytest.raises(OperationFailed) as failed:
            await create_all(client, "x", from_="phi3:mini")
    assert (failed.value.operation, failed.value.model, failed.value.reason) == (
        "create", "x:latest", "disk full"
    )


async def test_push_progress_like_a_pull(client: OllamaClient, emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        lines = await push_all(client, "phi3:mini")
        with pytest.raises(ModelNotFound) as missing:
            await push_all(client, "nope")
    assert lines[0].status == "retrieving manifest"
    assert [line.status for line in lines[-2:]] == ["pushing manifest", "success"]
    layers = [line for line in lines if line.digest]
    assert layers[0].total and layers[0].completed is None
    assert layers[-1].completed == layers[-1].total
    assert emulator.state.pushed == {"phi3:mini": emulator.state.installed["phi3:mini"].digest}
    assert missing.value.model == "nope:latest"


async def test_push_refused_by_the_registry(
    client: OllamaClient, emulator: RunningEmulator
) -> None:
    emulator.state.inject(
        Fault(kind="error_line", path="/api/push", after_lines=2, message="unauthorized")
    )
    with anyio.fail_after(10), pytest.raises(OperationFailed) as refused:
        await push_all(client, "phi3:mini")
    assert (refused.value.operation, refused.value.reason) == ("push", "unauthorized")
    assert emulator.state.pushed == {}


async def test_cancel_mid_push_closes_the_stream(emulator: RunningEmulator) -> None:
    state = emulator.state
    state.push_steps_per_layer = 100_000
    state.push_line_delay = 0.001
    seen: list[ProgressLine] = []
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url) as client:
            with anyio.CancelScope() as scope:
                async with lifecycle.push(client, "llama3.1:8b") as lines:
                    async for line in lines:
                        seen.append(line)
                        if len(seen) == 5:
                            scope.cancel()
            assert scope.cancelled_caught
        await emulator.wait_idle()
    assert seen[-1].status.startswith("pushing ") and seen[-1].completed
    assert state.pushed == {}
    assert emulator.open_connections == 0


async def test_a_stream_that_ends_early_is_unreachable(
    client: OllamaClient, emulator: RunningEmulator
) -> None:
    emulator.state.inject(Fault(kind="drop", path="/api/push", after_lines=3))
    with anyio.fail_after(10), pytest.raises(HostUnreachable):
        await push_all(client, "phi3:mini")


async def test_load_and_unload(client: OllamaClient, emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        loaded = await lifecycle.load(client, "phi3:mini", keep_alive="30m")
        assert (loaded.model, loaded.done, loaded.done_reason) == ("phi3:mini", True, "load")
        assert [m.name for m in (await client.ps()).models] == ["phi3:mini"]
        unloaded = await lifecycle.unload(client, "phi3:mini")
        assert unloaded.done_reason == "unload"
        assert (await client.ps()).models == []
        with pytest.raises(ModelNotFound) as missing:
            await lifecycle.load(client, "nope")
        with pytest.raises(ModelNotFound):
            await lifecycle.unload(client, "nope")
        with pytest.raises(ServerError) as embedding:
            await lifecycle.load(client, "nomic-embed-text")
    assert missing.value.model == "nope:latest"
    assert embedding.value.status == 400 and "does not support generate" in embedding.value.body


def mock_client(handler: httpx.MockTransport) -> OllamaClient:
    return OllamaClient("http://h:11434", transport=handler, max_pull_line_bytes=1024)


async def test_bounds_hold_against_a_hostile_server() -> None:
    long_line = b'{"status":"' + b"x" * 5000 + b'"}\n'
    deep = b"[" * 100 + b"]" * 100

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/generate":
            return httpx.Response(200, content=b'{"model":"' + b"m" * 5000 + b'","done":true}')
        if request.url.path == "/api/create":
            return httpx.Response(200, content=deep + b"\n")
        return httpx.Response(200, content=b'{"status":"retrieving manifest"}\n' + long_line)

    async with mock_client(httpx.MockTransport(answer)) as client:
        with pytest.raises(ProtocolError, match="maxLineBytes") as large:
            await lifecycle.load(client, "phi3")
        assert large.value.endpoint == "/api/generate"
        with pytest.raises(ProtocolError, match="line longer than 1 KiB") as long:
            await push_all(client, "phi3")
        assert long.value.line == 2
        with pytest.raises(ProtocolError, match="maxJsonDepth"):
            await create_all(client, "x", from_="phi3")


async def test_an_unfinished_load_answer_is_a_protocol_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"model":"phi3:latest","done":false}')

    async with mock_client(httpx.MockTransport(answer)) as client:
        with pytest.raises(ProtocolError, match="must be done"):
            await lifecycle.unload(client, "phi3")
