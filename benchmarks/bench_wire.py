"""Wire-layer benchmark: pull-stream throughput and /api/tags decoding, as ratios.

Run: ``.venv/bin/python benchmarks/bench_wire.py``

The emulator runs in a child process (one per run, asyncio, no threads) so that the readers
being compared get a core of their own: in one process the emulator's own work per line is
shared with the reader and pulls every ratio toward 1. All three readers read the same
stream from the same emulator in the same run: one NDJSON progress line per HTTP chunk.
Stream rates are lines per CPU-second of the reading process (see ``lines_per_second``).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
import ollama
from _report import record
from ollama._types import ListResponse

from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.types import tags_decoder

LINES = 40_000
ROUNDS = 3
MODELS = 5_000
MODEL = "llama3.1:8b"

CHILD = """
import sys
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator

async def main() -> None:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 1_000_000
    state.pull_line_delay = 0.0
    state.add_synthetic(int(sys.argv[1]))
    async with run_emulator(state) as emu:
        print(emu.url, flush=True)
        await anyio.sleep_forever()

anyio.run(main, backend="asyncio")
"""


async def ours(url: str) -> int:
    count = 0
    async with OllamaClient(url) as client, client.pull(MODEL) as lines:
        async for _line in lines:
            count += 1
            if count == LINES:
                break
    return count


async def official(url: str) -> int:
    count = 0
    client = ollama.AsyncClient(host=url)
    try:
        stream = await client.pull(MODEL, stream=True)
        async for _part in stream:
            count += 1
            if count == LINES:
                break
        await stream.aclose()
    finally:
        await client._client.aclose()
    return count


async def bare_httpx(url: str) -> int:
    count = 0
    async with (
        httpx.AsyncClient(base_url=url, timeout=30.0) as client,
        client.stream("POST", "/api/pull", json={"model": MODEL, "stream": True}) as response,
    ):
        partial = b""
        async for chunk in response.aiter_raw():
            pieces = (partial + chunk).split(b"\n")
            partial = pieces.pop()
            count += len(pieces)
            if count >= LINES:
                break
    return count


async def lines_per_second(reader: Callable[[str], Awaitable[int]], url: str) -> float:
    """Lines per CPU-second of this process (best of ROUNDS).

    CPU time, not wall time: the emulator in the child process produces about as fast as any
    of the readers consumes, so wall-clock rates would all measure the emulator. A reader
    waiting for data uses no CPU, so CPU time is the reader's own cost per line.
    """
    best = 0.0
    for _ in range(ROUNDS):
        start = time.process_time()
        count = await reader(url)
        best = max(best, count / (time.process_time() - start))
    return best


def decodes_per_second(decode: Callable[[bytes], object], body: bytes, rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        decode(body)
        best = max(best, 1.0 / (time.perf_counter() - start))
    return best


async def measure(url: str) -> list[tuple[str, float, float, float, str]]:
    rows: list[tuple[str, float, float, float, str]] = []
    await ours(url)  # warm-up: imports, first connection
    mine = await lines_per_second(ours, url)
    theirs = await lines_per_second(official, url)
    bare = await lines_per_second(bare_httpx, url)
    rows.append(("pull lines/CPU-s vs official ollama", mine, theirs, 1.5, ""))
    rows.append(("pull lines/CPU-s vs bare httpx split", mine, bare, 0.8, ""))
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
        body = (await client.get("/api/tags")).content
    assert len(tags_decoder.decode(body).models) == MODELS
    assert len(ListResponse.model_validate_json(body).models) == MODELS
    fast = decodes_per_second(tags_decoder.decode, body, 10)
    slow = decodes_per_second(ListResponse.model_validate_json, body, 3)
    rows.append((f"decode /api/tags ({MODELS} models)/s", fast, slow, 8.0, f"{len(body)} B"))
    return [(name, a, b, target, note) for name, a, b, target, note in rows]


def main() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(MODELS)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        rows = anyio.run(measure, url, backend="asyncio")
    finally:
        child.terminate()
        child.wait(timeout=10)
    print(f"{'measure':38} {'ours':>12} {'baseline':>12} {'ratio':>7} {'target':>7}  met?")
    for name, mine, base, target, _note in rows:
        ratio = mine / base
        met = "yes" if record("wire", name, ratio, target) else "NO"
        print(f"{name:38} {mine:12.0f} {base:12.0f} {ratio:7.2f} {target:6.1f}x  {met}")


if __name__ == "__main__":
    main()
