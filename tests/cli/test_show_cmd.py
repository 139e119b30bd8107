"""`ollm show`, `ollm limits` and `ollm ps` in a subprocess against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio


async def test_show_json_and_sections(tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with run_emulator(EmulatorState.default()) as emu:
            code, out, err = await run_ollm(
                "show", "llama3.1:8b", "--json", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 0, err
            document = json.loads(out)
            assert {
                "name",
                "host",
                "family",
                "parameter_size",
                "quantization",
                "context_window",
                "max_output_tokens",
                "capabilities",
                "profiles",
                "limits_source",
            } <= set(document)
            assert document["name"] == "llama3.1:8b"
            assert document["context_window"] == 131072
            assert document["limits_source"] == "server"
            assert document["capabilities"]["tools"] is True
            # 131072 tokens, tools, no vision, not an embedding model:
            assert {"general", "code", "tools", "long-context"} <= set(document["profiles"])
            assert "vision" not in document["profiles"]
            assert "embedding" not in document["profiles"]
            assert set(document["capabilities"]) == {
                "completion",
                "tools",
                "vision",
                "embedding",
                "insert",
                "thinking",
                "streaming",
            }

            code, out, err = await run_ollm(
                "show", "llama3.1:8b", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 0, err
            for section in (
                "Model", "Capabilities", "Limits", "Profiles it suits", "Parameters", "License"
            ):
                assert f"  {section}" in out.splitlines()

            code, out, err = await run_ollm(
                "show", "lama3.1:8b", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 1
            assert "did you mean" in err and "llama3.1:8b" in err
