"""Hostile files: a disk that fills up and recovers, many processes learning facts at once,
corrupt files set aside in the same second, killed writers' leftovers, a file nested
200,000 deep or too big, secrets in a host URL."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import msgspec
import pytest

from ollm_actors.actors import ActorSystem
from ollm_actors.actors.bus import EventBus
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.inventory.actor import InventoryActor
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.inventory.cache import (
    MAX_CACHE_BYTES,
    CacheProblem,
    cache_path_for,
    read_cache,
    set_aside,
)
from ollm_actors.inventory.persist import CacheKeeper
from ollm_actors.inventory.store import (
    HostCacheFile,
    encode_cache,
    load_host_cache,
    save_host_cache,
)
from ollm_actors.inventory.types import CacheUnwritable, CacheWritable
from ollm_actors.inventory.writer import CacheWriter, save_file
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.database import load_builtin_database
from tests.inventory.rule_builders import details, listed
from tests.inventory.support import Recorder, settings_for

ROOT = Path(__file__).resolve().parents[2]
HOST = "http://gpu-box:11434"


def document(
    host: str = HOST, *, models: tuple[str, ...] = (), shown: tuple[str, ...] = ()
) -> HostCacheFile:
    return HostCacheFile(
        host=host,
        models=[listed(name) for name in models],
        shown={listed(name).digest: details(name, host) for name in shown},
    )


class Disk:
    """The production write behind a switch: ``full`` makes it fail as a full disk does."""

    def __init__(self) -> None:
        self.full = False
        self.written: list[bytes] = []

    def write(self, directory: Path, host: str, data: bytes, stamp: int) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        save_file(directory, host, data, stamp)
        self.written.append(data)


class Retries:
    """An injected backoff wait: records each delay and returns when the test says so."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.waiting = anyio.Event()
        self._go = anyio.Event()

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        self.waiting.set()
        await self._go.wait()
        self._go = anyio.Event()

    def retry(self) -> None:
        self.waiting = anyio.Event()
        self._go.set()


# 1. the writer retries ------------------------------------------------------------------


@pytest.mark.anyio
async def test_writer_retries_with_backoff_and_writes_the_latest_document(tmp_path: Path) -> None:
    disk, retries = Disk(), Retries()
    failures: list[tuple[str, str]] = []
    recoveries: list[str] = []
    back = anyio.Event()

    async def report(path: str, reason: str) -> None:
        failures.append((path, reason))

    async def recovered(path: str) -> None:
        recoveries.append(path)
        back.set()

    writer = CacheWriter(
        tmp_path, report, recovered=recovered, write=disk.write, sleep=retries.sleep
    )
    disk.full = True
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            await tg.start(writer.run)
            writer.submit(HOST, encode_cache(document(models=("a",))))
            for _ in range(3):
                await retries.waiting.wait()
                retries.retry()
            await retries.waiting.wait()
            # Newer knowledge arrives during the outage; the disk then recovers.
            latest = encode_cache(document(models=("a", "b")))
            writer.submit(HOST, latest)
            disk.full = False
            retries.retry()
            await back.wait()
            tg.cancel_scope.cancel()
    path = str(cache_path_for(tmp_path, HOST))
    assert failures == [(path, os.strerror(errno.ENOSPC))]  # once per outage
    assert recoveries == [path]
    assert retries.delays == [backoff_delay(n, 1.0, 60.0) for n in (1, 2, 3, 4)]
    assert disk.written == [latest]
    assert load_host_cache(tmp_path, HOST, stamp=0) == document(models=("a", "b"))


@asynccontextmanager
async def retrying_inventory(
    cache: Path, url: str, retries: Retries, bus: EventBus
) -> AsyncIterator[InventoryAPI]:
    settings = settings_for([url], cache.parent / "cfg-root", cache=cache)
    async with HostPool(settings.hosts()) as pool, ActorSystem() as system:
        ref = await system.spawn(
            lambda: InventoryActor(
                settings=settings,
                hosts=pool,
                bus=bus,
                cache_dir=cache,
                database=load_builtin_database,
                clock=Clock(anyio.current_time),
                cache_sleep=retries.sleep,
            ),
            name="inventory",
        )
        yield InventoryAPI(ref)


