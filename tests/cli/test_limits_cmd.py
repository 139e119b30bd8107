"""`ollm limits` in a subprocess: the JSON shape and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio


async def test_limits_json_and_text(tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with run_emulator(EmulatorState.default()) as emu:
            code, out, err = await run_ollm(
                "limits", "phi3:mini", "--json", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 0, err
            document = json.loads(out)
            assert {
                "model",
                "context_window",
                "max_output_tokens",
                "capabilities",
                "matched_pattern",
                "source",
            } <= set(document)
            assert document["model"] == "phi3:mini"
            assert document["source"] == "server"
            assert document["context_window"] == 4096

            # Not installed anywhere: the database answers, and says so.
            code, out, err = await run_ollm(
                "limits", "mistral:7b", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 0, err
            assert "mistral:7b" in out
            assert "from the built-in model database" in out
