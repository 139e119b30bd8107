"""Hostile servers against the actor kernel and the downloads actor.

Each test states one rule: nothing waits on state that died, one bad pull cannot take the
runtime down, a pull is bounded whatever the server sends, cancellation stays cancellation.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import msgspec
import pytest
from anyio.abc import SocketAttribute, SocketStream

from ollm_actors.actors.actor import Actor, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.event import Event
from ollm_actors.actors.messages import Request
from ollm_actors.actors.supervision import ActorSystem, RestartPolicy
from ollm_actors.downloads.actor import DownloadsActor
from ollm_actors.downloads.api import DownloadsAPI
from ollm_actors.downloads.job import PullBounds, PullJob
from ollm_actors.downloads.progress import DEFAULT_MAX_LAYERS, ProgressTracker
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.emulator.catalog import synthetic_model
from ollm_actors.errors import ActorUnavailable, PullFailed
from ollm_actors.ollama.pool import HostPool
from ollm_actors.testing import hermetic_settings
from ollm_actors.vocab.database import load_builtin_database

pytestmark = pytest.mark.anyio

MODEL = "phi3:mini"
FAST: dict[str, object] = {
    "downloads.backoff.initial": 0.01,
    "downloads.backoff.max": 0.02,
    "downloads.retries": 1,
    "downloads.stallTimeout": 5.0,
}
TERMINAL = ("pull.done", "pull.failed", "pull.cancelled")


class Boom(msgspec.Struct, frozen=True):
    """Makes the test's downloads actor hit a bug, as a crash from anywhere would."""


class CrashableDownloads(DownloadsActor):
    @handler
    async def _boom(self, msg: Boom) -> None:
        raise RuntimeError("injected bug")


@asynccontextmanager
async def downloads(
    url: str,
    tmp_path: Path,
    *,
    bounds: PullBounds | None = None,
    actor: type[DownloadsActor] = DownloadsActor,
    **overrides: object,
) -> AsyncIterator[tuple[ActorSystem, DownloadsAPI, EventBus]]:
    """The downloads actor alone on an ActorSystem, the way the runtime wires it."""
    settings = hermetic_settings([url], tmp_path / "cache", overrides={**FAST, **overrides})
    bus = EventBus()
    async with HostPool([url]) as hosts, ActorSystem() as system:
        ref = await system.spawn(
            lambda: actor(
                settings=settings,
                hosts=hosts,
                bus=bus,
                inventory=None,
                database=load_builtin_database,
                bounds=bounds,
            ),
            name="downloads",
            restart=RestartPolicy(backoff_initial=0.0, backoff_max=0.0),
        )
        yield system, DownloadsAPI(ref, hosts=hosts, bus=bus), bus


