"""Inventory snapshots and facts shared between runtimes: a runtime whose list of a host is
due reads another runtime's fresher snapshot instead of asking the host; a stale one, its
own, or hostile bytes under the key do not count (the host is asked, nothing fails). The
``/api/show`` facts of a digest are learned once for every runtime.

Requests are counted by the emulator; time is each runtime's injected clock; the Valkey
server is real (the ``valkey`` fixture).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import msgspec
import pytest

from ollm_actors.emulator import EmulatorState, Fault, RunningEmulator, run_emulator
from ollm_actors.errors import OllmError
from ollm_actors.inventory.snapshots import (
    SharedList,
    decode_facts,
    decode_snapshot,
    encode_facts,
    encode_snapshot,
    usable_facts,
    usable_snapshot,
)
from ollm_actors.ollama.types import ListedModel
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.state.interface import Stamped
from ollm_actors.state.valkey import ValkeyState
from tests.inventory.support import FakeClock, settings_for
from tests.state.conftest import ValkeyServer

TTL = 30.0
TAGS, SHOW = "GET /api/tags", "POST /api/show"


@pytest.fixture
def namespace() -> str:
    return f"t{secrets.token_hex(6)}"


@asynccontextmanager
async def two_runtimes(
    emu: RunningEmulator, tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> AsyncIterator[tuple[Runtime, Runtime, FakeClock]]:
    """Runtimes A and B (inventory only) over ``emu``, each with its own cache; returns them
    and B's clock."""
    shared = {
        "state.backend": "valkey",
        "state.url": valkey.url,
        "state.namespace": namespace,
        "inventory.ttl": TTL,
    }

    def settings(name: str) -> Any:
        return settings_for([emu.url], tmp_path / name, shared, cache=tmp_path / name / "c")

    clock_b = FakeClock()
    async with (
        open_runtime(settings("a"), actors=("inventory",), clock=FakeClock()) as a,
        open_runtime(settings("b"), actors=("inventory",), clock=clock_b) as b,
    ):
        yield a, b, clock_b


@asynccontextmanager
async def raw_client(valkey: ValkeyServer) -> AsyncIterator[Any]:
    import coredis

    async with coredis.Redis.from_url(valkey.url) as client:
        yield client


async def until(holds: Callable[[], Awaitable[bool]]) -> None:
    """Ask ``holds()`` again until it does. Each ask is a round trip to the server; the
    caller's ``fail_after`` bounds the wait."""
    while not await holds():
        await anyio.lowlevel.checkpoint()


async def shared_by(valkey: ValkeyServer, namespace: str, host: str, origin: str) -> Stamped:
    """The snapshot of ``host`` once runtime ``origin``'s write of it reached the server."""
    async with ValkeyState(valkey.url, namespace=namespace) as server:
        found: list[Stamped] = []

        async def written() -> bool:
            stamped = await server.get_snapshot(host)
            found[:] = [stamped] if stamped is not None else []
            return bool(found) and found[0].origin == origin

        await until(written)
        return found[0]


