"""Every fault kind over real HTTP, and resume after a dropped pull."""

from __future__ import annotations

import anyio
import httpx
import msgspec
import pytest

from ollm_actors.emulator import Fault, RunningEmulator, model_layers

pytestmark = pytest.mark.anyio

PULL = {"model": "mistral:7b"}


async def stream_lines(
    client: httpx.AsyncClient, payload: dict[str, str], into: list[bytes]
) -> None:
    async with client.stream("POST", "/api/pull", json=payload) as got:
        assert got.status_code == 200
        async for line in got.aiter_lines():
            into.append(line.encode())


async def test_drop_closes_after_n_lines_and_repull_resumes(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    state = emulator.state
    model = state.catalog_model("mistral:7b")
    assert model is not None
    weights = model_layers(model)[0]
    state.inject(Fault(kind="drop", after_lines=5))
    got: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        await stream_lines(client, PULL, got)
    assert len(got) == 5
    done = msgspec.json.decode(got[-1])["completed"]
    assert state.partial == {weights.digest: done}
    assert state.find_installed("mistral:7b") is None

    again: list[bytes] = []
    await stream_lines(client, PULL, again)
    lines = [msgspec.json.decode(x) for x in again]
    assert lines[1]["digest"] == weights.digest and lines[1]["completed"] == done
    assert lines[-1] == {"status": "success"}
    assert state.partial == {}
    assert state.requests["POST /api/pull"] == 2


async def test_error_line_ends_a_200_stream(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.inject(Fault(kind="error_line", after_lines=3, message="max retries exceeded"))
    got: list[bytes] = []
    await stream_lines(client, PULL, got)
    assert len(got) == 4
    assert msgspec.json.decode(got[-1]) == {"error": "max retries exceeded"}
    assert emulator.state.find_installed("mistral:7b") is None


async def test_garbage_line_is_undecodable_and_the_stream_goes_on(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.inject(Fault(kind="garbage_line", after_lines=2))
    async with client.stream("POST", "/api/pull", json=PULL) as got:
        raw = [line async for line in got.aiter_raw()]
    lines = b"".join(raw).split(b"\n")
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(lines[2])
    assert msgspec.json.decode(lines[-2]) == {"status": "success"}


async def test_http_500_hits_times_requests_then_stops(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.inject(Fault(kind="http_500", path="/api/tags", times=2, message="boom"))
    for _ in range(2):
        got = await client.get("/api/tags")
        assert (got.status_code, got.json()) == (500, {"error": "boom"})
    assert (await client.get("/api/tags")).status_code == 200
    assert emulator.state.faults == ()


async def test_forever_fault_on_every_path(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.inject(Fault(kind="http_500", path="*", times=-1))
    for path in ("/", "/api/version", "/api/ps", "/api/tags"):
        assert (await client.get(path)).status_code == 500
    assert len(emulator.state.faults) == 1


async def test_line_faults_on_a_plain_answer(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    state = emulator.state
    state.inject(Fault(kind="error_line", path="/api/tags", message="nope"))
    got = await client.get("/api/tags")
    assert (got.status_code, got.json()) == (200, {"error": "nope"})
    state.inject(Fault(kind="garbage_line", path="/api/tags"))
    with pytest.raises(ValueError):
        (await client.get("/api/tags")).json()
    state.inject(Fault(kind="drop", path="/api/tags"))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("/api/tags")
    assert (await client.get("/api/tags")).status_code == 200


async def test_stall_keeps_the_connection_silent_until_the_client_leaves(
    emulator: RunningEmulator,
) -> None:
    emulator.state.inject(Fault(kind="stall", after_lines=2))
    timeout = httpx.Timeout(5, read=0.3)
    async with httpx.AsyncClient(base_url=emulator.url, timeout=timeout) as client:
        got: list[bytes] = []
        with pytest.raises(httpx.ReadTimeout):
            await stream_lines(client, PULL, got)
        assert len(got) == 2
        # The stalled connection is gone; a new one is served normally.
        assert (await client.get("/api/version")).status_code == 200


async def test_delay_waits_before_answering(emulator: RunningEmulator) -> None:
    emulator.state.inject(Fault(kind="delay", path="/api/version", seconds=0.2))
    async with httpx.AsyncClient(base_url=emulator.url, timeout=5) as client:
        start = anyio.current_time()
        assert (await client.get("/api/version")).status_code == 200
        assert anyio.current_time() - start >= 0.2
        start = anyio.current_time()
        assert (await client.get("/api/version")).status_code == 200
        assert anyio.current_time() - start < 0.2
