"""Actor runtime and event bus throughput, against raw anyio/pyee baselines in the same run.

Run: .venv/bin/python benchmarks/bench_runtime.py

For each backend (asyncio, then trio):
- ask round trips per second vs a raw ping-pong over two anyio memory object streams
  (target: ours >= 0.5x raw), plus the ask latency p50 (target <= 100 us);
- events per second delivered to 1 and to 100 async subscribers vs the same events sent
  through one raw memory object stream per subscriber (target >= 0.5x raw);
- events per second delivered to 1 callback vs a raw pyee EventEmitter (target >= 0.3x raw).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import anyio
import msgspec
from _report import record
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from pyee import EventEmitter

from ollm_actors.actors import Actor, ActorSystem, EventBus, Request, handler

ASKS = 5_000
EVENTS_ONE = 10_000
EVENTS_MANY = 500
SUBSCRIBERS = 100


class Ping(Request[int], frozen=True):
    n: int


class Payload(msgspec.Struct, frozen=True):
    n: int


class Echo(Actor[Ping]):
    @handler
    async def _ping(self, msg: Ping) -> int:
        return msg.n


async def best_of(runs: int, fn: Callable[[], Awaitable[float]]) -> float:
    return min([await fn() for _ in range(runs)])


async def raw_ping_pong() -> float:
    requests: tuple[MemoryObjectSendStream[int], MemoryObjectReceiveStream[int]]
    requests = anyio.create_memory_object_stream[int](1)
    replies = anyio.create_memory_object_stream[int](1)

    async def server() -> None:
        async for n in requests[1]:
            await replies[0].send(n)

    async with anyio.create_task_group() as tg, requests[0], requests[1], replies[0], replies[1]:
        tg.start_soon(server)
        start = time.perf_counter()
        for n in range(ASKS):
            await requests[0].send(n)
            await replies[1].receive()
        elapsed = time.perf_counter() - start
        tg.cancel_scope.cancel()
    return elapsed


async def actor_asks(latencies: list[float]) -> float:
    async with ActorSystem() as system:
        ref = await system.spawn(Echo, name="echo")
        clock = time.perf_counter
        start = clock()
        for n in range(ASKS):
            before = clock()
            await ref.ask(Ping(n))
            latencies.append(clock() - before)
        return clock() - start


async def raw_streams(subscribers: int, events: int) -> float:
    pairs = [anyio.create_memory_object_stream[Payload](events) for _ in range(subscribers)]
    start = time.perf_counter()
    for n in range(events):
        item = Payload(n)
        for send, _ in pairs:
            send.send_nowait(item)
    for send, receive in pairs:
        send.close()
        async for _ in receive:
            pass
        receive.close()
    return time.perf_counter() - start


async def bus_subscribers(subscribers: int, events: int) -> float:
    bus = EventBus()
    subs = [bus.subscribe("bench.*", buffer=events) for _ in range(subscribers)]
    iterators = [await sub.__aenter__() for sub in subs]
    start = time.perf_counter()
    for n in range(events):
        bus.publish("bench.state", Payload(n))
    for events_of in iterators:
        for _ in range(events):
            await events_of.__anext__()
    elapsed = time.perf_counter() - start
    for sub in subs:
        await sub.__aexit__(None, None, None)
    return elapsed


async def raw_pyee() -> float:
    emitter = EventEmitter()
    seen: list[object] = []
    emitter.add_listener("bench.state", seen.append)
    start = time.perf_counter()
    for n in range(EVENTS_ONE):
        emitter.emit("bench.state", Payload(n))
    return time.perf_counter() - start


async def bus_callback() -> float:
    bus = EventBus()
    seen: list[object] = []
    bus.on("bench.*", seen.append)
    start = time.perf_counter()
    for n in range(EVENTS_ONE):
        bus.publish("bench.state", Payload(n))
    return time.perf_counter() - start


Row = tuple[str, float, float, float, str]


async def measure() -> list[Row]:
    rows: list[Row] = []

    raw = ASKS / await best_of(3, raw_ping_pong)
    latencies: list[float] = []
    ours = ASKS / await best_of(3, lambda: actor_asks(latencies))
    rows.append(("ask round trips/s vs raw ping-pong", ours, raw, 0.5, ""))
    p50 = statistics.median(latencies) * 1e6
    rows.append(("ask p50 latency (us), target <= 100", p50, 100.0, 0.0, "latency"))

    for count, events in ((1, EVENTS_ONE), (SUBSCRIBERS, EVENTS_MANY)):
        delivered = count * events
        raw = delivered / await best_of(3, lambda c=count, e=events: raw_streams(c, e))
        ours = delivered / await best_of(3, lambda c=count, e=events: bus_subscribers(c, e))
        rows.append((f"events/s to {count} subscriber(s) vs raw streams", ours, raw, 0.5, ""))

    raw = EVENTS_ONE / await best_of(3, raw_pyee)
    ours = EVENTS_ONE / await best_of(3, bus_callback)
    rows.append(("events/s to 1 callback vs raw pyee", ours, raw, 0.3, ""))
    return rows


def report(backend: str, rows: list[Row]) -> None:
    print(f"\n[{backend}]")
    print(f"{'measure':44} {'ours':>12} {'baseline':>12} {'ratio':>7}  target")
    for label, ours, raw, target, kind in rows:
        if kind == "latency":
            met = "met" if record(
                "runtime", f"[{backend}] {label}", ours, raw, higher_is_better=False, unit="us"
            ) else "NOT met"
            print(f"{label:44} {ours:12.1f} {raw:12.1f} {ours / raw:7.2f}  {met}")
        else:
            ratio = ours / raw
            met = "met" if record("runtime", f"[{backend}] {label}", ratio, target) else "NOT met"
            print(f"{label:44} {ours:12.0f} {raw:12.0f} {ratio:7.2f}  >= {target} {met}")


def main() -> None:
    for backend in ("asyncio", "trio"):
        report(backend, anyio.run(measure, backend=backend))


if __name__ == "__main__":
    main()