@asynccontextmanager
async def hostile_server(lines: Callable[[], Iterator[bytes]]) -> AsyncIterator[str]:
    """A loopback HTTP server answering every request with the NDJSON stream ``lines()``."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(SocketAttribute.local_port)

    async def serve(stream: SocketStream) -> None:
        try:
            async with stream:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += await stream.receive()
                await stream.send(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                for line in lines():
                    await stream.send(b"%x\r\n%s\r\n" % (len(line), line))
                await stream.send(b"0\r\n\r\n")
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass  # the client gave up on us, which is what these tests want

    async with listener, anyio.create_task_group() as task_group:
        task_group.start_soon(listener.serve, serve)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            task_group.cancel_scope.cancel()


def line(digest: str, completed: int, total: int = 10**12) -> bytes:
    return msgspec.json.encode(
        {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}",
         "total": total, "completed": completed}
    ) + b"\n"


# -- 1. nothing waits on state that died ---------------------------------------------------


async def test_a_restart_ends_every_pull_in_flight_with_the_cause(tmp_path: Path) -> None:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.01
    state.pull_steps_per_layer = 100_000
    async with run_emulator(state) as emu:
        with anyio.fail_after(10):
            async with downloads(emu.url, tmp_path, actor=CrashableDownloads) as (
                system, api, bus
            ):
                ended: list[Event] = []
                bus.on("pull.failed", ended.append)
                progressing = anyio.Event()
                bus.on("pull.progress", lambda _: progressing.set())
                waiting = await api.start_pull(MODEL)
                reading = await api.start_pull(MODEL)
                await progressing.wait()
                caught: list[BaseException] = []
                seen: list[str] = []

                async def wait() -> None:
                    try:
                        await waiting.wait()
                    except ActorUnavailable as exc:
                        caught.append(exc)

                async def read() -> None:
                    seen.extend([event.event async for event in reading.progress()])

                async with anyio.create_task_group() as task_group:
                    task_group.start_soon(wait)
                    task_group.start_soon(read)
                    await anyio.wait_all_tasks_blocked()
                    await system.get("downloads").tell(Boom())
                after = await api.pulls()  # the next incarnation answers, with no pulls
                assert system.get("downloads").statistics().restarts == 1
    assert len(caught) == 1 and isinstance(caught[0].__cause__, RuntimeError)
    assert "crash" in str(caught[0])
    assert seen[-1] == "failed"
    assert len(ended) == 1 and "restarted after a crash" in (ended[0].payload.error or "")
    assert after == ()


async def test_a_handle_that_was_not_waiting_still_gets_an_answer(tmp_path: Path) -> None:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.01
    state.pull_steps_per_layer = 100_000
    async with run_emulator(state) as emu:
        with anyio.fail_after(10):
            async with downloads(emu.url, tmp_path, actor=CrashableDownloads) as (
                system, api, _bus
            ):
                handle = await api.start_pull(MODEL)
                await system.get("downloads").tell(Boom())
                with pytest.raises(PullFailed, match="restarted"):
                    await handle.wait()


# -- 2. one bad pull fails that pull only --------------------------------------------------


async def test_a_bug_while_pulling_fails_that_pull_not_the_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = "llama3.2:3b"
    attempt = PullJob._attempt

    async def hostile_attempt(job: PullJob) -> None:
        if job.model == bad:
            raise RecursionError("maximum recursion depth exceeded while decoding")
        await attempt(job)

    monkeypatch.setattr(PullJob, "_attempt", hostile_attempt)
    async with run_emulator(EmulatorState.empty()) as emu:
        with anyio.fail_after(20):
            async with downloads(emu.url, tmp_path) as (system, api, _bus):
                # More failures than the restart policy would tolerate as crashes.
                for _ in range(RestartPolicy().max_restarts + 2):
                    with pytest.raises(PullFailed, match="RecursionError"):
                        await api.pull_model(bad)
                result = await api.pull_model(MODEL)
                assert system.get("downloads").statistics().restarts == 0
    assert result.model == MODEL


# -- 3. pulls are bounded --------------------------------------------------------------------


async def test_progress_that_never_advances_ends_naming_the_deadline(tmp_path: Path) -> None:
    def same_line_for_ever() -> Iterator[bytes]:
        return itertools.repeat(line("a" * 64, 10))

    async with hostile_server(same_line_for_ever) as url:
        with anyio.fail_after(20):
            async with downloads(
                url, tmp_path, bounds=PullBounds(progress_deadline=0.2)
            ) as (_system, api, bus):
                retried: list[Event] = []
                bus.on("pull.retrying", retried.append)
                with pytest.raises(PullFailed, match="progress deadline") as failed:
                    await api.pull_model(MODEL)
    assert "gave up after 2 attempts" in failed.value.reason
    assert len(retried) == 1


async def test_an_attempt_that_advances_for_ever_hits_the_wall_limit(tmp_path: Path) -> None:
    def advancing_for_ever() -> Iterator[bytes]:
        return (line("b" * 64, done) for done in itertools.count())

    async with hostile_server(advancing_for_ever) as url:
        with anyio.fail_after(20):
            async with downloads(
                url, tmp_path, bounds=PullBounds(attempt_timeout=0.2)
            ) as (_system, api, _bus):
                with pytest.raises(PullFailed, match=r"wall limit of 0\.2 s"):
                    await api.pull_model(MODEL)


async def test_endless_layers_fail_the_pull_naming_the_bound(tmp_path: Path) -> None:
    def new_layer_every_line() -> Iterator[bytes]:
        return (line(f"{n:064x}", 1, total=10) for n in itertools.count())

    async with hostile_server(new_layer_every_line) as url:
        with anyio.fail_after(20):
            async with downloads(url, tmp_path, bounds=PullBounds(max_layers=50)) as (
                _system, api, bus
            ):
                failed: list[Event] = []
                bus.on("pull.failed", failed.append)
                with pytest.raises(PullFailed, match="max layers per pull 50"):
                    await api.pull_model(MODEL)
    assert len(failed) == 1 and "max layers" in (failed[0].payload.error or "")


def test_the_tracker_keeps_a_bounded_number_of_layers() -> None:
    tracker = ProgressTracker(MODEL, "http://h", now=0.0)
    for n in range(2_000_000):
        tracker.feed("pulling", f"sha256:{n:x}", 100, 50, now=0.0)
    snapshot = tracker.snapshot()
    assert tracker.overflowed
    assert snapshot.layers == DEFAULT_MAX_LAYERS
    assert snapshot.total == DEFAULT_MAX_LAYERS * 100
    assert snapshot.completed == DEFAULT_MAX_LAYERS * 50


# -- 4. cancellation with many waiters ------------------------------------------------------


async def test_cancelling_200_waiting_pulls_raises_only_the_cancellation(
    tmp_path: Path,
) -> None:
    state = EmulatorState.empty()
    names = []
    for index in range(200):
        model = synthetic_model(index)
        state.add_to_catalog(model)
        names.append(model.name)
    state.pull_line_delay = 0.01
    queued: list[Event] = []
    terminal: list[Event] = []
    all_queued = anyio.Event()

    def on_queued(event: Event) -> None:
        queued.append(event)
        if len(queued) == len(names):
            all_queued.set()

    async with run_emulator(state) as emu:
        with anyio.fail_after(30):
            with anyio.move_on_after(25) as scope:
                async with downloads(emu.url, tmp_path) as (_system, api, bus):
                    bus.on("pull.queued", on_queued)
                    for topic in TERMINAL:
                        bus.on(topic, terminal.append)
                    async with anyio.create_task_group() as task_group:
                        for index, name in enumerate(names):
                            # Half also read progress, so both ways of waiting are cancelled.
                            progress = (lambda _: None) if index % 2 else None
                            task_group.start_soon(api.pull_model, name, None, progress)
                        await all_queued.wait()
                        scope.cancel()
    assert scope.cancelled_caught
    assert sorted(event.payload.model for event in terminal) == sorted(names)


# -- the kernel ------------------------------------------------------------------------------


class Hold(Request[None], frozen=True):
    """Asks the holder to defer its answer."""


class Crash(msgspec.Struct, frozen=True):
    pass


class Holder(Actor[Hold | Crash]):
    @handler
    async def _hold(self, msg: Hold) -> None:
        self.defer(msg)

    @handler
    async def _crash(self, msg: Crash) -> None:
        raise ValueError("bad state")


async def test_a_deferred_reply_fails_with_the_crash_as_its_cause() -> None:
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(
                Holder, name="holder", restart=RestartPolicy(backoff_initial=0.0)
            )
            caught: list[ActorUnavailable] = []

            async def ask() -> None:
                try:
                    await ref.ask(Hold())
                except ActorUnavailable as exc:
                    caught.append(exc)

            async with anyio.create_task_group() as task_group:
                task_group.start_soon(ask)
                await anyio.wait_all_tasks_blocked()
                await ref.tell(Crash())
            assert ref.statistics().restarts == 1
    assert isinstance(caught[0].__cause__, ValueError)
    assert "ValueError: bad state" in caught[0].reason


async def test_asking_a_stopped_actor_from_a_cancelled_scope_raises_the_cancellation() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Holder, name="holder")
        await system.stop(ref)
        with anyio.CancelScope() as scope:
            scope.cancel()
            await ref.ask(Hold())
        assert scope.cancelled_caught
        with pytest.raises(ActorUnavailable):
            await ref.ask(Hold())
