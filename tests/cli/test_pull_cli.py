"""`ollm pull` as a subprocess against the emulator: NDJSON events, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from tests.cli.support import cli_env, pull_then_signal

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    state.pull_steps_per_layer = 4
    async with run_emulator(state) as emu:
        yield emu



def ollm(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "ollm_actors", "--host", url, *args]


async def test_pull_json_prints_one_event_a_line_ending_with_done(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(30):
        done = await anyio.run_process(
            ollm(emulator.url, "--json", "pull", "llama3.2", "gemma2:2b"),
            env=cli_env(tmp_path),
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()
    events = [json.loads(line) for line in done.stdout.decode().splitlines()]
    for event in events:
        assert {"event", "model", "host", "completed", "total"} <= event.keys()
        assert event["host"] == emulator.url
    by_model: dict[str, list[dict[str, object]]] = {}
    for event in events:
        by_model.setdefault(str(event["model"]), []).append(event)
    assert set(by_model) == {"llama3.2:latest", "gemma2:2b"}
    for model_events in by_model.values():
        assert model_events[0]["event"] == "queued"
        assert model_events[-1]["event"] == "done"
        assert model_events[-1]["completed"] == model_events[-1]["total"]
    assert events[-1]["event"] == "done"
    assert emulator.state.find_installed("gemma2:2b") is not None


async def test_failed_pull_exits_1_with_one_clear_line(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(30):
        done = await anyio.run_process(
            ollm(emulator.url, "pull", "phi3:mini", "phi3:minii"),
            env=cli_env(tmp_path),
            check=False,
        )
    assert done.returncode == 1
    errors = [line for line in done.stderr.decode().splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "phi3:minii" in errors[0] and "file does not exist" in errors[0]
    assert "did you mean 'phi3:mini'" in errors[0]
    # the summary is the command's output: stdout; progress stays on stderr
    assert "pulled 'phi3:mini'" in done.stdout.decode()
    assert "pulled" not in done.stderr.decode()


async def test_failed_pull_json_ends_with_failed_event(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(30):
        done = await anyio.run_process(
            ollm(emulator.url, "--json", "pull", "no-such-model"),
            env=cli_env(tmp_path),
            check=False,
        )
    assert done.returncode == 1
    last = json.loads(done.stdout.decode().splitlines()[-1])
    assert last["event"] == "failed" and "file does not exist" in last["error"]


async def test_sigint_cancels_the_pull_and_exits_130(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.state.pull_line_delay = 0.05
    emulator.state.pull_steps_per_layer = 200
    with anyio.fail_after(30):
        code, lines = await pull_then_signal(
            ollm(emulator.url, "--json", "pull", "llama3.2"), cli_env(tmp_path), signal.SIGINT
        )
        await emulator.wait_idle()
    assert code == 130
    assert lines[-1]["event"] == "cancelled"
    assert emulator.state.find_installed("llama3.2") is None
