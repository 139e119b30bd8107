"""Who started each share, the recent ended pulls, and cancelling a pull for every sharer."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from ollm_actors.downloads.handle import PullHandle
from ollm_actors.downloads.ledger import RECENT_KEPT, process_label
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import PullCancelled, PullFailed, PullNotFound

from .conftest import open_downloads, running_tasks
from .test_downloads_actor import next_event

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:latest"


async def ends_cancelled(handle: PullHandle) -> None:
    """Every share of a pull cancelled for all: the progress ends ``cancelled``, ``wait``
    raises ``PullCancelled``."""
    events = [event.event async for event in handle.progress()]
    assert events[-1] == "cancelled"
    with pytest.raises(PullCancelled):
        await handle.wait()


async def test_each_share_says_who_started_it(emulator: RunningEmulator, tmp_path: Path) -> None:
    emulator.state.pull_line_delay = 0.02
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (_rt, api):
            before = time.time()
            first = await api.start_pull(MODEL, started_by="agent")
            second = await api.start_pull("llama3.2")
            (info,) = await api.pulls()
            assert info.started_by == ("agent", process_label())
            assert before - 1 <= info.started_at <= time.time()
            assert info.askers == 2 and info.error is None
            await first.wait()
            await second.wait()
    assert f"pid {os.getpid()}" in process_label()


async def test_cancel_by_name_ends_every_share(emulator: RunningEmulator, tmp_path: Path) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (rt, api):
            before = running_tasks()
            async with rt.events.subscribe("pull.*") as events:
                handles = [await api.start_pull(MODEL, started_by=f"shell {n}") for n in range(3)]
                await next_event(events, lambda e: e.phase == "downloading")
                info = await rt.models.cancel_pull("LLAMA3.2")
                final = await next_event(events, lambda e: e.terminal)
            assert final.event == "cancelled"
            assert (info.pull_id, info.state) == (handles[0].pull_id, "cancelled")
            assert info.started_by == ("shell 0", "shell 1", "shell 2")
            for handle in handles:
                await ends_cancelled(handle)
            assert await api.pulls() == ()
            (recent,) = await api.pulls(recent=True)
            assert (recent.pull_id, recent.state) == (info.pull_id, "cancelled")
            await emulator.wait_idle()
            assert running_tasks() - before == set()
    assert emulator.state.requests["POST /api/pull"] == 1


def one_slot(emulator: RunningEmulator, tmp_path: Path) -> Any:
    """The downloads actor with one pull at a time: the others queue, and their cancel
    ends them with no HTTP."""
    emulator.state.pull_line_delay = 0.05
    return open_downloads(emulator.url, tmp_path, **{"downloads.concurrency": 1})


async def test_cancel_by_id_of_a_queued_pull(emulator: RunningEmulator, tmp_path: Path) -> None:
    with anyio.fail_after(10):
        async with one_slot(emulator, tmp_path) as (rt, api):
            async with rt.events.subscribe("pull.progress") as events:
                blocker = await api.start_pull("qwen2.5:7b")
                queued = await api.start_pull(MODEL)
                joined = await api.start_pull(MODEL)
                info = await api.cancel_pull(queued.pull_id)
                assert (info.state, info.askers) == ("cancelled", 2)
                await ends_cancelled(queued)
                await ends_cancelled(joined)
                assert [p.pull_id for p in await api.pulls()] == [blocker.pull_id]
                # Not while its request is being sent (see test_nothing_to_cancel_...).
                await next_event(events, lambda e: e.phase == "downloading")
            await rt.models.cancel_pull(blocker.pull_id)
            await ends_cancelled(blocker)
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_nothing_to_cancel_names_what_runs(emulator: RunningEmulator, tmp_path: Path) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (rt, api):
            with pytest.raises(PullNotFound) as none:
                await api.cancel_pull("qwen2.5:7b")
            assert none.value.running == ()
            async with rt.events.subscribe("pull.progress") as events:
                handle = await api.start_pull(MODEL)
                # Cancelled while its request is being sent, a pull leaves httpx's request
                # body iterator to the garbage collector under trio (the wire client's
                # matter, not this test's).
                await next_event(events, lambda e: e.phase == "downloading")
            with pytest.raises(PullNotFound) as other:
                await api.cancel_pull("qwen2.5:7b")
            assert other.value.facts() == {
                "type": "PullNotFound",
                "message": other.value.message,
                "target": "qwen2.5:7b",
                "host": None,
                "running": [MODEL],
            }
            with pytest.raises(PullNotFound):
                await api.cancel_pull(handle.pull_id + 1000)
            with pytest.raises(PullNotFound):
                await api.cancel_pull(MODEL, "http://127.0.0.1:1")
            handle.cancel()
            with pytest.raises(PullCancelled):
                await handle.wait()


async def test_recent_pulls_are_the_last_twenty(emulator: RunningEmulator, tmp_path: Path) -> None:
    with anyio.fail_after(10):
        async with one_slot(emulator, tmp_path) as (_rt, api):
            blocker = await api.start_pull("qwen2.5:7b")
            ids = []
            for n in range(RECENT_KEPT + 3):
                # Queued behind the blocker: each cancel ends one without any HTTP.
                handle = await api.start_pull(f"m{n}")
                ids.append(handle.pull_id)
                await api.cancel_pull(handle.pull_id)
            listed = await api.pulls(recent=True)
            assert [p.pull_id for p in listed] == [blocker.pull_id, *ids[-RECENT_KEPT:]]
            assert {p.state for p in listed[1:]} == {"cancelled"}
            await blocker.aclose()
    assert len(listed) == RECENT_KEPT + 1


async def test_recent_pulls_say_how_they_ended(emulator: RunningEmulator, tmp_path: Path) -> None:
    with anyio.fail_after(10):
        async with open_downloads(emulator.url, tmp_path) as (_rt, api):
            with pytest.raises(PullFailed) as failed:
                await api.pull_model("no-such-model")
            await api.pull_model("phi3")
            bad, good = await api.pulls(recent=True)
    assert (bad.model, bad.state) == ("no-such-model:latest", "failed")
    assert bad.error == failed.value.message
    assert (good.model, good.state, good.error) == ("phi3:latest", "done", None)
    assert good.completed == good.total > 0
