"""The first `ollm list` warm-up: reading every model's ``/api/show`` facts one at a time
(``providers.ollama.showConcurrency: 1``, the baseline) vs the default bound (8), measured in
the same run against the bundled emulator holding 2,000 and 5,000 models, each ``/api/show``
answered after a few milliseconds of latency (an emulator ``delay`` fault) as a real host's
would be. Prints the ratio; target >= 2x.

Run: ``.venv/bin/python benchmarks/bench_warmup.py [COUNT...] [--latency SECONDS]``. The
emulator runs in a child process, so its work does not share the measured event loop.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import anyio
from _report import record, start_emulator_child

from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings

COUNTS = (2000, 5000)
LATENCY = 0.004
DEFAULT = 8

EMULATOR = """
import sys
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.emulator.faults import Fault

async def serve() -> None:
    state = EmulatorState.empty()
    state.add_synthetic(int(sys.argv[1]))
    state.inject(Fault(kind="delay", path="/api/show", seconds=float(sys.argv[2]), times=-1))
    async with run_emulator(state) as emu:
        print(emu.url, flush=True)
        await anyio.sleep_forever()

anyio.run(serve, backend="asyncio")
"""


async def first_list(url: str, concurrency: int) -> float:
    """Seconds of a cold warm-up (empty cache) with ``concurrency`` shows in flight."""
    with tempfile.TemporaryDirectory() as cache:
        settings = hermetic_settings(
            [url], Path(cache), {"providers.ollama.showConcurrency": concurrency}
        )
        async with open_runtime(settings, actors=("limits",)) as rt:
            models = await rt.models.list_models()
            start = time.perf_counter()
            found = await rt.limits.lookup_installed(models)
            seconds = time.perf_counter() - start
    if len(found) != len(models):
        raise SystemExit(f"only {len(found)} of {len(models)} models resolved")
    return seconds


def main(argv: list[str]) -> None:
    latency = LATENCY
    if "--latency" in argv:
        at = argv.index("--latency")
        latency = float(argv[at + 1])
        del argv[at : at + 2]
    counts = [int(a) for a in argv] or list(COUNTS)
    ok = True
    for count in counts:
        child, url = start_emulator_child(EMULATOR, str(count), str(latency))
        try:
            sequential = anyio.run(first_list, url, 1)
            concurrent = anyio.run(first_list, url, DEFAULT)
        finally:
            child.kill()
            child.wait()
        ratio = sequential / concurrent
        print(
            f"{count} models, {latency * 1000:g} ms per show: sequential {sequential:.2f} s, "
            f"concurrency {DEFAULT} {concurrent:.2f} s, ratio {ratio:.2f}x"
        )
        ok &= record("warmup", f"first list, {count} models", ratio, 2.0)
    if not ok:
        print("target missed: >= 2x")


if __name__ == "__main__":
    main(sys.argv[1:])
