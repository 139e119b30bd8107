"""`ollm ps` in a subprocess against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio


async def test_ps_table_and_json(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.load("llama3.1:8b", context_length=8192, size_vram=0, keep_alive=600)
    with anyio.fail_after(30):
        async with run_emulator(state) as emu:
            code, out, err = await run_ollm("ps", "--json", "--host", emu.url, cache=tmp_path / "c")
            assert code == 0, err
            (model,) = json.loads(out)["models"]
            assert {"name", "host", "size", "size_vram", "expires_at", "context_length"} <= set(
                model
            )
            assert model["context_length"] == 8192
            assert model["host"] == emu.url

            code, out, err = await run_ollm("ps", "--host", emu.url, cache=tmp_path / "c")
            assert code == 0, err
            header, row = out.splitlines()
            assert header.split() == [
                "NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL", "HOST", "ESTIMATE"
            ]
            assert "100% CPU" in row and "8192" in row and "from now" in row
