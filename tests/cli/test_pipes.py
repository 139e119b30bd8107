"""Pipes that close under `ollm` (``| head``), also on Ctrl-C: quiet ends, documented exit
statuses, no traceback, nothing left running.

Documented (README, "Pipes"): a reader that leaves ends a listing (``list``) with exit 0 and
any other command with exit 1, nothing on stderr either way; ``--json pull`` then withdraws
its pulls (a reader that left wants no more); Ctrl-C is 130 whatever stdout has become.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.cli.support import cli_env

pytestmark = pytest.mark.anyio


def _first_line_then(argv: list[str], env: dict[str, str], *, sigint: bool
                     ) -> tuple[bytes, int, str]:
    """Run ``argv`` into a pipe, read one line; Ctrl-C it first when ``sigint``; close the
    pipe as ``| head -1`` does. (first line, exit code, stderr)."""
    read_end, write_end = os.pipe()
    with subprocess.Popen(argv, env=env, stdout=write_end, stderr=subprocess.PIPE) as process:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as reader:
            first = reader.readline()
            if sigint:
                process.send_signal(signal.SIGINT)
        err = process.communicate(timeout=60)[1]
    return first, process.returncode, err.decode()


# The table reads every model's facts first (one /api/show each, ~15 ms a model here), so
# it gets 1,500 models: still far more output than a pipe's buffer holds.
@pytest.mark.parametrize(("json", "models"), [(False, 1500), (True, 5000)], ids=["table", "json"])
async def test_list_into_head_with_many_models_exits_0_quietly(
    tmp_path: Path, json: bool, models: int
) -> None:
    state = EmulatorState.empty()
    state.add_synthetic(models)
    async with run_emulator(state) as emu:
        argv = [sys.executable, "-m", "ollm_actors", *(["--json"] if json else []), "list"]
        argv += ["--host", emu.url]
        with anyio.fail_after(120):
            first, code, err = await anyio.to_thread.run_sync(
                lambda: _first_line_then(argv, cli_env(tmp_path), sigint=False)
            )
    if json:
        assert first.startswith(b'{"hosts":')
    else:
        assert first.split()[:2] == [b"NAME", b"ID"]
    # Documented: a listing whose reader left is done, exit 0, whenever the reader left
    # (the output is far bigger than a pipe's buffer, so the write meets the closed pipe).
    assert code == 0, err
    assert err == "", err  # quiet: the reader left on purpose


async def test_json_pull_into_head_then_ctrl_c(tmp_path: Path) -> None:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.05
    state.pull_steps_per_layer = 200
    async with run_emulator(state) as emu:
        argv = [sys.executable, "-m", "ollm_actors", "--json", "pull", "llama3.2"]
        argv += ["--host", emu.url]
        with anyio.fail_after(60):
            first, code, err = await anyio.to_thread.run_sync(
                lambda: _first_line_then(argv, cli_env(tmp_path), sigint=True)
            )
            await emu.wait_idle()  # the pull's stream was closed: nothing left running
    assert b'"event"' in first
    assert code == 130, err
    assert err.strip() in ("", "interrupted"), err
    assert "Traceback" not in err and "error" not in err
    assert state.find_installed("llama3.2") is None
    assert state.requests["POST /api/pull"] <= 1  # Ctrl-C may come before it was sent


async def test_text_pull_keeps_going_when_its_summary_cannot_be_written(
    tmp_path: Path,
) -> None:
    # Progress is on stderr: a closed stdout is met only by the summary, after the pull.
    async with run_emulator(EmulatorState.empty()) as emu:
        argv = [sys.executable, "-m", "ollm_actors", "pull", "phi3:mini", "--host", emu.url]

        def run() -> subprocess.CompletedProcess[bytes]:
            read_end, write_end = os.pipe()
            os.close(read_end)  # a reader that is already gone
            try:
                return subprocess.run(
                    argv, env=cli_env(tmp_path), stdout=write_end, stderr=subprocess.PIPE,
                    timeout=60, check=False,
                )
            finally:
                os.close(write_end)

        done = await anyio.to_thread.run_sync(run)
        assert emu.state.find_installed("phi3:mini") is not None
    err = done.stderr.decode()
    assert done.returncode == 0, err  # the status of what it did: the model was pulled
    assert "Traceback" not in err and "error" not in err


def test_a_listing_whose_reader_left_is_done_other_output_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process, so it does not hang on timing: a pipe whose reader is already gone.
    import io

    from ollm_actors.cli import stdout as out

    read_end, write_end = os.pipe()
    os.close(read_end)
    silenced: list[bool] = []
    monkeypatch.setattr(out, "silence_stdout", lambda: silenced.append(True))
    with io.TextIOWrapper(io.FileIO(write_end, "w"), write_through=True) as stream:
        monkeypatch.setattr(sys, "stdout", stream)
        out.write_listing(b"NAME ID\n" * 10_000)  # no raise: exit 0
        assert silenced == [True]
        with pytest.raises(out.OutputFailed) as failed:
            out.write_stdout(b"x\n")
        assert failed.value.broken_pipe
        monkeypatch.undo()
