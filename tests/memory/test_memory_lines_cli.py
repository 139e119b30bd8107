"""The memory at the effective context in `ollm limits` and `ollm show` (one line: the total
and, per host of known capacity, fits / spills N %), and `ollm ps`'s ESTIMATE beside the SIZE
the server reports — in a subprocess against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.cli.fit_cmd import memory_summary
from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio


def _settings(tmp_path: Path, url: str, vram: str | None) -> Path:
    """run_ollm reads ``empty-settings.yaml`` beside the cache: the host, with a capacity."""
    host = f"      - url: {url}\n        vram: {vram}\n" if vram else f"      - {url}\n"
    (tmp_path / "empty-settings.yaml").write_text(
        f"providers:\n  ollama:\n    host: {url}\n    hosts:\n{host}"
    )
    return tmp_path / "c"


async def test_limits_and_show_print_the_memory_line(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with run_emulator(EmulatorState.default()) as emu:
            cache = _settings(tmp_path, emu.url, "3GB")
            code, out, err = await run_ollm("limits", "llama3.1:8b", cache=cache)
            assert code == 0, err
            (line,) = [x for x in out.splitlines() if x.strip().startswith("memory")]
            # 4.9 GB of weights cannot fit 3 GB: the share that spills is named.
            assert "at num_ctx 4096" in line and f"{emu.url}: spills" in line
            assert "% to the CPU in 3.0 GB" in line

            code, out, err = await run_ollm("limits", "llama3.1:8b", "--json", cache=cache)
            assert code == 0, err
            memory = json.loads(out)["memory"]
            assert set(memory) == {"num_ctx", "parallel", "kv_type", "total", "hosts"}
            assert memory["num_ctx"] == 4096 and memory["kv_type"] == "f16"
            (host,) = memory["hosts"]
            assert host["host"] == emu.url and host["fits"] is False

            code, out, err = await run_ollm("show", "llama3.1:8b", cache=cache)
            assert code == 0, err
            (line,) = [x for x in out.splitlines() if x.strip().startswith("memory")]
            assert "at num_ctx 4096;" in line and "spills" in line
            code, out, err = await run_ollm("show", "llama3.1:8b", "--json", cache=cache)
            assert code == 0, err
            assert json.loads(out)["memory"]["total"] == memory["total"]

            # A host given as a string has no capacity: no verdict, and it says so.
            cache = _settings(tmp_path, emu.url, None)
            code, out, err = await run_ollm("limits", "llama3.1:8b", cache=cache)
            assert code == 0, err
            assert "no host of known capacity" in out


async def test_ps_shows_the_estimate_beside_the_reported_size(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.load("llama3.1:8b", context_length=8192, keep_alive=600)
    with anyio.fail_after(60):
        async with run_emulator(state) as emu:
            cache = _settings(tmp_path, emu.url, "24GB")
            code, out, err = await run_ollm("ps", "--json", cache=cache)
            assert code == 0, err
            (model,) = json.loads(out)["models"]
            code, fit, err = await run_ollm(
                "fit", "llama3.1:8b", "--num-ctx", "8192", "--json", cache=cache
            )
            assert code == 0, err
            # The rule's own figure at the loaded context, not the corrected one (which the
            # correction learned from this very size would make equal to it).
            assert model["estimated_size"] == json.loads(fit)["estimated"]
            assert model["estimated_size"] != model["size"]

            code, out, err = await run_ollm("ps", cache=cache)
            assert code == 0, err
            header, row = out.splitlines()
            assert header.split()[-1] == "ESTIMATE"
            assert row.split()[-2:] == [f"{model['estimated_size'] / 1e9:.1f}", "GB"]


def test_summary_of_a_model_that_cannot_be_sized() -> None:
    assert memory_summary(None) == ("unknown", "the server sent too few facts to size it")
