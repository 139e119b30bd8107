"""``PullHandle.cancel()`` when the downloads actor's inbox is full, and after the runtime
is gone: it never raises, never waits, and the share is still withdrawn."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.actors import Actor, ActorSystem, Request, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.downloads.handle import PullHandle
from ollm_actors.downloads.messages import CancelPull, PullTicket, WaitPull
from ollm_actors.downloads.result import PullResult
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import ActorUnavailable, PullCancelled
from ollm_actors.vocab.pull_events import PullEvent
from tests.downloads.conftest import open_downloads, running_tasks

pytestmark = pytest.mark.anyio

HOST = "http://127.0.0.1:1"


class Hold(Request[None], frozen=True):
    pass


class Downloads(Actor[Hold | CancelPull | WaitPull]):
    """A downloads actor reduced to what a handle asks, that can be made to hold still."""

    def __init__(self, release: anyio.Event, seen: list[str]) -> None:
        self._release = release
        self._seen = seen

    async def on_start(self) -> None:
        self._cancelled: set[int] = set()

    @handler
    async def _hold(self, msg: Hold) -> None:
        await self._release.wait()

    @handler
    async def _cancel(self, msg: CancelPull) -> None:
        self._seen.append("cancel")
        self._cancelled.add(msg.asker)

    @handler
    async def _wait(self, msg: WaitPull) -> PullResult:
        self._seen.append("wait")
        if msg.asker in self._cancelled:
            raise PullCancelled(msg.model, msg.host)
        raise AssertionError("a wait before its cancel")


def attached(handle: PullHandle) -> PullHandle:
    current = PullEvent(event="queued", model=handle.model, host=handle.host, pull_id=7)
    handle._attach(
        PullTicket(
            pull_id=7,
            asker=handle.asker,
            model=handle.model,
            host=HOST,
            current=current,
            joined=False,
        )
    )
    return handle


async def test_cancel_with_a_full_inbox_is_sent_by_the_next_wait() -> None:
    release, seen = anyio.Event(), []
    with anyio.fail_after(5):
        async with ActorSystem() as system:
            ref = await system.spawn(lambda: Downloads(release, seen), name="d", inbox_size=1)
            async with anyio.create_task_group() as tg:
                tg.start_soon(ref.ask, Hold())  # the actor holds still in this handler
                await anyio.wait_all_tasks_blocked()
                ref.tell_nowait(Hold())  # and its one-message inbox is full
                handle = attached(PullHandle(ref, EventBus(), "phi3:mini", HOST, 41))
                handle.cancel()  # cannot be queued now: must neither raise nor wait
                assert seen == []
                release.set()
                with pytest.raises(PullCancelled):
                    await handle.wait()
    assert seen == ["cancel", "wait"]


async def test_cancel_after_the_runtime_is_gone_is_harmless(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(15):
        async with open_downloads(emulator.url, tmp_path) as (_, api):
            handle = await api.start_pull("llama3.2")
        before = running_tasks()
        handle.cancel()
        handle.cancel()
        with pytest.raises((ActorUnavailable, PullCancelled)):
            await handle.wait()
        await handle.aclose()
        assert running_tasks() == before
        await emulator.wait_idle()
    assert emulator.state.find_installed("llama3.2") is None
