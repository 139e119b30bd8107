"""The router on memory, end to end against two emulators on loopback: hosts of different
``vram`` in settings, facts from ``/api/show``, what is loaded from ``/api/ps``."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState
from ollm_actors.errors import NoModelAvailable
from ollm_actors.runtime import open_runtime
from tests.fleet.support import emulators, fleet_settings

pytestmark = pytest.mark.anyio

MODEL = "llama3.1:8b"
GB = 1_000_000_000


def _state(*extra: str) -> EmulatorState:
    state = EmulatorState()
    for name in (MODEL, *extra):
        state.install(name)
    return state


def _settings(
    urls: list[str], tmp_path: Path, vrams: list[str], extra: dict[str, object] | None = None
) -> object:
    entries = [{"url": url, "vram": vram} for url, vram in zip(urls, vrams, strict=True)]
    # maxTokens 1024: a request loads the model at prompt + 1,024 rounded up to 1,024.
    return fleet_settings(
        urls, tmp_path, {"providers.ollama.hosts": entries, "options.maxTokens": 1024,
                         **(extra or {})},
    )


async def test_the_router_chooses_the_host_where_the_model_fits_and_says_why(
    tmp_path: Path,
) -> None:
    with anyio.fail_after(20):
        async with emulators(_state(), _state()) as hosts:
            urls = [h.url for h in hosts]
            # A 16k-token prompt: 17,408 tokens of context, about 7.6 GB for llama3.1:8b.
            for small, large in ((0, 1), (1, 0)):  # whichever order the hosts come in
                vrams = ["48GB", "48GB"]
                vrams[small] = "6GB"
                settings = _settings(urls, tmp_path, vrams)
                async with open_runtime(settings) as rt:  # type: ignore[arg-type]
                    decision = await rt.router.select_model("general", prompt_tokens=16_000)
                assert decision.model == MODEL
                assert decision.host == urls[large]
                memory = [r for r in decision.reasons if r.startswith("fits: ")]
                assert len(memory) == 1, decision.reasons
                assert f"of 48 GB on {urls[large]} at num_ctx 17408" in memory[0]
                assert f"on {urls[small]} it would put " in memory[0]
                assert "% on the CPU" in memory[0]
                chosen = [r for r in decision.reasons if "was chosen" in r]
                assert chosen and "fits whole in its GPU" in chosen[0]


async def test_allow_cpu_spill_false_rejects_a_spill_with_the_reason(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with emulators(_state()) as (host,):
            profile = {"routing.profiles.general.allowCpuSpill": False,
                       "routing.profiles.general.fallbackProfile": None}
            settings = _settings([host.url], tmp_path, ["6GB"], profile)
            async with open_runtime(settings) as rt:  # type: ignore[arg-type]
                small = await rt.router.select_model("general", prompt_tokens=100)
                with pytest.raises(NoModelAvailable) as caught:
                    await rt.router.select_model("general", prompt_tokens=16_000)
    # A short prompt loads it at 2,048 tokens, which fits 6 GB; a long one does not.
    assert small.model == MODEL and any(r.startswith("fits: ") for r in small.reasons)
    text = str(caught.value)
    assert "does not fit whole in the GPU" in text
    assert "at num_ctx 17408 (6 GB)" in text and "allowCpuSpill: false" in text


@pytest.mark.parametrize("evict", [False, True])
async def test_loaded_models_take_vram_unless_evicting_is_allowed(
    tmp_path: Path, evict: bool
) -> None:
    busy, idle = _state("nomic-embed-text:latest"), _state()
    # Another model holds 20 of the busy host's 24 GB (an embedding model: no candidate).
    busy.load("nomic-embed-text:latest", size_vram=20 * GB)
    with anyio.fail_after(20):
        async with emulators(busy, idle) as hosts:
            urls = [h.url for h in hosts]
            settings = _settings(
                urls, tmp_path, ["24GB", "24GB"], {"routing.memory.evict": evict}
            )
            async with open_runtime(settings) as rt:  # type: ignore[arg-type]
                decision = await rt.router.select_model("general", prompt_tokens=16_000)
    memory = next(r for r in decision.reasons if r.startswith("fits: "))
    if evict:
        # The whole 24 GB counts on both: the model fits on either host.
        assert f"on {urls[0]} at num_ctx" in memory or f"on {urls[1]} at num_ctx" in memory
        assert "% on the CPU" not in memory and "free of" not in memory
    else:
        assert decision.host == urls[1]
        assert f"on {urls[0]} it would put " in memory and "4 GB free of 24 GB" in memory
