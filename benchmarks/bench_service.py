"""The service's cost against the in-process runtime, measured in the same run.

Run: .venv/bin/python benchmarks/bench_service.py

Against the bundled emulator (its full catalogue installed), for each backend:
- ``list --json``'s work (inventory snapshot + limits of every installed model, encoded)
  through a running service vs the same calls in-process: calls per second, ratio (the
  service adds an HTTP round trip over a unix socket per call);
- events per second through ``/v1/events`` (NDJSON, one connection) vs an in-process
  ``events.subscribe`` of the same bus, for the same burst of progress-sized events;
and once, on asyncio: the ``ollm list --json`` process with a service running vs without
(wall time per command, ratio: the service saves starting a runtime and fetching).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import msgspec
from _report import record

from ollm_actors import connect
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings
from ollm_actors.vocab.pull_events import PullEvent

CALLS = 200
EVENTS = 5_000
PROCESS_RUNS = 5


async def per_second(count: int, fn: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    for _ in range(count):
        await fn()
    return count / (time.perf_counter() - start)


async def list_json(rt: Any) -> bytes:
    snapshot = await rt.models.inventory.snapshot()
    limits = await rt.limits.lookup_installed(list(snapshot.models))
    return msgspec.json.encode([snapshot, list(limits.values())])


async def event_rate(rt: Any, events: Any) -> float:
    """Publish EVENTS events on ``rt``'s bus and time their arrival through ``events``."""
    payload = PullEvent(event="progress", model="m:latest", host="http://h:1")
    done = anyio.Event()
    elapsed = 0.0

    async def receive() -> None:
        nonlocal elapsed
        seen = 0
        async for _ in events:
            seen += 1
            if seen == EVENTS:
                break
        elapsed = time.perf_counter() - start
        done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(receive)
        await anyio.wait_all_tasks_blocked()
        start = time.perf_counter()
        for n in range(EVENTS):
            # State events (no coalescing key): every one must arrive.
            rt.events.publish("bench.tick", payload)
            if n % 64 == 0:
                await anyio.lowlevel.checkpoint()
        await done.wait()
    return EVENTS / elapsed


async def measure(work: Path) -> list[tuple[str, float, float, float]]:
    rows = []
    async with run_emulator(EmulatorState.default()) as emu:
        settings = hermetic_settings([emu.url], work / f"cache-{time.monotonic_ns()}")
        socket = work / f"s{time.monotonic_ns()}.sock"
        async with (
            open_runtime(settings) as rt,
            rt.serve(socket=socket) as service,
            connect(service.address, settings=settings) as remote,
        ):
            await list_json(rt)
            await list_json(remote)
            local = await per_second(CALLS, lambda: list_json(rt))
            served = await per_second(CALLS, lambda: list_json(remote))
            rows.append(("list --json work/s, service vs in-process", served, local, 0.05))
            async with rt.events.subscribe("bench.*", buffer=EVENTS + 1) as events:
                local = await event_rate(rt, events)
            async with remote.events.subscribe("bench.*", buffer=EVENTS + 1) as events:
                served = await event_rate(rt, events)
            rows.append(("events/s, /v1/events vs subscribe", served, local, 0.05))
    return rows


async def processes(work: Path) -> tuple[float, float]:
    """Seconds per ``ollm list --json``: through a service, and in-process."""
    async with run_emulator(EmulatorState.default()) as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
        (work / "settings.yaml").touch()
        env.update(OLLM_CONFIG=str(work / "settings.yaml"), OLLM_HOST=emu.url,
                   OLLM_CACHE_DIR=str(work / "cli-cache"))
        argv = [sys.executable, "-m", "ollm_actors", "list", "--json"]

        async def timed(environment: dict[str, str]) -> float:
            best = float("inf")
            for _ in range(PROCESS_RUNS):
                start = time.perf_counter()
                await anyio.run_process(argv, env=environment)
                best = min(best, time.perf_counter() - start)
            return best

        alone = await timed({**env, "OLLM_CACHE_DIR": str(work / "alone-cache")})
        settings = hermetic_settings([emu.url], work / "service-cache")
        async with open_runtime(settings) as rt, rt.serve(socket=work / "p.sock") as service:
            served = await timed({**env, "OLLM_SERVICE": service.address})
    return served, alone


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        work = Path(tmp)
        for backend in ("asyncio", "trio"):
            print(f"\n[{backend}]")
            print(f"{'measure':44} {'service':>10} {'baseline':>10} {'ratio':>7}  target")
            for label, ours, base, target in anyio.run(measure, work, backend=backend):
                ratio = ours / base
                met = "met" if record("service", f"[{backend}] {label}", ratio, target) else (
                    "NOT met")
                print(f"{label:44} {ours:10.0f} {base:10.0f} {ratio:7.2f}  >= {target} {met}")
        served, alone = anyio.run(processes, work)
        ratio = served / alone
        met = "met" if record(
            "service", "ollm list --json process time, service/in-process", ratio, 1.5,
            higher_is_better=False,
        ) else "NOT met"
        print(f"\n`ollm list --json` per command: service {served * 1000:.0f} ms, in-process "
              f"{alone * 1000:.0f} ms, ratio {ratio:.2f} (<= 1.5 {met})")


if __name__ == "__main__":
    main()
