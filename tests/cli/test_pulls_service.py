"""`ollm pull`, `pulls`, `cancel`, `events` and `pull --detach` as processes, through a service.

A service runs in the test (a runtime served on a temporary socket, as an agent embeds one);
the `ollm` processes find it through ``OLLM_SERVICE``.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings
from tests.cli.support import cli_env

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:latest"


@asynccontextmanager
async def served(
    tmp_path: Path,
) -> AsyncIterator[tuple[RunningEmulator, Runtime, dict[str, str]]]:
    """An emulator with pulls that outlast a few `ollm` starts (each is cancelled), a
    runtime served on a socket, and the env that finds it."""
    serve = pytest.importorskip("ollm_actors.service").serve
    state = EmulatorState.empty()
    state.pull_line_delay = 0.5
    async with run_emulator(state) as emu:
        socket = tmp_path / "s.sock"
        settings = hermetic_settings([emu.url], tmp_path / "service-cache")
        async with open_runtime(settings) as rt, serve(rt, socket=str(socket)):
            env = {**cli_env(tmp_path), "OLLM_HOST": emu.url, "OLLM_SERVICE": str(socket)}
            yield emu, rt, env


def ollm(*args: str) -> list[str]:
    return [sys.executable, "-m", "ollm_actors", *args]


async def ndjson(stream: Any, into: list[dict[str, Any]], seen: anyio.Event) -> None:
    """Read NDJSON lines from ``stream`` into ``into``; set ``seen`` at the first progress
    (a pull's event, or an event stream's ``pull.progress``)."""
    buffered = b""
    async for chunk in stream:
        buffered += chunk
        *lines, buffered = buffered.split(b"\n")
        into.extend(json.loads(line) for line in lines if line)
        if any(line.get("event") == "progress" or line.get("topic") == "pull.progress"
               for line in into):
            seen.set()


async def test_two_shells_share_a_pull_a_third_cancels_it(tmp_path: Path) -> None:
    events: list[list[dict[str, Any]]] = [[], []]
    codes: list[int] = []
    with anyio.fail_after(60):
        async with served(tmp_path) as (emu, rt, env):

            async def pull(n: int, started: anyio.Event) -> None:
                argv = ollm("pull", "--json", "llama3.2")
                async with await anyio.open_process(argv, env=env) as p:
                    await ndjson(p.stdout, events[n], started)
                    codes.append(await p.wait())

            async with anyio.create_task_group() as tasks:
                for n in range(2):
                    started = anyio.Event()
                    tasks.start_soon(pull, n, started)
                    await started.wait()
                listed = await anyio.run_process(ollm("pulls", "--json"), env=env)
                (running,) = json.loads(listed.stdout)
                assert (running["model"], running["askers"]) == (MODEL, 2)
                labels = running["started_by"]
                assert all(label.startswith("ollm pull (pid ") for label in labels), labels
                cancelled = await anyio.run_process(ollm("cancel", "llama3.2"), env=env)
                assert cancelled.stdout.decode().startswith(f"cancelled pull {running['pull_id']} ")
            assert await rt.models.pulls() == ()
    assert codes == [130, 130]
    assert [e[-1]["event"] for e in events] == ["cancelled", "cancelled"]
    assert emu.state.requests["POST /api/pull"] == 1


async def test_detach_leaves_the_pull_running(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with served(tmp_path) as (_emu, rt, env):
            run = await anyio.run_process(ollm("pull", "--detach", "--json", "llama3.2"), env=env)
            (started,) = json.loads(run.stdout)["pulls"]
            assert (started["model"], started["joined"]) == (MODEL, False)
            (info,) = await rt.models.pulls()
            assert info.pull_id == started["pull_id"] and info.state in ("queued", "running")
            listed = await anyio.run_process(ollm("pulls"), env=env)
            row = listed.stdout.decode().splitlines()[1]
            assert row.split()[:2] == [str(info.pull_id), MODEL]
            assert "ollm pull (pid " in row
            await rt.models.cancel_pull(info.pull_id)


async def test_events_streams_the_services_pulls_until_ctrl_c(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with served(tmp_path) as (_emu, rt, env):
            # The pull outlasts the start of `ollm events`: its progress is what it sees.
            handle = await rt.models.start_pull("llama3.2", started_by="agent")
            lines: list[dict[str, Any]] = []
            seen = anyio.Event()
            argv = ollm("events", "--json", "pull.*")
            async with await anyio.open_process(argv, env=env) as p, anyio.create_task_group() as t:
                t.start_soon(ndjson, p.stdout, lines, seen)
                await seen.wait()
                p.send_signal(signal.SIGINT)
                code = await p.wait()
            await handle.aclose()
    assert code == 130
    assert {line["topic"] for line in lines} == {"pull.progress"}  # nothing else happened
    assert lines[-1]["payload"]["model"] == MODEL
    assert lines[-1]["payload"]["pull_id"] == handle.pull_id
