"""The router actor through the runtime, against the emulator, under asyncio and trio.

Covers the seed's routing checklist (appropriate model, profiles, fallbacks, config
overrides), several hosts (one stopped), the decision cache and its invalidation after a
pull and a delete, ``route.decided`` events, ``suits`` and the errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from anyio.abc import TaskStatus

from ollm_actors.actors import Event
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.errors import NoModelAvailable, UnknownCapability, UnknownProfile
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings

pytestmark = pytest.mark.anyio

FAST: dict[str, object] = {
    "inventory.probe.initial": 0.01,
    "inventory.probe.max": 0.05,
    "providers.ollama.timeouts.connect": 2.0,
    "providers.ollama.timeouts.request": 5.0,
}
FULL = ("llama3.1:8b", "qwen2.5-coder:7b", "phi3:mini", "nomic-embed-text:latest", "llava:7b")


def state_with(*names: str) -> EmulatorState:
    state = EmulatorState.empty()
    for name in names:
        state.install(name)
    return state


@asynccontextmanager
async def runtime_for(
    urls: Sequence[str], tmp_path: Path, overrides: Mapping[str, object] | None = None
) -> AsyncIterator[Runtime]:
    merged = {**FAST, **(overrides or {})}
    settings = hermetic_settings(list(urls), tmp_path / "cfg", overrides=merged)
    async with open_runtime(settings) as rt:
        yield rt


@asynccontextmanager
async def emulated(
    tmp_path: Path, *names: str, overrides: Mapping[str, object] | None = None
) -> AsyncIterator[tuple[RunningEmulator, Runtime]]:
    with anyio.fail_after(20):
        async with run_emulator(state_with(*names)) as emu, runtime_for(
            [emu.url], tmp_path, overrides
        ) as rt:
            yield emu, rt


async def test_router_selects_the_appropriate_model_for_each_profile(tmp_path: Path) -> None:
    async with emulated(tmp_path, *FULL) as (emu, rt):
        picks = {
            profile: (await rt.router.select_model(profile)).model
            for profile in ("code", "fast", "general", "vision", "embedding", "tools")
        }
        decision = await rt.router.select_model("code", prompt_tokens=6000)
    assert picks == {
        "code": "qwen2.5-coder:7b",
        "fast": "phi3:mini",
        "general": "llama3.1:8b",
        "vision": "llava:7b",
        "embedding": "nomic-embed-text:latest",
        "tools": "qwen2.5-coder:7b",  # qwen is the first family tools prefers
    }
    assert decision.host == emu.url
    assert not decision.fallback_used and decision.profile == "code"
    assert any("best 'code' model" in reason for reason in decision.reasons)


async def test_task_types_map_to_profiles(tmp_path: Path) -> None:
    async with emulated(tmp_path, *FULL) as (_, rt):
        assert rt.router.get_profile("refactor").name == "code"
        assert rt.router.get_profile("story").name == "creative"
        assert rt.router.get_profile("something-new").name == "general"
        assert rt.router.get_profile("Vision").name == "vision"
        decision = await rt.router.select_for_task("autocomplete")
    assert (decision.profile, decision.model) == ("fast", "phi3:mini")


async def test_fallback_profile_is_used_when_no_model_fits(tmp_path: Path) -> None:
    # Nothing has a 65,536-token window: long-context falls back to general.
    async with emulated(tmp_path, "mistral:7b", "phi3:mini") as (_, rt):
        decision = await rt.router.select_model("long-context")
    assert decision.fallback_used
    assert (decision.requested_profile, decision.profile) == ("long-context", "general")
    assert decision.model == "mistral:7b"
    assert any("fell back from long-context to general" in r for r in decision.reasons)


async def test_prompt_size_reserves_output_room(tmp_path: Path) -> None:
    # phi3:mini (4,096 tokens) fits 'fast' alone, but not a 6,000-token prompt.
    async with emulated(tmp_path, "phi3:mini", "llama3.1:8b") as (_, rt):
        small = await rt.router.select_model("fast")
        large = await rt.router.select_model("fast", prompt_tokens=6000)
    assert small.model == "phi3:mini"
    assert large.model == "llama3.1:8b"
    phi = next(c for c in large.candidates if c.name == "phi3:mini")
    assert phi.rejected_reason is not None and "6000-token prompt" in phi.rejected_reason


async def test_config_override_is_respected(tmp_path: Path) -> None:
    overrides = {"model.routing.overrides": {"code": "llama3.1:8b"}}
    async with emulated(tmp_path, *FULL, overrides=overrides) as (_, rt):
        decision = await rt.router.select_model("code")
    assert decision.model == "llama3.1:8b"
    assert any("model.routing.overrides.code" in r for r in decision.reasons)


async def test_disabled_routing_uses_the_default_model(tmp_path: Path) -> None:
    overrides = {"model.routing.enabled": False, "model.default": "phi3:mini"}
    async with emulated(tmp_path, *FULL, overrides=overrides) as (_, rt):
        decision = await rt.router.select_model("code")
    assert decision.model == "phi3:mini"
    assert "routing is disabled" in decision.reasons[0]


async def test_errors_unknown_profile_capability_and_no_model(tmp_path: Path) -> None:
    async with emulated(tmp_path, "llama3.1:8b") as (_, rt):
        with pytest.raises(UnknownProfile, match="did you mean 'code'"):
            await rt.router.select_model("cod")
        with pytest.raises(UnknownCapability, match="did you mean 'tools'"):
            await rt.router.select_model("general", require=["toolz"])
        with pytest.raises(NoModelAvailable) as caught:
            await rt.router.select_model("vision")
    assert caught.value.profile == "vision"
    assert caught.value.rejected[0][0].startswith("llama3.1:8b@")
    # Suggestions come from the model database and name models that are not installed.
    assert caught.value.suggestions
    assert all("llama3.1" not in s for s in caught.value.suggestions)


async def test_require_adds_capabilities(tmp_path: Path) -> None:
    async with emulated(tmp_path, "qwen2.5-coder:7b", "llama3.1:8b") as (_, rt):
        plain = await rt.router.select_model("general")
        vision = rt.router.select_model("general", require=["vision"])
        with pytest.raises(NoModelAvailable):
            await vision
        tools = await rt.router.select_model("general", require=["toolCalling"])
    assert plain.model == tools.model == "llama3.1:8b"


async def test_decisions_are_cached_and_published(tmp_path: Path) -> None:
    async with emulated(tmp_path, *FULL) as (_, rt):
        # The first lookups teach the limits actor the server's facts (limits.learned),
        # which drops what was cached from before they were known: warm up past that.
        await rt.router.select_model("code")
        first = await rt.router.select_model("code")
        before = await rt.router.statistics()
        seen: list[Event] = []
        unsubscribe = rt.events.on("route.decided", seen.append)
        again = await rt.router.select_model("code")
        unsubscribe()
        after = await rt.router.statistics()
    assert again == first
    assert after.hits == before.hits + 1
    assert after.misses == before.misses
    assert after.refreshes == before.refreshes
    assert [e.payload for e in seen] == [again]
    assert isinstance(seen[0].payload, RouteDecision)


async def test_cache_is_invalidated_after_pull_and_delete(tmp_path: Path) -> None:
    async with emulated(tmp_path, "llama3.1:8b") as (_, rt):
        with pytest.raises(NoModelAvailable):
            await rt.router.select_model("vision")
        await rt.models.pull_model("llava:7b")
        pulled = await rt.router.select_model("vision")
        assert pulled.model == "llava:7b"
        again = await rt.router.select_model("vision")
        assert again == pulled
        await rt.models.delete_model("llava:7b")
        with pytest.raises(NoModelAvailable):
            await rt.router.select_model("vision")
        stats = await rt.router.statistics()
    assert stats.invalidations >= 2


async def test_an_inventory_change_event_drops_the_cache(tmp_path: Path) -> None:
    async with emulated(tmp_path, *FULL) as (emu, rt):
        await rt.router.select_model("code")
        await rt.router.select_model("code")
        before = await rt.router.statistics()
        assert before.cached_decisions >= 1
        # A model installed behind the runtime's back, then announced.
        emu.state.install("deepseek-coder-v2:16b")
        await rt.models.list_models(refresh=True)
        after = await rt.router.statistics()
        decision = await rt.router.select_model("code")
    assert after.invalidations > before.invalidations
    assert after.cached_decisions == 0
    assert any(c.name == "deepseek-coder-v2:16b" for c in decision.candidates)


async def test_suits_lists_the_profiles_a_model_passes(tmp_path: Path) -> None:
    async with emulated(tmp_path, "llama3.1:8b", "nomic-embed-text:latest", "phi3:mini") as (
        _,
        rt,
    ):
        llama = await rt.router.suits("llama3.1:8b")
        embed = await rt.router.suits("nomic-embed-text")
        phi = await rt.router.suits("phi3:mini")
        absent = await rt.router.suits("llava:7b")
    assert {"general", "code", "tools", "long-context"} <= set(llama)
    assert "vision" not in llama and "embedding" not in llama
    assert embed == ["embedding"]
    assert phi == ["fast"]
    assert "vision" in absent


async def _serve_until(
    state: EmulatorState,
    stop: anyio.Event,
    closed: anyio.Event,
    *,
    task_status: TaskStatus[RunningEmulator],
) -> None:
    async with run_emulator(state) as emu:
        task_status.started(emu)
        await stop.wait()
    closed.set()


async def test_several_hosts_and_an_offline_one(tmp_path: Path) -> None:
    stop_a = anyio.Event()
    a_closed = anyio.Event()
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg, run_emulator(
            state_with("mistral:7b", "qwen2.5-coder:7b")
        ) as b:
            a: RunningEmulator = await tg.start(
                _serve_until, state_with("llama3.1:8b", "phi3:mini"), stop_a, a_closed
            )
            async with runtime_for([a.url, b.url], tmp_path) as rt:
                code = await rt.router.select_model("code")
                general = await rt.router.select_model("general")
                stop_a.set()
                await a_closed.wait()
                # A no longer listens; the inventory notices on its next fetch.
                with anyio.fail_after(10):
                    async with rt.events.subscribe("host.offline") as events:
                        await rt.models.list_models(refresh=True)
                        offline = await events.__anext__()
                after = await rt.router.select_model("general")
                fast = await rt.router.select_model("fast")
    # A model only on B routes to B.
    assert (code.model, code.host) == ("qwen2.5-coder:7b", b.url)
    assert (general.model, general.host) == ("llama3.1:8b", a.url)
    assert offline.payload.host == a.url
    # With A offline, B's models win over A's cached (stale) entries.
    assert (after.model, after.host, after.stale) == ("mistral:7b", b.url, False)
    assert fast.host == b.url
    stale = [c for c in after.candidates if c.host == a.url]
    assert stale and all(c.rejected_reason for c in stale)
