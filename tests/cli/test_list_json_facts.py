"""`ollm list --json` carries ``context_window`` and ``capabilities`` per model once the
facts are known (here: read by an earlier `ollm list` into the cache file), null before;
it never sends ``/api/show`` itself."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio


async def test_list_json_adds_known_facts_only(tmp_path: Path) -> None:
    state = EmulatorState.default()
    cache = tmp_path / "cache"
    with anyio.fail_after(60):
        async with run_emulator(state) as emu:
            code, out, err = await run_ollm("list", "--json", "--host", emu.url, cache=cache)
            assert code == 0, err
            before = json.loads(out)["models"]
            assert state.requests["POST /api/show"] == 0  # --json fetches no facts
            assert before and all(
                m["context_window"] is None and m["capabilities"] is None for m in before
            )
            code, _, err = await run_ollm("list", "--host", emu.url, cache=cache)
            assert code == 0, err
            shows = state.requests["POST /api/show"]
            assert shows == len(before)  # the table read them, into the cache file
            code, out, err = await run_ollm("list", "--json", "--host", emu.url, cache=cache)
            assert code == 0, err
            assert state.requests["POST /api/show"] == shows
    after = json.loads(out)["models"]
    assert [m["name"] for m in after] == [m["name"] for m in before]
    for model in after:
        installed = state.find_installed(model["name"])
        assert installed is not None
        assert isinstance(model["context_window"], int) and model["context_window"] > 0
        assert "completion" in model["capabilities"] or "embedding" in model["capabilities"]
        old = next(m for m in before if m["name"] == model["name"])
        assert {k: v for k, v in model.items() if k not in ("context_window", "capabilities")
                } == {k: v for k, v in old.items() if k not in ("context_window", "capabilities")}
