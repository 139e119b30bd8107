"""Pull pipeline benchmark: lines per CPU-second and peak memory, as ratios from one run.

Run: ``.venv/bin/python benchmarks/bench_pull.py`` (about 25 s), or with ``--full`` for the
memory comparison over a 1,000,000-line pull (about 90 s: tracemalloc triples the cost of each
of the million lines; the default compares 250,000 lines, already 25 times the baseline).

Each emulator runs in a child process (asyncio, as in ``bench_wire.py``) so that its CPU does
not count against the reader. Three readers pull the same model from the same emulator:

* the whole pipeline: HTTP -> downloads actor (progress folding, coalescing) -> event bus ->
  a subscriber reading ``pull.*`` until ``pull.done``;
* our bare :class:`OllamaClient` iterating the stream;
* the official ``ollama.AsyncClient`` iterating the stream.

Rates are stream lines per CPU-second of this process (best of ROUNDS): waiting for data costs
no CPU, so this is each reader's own cost per line. Memory is the tracemalloc peak of the
whole pipeline over a large pull against a 10,000-line one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import ollama
from _report import record

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.supervision import ActorSystem
from ollm_actors.downloads.actor import DownloadsActor
from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.pool import HostPool
from ollm_actors.testing import hermetic_settings
from ollm_actors.vocab.database import load_builtin_database

MODEL = "llama3.2:3b"
SMALL = 10_000
LARGE = 1_000_000 if "--full" in sys.argv else 250_000
LINES = 20_000
ROUNDS = 3

CHILD = """
import sys
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator

async def main() -> None:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = int(sys.argv[1])
    async with run_emulator(state) as emu:
        print(emu.url, flush=True)
        await anyio.sleep_forever()

anyio.run(main, backend="asyncio")
"""


@asynccontextmanager
async def downloads(url: str) -> AsyncIterator[tuple[EventBus, DownloadsAPI]]:
    """The downloads actor alone (no inventory listening to its events), as measured before."""
    settings = hermetic_settings([url], Path(tempfile.mkdtemp()) / "cache")
    bus = EventBus()
    async with HostPool([url]) as hosts, ActorSystem() as system:
        ref = await system.spawn(
            lambda: DownloadsActor(
                settings=settings,
                hosts=hosts,
                bus=bus,
                inventory=None,
                database=load_builtin_database,
            ),
            name="downloads",
        )
        yield bus, DownloadsAPI(ref, hosts=hosts, bus=bus)


async def forget(url: str) -> None:
    """Delete the model (and its blobs) so that the next pull downloads every line again."""
    async with OllamaClient(url) as client:
        await client.delete(MODEL)


def pipeline_reader(bus: EventBus, api: DownloadsAPI) -> Callable[[str], Awaitable[int]]:
    """A pull through an already running actor (setting the runtime up is not measured)."""

    async def pipeline(url: str) -> int:
        async with bus.subscribe("pull.*") as events:
            handle = await api.start_pull(MODEL)
            async for event in events:
                if event.topic == "pull.done":
                    break
            await handle.wait()
        return 0

    return pipeline


async def bare(url: str) -> int:
    count = 0
    async with OllamaClient(url) as client, client.pull(MODEL) as lines:
        async for _line in lines:
            count += 1
    return count


async def official(url: str) -> int:
    count = 0
    client = ollama.AsyncClient(host=url)
    try:
        async for _part in await client.pull(MODEL, stream=True):
            count += 1
    finally:
        await client._client.aclose()
    return count


async def lines_per_cpu_second(
    reader: Callable[[str], Awaitable[int]], url: str, lines: int
) -> float:
    best = 0.0
    for _ in range(ROUNDS):
        start = time.process_time()
        await reader(url)
        best = max(best, lines / (time.process_time() - start))
        await forget(url)
    return best


async def peak_memory(url: str) -> int:
    tracemalloc.start()
    try:
        async with downloads(url) as (bus, api):
            await pipeline_reader(bus, api)(url)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        await forget(url)


def child(steps: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(steps)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


async def measure(fast: str, small: str, large: str) -> list[tuple[str, float, float, float]]:
    lines = await bare(fast)  # warm-up, and the line count of one full pull
    await forget(fast)
    async with downloads(fast) as (bus, api):
        mine = await lines_per_cpu_second(pipeline_reader(bus, api), fast, lines)
    ours = await lines_per_cpu_second(bare, fast, lines)
    theirs = await lines_per_cpu_second(official, fast, lines)
    small_peak = await peak_memory(small)
    large_peak = await peak_memory(large)
    return [
        ("pipeline lines/CPU-s vs bare OllamaClient", mine, ours, 0.8),
        ("pipeline lines/CPU-s vs official ollama", mine, theirs, 1.2),
        # Lower is better here: the target is a ceiling on the ratio.
        (f"peak memory {LARGE:,} vs {SMALL:,} lines (B)", large_peak, small_peak, -1.1),
    ]


def main() -> None:
    children = [child(LINES), child(SMALL), child(LARGE)]
    try:
        rows = anyio.run(measure, *(url for _, url in children), backend="asyncio")
    finally:
        for process, _ in children:
            process.terminate()
            process.wait(timeout=10)
    print(f"{'measure':44} {'ours':>12} {'baseline':>12} {'ratio':>7} {'target':>8}  met?")
    for name, mine, base, target in rows:
        ratio = mine / base
        if target < 0:
            met = record("pull", name, ratio, -target, higher_is_better=False)
        else:
            met = record("pull", name, ratio, target)
        shown = f"<={-target:.1f}x" if target < 0 else f">={target:.1f}x"
        verdict = "yes" if met else "NO"
        print(f"{name:44} {mine:12.0f} {base:12.0f} {ratio:7.2f} {shown:>8}  {verdict}")


if __name__ == "__main__":
    main()
