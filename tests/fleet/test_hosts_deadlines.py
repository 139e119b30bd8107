"""The deadlines of one request (ollama/deadlines.py) on real loopback sockets: the head of
an answer within connect + firstByte, a stream's reads within stall (not firstByte), a
non-streamed answer within request as a whole; each bound hit is a HostUnreachable naming it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.lowlevel
import httpx
import pytest

from ollm_actors.emulator import EmulatorState, Fault, run_emulator
from ollm_actors.errors import HostUnreachable
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.deadlines import Deadlines

pytestmark = pytest.mark.anyio

MARGIN = 1.5


@pytest.mark.parametrize("path", ["/api/tags", "/api/show", "/api/ps", "/api/version"])
async def test_a_hung_answer_ends_at_the_first_byte_bound(path: str) -> None:
    state = EmulatorState.default()
    state.inject(Fault(kind="hang", path="*", times=-1))
    deadlines = Deadlines(connect=0.3, first_byte=0.3, stall=30.0, request=30.0)
    async with run_emulator(state) as emu, OllamaClient(emu.url, deadlines=deadlines) as client:
        calls = {
            "/api/tags": client.list_models,
            "/api/show": lambda: client.show("phi3:mini"),
            "/api/ps": client.ps,
            "/api/version": client.version,
        }
        with anyio.fail_after(0.3 + MARGIN):
            with pytest.raises(HostUnreachable) as info:
                await calls[path]()
    assert info.value.reason == f"no answer from {path} within 0.3 s"


async def test_a_stream_may_pause_longer_than_first_byte_but_not_than_stall() -> None:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 1
    # Each line comes later than the first-byte bound allows the head to: only the switch to
    # the stall bound once the head is in lets the pull finish.
    state.pull_line_delay = 0.15
    deadlines = Deadlines(connect=1.0, first_byte=0.05, stall=2.0, request=0.1)
    async with run_emulator(state) as emu, OllamaClient(emu.url, deadlines=deadlines) as client:
        with anyio.fail_after(20):
            async with client.pull("phi3:mini") as lines:
                statuses = [line.status async for line in lines]
        assert statuses[-1] == "success"

        state.pull_line_delay = 0.0
        state.inject(Fault(kind="stall", after_lines=2))
        stalling = Deadlines(connect=1.0, first_byte=1.0, stall=0.2, request=0.1)
        async with OllamaClient(emu.url, deadlines=stalling) as quick:
            with anyio.fail_after(0.2 + MARGIN), pytest.raises(HostUnreachable) as info:
                async with quick.pull("gemma2:2b") as lines:
                    async for _ in lines:
                        pass
    assert info.value.reason == "no data from /api/pull within 0.2 s (the stream stalled)"


class _Trickle(httpx.AsyncByteStream):
    """A body that never ends, one byte now and then: every read is quick, the whole never."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            await anyio.lowlevel.checkpoint()  # each read quick, never the whole: no clock needed
            yield b" "


async def test_a_trickled_answer_ends_at_the_request_bound() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_Trickle())

    deadlines = Deadlines(connect=1.0, first_byte=1.0, stall=1.0, request=0.3)
    client = OllamaClient(
        "http://trickle.test:11434", deadlines=deadlines, transport=httpx.MockTransport(handler)
    )
    async with client:
        with anyio.fail_after(0.3 + MARGIN), pytest.raises(HostUnreachable) as info:
            await client.list_models()
    assert info.value.reason == "no complete answer from /api/tags within 0.3 s"


def test_deadlines_are_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Deadlines(first_byte=0)


def test_an_older_settings_file_with_read_still_loads_as_the_stall_bound(tmp_path: Path) -> None:
    from ollm_actors.config import load_settings

    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text("providers:\n  ollama:\n    timeouts: {connect: 5, read: 42}\n")
    timeouts = load_settings(settings_file, env={}).providers.ollama.timeouts
    assert timeouts.connect == 5 and timeouts.stream_stall == 42
    default = load_settings(None, env={}, cwd=tmp_path)
    assert default.providers.ollama.timeouts.stream_stall == 30
