"""Pulls through a service: shared by its clients (one HTTP pull), cancelled for all by a
third, watched from an embedded agent's service, and nothing left behind when a client
goes away mid-stream."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors import connect
from ollm_actors.actors.event import Event
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import PullCancelled
from ollm_actors.vocab.pull_events import PullEvent

from .conftest import served

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:latest"


async def _first_progress(handle: object) -> None:
    async for event in handle.progress():  # type: ignore[attr-defined]
        if event.event == "progress":
            return


async def test_two_clients_share_one_pull_and_both_finish(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.01
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (_rt, service), connect(
            service.address
        ) as one, connect(service.address) as two:
            first = await one.models.start_pull("llama3.2", started_by="one")
            second = await two.models.start_pull("llama3.2", started_by="two")
            assert second.pull_id == first.pull_id and second.joined and not first.joined
            (info,) = await one.models.pulls()
            assert info.askers == 2 and set(info.started_by) == {"one", "two"}
            results = [await first.wait(), await second.wait()]
            assert [r.model for r in results] == [MODEL, MODEL]
            assert (first.state, second.state) == ("done", "done")
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_a_third_client_cancels_the_pull_for_both(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service), connect(
            service.address
        ) as one, connect(service.address) as two, connect(service.address) as third:
            first = await one.models.start_pull("llama3.2")
            second = await two.models.start_pull("llama3.2")
            await _first_progress(first)
            (running,) = await third.models.pulls()
            ended = await third.models.cancel_pull(running.pull_id)
            assert ended.state == "cancelled"
            for handle in (first, second):
                with pytest.raises(PullCancelled):
                    await handle.wait()
                assert handle.state == "cancelled"
            assert await rt.models.pulls() == ()
    assert emulator.state.requests["POST /api/pull"] == 1


async def test_a_client_watches_an_agents_pull(emulator: RunningEmulator, tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service), connect(
            service.address
        ) as client, client.events.subscribe("pull.*") as events:
            await rt.models.pull_model("llama3.2")  # the agent's own pull
            seen: list[Event] = []
            async for event in events:
                seen.append(event)
                if event.topic == "pull.done":
                    break
    assert seen[0].topic == "pull.queued"
    assert all(isinstance(e.payload, PullEvent) and e.payload.model == MODEL for e in seen)
    assert {e.topic for e in seen} >= {"pull.queued", "pull.progress", "pull.done"}


async def test_a_client_leaving_mid_stream_leaves_nothing_in_the_service(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service):
            subscribers = rt.events.statistics().subscribers
            async with rt.events.subscribe("pull.cancelled") as cancelled:
                async with connect(service.address) as client, client.events.subscribe(
                    "pull.*"
                ) as events:
                    handle = await client.models.start_pull("llama3.2")
                    async for _ in events:
                        break
                    await _first_progress(handle)
                    # Mid-stream: the pull's and the events' answers are open.
                    assert service.open_streams == 2 and service.held_pulls == 1
                # The client is gone: its share was the only one, so the pull stops.
                async for event in cancelled:
                    assert event.payload.model == MODEL
                    break
            await anyio.wait_all_tasks_blocked()
            assert (service.open_streams, service.held_pulls) == (0, 0)
            assert rt.events.statistics().subscribers == subscribers
            assert await rt.models.pulls() == ()
