"""Streams closed under us: a full or closed stdout, and SIGTERM mid-pull."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.cli.support import cli_env, pull_then_signal

pytestmark = pytest.mark.anyio


def ollm(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "ollm_actors", "--host", url, *args]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
async def test_a_full_stdout_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        full = os.open("/dev/full", os.O_WRONLY)
        try:
            for args in (("--json", "list"), ("--json", "pull", "llama3.2")):
                with anyio.fail_after(30):
                    done = await anyio.run_process(
                        ollm(emu.url, *args), env=cli_env(tmp_path), stdout=full, check=False
                    )
                err = done.stderr.decode()
                assert done.returncode == 1, err
                assert "Traceback" not in err and "internal error" not in err
                assert "cannot write to standard output" in err
        finally:
            os.close(full)
        await emu.wait_idle()


async def test_a_closed_stdout_is_refused_before_anything_starts(tmp_path: Path) -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        run = functools.partial(
            subprocess.run,
            ollm(emu.url, "--json", "pull", "llama3.2"),
            env=cli_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            close_fds=True,
            pass_fds=(),
            preexec_fn=lambda: os.close(1),
            timeout=30,
            check=False,
        )
        done = await anyio.to_thread.run_sync(run)
        assert emu.state.requests["POST /api/pull"] == 0
    assert done.returncode == 1
    assert b"standard output is closed" in done.stderr


async def test_sigterm_cancels_the_pull_like_ctrl_c_and_exits_143(tmp_path: Path) -> None:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.05
    state.pull_steps_per_layer = 200
    async with run_emulator(state) as emu:
        with anyio.fail_after(30):
            code, lines = await pull_then_signal(
                ollm(emu.url, "--json", "pull", "llama3.2"), cli_env(tmp_path), signal.SIGTERM
            )
        await emu.wait_idle()
    assert code == 143
    assert lines[-1]["event"] == "cancelled"
    assert state.find_installed("llama3.2") is None