@pytest.mark.anyio
async def test_a_fresh_snapshot_of_another_runtime_stands_in_for_asking_the_host(
    tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu, two_runtimes(
            emu, tmp_path, valkey, namespace
        ) as (a, b, _):
            seen_by_a = await a.models.list_models()
            assert emu.state.requests[TAGS] == 1
            await shared_by(valkey, namespace, emu.url, a.state.origin)

            seen_by_b = await b.models.list_models()
            assert emu.state.requests[TAGS] == 1  # B did not ask the host
            assert [(m.name, m.digest) for m in seen_by_b] == [
                (m.name, m.digest) for m in seen_by_a
            ]
            assert not any(m.stale for m in seen_by_b)
            (host,) = await b.hosts.status()
            assert host.online and host.fetched_at is not None
            # Within the TTL, counted from A's fetch, B answers from memory.
            await b.models.list_models()
            assert emu.state.requests[TAGS] == 1


@pytest.mark.anyio
async def test_a_snapshot_older_than_the_ttl_is_ignored(
    tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu, two_runtimes(
            emu, tmp_path, valkey, namespace
        ) as (a, b, clock_b):
            await a.models.list_models()
            await shared_by(valkey, namespace, emu.url, a.state.origin)
            clock_b.advance(TTL + 1)  # B's wall clock: A's snapshot is now too old
            await b.models.list_models()
            assert emu.state.requests[TAGS] == 2
            # What B fetched it shares in turn.
            await shared_by(valkey, namespace, emu.url, b.state.origin)


@pytest.mark.anyio
async def test_a_host_whose_list_failed_here_is_asked_whatever_others_share(
    tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu, two_runtimes(
            emu, tmp_path, valkey, namespace
        ) as (a, b, _):
            emu.state.inject(Fault(kind="http_500", path="/api/tags", times=1))
            with pytest.raises(OllmError):
                await b.models.list_models()
            await a.models.list_models()
            await shared_by(valkey, namespace, emu.url, a.state.origin)
            assert emu.state.requests[TAGS] == 2
            await b.models.list_models()
            assert emu.state.requests[TAGS] == 3  # B asked again: its own view of the host


def hostile_values(host: str) -> dict[str, bytes]:
    garbage = b"\xc1\xff not msgpack"
    fresh = time.time()  # as fresh as can be for the runtimes about to read it

    def stamped(value: bytes, stamp: float = fresh) -> bytes:
        return msgspec.msgpack.encode(Stamped(value=value, stamp=stamp, origin="rt-hostile"))

    return {
        "undecodable": garbage,
        "garbage inside": stamped(garbage),
        "another host's list": stamped(encode_snapshot("http://elsewhere:11434", [])),
        "another document": stamped(encode_facts("rt-x", _details())),
    }


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["undecodable", "garbage inside", "another host's list",
                                  "another document", "not a string"])
async def test_hostile_bytes_under_the_snapshot_key_read_as_absent(
    tmp_path: Path, valkey: ValkeyServer, namespace: str, kind: str
) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu:
            key = f"{namespace}:snap:{emu.url}"
            async with raw_client(valkey) as client:
                if kind == "not a string":
                    await client.rpush(key, [b"x"])
                else:
                    await client.set(key, hostile_values(emu.url)[kind])
            async with two_runtimes(emu, tmp_path, valkey, namespace) as (_, b, _):
                listed = await b.models.list_models()
                assert {m.name for m in listed} == {
                    "llama3.1:8b",
                    "phi3:mini",
                    "nomic-embed-text:latest",
                }
                assert emu.state.requests[TAGS] == 1  # the host was asked


@pytest.mark.anyio
async def test_facts_are_learned_once_per_digest_for_every_runtime(
    tmp_path: Path, valkey: ValkeyServer, namespace: str
) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu, two_runtimes(
            emu, tmp_path, valkey, namespace
        ) as (a, b, _):
            by_a = await a.models.show_model("llama3.1:8b")
            assert emu.state.requests[SHOW] == 1
            await shared_by(valkey, namespace, emu.url, a.state.origin)
            async with ValkeyState(valkey.url, namespace=namespace) as server:
                await until(lambda: _has_facts(server, by_a.digest))

            by_b = await b.models.show_model("llama3.1:8b")
            assert emu.state.requests[SHOW] == 1  # B learned them from A
            assert emu.state.requests[TAGS] == 1
            assert by_b == by_a
            assert by_b.context_length == 131072 and by_b.architecture == "llama"


async def _has_facts(server: ValkeyState, digest: str) -> bool:
    return await server.get_facts(digest) is not None


# -- the rules, without a server ------------------------------------------------------------

HOST = "http://h:11434"
ME, OTHER = "rt-me", "rt-other"


def _listed() -> list[ListedModel]:
    return [ListedModel(name="llama3.1:8b", model="llama3.1:8b", digest="d" * 64, size=1)]


def _details() -> Any:
    from ollm_actors.inventory.types import ModelDetails

    return ModelDetails(
        name="llama3.1:8b", host=HOST, digest="d" * 64, family="llama", families=None,
        parameter_size="8B", quantization="Q4_K_M", format="gguf", context_length=131072,
        capabilities=("completion",), architecture="llama", parameters="", template="",
        license="", modified_at=None,
    )


def _stamped(origin: str = OTHER, stamp: float = 1000.0, value: bytes | None = None) -> Stamped:
    raw = encode_snapshot(HOST, _listed()) if value is None else value
    return Stamped(value=raw, stamp=stamp, origin=origin)


def _usable(stamped: Stamped | None, own: float | None = None, wall: float = 1010.0) -> Any:
    return usable_snapshot(stamped, host=HOST, origin=ME, own_stamp=own, wall=wall, ttl=TTL)


def test_another_runtimes_fresh_snapshot_is_used() -> None:
    assert _usable(_stamped()) == SharedList(models=_listed(), stamp=1000.0, origin=OTHER)
    assert _usable(_stamped(), own=999.0) is not None


@pytest.mark.parametrize(
    ("stamped", "own", "wall"),
    [
        (None, None, 1010.0),  # nothing shared
        (_stamped(origin=ME), None, 1010.0),  # this runtime's own
        (_stamped(), 1000.0, 1010.0),  # not newer than the list held
        (_stamped(), None, 1000.0 + TTL),  # as old as the TTL
        (_stamped(), None, 1000.0 - TTL),  # from further ahead than a clock may drift
        (_stamped(value=b"\x00junk"), None, 1010.0),  # undecodable
        (_stamped(value=encode_snapshot("http://x:1", _listed())), None, 1010.0),  # other host
    ],
)
def test_a_snapshot_that_does_not_qualify_is_not_used(
    stamped: Stamped | None, own: float | None, wall: float
) -> None:
    assert _usable(stamped, own, wall) is None


def test_snapshots_and_facts_read_back_only_as_themselves() -> None:
    assert decode_snapshot(encode_snapshot(HOST, _listed()), HOST) == _listed()
    assert decode_snapshot(encode_snapshot("http://x:1", _listed()), HOST) is None
    assert decode_snapshot(encode_facts(OTHER, _details()), HOST) is None
    facts = decode_facts(encode_facts(OTHER, _details()), "d" * 64)
    assert facts is not None and facts.details == _details() and facts.origin == OTHER
    assert decode_facts(encode_facts(OTHER, _details()), "e" * 64) is None
    assert decode_facts(encode_snapshot(HOST, _listed()), "d" * 64) is None


def test_shared_facts_are_relabelled_and_never_ones_own() -> None:
    raw = encode_facts(OTHER, _details())
    found = usable_facts(raw, digest="d" * 64, origin=ME, name="llama3.1", host="http://y:1")
    assert found is not None and found.origin == OTHER
    assert (found.details.name, found.details.host) == ("llama3.1", "http://y:1")
    mine = encode_facts(ME, _details())
    assert usable_facts(mine, digest="d" * 64, origin=ME, name="m", host=HOST) is None
    assert usable_facts(None, digest="d" * 64, origin=ME, name="m", host=HOST) is None
    assert usable_facts(b"junk", digest="d" * 64, origin=ME, name="m", host=HOST) is None
