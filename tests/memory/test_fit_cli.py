"""`ollm fit` in a subprocess: the JSON shape, the per-host verdicts, bad flags (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio

_KEYS = {"model", "num_ctx", "parallel", "kv_type", "weights", "kv_cache", "graph",
         "overhead", "total", "hosts"}


async def test_fit_json_and_text(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with run_emulator(EmulatorState.default()) as emu:
            code, out, err = await run_ollm(
                "fit", "llama3.1:8b", "--num-ctx", "131072", "--vram", "24GiB", "--json",
                "--host", emu.url, cache=tmp_path / "c",
            )
            assert code == 0, err
            doc = json.loads(out)
            assert set(doc) >= _KEYS
            assert doc["kv_cache"] == 16 * 1024**3 and doc["num_ctx"] == 131072
            assert doc["weights"] + doc["kv_cache"] + doc["graph"] + doc["overhead"] == doc["total"]
            (only,) = doc["hosts"]
            assert set(only) == {"host", "vram", "fits", "cpu_share", "max_context"}
            assert only["fits"] is False and 0 < only["cpu_share"] < 1
            assert only["max_context"] % 1024 == 0

            code, out, err = await run_ollm(
                "fit", "llama3.1:8b", "--prompt-tokens", "3000", "--vram", "24GB",
                "--host", emu.url, cache=tmp_path / "c",
            )
            assert code == 0, err
            # 3000 prompt tokens + maxTokens 4096, rounded up to 1024s
            assert "num_ctx 7168" in out and "fits in 24.0 GB" in out

            code, out, err = await run_ollm(
                "fit", "llama3.1:8b", "--vram", "lots", "--kv-type", "q2", "--host", emu.url,
                cache=tmp_path / "c",
            )
            assert code == 2
            assert "--vram" in err and "'lots'" in err and "--kv-type" in err
            assert "Traceback" not in err
