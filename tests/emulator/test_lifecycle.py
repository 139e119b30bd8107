"""Disconnects, shutdown with connections open, and the standalone server."""

from __future__ import annotations

import subprocess
import sys

import anyio
import httpx
import pytest
import sniffio
from anyio.abc import SocketStream

from ollm_actors.emulator import EmulatorState, Fault, run_emulator

pytestmark = pytest.mark.anyio


def count_tasks() -> int:
    """Tasks alive in the current event loop, whichever backend runs it."""
    if sniffio.current_async_library() == "asyncio":
        import asyncio

        return len(asyncio.all_tasks())
    import trio

    def walk(task: trio.lowlevel.Task) -> int:
        return 1 + sum(walk(child) for n in task.child_nurseries for child in n.child_tasks)

    root = trio.lowlevel.current_root_task()
    assert root is not None
    return walk(root)


async def read_until_closed(sock: SocketStream) -> bytes:
    data = b""
    try:
        while True:
            data += await sock.receive()
    except (anyio.EndOfStream, anyio.BrokenResourceError):
        return data


async def test_client_leaving_mid_stream_keeps_partial_and_frees_the_connection() -> None:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 100_000
    state.pull_line_delay = 0.001
    before = count_tasks()
    body = b'{"model":"phi3"}'
    with anyio.fail_after(10):
        async with run_emulator(state) as emu:
            async with await anyio.connect_tcp("127.0.0.1", emu.port) as sock:
                await sock.send(
                    b"POST /api/pull HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%b"
                    % (len(body), body)
                )
                received = b""
                while received.count(b'"completed"') < 3:
                    received += await sock.receive()
                assert emu.open_connections == 1
            # The client hung up with the pull unfinished: the emulator notices and lets go.
            await emu.wait_idle()
            assert emu.open_connections == 0
            assert state.partial and state.find_installed("phi3") is None
            async with httpx.AsyncClient(base_url=emu.url) as client:
                assert (await client.get("/api/version")).status_code == 200
    assert count_tasks() == before


async def test_shutdown_closes_idle_and_stalled_connections() -> None:
    state = EmulatorState.default()
    state.inject(Fault(kind="stall", after_lines=1))
    before = count_tasks()
    body = b'{"model":"gemma2:2b"}'
    with anyio.fail_after(5):
        async with run_emulator(state) as emu:
            idle = await anyio.connect_tcp("127.0.0.1", emu.port)
            stalled = await anyio.connect_tcp("127.0.0.1", emu.port)
            await idle.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert (await idle.receive()).endswith(b"Ollama is running")
            await stalled.send(
                b"POST /api/pull HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%b"
                % (len(body), body)
            )
            first = b""
            while b"pulling manifest" not in first:
                first += await stalled.receive()
        # Leaving the block ended every emulator task and closed both connections.
        assert count_tasks() == before
        async with idle, stalled:
            assert await read_until_closed(idle) == b""
            rest = await read_until_closed(stalled)
            assert b"pulling " not in rest
        with pytest.raises(OSError):
            await anyio.connect_tcp("127.0.0.1", emu.port)


async def test_cancelling_the_owner_stops_the_emulator() -> None:
    before = count_tasks()
    with anyio.fail_after(5):
        with anyio.CancelScope() as scope:
            async with run_emulator() as emu:
                async with httpx.AsyncClient(base_url=emu.url) as client:
                    assert (await client.get("/")).status_code == 200
                scope.cancel()
                await anyio.sleep_forever()
    assert scope.cancelled_caught
    assert count_tasks() == before


async def test_serve_forever_prints_its_url_and_serves() -> None:
    code = "from ollm_actors.emulator import serve_forever; serve_forever(0)"
    with anyio.fail_after(20):
        async with await anyio.open_process(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        ) as proc:
            assert proc.stdout is not None
            printed = b""
            while b"\n" not in printed:
                printed += await proc.stdout.receive()
            url = printed.decode().split()[-1]
            assert url.startswith("http://127.0.0.1:")
            async with httpx.AsyncClient(base_url=url) as client:
                tags = (await client.get("/api/tags")).json()
            assert len(tags["models"]) == 3
            proc.terminate()
            await proc.wait()
