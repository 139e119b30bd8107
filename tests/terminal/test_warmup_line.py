"""The warm-up's progress line (``reading model facts 3/40``): drawn on a terminal's stderr
and erased when the facts are in; never written into a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.cli.support import cli_env
from tests.terminal.test_frames import _run

pytestmark = pytest.mark.anyio

LINE = "reading model facts"


def _state() -> EmulatorState:
    state = EmulatorState.empty()
    state.add_synthetic(40)
    return state


async def test_the_line_is_drawn_on_a_terminal_and_gone_when_done(tmp_path: Path) -> None:
    async with run_emulator(_state()) as emu:
        env = cli_env(tmp_path)
        screen, code, raw = await anyio.to_thread.run_sync(
            lambda: _run(["list", "--host", emu.url], env, 80)
        )
    assert code == 0, raw
    assert f"{LINE} " in raw and "/40" in raw  # drawn while the facts were read
    assert LINE not in screen.text()  # and erased: the last frame is the table alone
    assert screen.lines()[0].split()[:2] == ["NAME", "ID"]


async def test_no_line_into_a_pipe(tmp_path: Path) -> None:
    async with run_emulator(_state()) as emu:
        argv = [sys.executable, "-m", "ollm_actors", "list", "--host", emu.url]
        env = {k: v for k, v in cli_env(tmp_path).items() if k != "NO_COLOR"}
        done = await anyio.to_thread.run_sync(
            lambda: subprocess.run(argv, env=env, capture_output=True, timeout=60, check=False)
        )
    assert done.returncode == 0, done.stderr
    assert LINE.encode() not in done.stderr and LINE.encode() not in done.stdout
    assert done.stdout.split()[:2] == [b"NAME", b"ID"]
