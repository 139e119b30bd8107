"""`ollm list` in a subprocess against the emulator: table, JSON shape, stale cache, errors."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import free_port, run_ollm

pytestmark = pytest.mark.anyio


async def test_list_json_then_stale_from_cache_then_unreachable(tmp_path: Path) -> None:
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    cache = tmp_path / "cache"
    with anyio.fail_after(30):
        async with run_emulator(EmulatorState.default(), port=port):
            code, out, err = await run_ollm("list", "--json", "--host", host, cache=cache)
        assert code == 0, err
        document = json.loads(out)
        assert [h["url"] for h in document["hosts"]] == [host]
        assert document["hosts"][0]["online"] is True
        assert document["hosts"][0]["stale"] is False
        assert document["hosts"][0]["fetched_at"]
        model_keys = {
            "name",
            "host",
            "size",
            "digest",
            "family",
            "parameter_size",
            "quantization",
            "modified_at",
        }
        assert all(model_keys <= set(m) for m in document["models"])
        assert {m["name"] for m in document["models"]} == {
            "llama3.1:8b",
            "phi3:mini",
            "nomic-embed-text:latest",
        }

        # The host is gone: the cached list is served, stale, with a warning; exit 0.
        code, out, err = await run_ollm("list", "--host", host, cache=cache)
        assert code == 0, err
        assert "llama3.1:8b" in out
        assert "offline" in err and "cached" in err

        # Nothing cached and no host: exit 1 with a hint.
        code, out, err = await run_ollm("list", "--json", "--host", host, cache=tmp_path / "x")
        assert code == 1
        error = json.loads(out)["error"]
        assert error["type"] == "HostUnreachable"
        assert error["host"] == host
        assert "ollama serve" in error["message"]


async def test_list_table_filter_sort_and_columns(tmp_path: Path) -> None:
    state = EmulatorState.default()
    with anyio.fail_after(30):
        async with run_emulator(state) as emu:
            code, out, err = await run_ollm(
                "list", "--sort", "name", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 0, err
            lines = out.splitlines()
            assert lines[0].split() == [
                "NAME",
                "ID",
                "SIZE",
                "MODIFIED",
                "CONTEXT",
                "CAPS",
            ]  # one host: no HOST column (into a pipe: every other column)
            names = [line.split()[0] for line in lines[1:]]
            assert names == sorted(names)
            llama = next(line for line in lines if line.startswith("llama3.1:8b"))
            assert "131072" in llama and "tools" in llama
            embed = next(line for line in lines if line.startswith("nomic"))
            assert "embedding" in embed

            code, out, _ = await run_ollm("list", "PHI", "--host", emu.url, cache=tmp_path / "c")
            assert code == 0
            assert [line.split()[0] for line in out.splitlines()[1:]] == ["phi3:mini"]

            code, _, err = await run_ollm(
                "list", "--sort", "colour", "--host", emu.url, cache=tmp_path / "c"
            )
            assert code == 2
