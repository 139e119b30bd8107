"""The downloads actor against the emulator: sharing, cancellation, retries, failures, delete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.event import Event
from ollm_actors.emulator import Fault, RunningEmulator
from ollm_actors.errors import (
    ModelBusy,
    ModelNotFound,
    ProtocolError,
    PullCancelled,
    PullFailed,
    ServerError,
    SubscriberOverflow,
)
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent

from .conftest import open_downloads, running_tasks

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:latest"


async def next_event(bus_events: object, predicate: Callable[[PullEvent], bool]) -> PullEvent:
    """The next pull event of a subscription that satisfies ``predicate``."""
    async for event in bus_events:  # type: ignore[attr-defined]
        payload = event.payload
        if isinstance(payload, PullEvent) and predicate(payload):
            return payload
    raise AssertionError("subscription ended")


def collect(bus: EventBus, pattern: str = "pull.*") -> tuple[list[Event], Callable[[], None]]:
    seen: list[Event] = []
    return seen, bus.on(pattern, seen.append)


async def test_pull_model_reports_progress_and_result(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            seen, stop = collect(ctx.events)
            progress: list[PullEvent] = []
            result = await api.pull_model("llama3.2", on_progress=progress.append)
            stop()
    assert (result.model, result.host, result.status) == (MODEL, emulator.url, "success")
    assert result.attempts == 1
    assert result.completed == result.total > 0
    assert progress[0].event == "queued"
    phases = [e.phase for e in progress if e.event == "progress"]
    assert phases[0] == "manifest" and phases[-1] == "success"
    assert {"downloading", "verifying"} <= set(phases)
    topics = [e.topic for e in seen]
    assert topics[0] == "pull.queued" and topics[-1] == "pull.done"
    assert all(e.key == f"{emulator.url} {MODEL}" for e in seen if e.topic == "pull.progress")
    done = seen[-1].payload
    assert (done.completed, done.total) == (result.completed, result.total)
    assert emulator.state.find_installed(MODEL) is not None


async def test_hundred_askers_share_one_http_pull(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.01
    finals: list[PullEvent] = []
    pull_ids: set[int] = set()
    with anyio.fail_after(15):
        async with open_downloads(emulator.url, tmp_path) as (_ctx, api):

            async def ask(name: str) -> None:
                handle = await api.start_pull(name)
                pull_ids.add(handle.pull_id)
                events = [event async for event in handle.progress()]
                finals.append(events[-1])
                result = await handle.wait()
                assert result.model.casefold() == MODEL

            async with anyio.create_task_group() as tg:
                for i in range(100):
                    # Both spellings normalise to one model, hence one pull.
                    tg.start_soon(ask, "llama3.2" if i % 2 else "LLAMA3.2:latest")
    assert emulator.state.requests["POST /api/pull"] == 1
    assert len(pull_ids) == 1
    assert len(finals) == 100 and all(e.event == "done" for e in finals)


@pytest.mark.parametrize("phase", ["queued", "manifest", "downloading", "verifying"])
async def test_cancel_in_each_phase_leaves_nothing_running(
    emulator: RunningEmulator, tmp_path: Path, phase: str
) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(15):
        async with open_downloads(emulator.url, tmp_path, **{"downloads.concurrency": 1}) as (
            ctx,
            api,
        ):
            before = running_tasks()
            async with ctx.events.subscribe("pull.*") as events:
                blocker = None
                if phase == "queued":
                    blocker = await api.start_pull("qwen2.5:7b")
                handle = await api.start_pull(MODEL)
                if phase == "queued":
                    assert handle.state == "queued"
                else:
                    await next_event(
                        events,
                        lambda e: e.model == MODEL
                        and e.phase == phase
                        and (phase != "downloading" or e.completed > 0),
                    )
                handle.cancel()
                with pytest.raises(PullCancelled):
                    await handle.wait()
                final = await next_event(events, lambda e: e.model == MODEL and e.terminal)
                assert final.event == "cancelled"
                assert [e.event async for e in handle.progress()][-1] == "cancelled"
                if blocker is not None:
                    blocker.cancel()
                    with pytest.raises(PullCancelled):
                        await blocker.wait()
            assert await api.pulls() == ()
            await emulator.wait_idle()
            assert running_tasks() - before == set()
    if phase != "verifying":
        # (The emulator, like Ollama, may finish writing a fully downloaded model anyway.)
        assert emulator.state.find_installed(MODEL) is None
    # Queued: only the pull occupying the slot reached the server.
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_cancelling_pull_model_from_outside_cancels_the_pull(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            before = running_tasks()
            seen, stop = collect(ctx.events)
            with anyio.CancelScope() as scope:

                def on_progress(event: PullEvent) -> None:
                    if event.phase == "downloading":
                        scope.cancel()

                await api.pull_model(MODEL, on_progress=on_progress)
            stop()
            assert scope.cancelled_caught
            assert seen[-1].topic == "pull.cancelled"
            await emulator.wait_idle()
            assert running_tasks() - before == set()


async def test_cancelling_wait_cancels_the_pull(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            async with ctx.events.subscribe("pull.*") as events:
                handle = await api.start_pull(MODEL)
                with anyio.move_on_after(0.2):
                    await handle.wait()
                final = await next_event(events, lambda e: e.terminal)
            assert final.event == "cancelled"
            with pytest.raises(PullCancelled):
                await handle.wait()


async def test_one_sharer_cancels_the_other_completes(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.02
    with anyio.fail_after(10):
        async with (
            open_downloads(emulator.url, tmp_path) as (ctx, api),
            ctx.events.subscribe("pull.*") as events,
        ):
            first = await api.start_pull(MODEL)
            second = await api.start_pull("llama3.2")
            assert second.joined and second.pull_id == first.pull_id
            await next_event(events, lambda e: e.phase == "downloading")
            first.cancel()
            with pytest.raises(PullCancelled):
                await first.wait()
            assert [e.event async for e in first.progress()][-1] == "cancelled"
            result = await second.wait()
            assert result.model.casefold() == MODEL
            final = await next_event(events, lambda e: e.terminal)
            assert final.event == "done"
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_dropped_stream_is_resumed_with_a_retrying_event(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.01
    emulator.state.inject(Fault(kind="drop", after_lines=5))
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            seen, stop = collect(ctx.events)
            result = await api.pull_model(MODEL)
            stop()
    assert result.attempts == 2
    assert emulator.state.requests["POST /api/pull"] == 2
    topics = [e.topic for e in seen]
    assert "pull.retrying" in topics and topics[-1] == "pull.done"
    retrying = seen[topics.index("pull.retrying")].payload
    assert retrying.retry_in is not None and retrying.attempt == 2
    completed = [e.payload.completed for e in seen]
    assert completed == sorted(completed)
    assert completed[-1] == result.total


async def test_stalled_stream_is_retried(emulator: RunningEmulator, tmp_path: Path) -> None:
    emulator.state.inject(Fault(kind="stall", after_lines=3))
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            seen, stop = collect(ctx.events, "pull.retrying")
            result = await api.pull_model(MODEL)
            stop()
    assert result.attempts == 2
    assert len(seen) == 1 and "no progress" in (seen[0].payload.error or "")


async def test_retries_run_out(emulator: RunningEmulator, tmp_path: Path) -> None:
    emulator.state.inject(Fault(kind="drop", after_lines=2, times=-1))
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path, **{"downloads.retries": 2}) as (
            _ctx,
            api,
        ):
            with pytest.raises(PullFailed, match="gave up after 3 attempts"):
                await api.pull_model(MODEL)
    assert emulator.state.requests["POST /api/pull"] == 3


async def test_error_line_fails_at_once_with_the_servers_words(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    words = "digest mismatch, file must be downloaded again"
    emulator.state.inject(Fault(kind="error_line", after_lines=3, message=words))
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            seen, stop = collect(ctx.events, "pull.failed")
            with pytest.raises(PullFailed) as failed:
                await api.pull_model(MODEL)
            stop()
    assert failed.value.reason == words
    assert emulator.state.requests["POST /api/pull"] == 1
    assert seen[0].payload.error_type == "PullFailed" and words in seen[0].payload.error


async def test_unknown_model_fails_with_suggestions(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            seen, stop = collect(ctx.events, "pull.failed")
            with pytest.raises(PullFailed) as failed:
                await api.pull_model("phi3:minii")
            stop()
    assert "file does not exist" in failed.value.reason
    # phi3:mini is installed on the emulator: the inventory's names come first.
    assert failed.value.suggestions[0] == "phi3:mini"
    assert seen[0].payload.suggestions == failed.value.suggestions


async def test_undecodable_line_fails_with_protocol_error(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.inject(Fault(kind="garbage_line", after_lines=2))
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            seen, stop = collect(ctx.events, "pull.failed")
            with pytest.raises(ProtocolError):
                await api.pull_model(MODEL)
            stop()
    assert seen[0].payload.error_type == "ProtocolError"
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_http_500_fails_with_server_error(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.inject(Fault(kind="http_500", message="out of disk"))
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (_ctx, api):
            with pytest.raises(ServerError) as failed:
                await api.pull_model(MODEL)
    assert failed.value.status == 500 and "out of disk" in failed.value.body


async def test_subscriber_that_never_reads_does_not_slow_pulls(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    names = ["llama3.2:3b", "gemma2:2b", "qwen2.5-coder:1.5b"]
    with anyio.fail_after(10):
        async with (
            open_downloads(emulator.url, tmp_path, **{"downloads.concurrency": 3}) as (ctx, api),
            ctx.events.subscribe("pull.*", buffer=4) as slow,
        ):
            async with anyio.create_task_group() as tg:
                for name in names:
                    tg.start_soon(api.pull_model, name)
            # Three pulls publish six state events into a buffer of four.
            with pytest.raises(SubscriberOverflow):
                async for _event in slow:
                    pass
    assert all(emulator.state.find_installed(name) for name in names)


async def test_delete_is_refused_while_pulling_then_works(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.02
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (ctx, api):
            handle = await api.start_pull(MODEL)
            with pytest.raises(ModelBusy):
                await api.delete_model("llama3.2")
            await handle.wait()
            async with ctx.events.subscribe("model.deleted") as deleted:
                await api.delete_model("llama3.2")
                event = await deleted.__anext__()
    assert event.payload == ModelDeleted(model=MODEL, host=emulator.url)
    assert emulator.state.find_installed(MODEL) is None


async def test_delete_of_absent_model_suggests_names(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (_ctx, api):
            with pytest.raises(ModelNotFound) as missing:
                await api.delete_model("phi3:mino")
    assert missing.value.host == emulator.url
    assert "phi3:mini" in missing.value.suggestions


async def test_result_is_kept_for_a_late_wait(emulator: RunningEmulator, tmp_path: Path) -> None:
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (_ctx, api):
            handle = await api.start_pull(MODEL)
            events = [event async for event in handle.progress()]
            assert events[-1].event == "done" and handle.finished
            assert (await handle.wait()).model == MODEL
            assert (await handle.wait()).model == MODEL

