"""The inventory against a misbehaving host: the per-request deadline, /api/ps and /api/show
failures, and a silent host next to a live one."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, Fault, run_emulator
from ollm_actors.errors import HostUnreachable, ServerError
from ollm_actors.inventory.messages import Fetched, FetchKey
from ollm_actors.inventory.types import HostOffline, InventorySnapshot
from ollm_actors.ollama.types import ListedModel, TagsResponse
from tests.inventory.support import inventory, lone_inventory, settings_for

pytestmark = pytest.mark.anyio

# A short deadline, so that a silent host costs the test a fraction of a second.
QUICK = {"providers.ollama.timeouts.connect": 0.1, "providers.ollama.timeouts.request": 0.25}
DEADLINE = 0.25  # the inventory's per-request deadline is timeouts.request
NO_ANSWER = f"no answer within {DEADLINE:g} s"


async def test_tags_of_a_silent_host_end_at_the_deadline(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.inject(Fault(kind="stall", path="/api/tags"))  # accepts, then never answers, once
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, QUICK)
        with anyio.fail_after(10):
            async with lone_inventory(settings, tmp_path / "c") as (api, bus, recorder, _):
                async with bus.subscribe("host.online") as online:
                    with pytest.raises(HostUnreachable) as caught:
                        await api.list_models()
                    assert caught.value.host == emu.url
                    assert caught.value.reason == NO_ANSWER
                    offline = [e.payload for e in recorder.events if e.topic == "host.offline"]
                    assert offline == [HostOffline(host=emu.url, reason=NO_ANSWER, cached_models=0)]
                    # The probe finds the host answering again and the list is fetched anew.
                    async for _ in online:
                        break
                assert len(await api.list_models()) == 3
                assert state.requests["GET /api/tags"] == 2
    assert recorder.topics("host.") == ["host.offline", "host.online"]


async def test_ps_of_a_silent_host_ends_at_the_deadline(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.load("phi3:mini")
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, QUICK)
        with anyio.fail_after(10):
            async with lone_inventory(settings, tmp_path / "c") as (api, bus, recorder, _):
                assert len(await api.list_models()) == 3
                state.inject(Fault(kind="stall", path="/api/ps"))
                async with bus.subscribe("host.online") as online:
                    with pytest.raises(HostUnreachable) as caught:
                        await api.list_loaded()
                    assert caught.value.reason == NO_ANSWER
                    async for _ in online:
                        break
                loaded = await api.list_loaded()
                assert [(m.name, m.stale) for m in loaded] == [("phi3:mini", False)]
    assert recorder.topics("host.") == ["host.offline", "host.online"]


async def test_show_of_a_silent_host_ends_at_the_deadline_for_every_asker(
    tmp_path: Path,
) -> None:
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, QUICK)
        with anyio.fail_after(10):
            async with lone_inventory(settings, tmp_path / "c") as (api, _, recorder, _):
                assert len(await api.list_models()) == 3
                state.inject(Fault(kind="stall", path="/api/show"))
                errors: list[BaseException] = []

                async def one() -> None:
                    with pytest.raises(HostUnreachable) as caught:
                        await api.show_model("llama3.1:8b")
                    errors.append(caught.value)

                async with anyio.create_task_group() as tg:
                    for _ in range(3):
                        tg.start_soon(one)
                assert [getattr(e, "reason", None) for e in errors] == [NO_ANSWER] * 3
                assert state.requests["POST /api/show"] == 1  # one request for all three
                assert recorder.topics("host.offline") == ["host.offline"]


async def test_ps_server_error_is_answered_and_degrades_the_host(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.load("llama3.1:8b", context_length=8192)
    state.inject(Fault(kind="http_500", path="/api/ps", message="ps broke"))
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, recorder):
                # Nothing known yet: the server's error is the answer.
                with pytest.raises(ServerError) as caught:
                    await api.list_loaded()
                assert (caught.value.status, caught.value.endpoint) == (500, "/api/ps")
                assert "ps broke" in str(caught.value)
                fresh = await api.list_loaded()
                assert [(m.name, m.stale) for m in fresh] == [("llama3.1:8b", False)]
                # Known before: the last answer, marked stale.
                state.inject(Fault(kind="http_500", path="/api/ps"))
                stale = await api.list_loaded()
                assert [(m.name, m.stale) for m in stale] == [("llama3.1:8b", True)]
                assert state.requests["GET /api/ps"] == 3
    # HTTP 500 is an answer: degraded while it lasts, never offline.
    assert recorder.topics("host.") == ["host.degraded", "host.online", "host.degraded"]


async def test_show_server_error_is_not_remembered(tmp_path: Path) -> None:
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, recorder):
                state.inject(Fault(kind="http_500", path="/api/show", message="show broke"))
                with pytest.raises(ServerError) as caught:
                    await api.show_model("phi3:mini")
                assert (caught.value.status, caught.value.endpoint) == (500, "/api/show")
                # A failed show is about one model: the host stays online.
                snapshot = await api.snapshot()
                assert [h.online for h in snapshot.hosts] == [True]
                details = await api.show_model("phi3:mini")
                assert details.context_length == 4096
                assert state.requests["POST /api/show"] == 2
    assert recorder.topics("host.") == []


async def test_a_silent_host_does_not_delay_the_answer_about_a_live_one(tmp_path: Path) -> None:
    silent_state = EmulatorState.default()
    silent_state.inject(Fault(kind="stall", path="*", times=-1))
    async with (
        run_emulator(EmulatorState.default()) as live,
        run_emulator(silent_state) as silent,
    ):
        # The settings' own timeouts (seconds) are far longer than the bound below.
        settings = settings_for([live.url, silent.url], tmp_path, cache=tmp_path / "c")
        async with inventory(settings) as (_, api, _):
            everything: list[InventorySnapshot] = []

            async def ask_everything() -> None:
                everything.append(await api.snapshot(refresh=True))

            async with anyio.create_task_group() as tg:
                tg.start_soon(ask_everything)
                with anyio.fail_after(1.5):
                    models = await api.list_models(host=live.url, refresh=True)
                    status = await api.get_model_status("phi3:mini", host=live.url)
                assert len(models) == 3
                assert status.status == "available"
                assert everything == []  # the answer about both hosts still waits
                tg.cancel_scope.cancel()
            assert silent_state.requests["GET /api/tags"] == 1


async def test_a_report_of_a_fetch_this_incarnation_did_not_start_is_applied(
    tmp_path: Path,
) -> None:
    # The inbox survives a restart, so a fetch of the previous incarnation can still report.
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path)
        with anyio.fail_after(10):
            async with lone_inventory(settings, tmp_path / "c") as lone:
                models = [ListedModel(name="phi3:mini", model="phi3:mini", digest="d" * 64)]
                await lone.ref.tell(Fetched(FetchKey("tags", emu.url), TagsResponse(models)))
                snapshot = await lone.api.snapshot()
                assert [m.name for m in snapshot.models] == ["phi3:mini"]
                assert state.requests["GET /api/tags"] == 0  # the report made the list fresh
                assert lone.ref.statistics().restarts == 0
