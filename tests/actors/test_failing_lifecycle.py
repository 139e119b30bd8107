"""Actors whose factory, on_start or on_stop raise: supervision stays in control."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from ollm_actors.actors import Actor, ActorCrashed, ActorSystem, Request, RestartPolicy, handler
from ollm_actors.testing import running_tasks

pytestmark = pytest.mark.anyio

NO_WAIT = RestartPolicy(max_restarts=2, within=60.0, backoff_initial=0.0, backoff_max=0.0)


class Ping(Request[str], frozen=True):
    pass


class Note(msgspec.Struct, frozen=True, tag=True):
    text: str


class Log:
    def __init__(self) -> None:
        self.built = 0
        self.started = 0
        self.stopped = 0


class Fine(Actor[Ping | Note]):
    def __init__(self, log: Log, *, stop_fails: bool = False) -> None:
        log.built += 1
        self._log = log
        self._stop_fails = stop_fails

    async def on_start(self) -> None:
        self._log.started += 1

    async def on_stop(self) -> None:
        self._log.stopped += 1
        if self._stop_fails:
            raise OSError("disk gone while flushing")

    @handler
    async def _ping(self, msg: Ping) -> str:
        return "pong"

    @handler
    async def _note(self, msg: Note) -> None:
        return None


async def test_a_factory_that_always_raises_fails_spawn_after_its_restarts() -> None:
    calls = 0

    def factory() -> Fine:
        nonlocal calls
        calls += 1
        raise RuntimeError("cannot build")

    before = running_tasks()
    with anyio.fail_after(5), pytest.raises(ActorCrashed) as caught:
        async with ActorSystem() as system:
            await system.spawn(factory, name="broken", restart=NO_WAIT)
    assert caught.value.actor == "broken"
    assert caught.value.crashes == 3  # the first try and two restarts
    assert "RuntimeError: cannot build" in caught.value.reason
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert calls == 3
    assert running_tasks() == before


async def test_a_factory_that_fails_once_is_retried_and_serves() -> None:
    log = Log()
    failures = [RuntimeError("flaky")]

    def factory() -> Fine:
        if failures:
            raise failures.pop()
        return Fine(log)

    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(factory, name="flaky", restart=NO_WAIT)
            assert await ref.ask(Ping()) == "pong"
            (stats,) = system.statistics()
    assert stats.restarts == 1 and log.built == 1


async def test_an_on_start_that_raises_is_a_crash_and_on_stop_still_runs() -> None:
    log = Log()

    class StartFails(Fine):
        async def on_start(self) -> None:
            await super().on_start()
            raise ValueError("bad state file")

    with anyio.fail_after(5), pytest.raises(ActorCrashed) as caught:
        async with ActorSystem() as system:
            await system.spawn(lambda: StartFails(log), name="starter", restart=NO_WAIT)
    assert "ValueError: bad state file" in caught.value.reason
    assert log.started == 3
    assert log.stopped == 3  # every incarnation gets its on_stop, even after a failed start


async def test_an_on_stop_that_raises_is_logged_and_shutdown_completes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = Log()
    before = running_tasks()
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            first = await system.spawn(lambda: Fine(log, stop_fails=True), name="first")
            second = await system.spawn(lambda: Fine(log), name="second")
            assert await first.ask(Ping()) == "pong"
            assert await second.ask(Ping()) == "pong"
    assert log.stopped == 2  # the second stopped first, and the first's failure did not
    assert [s.state for s in system.statistics()] == ["stopped", "stopped"]
    assert any("on_stop failed" in r.getMessage() for r in caplog.records)
    assert running_tasks() == before
