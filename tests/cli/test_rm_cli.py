"""`ollm rm` as a subprocess against the emulator: output, order, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from tests.cli.support import cli_env

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    for name in ("phi3:mini", "gemma2:2b", "mistral:7b"):
        state.install(name)
    async with run_emulator(state) as emu:
        yield emu



async def rm(url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    with anyio.fail_after(30):
        done = await anyio.run_process(
            [sys.executable, "-m", "ollm_actors", "--host", url, *args],
            env=cli_env(tmp_path),
            check=False,
        )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


async def test_rm_deletes_each_and_says_so(emulator: RunningEmulator, tmp_path: Path) -> None:
    code, out, _err = await rm(emulator.url, tmp_path, "rm", "phi3:mini", "gemma2:2b")
    assert code == 0
    where = emulator.url
    assert out.splitlines() == [
        f"deleted 'phi3:mini' from {where}",
        f"deleted 'gemma2:2b' from {where}",
    ]
    assert [m.name for m in emulator.state.listed()] == ["mistral:7b"]


async def test_rm_stops_at_a_missing_model_keeping_earlier_deletes(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    code, out, err = await rm(emulator.url, tmp_path, "rm", "phi3:mini", "phi3:mino", "gemma2:2b")
    assert code == 1
    assert out.splitlines() == [f"deleted 'phi3:mini' from {emulator.url}"]
    errors = err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error:")
    assert "'phi3:mino' not found" in errors[0]
    assert emulator.state.find_installed("phi3:mini") is None
    assert emulator.state.find_installed("gemma2:2b") is not None


async def test_rm_json(emulator: RunningEmulator, tmp_path: Path) -> None:
    code, out, _err = await rm(emulator.url, tmp_path, "--json", "rm", "mistral:7b", "nope:1b")
    assert code == 1
    document = json.loads(out)
    assert document["deleted"] == ["mistral:7b"]
    assert document["error"]["type"] == "ModelNotFound"
    assert document["error"]["model"] == "nope:1b"
