"""The limits actor with the inventory and the emulator: layers, learning, offline, budgets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import msgspec
import pytest

from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.errors import PromptTooLarge
from ollm_actors.limits.api import LimitsAPI
from ollm_actors.limits.messages import LimitsLearned
from ollm_actors.limits.resolve import resolve_limits
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.vocab.database import load_builtin_database
from tests.inventory.support import Recorder, free_port, settings_for

pytestmark = pytest.mark.anyio

SERVER_WINDOW = 65536


def emulator_state() -> EmulatorState:
    """The default models, with llama3.1:8b reporting a window the database does not have."""
    state = EmulatorState.default()
    model = state.catalog_model("llama3.1:8b")
    assert model is not None
    state.install_model(msgspec.structs.replace(model, context_length=SERVER_WINDOW))
    return state


@asynccontextmanager
async def limits_actor(
    settings: Settings,
) -> AsyncIterator[tuple[Runtime, LimitsAPI, Recorder]]:
    bus = EventBus()
    recorder = Recorder(bus)
    async with open_runtime(settings, actors=("limits",), events=bus) as rt:
        yield rt, rt.limits, recorder


async def test_server_facts_beat_the_database(tmp_path: Path) -> None:
    database_window = resolve_limits("llama3.1:8b", database=load_builtin_database())
    assert database_window.context_window != SERVER_WINDOW
    async with run_emulator(emulator_state()) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with limits_actor(settings) as (_, api, recorder):
                limits = await api.lookup("llama3.1:8b")
                assert limits.context_window == SERVER_WINDOW
                assert limits.source == "server"
                assert limits.capabilities.tools
                # Unknown to every host: the database answers.
                absent = await api.lookup("mistral:7b")
                assert absent.source == "database"
                again = await api.lookup("llama3.1:8b")
                assert again == limits
                other = await api.lookup("LLAMA3.1:8B")
                assert other.context_window == SERVER_WINDOW
    learned = [e.payload for e in recorder.events if e.topic == "limits.learned"]
    assert len(learned) == 1  # once per digest
    assert isinstance(learned[0], LimitsLearned)
    assert learned[0].model == "llama3.1:8b"
    assert learned[0].context_length == SERVER_WINDOW
    assert learned[0].capabilities == ("completion", "tools")


async def test_override_beats_server_facts(tmp_path: Path) -> None:
    overrides = {"limits.overrides": {"llama3.1:*": {"contextWindow": 9000}}}
    async with run_emulator(emulator_state()) as emu:
        settings = settings_for([emu.url], tmp_path, overrides, tmp_path / "c")
        with anyio.fail_after(10):
            async with limits_actor(settings) as (_, api, recorder):
                limits = await api.lookup("llama3.1:8b")
    assert limits.context_window == 9000
    assert limits.source == "override"
    assert limits.matched_pattern == "llama3.1:*"
    assert limits.sources.capabilities == "server"
    assert recorder.topics("limits.learned") == ["limits.learned"]


async def test_offline_lookup_uses_cached_facts(tmp_path: Path) -> None:
    port = free_port()
    settings = settings_for([f"http://127.0.0.1:{port}"], tmp_path, cache=tmp_path / "c")
    with anyio.fail_after(15):
        async with (
            run_emulator(emulator_state(), port=port),
            limits_actor(settings) as (_, api, _),
        ):
            online = await api.lookup("llama3.1:8b")
        async with limits_actor(settings) as (_, api, recorder):
            offline = await api.lookup("llama3.1:8b")
            many = await api.lookup_many(["llama3.1:8b", "phi3:mini", "bad name!"])
    assert offline.context_window == online.context_window == SERVER_WINDOW
    assert offline.source == "server"
    assert set(many) == {"llama3.1:8b", "phi3:mini"}
    assert recorder.topics("host.") == ["host.offline"]


async def test_budget_raises_prompt_too_large_with_the_facts(tmp_path: Path) -> None:
    overrides = {"limits.overrides": {"phi3:*": {"contextWindow": 4096}}}
    async with run_emulator(emulator_state()) as emu:
        settings = settings_for([emu.url], tmp_path, overrides, tmp_path / "c")
        with anyio.fail_after(10):
            async with limits_actor(settings) as (_, api, _):
                fits = await api.budget("phi3:mini", prompt_tokens=1000, max_output=500)
                assert fits.fits
                assert fits.options.num_predict == 500
                assert fits.options.num_ctx >= 1500
                by_text = await api.budget("phi3:mini", "hello there")
                assert by_text.prompt_tokens > 0
                by_messages = await api.budget(
                    "phi3:mini", messages=[{"role": "user", "content": "hi"}]
                )
                assert by_messages.prompt_tokens > by_text.prompt_tokens - 10
                with pytest.raises(PromptTooLarge) as caught:
                    await api.budget("phi3:mini", 5000)
                with pytest.raises(ValueError, match="once"):
                    await api.budget("phi3:mini", 10, text="x")
    assert caught.value.model == "phi3:mini"
    assert caught.value.context_window == 4096
    assert caught.value.prompt_tokens == 5000


async def test_inventory_change_drops_resolved_answers(tmp_path: Path) -> None:
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with limits_actor(settings) as (ctx, api, _):
                before = await api.lookup("qwen2.5:7b")
                assert before.source == "database"
                state.install("qwen2.5:7b")
                async with ctx.events.subscribe("inventory.changed") as events:
                    await ctx.models.list_models(refresh=True)
                    async for _ in events:
                        break
                after = await api.lookup("qwen2.5:7b")
                assert after.source == "server"


async def test_settings_num_ctx_and_max_tokens_reach_the_budget(tmp_path: Path) -> None:
    overrides = {"providers.ollama.options.numCtx": 4000, "options.maxTokens": 700}
    async with run_emulator(emulator_state()) as emu:
        settings = settings_for([emu.url], tmp_path, overrides, tmp_path / "c")
        with anyio.fail_after(10):
            async with limits_actor(settings) as (_, api, _):
                budget = await api.budget("llama3.1:8b", prompt_tokens=3000)
                with pytest.raises(PromptTooLarge) as caught:
                    await api.budget("llama3.1:8b", prompt_tokens=4000)
    # The server's window is 65,536; numCtx caps it at 4,000, and maxTokens asks for 700.
    assert budget.effective_context == 4000
    assert budget.options.num_ctx == 4000 and budget.options.num_predict == 700
    assert caught.value.context_window == 4000
