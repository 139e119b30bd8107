"""``rt.limits.memory`` / ``max_context`` against emulators on loopback: facts from
``/api/show``, capacity from settings, and the correction learned from ``/api/ps``."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState
from ollm_actors.runtime import open_runtime
from ollm_actors.vocab.memory_fit import place
from tests.fleet.support import emulators, fleet_settings

pytestmark = pytest.mark.anyio

GIB = 1024**3


def _with_capacity(urls: list[str], tmp_path: Path, vrams: list[str | None]) -> object:
    entries: list[object] = [
        url if vram is None else {"url": url, "vram": vram}
        for url, vram in zip(urls, vrams, strict=True)
    ]
    return fleet_settings(urls, tmp_path, {"providers.ollama.hosts": entries})


async def test_memory_from_show_facts_and_capacity(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default(), EmulatorState.default()) as hosts:
            urls = [h.url for h in hosts]
            settings = _with_capacity(urls, tmp_path, ["8GiB", None])
            async with open_runtime(settings) as rt:  # type: ignore[arg-type]
                memory = await rt.limits.memory("llama3.1:8b", num_ctx=131_072)
                best = await rt.limits.max_context("llama3.1:8b", urls[0])
                unknown = await rt.limits.max_context("llama3.1:8b", urls[1])
    e = memory.estimate
    assert e.kv_cache == 16 * GIB  # the facts came from the emulator's model_info
    assert e.weights + e.kv_cache + e.graph + e.overhead == e.total
    assert [h.host for h in memory.hosts] == [urls[0]]  # only the host of known capacity
    fit = memory.hosts[0]
    assert fit.vram == 8 * GIB and fit.fits is False and fit.cpu_share is not None
    assert fit.cpu_share > 0.5
    assert best == fit.max_context and best is not None and best % 1024 == 0
    assert unknown is None


async def test_correction_is_learned_from_ps_and_applied(tmp_path: Path) -> None:
    state = EmulatorState.default()
    with anyio.fail_after(20):
        async with emulators(state) as (host,):
            settings = fleet_settings([host.url], tmp_path)
            async with open_runtime(settings) as rt:
                before = await rt.limits.memory("llama3.1:8b", num_ctx=8192)
                loaded = state.load("llama3.1:8b", context_length=8192)
                await rt.models.list_models(refresh=True)
                seen = await rt.limits.memory("llama3.1:8b", num_ctx=8192)
                state.unload("llama3.1:8b")
                await rt.models.list_models(refresh=True)
                later = await rt.limits.memory("llama3.1:8b", num_ctx=16384)
    assert before.estimate.correction == 1.0 and before.observed is None
    # the emulator sizes a model its own way: the estimate learns the ratio
    assert seen.observed == loaded.size
    assert seen.estimate.correction == pytest.approx(loaded.size / before.estimate.raw_total)
    assert seen.estimate.total == pytest.approx(loaded.size, rel=1e-6)
    # kept after the model is unloaded, and applied at another context
    assert later.estimate.correction == seen.estimate.correction
    assert later.estimate.total == round(later.estimate.raw_total * later.estimate.correction)


async def test_quantized_cache_follows_the_hosts_flash_attention(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default()) as (host,):
            entry = {"url": host.url, "vram": "24GB", "kvCacheType": "q8_0",
                     "flashAttention": False}
            settings = fleet_settings([host.url], tmp_path, {"providers.ollama.hosts": [entry]})
            async with open_runtime(settings) as rt:
                memory = await rt.limits.memory("llama3.1:8b", num_ctx=32768)
    assert memory.estimate.kv_type == "q8_0" and memory.estimate.kv_type_used == "f16"
    assert place(memory.estimate, 24 * 10**9).fits == memory.hosts[0].fits


async def test_the_estimate_is_at_the_models_own_default_context(tmp_path: Path) -> None:
    """A model whose Modelfile sets ``num_ctx 2048`` is sized at 2,048 tokens unless the
    request or ``numCtx`` says otherwise (the effective context)."""
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default()) as (host,):
            settings = fleet_settings([host.url], tmp_path)
            async with open_runtime(settings) as rt:
                await rt.models.create_model(
                    "llama3.1-2k", "llama3.1:8b", parameters={"num_ctx": 2048}
                )
                derived = await rt.limits.memory("llama3.1-2k")
                base = await rt.limits.memory("llama3.1:8b")
                asked = await rt.limits.memory("llama3.1-2k", num_ctx=8192)
    assert derived.estimate.num_ctx == 2048
    assert base.estimate.num_ctx == 4096  # no num_ctx in its Modelfile: the server default
    assert asked.estimate.num_ctx == 8192
