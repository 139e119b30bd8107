"""``rt.limits.budget`` checks the ``num_ctx`` it recommends against the host's VRAM, at the
edge of the largest context that fits (emulator on loopback)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState
from ollm_actors.runtime import open_runtime
from tests.fleet.support import emulators, fleet_settings

pytestmark = pytest.mark.anyio

MODEL = "llama3.1:8b"


def _settings(url: str, tmp_path: Path, vram: str | None) -> object:
    entry: object = url if vram is None else {"url": url, "vram": vram}
    # maxTokens 1024: the budget sends num_ctx = prompt + 1,024 rounded up to 1,024.
    return fleet_settings(
        [url], tmp_path, {"providers.ollama.hosts": [entry], "options.maxTokens": 1024}
    )


async def test_budget_says_when_its_num_ctx_would_spill_at_the_edge(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default()) as (host,):
            settings = _settings(host.url, tmp_path, "8GB")
            async with open_runtime(settings) as rt:  # type: ignore[arg-type]
                edge = await rt.limits.max_context(MODEL, host.url)
                assert edge is not None and 4096 < edge < 131_072
                at_edge = await rt.limits.budget(MODEL, prompt_tokens=edge - 1024)
                over = await rt.limits.budget(MODEL, prompt_tokens=edge - 1023)
                too_long = await rt.limits.budget(MODEL, prompt_tokens=edge + 10)
    assert at_edge.options.num_ctx == edge
    assert at_edge.memory_fits is True and at_edge.memory_note is None
    assert at_edge.memory_host == host.url and at_edge.memory_max_context == edge
    # One token more: num_ctx one step above the edge, which spills.
    assert over.options.num_ctx == edge + 1024
    assert over.memory_fits is False and over.memory_max_context == edge
    assert over.memory_cpu_share is not None and over.memory_cpu_share > 0
    assert over.memory_prompt_fits is True
    assert over.memory_note is not None
    assert f"num_ctx {edge + 1024} needs about" in over.memory_note
    assert f"the largest num_ctx that fits is {edge}, which holds" in over.memory_note
    assert "% of the model on the CPU" in over.memory_note
    # The options stay what the prompt needs: cutting them would truncate it.
    assert too_long.fits and too_long.memory_fits is False
    assert too_long.memory_prompt_fits is False
    assert too_long.memory_note is not None and "too small for the" in too_long.memory_note


async def test_budget_leaves_memory_unknown_without_capacity(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default()) as (host,):
            settings = _settings(host.url, tmp_path, None)
            async with open_runtime(settings) as rt:  # type: ignore[arg-type]
                budget = await rt.limits.budget(MODEL, prompt_tokens=100_000)
    assert budget.memory_fits is None and budget.memory_note is None
    assert budget.memory_max_context is None and budget.memory_host is None
