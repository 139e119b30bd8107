"""OllamaClient against the bundled emulator on loopback: every fault ends in its typed error."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, Fault, RunningEmulator, run_emulator
from ollm_actors.errors import (
    HostUnreachable,
    ModelNotFound,
    ProtocolError,
    PullFailed,
    ServerError,
)
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.deadlines import Deadlines
from ollm_actors.ollama.types import PullLine

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.default()
    state.pull_steps_per_layer = 4
    async with run_emulator(state) as emu:
        yield emu


async def pull_all(client: OllamaClient, name: str) -> list[PullLine]:
    out: list[PullLine] = []
    async with client.pull(name) as lines:
        async for line in lines:
            out.append(line)
    return out


async def test_list_show_ps_delete(emulator: RunningEmulator) -> None:
    emulator.state.load("llama3.1:8b", context_length=8192)
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url) as client:
            assert await client.health()
            assert await client.version()
            names = [m.name for m in (await client.list_models()).models]
            assert "llama3.1:8b" in names
            show = await client.show("llama3.1:8b")
            assert show.architecture == "llama"
            assert show.context_length is not None and show.context_length > 0
            assert show.capabilities is not None and "completion" in show.capabilities
            running = (await client.ps()).models
            assert [(m.name, m.context_length) for m in running] == [("llama3.1:8b", 8192)]
            with pytest.raises(ModelNotFound) as missing:
                await client.show("no-such-model")
            assert missing.value.host == emulator.url
            await client.delete("llama3.1:8b")
            assert "llama3.1:8b" not in [m.name for m in (await client.list_models()).models]
            with pytest.raises(ModelNotFound):
                await client.delete("llama3.1:8b")


async def test_pull_installs_the_model(emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url) as client:
            lines = await pull_all(client, "gemma2:2b")
            assert lines[0].status == "pulling manifest"
            assert lines[-1].status == "success"
            layers = [line for line in lines if line.digest is not None]
            assert layers and all(
                line.digest.startswith("sha256:") for line in layers if line.digest
            )
            names = [m.name for m in (await client.list_models()).models]
    assert "gemma2:2b" in names
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_unknown_model_pull_fails_with_the_servers_words(emulator: RunningEmulator) -> None:
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url) as client:
            with pytest.raises(PullFailed) as info:
                await pull_all(client, "no-such-model:1b")
    assert "file does not exist" in info.value.reason


# Short bounds, so that a silent server costs a test a fraction of a second.
QUICK = Deadlines(connect=0.3, first_byte=0.3, stall=0.3, request=0.3)


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        (Fault(kind="drop", after_lines=3), HostUnreachable, "connection"),
        (
            Fault(kind="error_line", after_lines=2, message="max retries exceeded"),
            PullFailed,
            "max retries exceeded",
        ),
        (Fault(kind="garbage_line", after_lines=2), ProtocolError, "line 3"),
        (Fault(kind="http_500", message="disk full"), ServerError, "disk full"),
        (Fault(kind="stall", after_lines=2), HostUnreachable, "within 0.3 s"),
        (Fault(kind="delay", seconds=5.0), HostUnreachable, "within 0.3 s"),
    ],
    ids=lambda value: value.kind if isinstance(value, Fault) else "",
)
async def test_pull_faults_end_in_typed_errors(
    emulator: RunningEmulator, fault: Fault, error: type[Exception], text: str
) -> None:
    emulator.state.inject(fault)
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url, deadlines=QUICK) as client:
            with pytest.raises(error) as info:
                await pull_all(client, "gemma2:2b")
            assert text in str(info.value)
            # the fault is spent: the next pull resumes and succeeds on the same client
            assert (await pull_all(client, "gemma2:2b"))[-1].status == "success"


@pytest.mark.parametrize("path", ["/api/tags", "/api/ps"])
async def test_http_500_and_slow_answers_on_plain_endpoints(
    emulator: RunningEmulator, path: str
) -> None:
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url, deadlines=QUICK) as client:
            call = client.list_models if path == "/api/tags" else client.ps
            emulator.state.inject(Fault(kind="http_500", path=path, message="broken"))
            with pytest.raises(ServerError) as info:
                await call()
            assert (info.value.status, info.value.body) == (500, "broken")
            emulator.state.inject(Fault(kind="delay", path=path, seconds=5.0))
            with pytest.raises(HostUnreachable, match=r"within 0\.3 s"):
                await call()
            await call()


async def test_refused_connection_is_host_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with anyio.fail_after(10):
        async with OllamaClient(f"127.0.0.1:{port}") as client:
            assert await client.health() is False
            with pytest.raises(HostUnreachable) as info:
                await client.list_models()
            with pytest.raises(HostUnreachable):
                await pull_all(client, "gemma2:2b")
    assert info.value.host == f"http://127.0.0.1:{port}"


async def test_cancelling_a_pull_closes_the_stream(emulator: RunningEmulator) -> None:
    emulator.state.inject(Fault(kind="stall", after_lines=2))
    got: list[PullLine] = []
    with anyio.fail_after(10):
        async with OllamaClient(emulator.url) as client:
            with anyio.CancelScope() as scope:
                async with client.pull("gemma2:2b") as lines:
                    async for line in lines:
                        got.append(line)
                        if len(got) == 2:
                            scope.cancel()
            assert scope.cancelled_caught
            # the client stays usable after the cancelled pull
            assert await client.health()
    assert len(got) == 2
