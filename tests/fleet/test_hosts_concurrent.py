"""The hosts are asked at the same time, not one after another: each server below holds its
answer until every server has been asked, so asking them in turn would leave the first
waiting past its first-byte deadline and its models missing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import anyio
import pytest
from anyio.abc import ByteStream

from ollm_actors import open_runtime
from tests.fleet.hosts_support import quick_settings
from tests.hostile.server import HostileServer, Request, fixed, hostile_server

pytestmark = pytest.mark.anyio

HOSTS = 4
#: Long enough that a loaded machine asking concurrently never trips it; a client asking in
#: turn trips it on the first host, which waits for the others for ever.
PATIENT = {"providers.ollama.timeouts.firstByte": 3.0}


def _tags(index: int) -> bytes:
    name = f"model{index}:latest"
    return (
        b'{"models":[{"name":"%s","model":"%s","modified_at":"2026-01-01T00:00:00Z",'
        b'"size":1,"digest":"%s","details":{"family":"llama"}}]}'
        % (name.encode(), name.encode(), (f"{index:064x}").encode())
    )


def _ps_answer() -> bytes:
    return b'{"models":[]}'


@asynccontextmanager
async def barrier_hosts(path: str) -> AsyncIterator[list[HostileServer]]:
    """``HOSTS`` servers whose answers to ``path`` wait until every one has been asked."""
    asked: set[int] = set()
    everyone = anyio.Event()

    def answer_of(index: int) -> object:
        body = _tags(index) if path == "/api/tags" else _ps_answer()

        async def answer(request: Request, stream: ByteStream) -> None:
            if request.target.startswith(path):
                asked.add(index)
                if len(asked) == HOSTS:
                    everyone.set()
                await everyone.wait()
            await fixed(body)(request, stream)

        return answer

    async with AsyncExitStack() as stack:
        servers = [
            await stack.enter_async_context(hostile_server(answer_of(i)))  # type: ignore[arg-type]
            for i in range(HOSTS)
        ]
        yield servers


async def test_list_asks_every_host_at_once(tmp_path: Path) -> None:
    async with barrier_hosts("/api/tags") as servers:
        settings = quick_settings([s.url for s in servers], tmp_path / "c", PATIENT)
        async with open_runtime(settings, actors=("inventory",)) as rt:
            with anyio.fail_after(10):
                snapshot = await rt.models.inventory.snapshot(refresh=True)
    assert sorted(m.name for m in snapshot.models) == [f"model{i}:latest" for i in range(HOSTS)]
    assert all(h.online and not h.stale for h in snapshot.hosts)


async def test_ps_asks_every_host_at_once(tmp_path: Path) -> None:
    async with barrier_hosts("/api/ps") as servers:
        settings = quick_settings([s.url for s in servers], tmp_path / "c", PATIENT)
        async with open_runtime(settings, actors=("inventory",)) as rt:
            with anyio.fail_after(10):
                loaded = await rt.models.list_loaded()
    assert loaded == []
    assert all(any(r.target.startswith("/api/ps") for r in s.requests) for s in servers)
