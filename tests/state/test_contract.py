"""The contract of :class:`~ollm_actors.state.interface.SharedState`, case by case, for every
implementation (the ``store`` fixture; the Valkey one joins it against a real server)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from ollm_actors.state.interface import SharedState, lease_key
from ollm_actors.state.local import LocalState
from ollm_actors.vocab.clock import Clock

pytestmark = pytest.mark.anyio


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture(params=["local", "valkey"])
async def store(
    request: pytest.FixtureRequest, time: FakeTime
) -> AsyncIterator[SharedState]:
    if request.param == "local":
        yield LocalState(Clock(time, wall_at_start=1_700_000_000.0))
        return
    from ollm_actors.state.valkey import ValkeyState

    server = request.getfixturevalue("valkey")
    namespace = f"t{secrets.token_hex(6)}"
    async with ValkeyState(server.url, namespace=namespace, staleness=0.0) as state:
        yield state


def local_only(store: SharedState) -> None:
    if store.shared:
        pytest.skip("fake time drives local TTLs; the valkey twin below uses real ones")


async def test_a_lease_is_exclusive_until_released(store: SharedState) -> None:
    key = lease_key("pull", "http://h:11434", "Llama3.1:8B")
    assert key == "pull:http://h:11434:llama3.1:8b"
    first = await store.acquire(key, ttl=10)
    assert first is not None and first.holder == store.origin
    assert await store.acquire(key, ttl=10) is None
    assert await store.holder(key) == store.origin
    assert await store.release(first)
    assert await store.holder(key) is None
    assert await store.acquire(key, ttl=10) is not None


async def test_a_lease_not_renewed_is_lost_after_its_ttl(
    store: SharedState, time: FakeTime
) -> None:
    local_only(store)
    lease = await store.acquire("pull:h:m", ttl=10)
    assert lease is not None
    time.now += 9
    assert await store.renew(lease)
    time.now += 9  # 18 s after acquiring, 9 after the renewal: still held
    assert await store.holder("pull:h:m") == store.origin
    time.now += 1.5
    assert await store.holder("pull:h:m") is None
    assert not await store.renew(lease)
    taken = await store.acquire("pull:h:m", ttl=10)
    assert taken is not None
    # The old token neither renews nor releases the new lease.
    assert not await store.release(lease)
    assert await store.holder("pull:h:m") == store.origin


async def test_a_cancel_request_reaches_the_holder(store: SharedState) -> None:
    lease = await store.acquire("pull:h:m", ttl=10)
    assert lease is not None
    assert not await store.cancel_requested("pull:h:m")
    await store.request_cancel("pull:h:m")
    assert await store.cancel_requested("pull:h:m")
    await store.release(lease)
    again = await store.acquire("pull:h:m", ttl=10)
    assert again is not None
    assert not await store.cancel_requested("pull:h:m")  # a new lease starts uncancelled


async def test_a_release_keeps_how_the_work_ended_until_a_new_holder(
    store: SharedState,
) -> None:
    lease = await store.acquire("pull:h:m", ttl=10)
    assert lease is not None
    assert await store.ended("pull:h:m") is None
    assert await store.release(lease, "done")
    assert await store.ended("pull:h:m") == "done"
    again = await store.acquire("pull:h:m", ttl=10)
    assert again is not None
    assert await store.ended("pull:h:m") is None  # the record was of the previous holder
    assert await store.release(again)  # no outcome: no record
    assert await store.ended("pull:h:m") is None
    stale = await store.acquire("pull:h:m", ttl=10)
    assert stale is not None and await store.release(stale)
    assert not await store.release(stale, "done")  # not held: nothing recorded either
    assert await store.ended("pull:h:m") is None


async def test_an_ended_record_runs_out_after_twice_the_ttl(
    store: SharedState, time: FakeTime
) -> None:
    local_only(store)
    lease = await store.acquire("pull:h:m", ttl=10)
    assert lease is not None and await store.release(lease, "cancelled")
    time.now += 19
    assert await store.ended("pull:h:m") == "cancelled"
    time.now += 1.5
    assert await store.ended("pull:h:m") is None


async def test_a_cooldown_ends_at_its_time(store: SharedState, time: FakeTime) -> None:
    local_only(store)
    await store.put_cooldown("http://h:1", "3 failures", 30)
    cooling = await store.cooldowns()
    assert list(cooling) == ["http://h:1"]
    assert cooling["http://h:1"].reason == "3 failures"
    assert cooling["http://h:1"].origin == store.origin
    time.now += 31
    assert await store.cooldowns() == {}
    await store.put_cooldown("http://h:1", "again", 30)
    await store.clear_cooldown("http://h:1")
    assert await store.cooldowns() == {}


async def test_snapshots_and_facts_read_back(store: SharedState, time: FakeTime) -> None:
    assert await store.get_snapshot("http://h:1") is None
    await store.put_snapshot("http://h:1", b'{"models": []}')
    first = await store.get_snapshot("http://h:1")
    assert first is not None and first.value == b'{"models": []}'
    time.now += 5
    await store.put_snapshot("http://h:1", b'{"models": [1]}')
    second = await store.get_snapshot("http://h:1")
    assert second is not None and second.value == b'{"models": [1]}'
    if not store.shared:
        assert second.stamp == pytest.approx(first.stamp + 5)
    assert await store.get_facts("sha256:ab") is None
    await store.put_facts("sha256:ab", b"{}")
    assert await store.get_facts("sha256:ab") == b"{}"
