"""Deferred replies, child tasks owned by an actor, and cancellation leaving nothing behind."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import msgspec
import pytest
from anyio.abc import TaskStatus

from ollm_actors.actors import Actor, ActorSystem, Reply, Request, RestartPolicy, handler
from ollm_actors.errors import ActorUnavailable, HostUnreachable

pytestmark = pytest.mark.anyio


class Refresh(Request[list[str]], frozen=True):
    host: str


class Fetched(msgspec.Struct, frozen=True, tag=True):
    models: list[str] | None
    error: str | None = None


class Crash(msgspec.Struct, frozen=True, tag=True):
    pass


class World:
    """The outside the actor fetches from: a gate the test opens, and counters."""

    def __init__(self) -> None:
        self.gate = anyio.Event()
        self.fetches = 0
        self.fetch_started = anyio.Event()
        self.children_cancelled = 0
        self.children_started = 0
        self.models = ["llama3.1:8b", "qwen2.5:7b"]


class Inventory(Actor[Refresh | Fetched | Crash]):
    """Ten concurrent refresh asks share one fetch, answered together when it ends."""

    def __init__(self, world: World) -> None:
        self._world = world

    async def on_start(self) -> None:
        self._waiting: list[Reply[list[str]]] = []
        await self.start_task(self._watch)

    async def _watch(self, *, task_status: TaskStatus[None]) -> None:
        self._world.children_started += 1
        task_status.started()
        try:
            await anyio.sleep_forever()
        finally:
            self._world.children_cancelled += 1

    async def _fetch(self) -> None:
        self._world.fetches += 1
        self._world.fetch_started.set()
        await self._world.gate.wait()
        if self._world.models:
            await self.ref.tell(Fetched(list(self._world.models)))
        else:
            await self.ref.tell(Fetched(None, "connection refused"))

    @handler
    async def _refresh(self, msg: Refresh) -> list[str]:
        if not self._waiting:
            self.start_soon(self._fetch)
        self._waiting.append(self.defer(msg))
        return []  # ignored: the reply was deferred

    @handler
    async def _fetched(self, msg: Fetched) -> None:
        waiting, self._waiting = self._waiting, []
        for reply in waiting:
            if msg.models is not None:
                reply.send(msg.models)
            else:
                reply.fail(HostUnreachable("http://127.0.0.1:1", msg.error or "?"))

    @handler
    async def _crash(self, msg: Crash) -> None:
        raise RuntimeError("bug")


def inventory(world: World) -> Callable[[], Inventory]:
    return lambda: Inventory(world)


async def ask_all(ref_ask: Callable[[], object], count: int) -> list[object]:
    results: list[object] = []

    async def one() -> None:
        try:
            results.append(await ref_ask())  # type: ignore[misc]
        except Exception as exc:
            results.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(one)
    return results


async def test_many_asks_share_one_deferred_answer() -> None:
    world = World()
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(inventory(world), name="inventory")
            async with anyio.create_task_group() as tg:
                results: list[object] = []

                async def collect() -> None:
                    results.extend(await ask_all(lambda: ref.ask(Refresh("h")), 10))

                tg.start_soon(collect)
                await world.fetch_started.wait()
                await anyio.wait_all_tasks_blocked()
                world.gate.set()
    assert world.fetches == 1
    assert results == [world.models] * 10


async def test_deferred_error_reaches_every_asker() -> None:
    world = World()
    world.models = []
    world.gate.set()
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(inventory(world), name="inventory")
            results = await ask_all(lambda: ref.ask(Refresh("h")), 3)
    assert len(results) == 3
    assert all(isinstance(r, HostUnreachable) for r in results)


async def test_unanswered_deferred_replies_fail_at_shutdown() -> None:
    world = World()
    results: list[object] = []
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg, ActorSystem() as system:
            ref = await system.spawn(inventory(world), name="inventory")

            async def collect() -> None:
                results.extend(await ask_all(lambda: ref.ask(Refresh("h")), 4))

            tg.start_soon(collect)
            await world.fetch_started.wait()
            await anyio.wait_all_tasks_blocked()
    assert len(results) == 4
    assert all(isinstance(r, ActorUnavailable) and "shutting down" in str(r) for r in results)


async def test_child_tasks_are_cancelled_on_restart_and_on_stop() -> None:
    world = World()
    policy = RestartPolicy(backoff_initial=0.0, backoff_max=0.0)
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(inventory(world), name="inventory", restart=policy)
            assert (world.children_started, world.children_cancelled) == (1, 0)
            await ref.tell(Crash())
            # the next answer comes from the restarted incarnation
            world.gate.set()
            assert await ref.ask(Refresh("h")) == world.models
            assert (world.children_started, world.children_cancelled) == (2, 1)
            await system.stop(ref)
            assert world.children_cancelled == 2
            assert ref.statistics().state == "stopped"


async def test_cancelled_asker_leaves_the_actor_working() -> None:
    world = World()
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(inventory(world), name="inventory")
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(ref.ask, Refresh("h"))
                    await world.fetch_started.wait()
                    scope.cancel()
            world.gate.set()
            await anyio.wait_all_tasks_blocked()
            # the abandoned reply was answered harmlessly; a new ask starts a new fetch
            assert await ref.ask(Refresh("h")) == world.models
            assert world.fetches == 2


@pytest.mark.parametrize("point", ["on_start", "fetching", "queued", "restarting"])
async def test_cancelling_the_system_from_outside_leaves_no_task(
    point: str, tasks_alive: Callable[[], set[object]]
) -> None:
    before = tasks_alive()
    world = World()
    outcomes: list[object] = []
    started = anyio.Event()

    class SlowStart(Inventory):
        async def on_start(self) -> None:
            started.set()
            await anyio.sleep_forever()

    policy = RestartPolicy(backoff_initial=30.0, backoff_max=30.0)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as outer:
            with anyio.CancelScope() as scope:
                async with ActorSystem() as system:
                    if point == "on_start":

                        async def spawn_slow() -> None:
                            try:
                                await system.spawn(lambda: SlowStart(world), name="slow")
                            except ActorUnavailable as exc:
                                outcomes.append(exc)

                        outer.start_soon(spawn_slow)
                        await started.wait()
                        scope.cancel()
                    ref = await system.spawn(inventory(world), name="inventory", restart=policy)

                    async def collect() -> None:
                        outcomes.extend(await ask_all(lambda: ref.ask(Refresh("h")), 3))

                    outer.start_soon(collect)
                    await world.fetch_started.wait()
                    if point == "queued":
                        await ref.tell(Crash())
                        await anyio.wait_all_tasks_blocked()
                    if point == "restarting":
                        await ref.tell(Crash())
                        while ref.statistics().state != "restarting":
                            await anyio.wait_all_tasks_blocked()
                    scope.cancel()
                    await anyio.sleep_forever()
            outer.cancel_scope.cancel()
    assert tasks_alive() == before
    assert len(outcomes) == (1 if point == "on_start" else 3)
    assert all(isinstance(o, ActorUnavailable) for o in outcomes)
