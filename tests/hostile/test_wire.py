"""Hostile answers cost one request a typed ProtocolError, never the caller.

Each test meets one bad answer from :mod:`tests.hostile.server` on a real loopback socket,
checks the error names the bound that caught it, then shows that the same client (on the
hostile server's healthy ``/api/version``) and a second client to the bundled emulator still
work. Every wait is bounded by ``anyio.fail_after``; nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
import pytest

from ollm_actors.emulator import run_emulator
from ollm_actors.errors import OllmError, ProtocolError, ServerError
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.pool import HostPool
from tests.hostile.server import (
    VERSION_BODY,
    Answer,
    HostileServer,
    chunked_forever,
    fixed,
    head_then_silence,
    hostile_server,
)

pytestmark = pytest.mark.anyio

#: Far beyond the interpreter's recursion limit (1,000): msgspec would recurse into it.
DEEP = 200_000
#: Generous for loopback; the rules under test fail in milliseconds or not at all.
QUICK = 10.0
Call = Callable[[OllamaClient], Awaitable[object]]


async def pull_all(client: OllamaClient) -> None:
    async with client.pull("llama3.2:3b") as lines:
        async for _ in lines:
            pass


CALLS: dict[str, Call] = {
    "/api/tags": lambda c: c.list_models(),
    "/api/show": lambda c: c.show("llama3.2:3b"),
    "/api/ps": lambda c: c.ps(),
    "/api/version": lambda c: c.version(),
    "/api/pull": pull_all,
}


def deep(depth: int) -> bytes:
    # Under an unknown key so every endpoint's decoder must skip it (which recurses), not
    # reject it at the first bracket for having the wrong type.
    return b'{"x":' + b"[" * depth


@asynccontextmanager
async def hostile(
    answer: Answer, *, healthy_version: bool = True, **bounds: int
) -> AsyncIterator[tuple[HostileServer, OllamaClient]]:
    async with (
        hostile_server(answer, healthy_version=healthy_version) as server,
        OllamaClient(server.url, **bounds) as client,  # type: ignore[arg-type]
    ):
        yield server, client


async def still_working(client: OllamaClient | None = None) -> None:
    """The same client (if its server still answers version) and another one work on."""
    if client is not None:
        assert await client.version() == "0.0.0-hostile"
    async with run_emulator() as emu, OllamaClient(emu.url) as healthy:
        assert (await healthy.list_models()).models
        await pull_all(healthy)


async def fails(client: OllamaClient, endpoint: str) -> ProtocolError:
    with anyio.fail_after(QUICK), pytest.raises(ProtocolError) as info:
        await CALLS[endpoint](client)
    assert info.value.endpoint == endpoint
    assert info.value.host == client.display
    return info.value


# --- nesting -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["/api/tags", "/api/show", "/api/ps", "/api/version"])
async def test_deep_nesting_is_refused_before_decoding(endpoint: str) -> None:
    # Version's own bound is 64 KiB: stay under it so depth, not size, is what fails.
    depth = 60_000 if endpoint == "/api/version" else DEEP
    async with hostile(fixed(deep(depth)), healthy_version=False) as (_, client):
        error = await fails(client, endpoint)
    assert "nested deeper than 64 levels (limit providers.ollama.limits.maxJsonDepth)" in (
        error.reason
    )
    await still_working()


async def test_deep_nesting_in_a_pull_line_is_refused() -> None:
    async with hostile(fixed(deep(DEEP) + b"\n")) as (_, client):
        error = await fails(client, "/api/pull")
        assert error.line == 1
        assert "maxJsonDepth" in error.reason
        await still_working(client)


@pytest.mark.parametrize("endpoint", ["/api/tags", "/api/pull"])
async def test_recursion_error_is_contained_when_the_depth_check_is_off(endpoint: str) -> None:
    # The second line of defence: msgspec's own RecursionError becomes a ProtocolError.
    body = deep(DEEP) + (b"\n" if endpoint == "/api/pull" else b"")
    async with hostile(fixed(body), max_json_depth=10 * DEEP) as (_, client):
        error = await fails(client, endpoint)
        assert "nested too deeply" in error.reason
        await still_working(client)


async def test_shallow_answers_deeper_than_ollamas_still_decode() -> None:
    body = b'{"models":[],"x":' + b"[" * 60 + b"]" * 60 + b', "y":"' + b"[" * 500 + b'"}'
    async with hostile(fixed(body)) as (_, client):
        with anyio.fail_after(QUICK):
            assert (await client.list_models()).models == []


# --- size --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "bound", "shown"),
    [
        ("/api/tags", "providers.ollama.limits.maxBodyBytes.tags", "32 MiB"),
        ("/api/show", "providers.ollama.limits.maxBodyBytes.show", "8 MiB"),
        ("/api/ps", "providers.ollama.limits.maxBodyBytes.ps", "8 MiB"),
        ("/api/version", "providers.ollama.limits.maxBodyBytes.version", "64 KiB"),
    ],
)
async def test_an_endless_body_stops_at_its_default_bound(
    endpoint: str, bound: str, shown: str
) -> None:
    answer = chunked_forever(b" " * 65_536, prefix=b'{"models":[')
    async with hostile(answer, healthy_version=False) as (_, client):
        error = await fails(client, endpoint)
    assert error.reason == f"answer of {endpoint} is larger than {shown} (limit {bound})"
    await still_working()


async def test_a_huge_content_length_fails_before_any_body_arrives() -> None:
    # The server sends the head and then nothing: only the declared length can fail it fast.
    async with hostile(head_then_silence(2 * 1024**3)) as (_, client):
        error = await fails(client, "/api/tags")
        assert "32 MiB (limit providers.ollama.limits.maxBodyBytes.tags)" in error.reason
        await still_working(client)


async def test_a_body_exactly_at_its_bound_is_read() -> None:
    body = b'{"models":[]}'
    async with hostile(fixed(body), max_tags_bytes=len(body)) as (_, client):
        with anyio.fail_after(QUICK):
            assert (await client.list_models()).models == []
    async with hostile(fixed(body), max_tags_bytes=len(body) - 1) as (_, client):
        error = await fails(client, "/api/tags")
    limit = "(limit providers.ollama.limits.maxBodyBytes.tags)"
    assert f"larger than {len(body) - 1} bytes {limit}" in error.reason


async def test_a_pull_line_without_newline_stops_at_its_bound() -> None:
    async with hostile(chunked_forever(b"a" * 65_536, prefix=b'{"status":"')) as (_, client):
        error = await fails(client, "/api/pull")
        assert "longer than 1 MiB (limit providers.ollama.limits.maxLineBytes)" in error.reason
        assert error.line == 1
        await still_working(client)


async def test_a_long_pull_line_with_its_newline_is_refused_too() -> None:
    line = b'{"status":"' + b"a" * 4096 + b'"}\n'
    async with hostile(fixed(line), max_pull_line_bytes=1024) as (_, client):
        error = await fails(client, "/api/pull")
    assert "longer than 1 KiB (limit providers.ollama.limits.maxLineBytes)" in error.reason


async def test_an_endless_error_body_still_gives_the_status() -> None:
    async with hostile(chunked_forever(b"x" * 65_536, status=500)) as (_, client):
        for endpoint in ("/api/tags", "/api/pull"):
            with anyio.fail_after(QUICK), pytest.raises(ServerError) as info:
                await CALLS[endpoint](client)
            assert info.value.status == 500
            assert len(str(info.value)) < 1_000
        await still_working(client)


async def test_a_compressed_answer_is_refused() -> None:
    answer = fixed(b"\x1f\x8b" + b"\0" * 100, headers={"Content-Encoding": "gzip"})
    async with hostile(answer) as (server, client):
        error = await fails(client, "/api/tags")
        assert "compressed with 'gzip'" in error.reason
        assert server.requests[0].headers["accept-encoding"] == "identity"
        await still_working(client)


# --- secrets in the request path ----------------------------------------------------------


async def test_a_query_in_the_host_url_goes_after_the_api_path_and_is_never_shown() -> None:
    async with hostile_server(fixed(deep(DEEP))) as server:
        url = f"http://bob:hunter2@127.0.0.1:{server.port}/ollama?token=abc123"
        async with OllamaClient(url) as client:
            assert await client.version() == "0.0.0-hostile"
            with anyio.fail_after(QUICK), pytest.raises(ProtocolError) as info:
                await client.list_models()
        async with HostPool([url]) as pool:
            shown = pool.urls
    assert [r.target for r in server.requests] == [
        "/ollama/api/version?token=abc123",
        "/ollama/api/tags?token=abc123",
    ]
    assert server.requests[0].headers["authorization"].startswith("Basic ")
    assert client.display == f"http://***@127.0.0.1:{server.port}/ollama"
    assert shown == (client.display,)
    for text in (str(info.value), repr(client), *shown):
        assert "abc123" not in text
        assert "hunter2" not in text


async def test_a_redirect_to_a_url_with_a_token_does_not_show_it() -> None:
    location = "http://user:pw@elsewhere.test/api/tags?token=sekrit"
    answer = fixed(b"", status=302, headers={"Location": location})
    async with hostile(answer) as (_, client):
        with anyio.fail_after(QUICK), pytest.raises(ServerError) as info:
            await client.list_models()
    message = str(info.value)
    assert "elsewhere.test/api/tags" in message
    assert "sekrit" not in message
    assert "pw@" not in message


def test_the_healthy_version_body_is_what_still_working_expects() -> None:
    assert b"0.0.0-hostile" in VERSION_BODY
    assert issubclass(ProtocolError, OllmError)