@pytest.mark.anyio
async def test_a_file_where_the_cache_dir_should_be_then_moved_away(tmp_path: Path) -> None:
    # Root ignores permission bits; a regular file in place of the dir stops even root.
    cache = tmp_path / "cache"
    cache.write_text("in the way")
    bus, retries = EventBus(), Retries()
    recorder = Recorder(bus)
    async with run_emulator(EmulatorState.default()) as emu:
        with anyio.fail_after(20):
            async with retrying_inventory(cache, emu.url, retries, bus) as api:
                assert len(await api.list_models()) == 3
                await retries.waiting.wait()  # the first write failed
                cache.unlink()
                async with bus.subscribe("cache.writable") as events:
                    retries.retry()
                    async for _event in events:
                        break
                written = load_host_cache(cache, emu.url, stamp=0)
                assert isinstance(written, HostCacheFile)
                assert len(written.models) == 3
    assert recorder.topics("cache.") == ["cache.unwritable", "cache.writable"]
    unwritable, writable = (e.payload for e in recorder.events if e.topic.startswith("cache."))
    assert isinstance(unwritable, CacheUnwritable) and unwritable.path == str(cache)
    assert writable == CacheWritable(path=str(cache_path_for(cache, emu.url)))


# 2. facts learned by several processes are merged ---------------------------------------

# Each child learns one model's facts, then waits for the go line so that all write at
# once, through the production path (save_host_cache) and nothing else.
_CHILD = """
import sys
from pathlib import Path
from ollm_actors.inventory.store import encode_cache, save_host_cache
from tests.hostile.test_cache import HOST, NAMES, document

name = sys.argv[2]
data = encode_cache(document(models=NAMES, shown=(name,)))
sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.readline()
save_host_cache(Path(sys.argv[1]), HOST, data, stamp=1)
"""

NAMES = tuple(f"model-{n}:latest" for n in range(16))


