"""A reader that goes away (``| head``) and SIGTERM on a terminal: quiet ends, clean pulls."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import anyio
import anyio.to_thread
import pexpect  # type: ignore[import-untyped]
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.asyncio_only import anyio_backend
from tests.cli.support import cli_env

__all__ = ("anyio_backend",)

pytestmark = pytest.mark.anyio

HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"


def slow_pull_state() -> EmulatorState:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.05
    state.pull_steps_per_layer = 200
    return state


def _read_one_line_then_leave(argv: list[str], env: dict[str, str]) -> tuple[bytes, int, str]:
    """Run ``argv`` with stdout a pipe; read one line and close the pipe, as ``| head -1``."""
    import subprocess

    read_end, write_end = os.pipe()
    with subprocess.Popen(argv, env=env, stdout=write_end, stderr=subprocess.PIPE) as process:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as reader:
            first = reader.readline()
        # The reader has gone: the next write in `ollm` meets a broken pipe.
        err = process.communicate(timeout=30)[1]
    return first, process.returncode, err.decode()


async def test_a_reader_that_goes_away_ends_the_pull_quietly(tmp_path: Path) -> None:
    state = slow_pull_state()
    async with run_emulator(state) as emu:
        argv = [sys.executable, "-m", "ollm_actors", "--json", "pull", "llama3.2"]
        argv += ["--host", emu.url]
        with anyio.fail_after(30):
            first, code, err = await anyio.to_thread.run_sync(
                _read_one_line_then_leave, argv, cli_env(tmp_path)
            )
        await emu.wait_idle()
    assert b'"event"' in first
    assert code == 1, (err, state.find_installed("llama3.2"))
    assert err == "", err  # quiet: the reader left on purpose
    assert state.find_installed("llama3.2") is None  # the pull was cancelled, not half-kept
    assert state.requests["POST /api/pull"] == 1


def _pull_on_a_terminal_then_sigterm(url: str, tmp_path: Path) -> tuple[str, int | None]:
    env = cli_env(tmp_path)
    env.pop("NO_COLOR")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ollm_actors", "pull", "llama3.2", "--host", url],
        env=env,
        dimensions=(24, 120),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect("%")  # a progress bar is being drawn, the cursor hidden
        seen = str(child.before) + str(child.after)
        child.kill(signal.SIGTERM)
        child.expect(pexpect.EOF)
        seen += str(child.before)
    finally:
        child.close()
    return seen, child.exitstatus


async def test_sigterm_on_a_terminal_restores_the_cursor(tmp_path: Path) -> None:
    state = slow_pull_state()
    async with run_emulator(state) as emu:
        shown, code = await anyio.to_thread.run_sync(
            _pull_on_a_terminal_then_sigterm, emu.url, tmp_path
        )
        await emu.wait_idle()
    assert code == 143, shown
    assert HIDE_CURSOR in shown, shown  # rich hid it while drawing
    assert shown.rfind(SHOW_CURSOR) > shown.rfind(HIDE_CURSOR), shown
    assert "cancelled" in shown
    assert state.find_installed("llama3.2") is None
