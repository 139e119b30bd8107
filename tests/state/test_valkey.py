"""What only the Valkey store does: real TTLs, events between runtimes, hostile values, and
degrading to local state while the server is down, then recovering."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from ollm_actors.errors import StateDataError
from ollm_actors.state.interface import Health, RemoteEvent
from ollm_actors.state.valkey import ValkeyState
from tests.state.conftest import ValkeyServer

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def opened(url: str, namespace: str, **options: Any) -> AsyncIterator[ValkeyState]:
    async with ValkeyState(url, namespace=namespace, **options) as state:
        yield state


@pytest.fixture
def namespace() -> str:
    return f"t{secrets.token_hex(6)}"


@asynccontextmanager
async def raw(url: str) -> AsyncIterator[Any]:
    import coredis

    async with coredis.Redis.from_url(url, decode_responses=True) as client:
        yield client


async def run_out(url: str, key: str, ttl: float) -> None:
    """Check the server holds ``key`` with at most ``ttl`` s left, then let that time run
    out: an expiry time in the past ends the key at once, exactly as its TTL would."""
    async with raw(url) as client:
        left = await client.pttl(key)
        assert 0 < left <= ttl * 1000, (key, left)
        assert await client.pexpireat(key, 1)


async def test_leases_and_cooldowns_expire_by_real_ttls(
    valkey: ValkeyServer, namespace: str
) -> None:
    async with opened(valkey.url, namespace, staleness=0.0) as a, \
            opened(valkey.url, namespace, staleness=0.0) as b:
        lease = await a.acquire("pull:h:m", ttl=30.0)
        assert lease is not None
        assert await b.acquire("pull:h:m", ttl=0.2) is None
        assert await b.holder("pull:h:m") == a.origin
        await b.request_cancel("pull:h:m")
        assert await a.cancel_requested("pull:h:m")
        await run_out(valkey.url, f"{namespace}:lease:pull:h:m", 30.0)
        assert await b.holder("pull:h:m") is None
        assert not await a.renew(lease)
        taken = await b.acquire("pull:h:m", ttl=5)
        assert taken is not None and not await a.release(lease)
        assert not await a.cancel_requested("pull:h:m")
        await a.put_cooldown("http://h:1", "3 failures", 30.0)
        assert list(await b.cooldowns()) == ["http://h:1"]
        await run_out(valkey.url, f"{namespace}:cool:http://h:1", 30.0)
        assert await b.cooldowns() == {}


async def test_an_ended_record_lives_twice_the_ttl_on_the_server(
    valkey: ValkeyServer, namespace: str
) -> None:
    async with opened(valkey.url, namespace) as a, opened(valkey.url, namespace) as b:
        lease = await a.acquire("pull:h:m", ttl=10.0)
        assert lease is not None and await a.release(lease, "done")
        assert await b.ended("pull:h:m") == "done"
        await run_out(valkey.url, f"{namespace}:ended:pull:h:m", 20.0)
        assert await b.ended("pull:h:m") is None


async def test_events_reach_other_runtimes_never_their_origin(
    valkey: ValkeyServer, namespace: str
) -> None:
    async with opened(valkey.url, namespace, stream_length=5) as a, \
            opened(valkey.url, namespace, stream_length=5) as b:
        await a.publish("old", b"before")  # published before b listens: not seen
        async with b.foreign_events() as events:
            await b.publish("mine", b"{}")
            for i in range(250):
                await a.publish("host.up", f'{{"n": {i}}}'.encode())
            seen: list[RemoteEvent] = []
            with anyio.fail_after(5):
                async for event in events:
                    seen.append(event)
                    if event.data == b'{"n": 249}':
                        break
        assert {e.origin for e in seen} == {a.origin}
        assert {e.topic for e in seen} == {"host.up"}
        length = await a._client.xlen(f"{namespace}:events")
        assert length <= 200  # trimmed by whole nodes of 100, MAXLEN ~


async def test_hostile_values_are_a_typed_error_for_that_read(
    valkey: ValkeyServer, namespace: str
) -> None:
    async with opened(valkey.url, namespace, max_value_bytes=8 * 1024 * 1024) as state:
        await state._client.rpush(f"{namespace}:snap:http://h:1", [b"x"])
        await state._client.set(f"{namespace}:facts:sha256:big", b"x" * (9 * 1024 * 1024))
        await state._client.set(f"{namespace}:snap:http://h:2", b"\xc1garbage")
        with pytest.raises(StateDataError, match="not a string"):
            await state.get_snapshot("http://h:1")
        with pytest.raises(StateDataError, match="longer than"):
            await state.get_facts("sha256:big")
        with pytest.raises(StateDataError, match="undecodable"):
            await state.get_snapshot("http://h:2")
        assert state.health == "ok"


async def test_a_stopped_server_degrades_then_recovers_with_write_back(
    valkey_restartable: ValkeyServer, namespace: str
) -> None:
    server = valkey_restartable
    url = server.url.replace("//", "//:s3cret@")
    server.stop()
    server.start_with_password("s3cret")
    reports: list[tuple[Health, str]] = []
    async with opened(url, namespace, call_timeout=0.3, connect_timeout=0.3,
                      on_health=lambda h, r: reports.append((h, r))) as state:
        await state.put_snapshot("http://h:1", b"before")
        server.stop()
        with anyio.fail_after(2):
            await state.put_snapshot("http://h:1", b"during")
            await state.put_facts("sha256:ab", b"{}")
            got = await state.get_snapshot("http://h:1")
            assert state.acquire is not None and await state.acquire("k", ttl=5) is not None
        assert got is not None and got.value == b"during"
        assert state.health == "degraded"
        assert len(reports) == 1 and reports[0][0] == "degraded"
        assert "s3cret" not in reports[0][1] and f"127.0.0.1:{server.port}" in reports[0][1]
        assert "s3cret" not in repr(state)
        server.start_with_password("s3cret")

        # No test clock: each call waits for the store's own next probe (its backoff).
        with anyio.fail_after(5):
            while state.health != "ok":
                await state._guard.next_probe()
                await state.get_facts("sha256:ab")
        assert [h for h, _ in reports] == ["degraded", "ok"]
        async with opened(url, namespace) as other:
            again = await other.get_snapshot("http://h:1")
            assert again is not None and again.value == b"during"
            assert await other.get_facts("sha256:ab") == b"{}"


async def test_one_hostile_cooldown_entry_leaves_the_others_counted(
    valkey: ValkeyServer, namespace: str
) -> None:
    async with opened(valkey.url, namespace, staleness=0.0) as a:
        await a.put_cooldown("http://h:1", "3 failures", 30.0)
        await a._client.set(f"{namespace}:cool:http://h:2", b"\xc1garbage")
        await a._client.rpush(f"{namespace}:cool:http://h:3", [b"a list"])
        assert list(await a.cooldowns()) == ["http://h:1"]
        assert a.health == "ok"


async def test_a_foreign_value_where_the_stream_should_be_is_a_typed_error(
    valkey: ValkeyServer, namespace: str
) -> None:
    async with opened(valkey.url, namespace) as a:
        await a._client.set(f"{namespace}:events", b"not a stream")
        with pytest.raises(StateDataError, match="not a stream"):
            await a.publish("pull.done", b"{}")
        with pytest.raises(StateDataError, match="not a stream"):
            async with a.foreign_events():
                pass
        assert a.health == "ok"