def test_parallel_processes_keep_every_fact(tmp_path: Path) -> None:
    save_host_cache(tmp_path, HOST, encode_cache(document(models=NAMES)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLM_")}
    env["PYTHONPATH"] = str(ROOT)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(tmp_path), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for name in NAMES
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline() == "ready\n"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            assert child.wait(timeout=60) == 0
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()
    found = load_host_cache(tmp_path, HOST, stamp=0)
    assert isinstance(found, HostCacheFile)
    assert sorted(facts.name for facts in found.shown.values()) == sorted(NAMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == [cache_path_for(tmp_path, HOST).name]


def test_a_write_keeps_facts_on_disk_and_its_own_win(tmp_path: Path) -> None:
    save_host_cache(tmp_path, HOST, encode_cache(document(models=("a",), shown=("a", "b"))))
    mine = document(models=("a", "c"), shown=("c",))
    mine.shown[listed("b").digest] = msgspec.structs.replace(details("b", HOST), family="mine")
    save_host_cache(tmp_path, HOST, encode_cache(mine))
    found = load_host_cache(tmp_path, HOST, stamp=0)
    assert isinstance(found, HostCacheFile)
    assert [m.name for m in found.models] == ["a", "c"]  # lists: the last writer wins
    assert {f.name: f.family for f in found.shown.values()} == {
        "a": "llama",
        "b": "mine",
        "c": "llama",
    }


# 3. set-aside names are unique ------------------------------------------------------------


def test_two_files_set_aside_in_one_second_both_survive(tmp_path: Path) -> None:
    path = tmp_path / "inventory-x.json"
    moved = []
    for content in (b"{first", b"{second", b"{third"):
        path.write_bytes(content)
        problem = read_cache(path, HostCacheFile, stamp=1764644645)
        assert isinstance(problem, CacheProblem) and problem.moved_to is not None
        moved.append(problem.moved_to)
    assert len(set(moved)) == 3
    assert [Path(m).read_bytes() for m in moved] == [b"{first", b"{second", b"{third"]
    assert all(".bad-1764644645" in m for m in moved)  # still found by the usual pattern
    path.write_bytes(b'{"format": 1, "host": "http://elsewhere:1"}')
    foreign = set_aside(path, "foreign", stamp=1764644645)
    assert foreign.moved_to is not None and foreign.moved_to not in moved


# 4. stale temp files --------------------------------------------------------------------


@pytest.mark.anyio
async def test_stale_temp_files_are_removed_at_load(tmp_path: Path) -> None:
    wall = 1_800_000_000.0
    clock = Clock(lambda: 5.0, wall_at_start=wall)
    name = cache_path_for(tmp_path, HOST).name
    old = tmp_path / f".{name}.k1ll3d.tmp"
    young = tmp_path / f".{name}.wr1t1ng.tmp"
    other = tmp_path / ".somebody-else.tmp"
    for path, age in ((old, 61.0), (young, 59.0), (other, 3600.0)):
        path.write_bytes(b"{half")
        os.utime(path, (wall - age, wall - age))

    async def report(path: str, reason: str) -> None:
        raise AssertionError(reason)

    keeper = CacheKeeper(tmp_path, EventBus(), report, clock)
    with anyio.fail_after(10):
        assert await keeper.load((HOST,)) == {}
    assert not old.exists()
    assert young.exists() and other.exists()


# 5. a deeply nested or huge file --------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 200_000,
        b'{"format": 1, "host": "' + HOST.encode() + b'", "models": ' + b"[" * 200_000,
        b'{"format": 1, "skipped": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    ],
    ids=["bare", "in-a-field", "in-an-unknown-field"],
)
def test_a_deeply_nested_file_is_set_aside(tmp_path: Path, content: bytes) -> None:
    path = cache_path_for(tmp_path, HOST)
    path.write_bytes(content)
    problem = load_host_cache(tmp_path, HOST, stamp=7)
    assert isinstance(problem, CacheProblem) and problem.moved_to is not None
    assert not path.exists()
    assert Path(problem.moved_to).read_bytes() == content
    assert load_host_cache(tmp_path, HOST, stamp=7) is None  # the next start is clean


def test_a_file_over_the_size_bound_is_set_aside_unread(tmp_path: Path) -> None:
    path = cache_path_for(tmp_path, HOST)
    with path.open("wb") as fh:
        fh.truncate(MAX_CACHE_BYTES + 1)  # sparse: costs no disk
    problem = load_host_cache(tmp_path, HOST, stamp=7)
    assert isinstance(problem, CacheProblem) and problem.moved_to is not None
    assert "bigger than" in problem.reason
    assert not path.exists()


@pytest.mark.anyio
async def test_a_deeply_nested_cache_never_stops_the_listing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    bus, retries = EventBus(), Retries()
    recorder = Recorder(bus)
    async with run_emulator(EmulatorState.default()) as emu:
        cache.mkdir()
        cache_path_for(cache, emu.url).write_bytes(b"[" * 200_000)
        with anyio.fail_after(20):
            async with retrying_inventory(cache, emu.url, retries, bus) as api:
                assert len(await api.list_models()) == 3
    assert recorder.topics("cache.") == ["cache.corrupt"]


# 6. no secret in a cache file's name or content -----------------------------------------


def test_the_file_name_hashes_the_canonical_host(tmp_path: Path) -> None:
    plain = cache_path_for(tmp_path, "http://gpu-box:11434/ollama")
    for spelling in (
        "http://alice:s3cret@gpu-box:11434/ollama",
        "http://***@gpu-box:11434/ollama",
        "HTTP://GPU-BOX:11434/ollama?token=t0ken#frag",
    ):
        assert cache_path_for(tmp_path, spelling) == plain
    assert cache_path_for(tmp_path, "http://gpu-box:11434/other") != plain


def test_no_secret_reaches_the_content(tmp_path: Path) -> None:
    url = "http://***@gpu-box:11434/ollama?token=t0ken"
    save_host_cache(tmp_path, url, encode_cache(document(url, models=("a",), shown=("a",))))
    [path] = tmp_path.iterdir()
    raw = path.read_bytes()
    assert b"t0ken" not in raw and b"token" not in raw
    found = load_host_cache(tmp_path, url, stamp=0)
    assert isinstance(found, HostCacheFile)
    assert found.host == "http://***@gpu-box:11434/ollama"
    assert all("?" not in facts.host for facts in found.shown.values())


@pytest.mark.anyio
async def test_a_burst_of_saves_is_encoded_once_when_written(tmp_path: Path) -> None:
    """A first `list` learning 5,000 models' facts saves after each one; only the document
    the writer gets to is encoded (the encoding of every save was quadratic in the model
    count)."""
    encoded: list[int] = []
    written: list[bytes] = []

    def encode(n: int) -> Callable[[], bytes]:
        def run() -> bytes:
            encoded.append(n)
            return encode_cache(document(models=tuple(f"m{i}" for i in range(n))))

        return run

    async def report(path: str, reason: str) -> None:
        raise AssertionError(reason)

    def write(directory: Path, host: str, data: bytes, stamp: int) -> None:
        written.append(data)

    writer = CacheWriter(tmp_path, report, write=write)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for n in range(1, 101):  # all before the writer task first runs
                writer.submit(HOST, encode(n))
            await tg.start(writer.run)
            await anyio.wait_all_tasks_blocked()
            tg.cancel_scope.cancel()
    assert encoded == [100]
    assert written == [encode_cache(document(models=tuple(f"m{i}" for i in range(100))))]
