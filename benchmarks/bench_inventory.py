"""Inventory speed against a baseline measured in the same run.

A warm ``rt.models.list_models()`` (answered from the inventory's memory) vs a plain ``httpx``
GET of ``/api/tags`` on loopback, against the bundled emulator. Target: >= 20x faster.
(The start-up of ``ollm list --json`` is measured by ``bench_startup.py``, as users install.)

Run: ``.venv/bin/python benchmarks/bench_inventory.py``. The emulator runs in a child process.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import anyio
import httpx
from _report import record, start_emulator_child

from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings

CALLS = 2000

EMULATOR = """
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator

async def serve() -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        print(emu.url, flush=True)
        await anyio.sleep_forever()

anyio.run(serve, backend="asyncio")
"""


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    child, url = start_emulator_child(EMULATOR)
    return child, url


async def in_process(url: str, cache: Path) -> tuple[float, float]:
    """Seconds per call of a warm inventory list and of a plain GET of /api/tags."""
    settings = hermetic_settings([url], cache)
    async with (
        open_runtime(settings, actors=("inventory",)) as rt,
        httpx.AsyncClient(base_url=url) as http,
    ):
        await rt.models.list_models()
        (await http.get("/api/tags")).raise_for_status()
        start = time.perf_counter()
        for _ in range(CALLS):
            await rt.models.list_models()
        warm = (time.perf_counter() - start) / CALLS
        start = time.perf_counter()
        for _ in range(CALLS):
            (await http.get("/api/tags")).raise_for_status()
        plain = (time.perf_counter() - start) / CALLS
    return warm, plain


def main() -> None:
    child, url = start_emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            warm, plain = anyio.run(in_process, url, Path(tmp) / "inproc")
    finally:
        child.terminate()
        child.wait(timeout=10)
    print(f"warm list_models(): {warm * 1e6:8.1f} us/call")
    print(f"httpx GET /api/tags: {plain * 1e6:8.1f} us/call")
    print(f"  speed-up: {plain / warm:.1f}x (target >= 20x)")
    record("inventory", "warm list_models() vs HTTP GET /api/tags", plain / warm, 20.0)


if __name__ == "__main__":
    main()
