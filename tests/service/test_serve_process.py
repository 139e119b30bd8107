"""`ollm serve` as a process: SIGTERM cancels the pulls cleanly and removes the socket; a
TCP service refuses a request without its token (401) and never prints the token."""

from __future__ import annotations

import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ollm_actors import connect
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import PullCancelled, ServiceRefused
from tests.cli.support import cli_env

pytestmark = pytest.mark.anyio

TOKEN = "s3cret-token-4242"


@asynccontextmanager
async def ollm_serve(
    emulator: RunningEmulator, tmp_path: Path, *args: str
) -> AsyncIterator[tuple[Any, str, list[bytes]]]:
    """`ollm serve ARGS` on the emulator: the process, the address it serves on, and its
    stderr so far (read on until the process ends)."""
    env = {**cli_env(tmp_path), "OLLM_HOST": emulator.url}
    argv = [sys.executable, "-m", "ollm_actors", "serve", *args]
    async with await anyio.open_process(argv, env=env) as process, anyio.create_task_group() as tg:
        assert process.stderr is not None
        err: list[bytes] = []
        ready = anyio.Event()
        address: list[str] = []

        async def read() -> None:
            async for chunk in process.stderr:  # type: ignore[union-attr]
                err.append(chunk)
                text = b"".join(err).decode()
                if not address and "serving on " in text:
                    address.append(text.split("serving on ", 1)[1].split()[0].rstrip(";"))
                    ready.set()
            ready.set()

        tg.start_soon(read)
        await ready.wait()
        assert address, b"".join(err).decode()
        yield process, address[0], err


async def test_sigterm_cancels_the_pulls_and_removes_the_socket(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    socket = tmp_path / "s.sock"
    with anyio.fail_after(30):
        async with ollm_serve(emulator, tmp_path, "--socket", str(socket)) as (proc, at, err):
            assert at == str(socket)
            async with connect(at) as client:
                followed = await client.models.start_pull("llama3.2")
                detached = await client.models.start_pull("phi3:mini", detach=True)
                async for event in followed.progress():
                    if event.event == "progress":
                        break
                proc.send_signal(signal.SIGTERM)
                with pytest.raises(PullCancelled):
                    await followed.wait()
                assert followed.state == "cancelled"
            code = await proc.wait()
        await emulator.wait_idle()  # every pull's HTTP stream to the emulator was closed
    assert detached.joined is False
    assert code == 0, b"".join(err).decode()
    assert not socket.exists()


async def test_tcp_needs_the_token_and_never_prints_it(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    args = ("--listen", "127.0.0.1:0", "--token-file", str(token_file))
    with anyio.fail_after(30):
        async with ollm_serve(emulator, tmp_path, *args) as (proc, url, err):
            async with httpx.AsyncClient(base_url=url) as plain:
                refused = await plain.get("/v1/models")
                wrong = await plain.get("/v1/models", headers={"authorization": "Bearer nope"})
                health = await plain.get("/v1/health")
            assert (refused.status_code, wrong.status_code, health.status_code) == (401, 401, 200)
            assert refused.json()["error"]["type"] == "ServiceRefused"
            with pytest.raises(ServiceRefused) as no_token:
                async with connect(url):
                    pass
            assert no_token.value.status == 401
            async with connect(url, token=TOKEN) as client:
                assert [m.name for m in await client.models.list_models()] == ["phi3:mini"]
            proc.send_signal(signal.SIGINT)
            await proc.wait()
    shown = b"".join(err) + refused.content + wrong.content + str(no_token.value).encode()
    assert TOKEN.encode() not in shown
