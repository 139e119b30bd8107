"""`ollm pulls`, `ollm cancel`, `ollm events`, `pull --detach`: their text, and in-process runs.

In-process these commands see only their own runtime (the service tests show them at work
across processes); here: the table and lines they print, the event stream of a runtime, and
the errors a command line without a service meets.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import msgspec
import pytest

from ollm_actors.actors.event import Event
from ollm_actors.cli.events_cmd import event_line, stream_events
from ollm_actors.cli.pulls_cmd import cancel_line, progress_text, pulls_table
from ollm_actors.downloads.messages import PullInfo
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings
from tests.inventory.support import run_ollm

pytestmark = pytest.mark.anyio

GiB = 1024**3


def info(**fields: object) -> PullInfo:
    base: dict[str, object] = {
        "pull_id": 7,
        "model": "llama3.2:latest",
        "host": "http://127.0.0.1:11434",
        "state": "running",
        "askers": 2,
        "completed": GiB,
        "total": 4 * GiB,
        "attempt": 1,
        "started_by": ("ollm pull (pid 1, ann@box)", "agent"),
        "started_at": 1.0,
    }
    return PullInfo(**{**base, **fields})  # type: ignore[arg-type]


def test_pulls_table_has_the_columns_and_each_share() -> None:
    table = pulls_table([info(), info(pull_id=8, state="failed", total=0, started_by=())])
    header, first, second = table.splitlines()
    assert header.split() == ["ID", "MODEL", "HOST", "STATE", "PROGRESS", "STARTED", "BY"]
    assert first.split()[:4] == ["7", "llama3.2:latest", "http://127.0.0.1:11434", "running"]
    assert "25% (1.1 GB/4.3 GB)" in first
    assert first.endswith("ollm pull (pid 1, ann@box), agent")
    assert second.split()[3:] == ["failed", "-", "-"]


def test_progress_and_cancel_lines() -> None:
    assert progress_text(info(completed=0, total=0)) == "-"
    assert progress_text(info(completed=5 * GiB, total=4 * GiB)).startswith("100%")
    assert cancel_line(info(state="cancelled")) == (
        "cancelled pull 7 of 'llama3.2:latest' on http://127.0.0.1:11434 (2 shares)"
    )
    done = cancel_line(info(state="done", askers=1))
    assert done.endswith("ended done before it could be cancelled")


def test_event_line_shows_the_set_scalars() -> None:
    payload = {"event": "progress", "model": "m:latest", "completed": 3, "error": None,
               "suggestions": ["a", "b"], "status": ""}
    line = event_line(Event(topic="pull.progress", time=0.0, payload=payload))
    assert line.split(" ", 1)[1] == (
        "pull.progress event=progress model=m:latest completed=3 suggestions=a,b"
    )
    assert event_line(Event(topic="x", time=0.0, payload=None)).endswith(" x")
    # Another machine's event says whose it is, last; one of this runtime says nothing.
    foreign = Event(topic="pull.progress", time=0.0, payload=payload, origin="rt-0a1b2c3d4e5f")
    assert event_line(foreign).split(" ", 1)[1] == (
        "pull.progress event=progress model=m:latest completed=3 suggestions=a,b"
        " origin=rt-0a1b2c3d4e5f"
    )
    assert event_line(Event(topic="x", time=0.0, payload=None, origin="rt-1")).endswith(
        " x origin=rt-1"
    )


async def test_events_stream_every_matching_event(tmp_path: Path) -> None:
    lines: list[bytes] = []
    with anyio.fail_after(10):
        async with (
            open_runtime(hermetic_settings(["http://127.0.0.1:9"], tmp_path), actors=()) as rt,
            anyio.create_task_group() as tasks,
        ):

            async def watch() -> None:
                await stream_events(rt, ["pull.*"], lines.append, as_json=True)

            tasks.start_soon(watch)
            await anyio.wait_all_tasks_blocked()
            rt.events.publish("model.deleted", {"model": "x"})
            rt.events.publish("pull.queued", {"model": "a:latest"})
            rt.events.publish("pull.done", {"model": "a:latest"})
            while len(lines) < 2:
                await anyio.wait_all_tasks_blocked()
            tasks.cancel_scope.cancel()
    decoded = [msgspec.json.decode(line, type=Event) for line in lines]
    assert [e.topic for e in decoded] == ["pull.queued", "pull.done"]
    assert decoded[1].payload == {"model": "a:latest"}


async def test_without_a_service(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with anyio.fail_after(30):
        async with run_emulator(EmulatorState.default()) as emu:
            code, out, err = await run_ollm("pulls", "--json", "--host", emu.url, cache=cache)
            assert (code, json.loads(out)) == (0, [])
            code, out, err = await run_ollm("cancel", "7", "-v", "--host", emu.url, cache=cache)
            assert code == 1
            assert err.splitlines()[0] == "in-process runtime"
            assert "no pull 7 is in flight" in err
            code, out, err = await run_ollm(
                "cancel", "phi3", "--json", "--no-service", "--host", emu.url, cache=cache
            )
            error = json.loads(out)["error"]
            assert (code, error["type"], error["target"]) == (1, "PullNotFound", "phi3:latest")
            code, out, err = await run_ollm("pull", "--detach", "phi3", "--host", emu.url,
                                            cache=cache)
            assert code == 2
            assert "--detach needs a running service" in err and "ollm serve" in err
            assert emu.state.requests["POST /api/pull"] == 0


async def test_a_named_service_must_answer_unless_no_service(tmp_path: Path) -> None:
    import sys

    from tests.cli.support import cli_env

    gone = tmp_path / "gone.sock"
    env = {**cli_env(tmp_path), "OLLM_SERVICE": str(gone), "OLLM_HOST": "http://127.0.0.1:9"}
    argv = [sys.executable, "-m", "ollm_actors", "pulls", "--json"]
    with anyio.fail_after(30):
        named = await anyio.run_process(argv, env=env, check=False)
        opted_out = await anyio.run_process([*argv, "--no-service", "-v"], env=env, check=False)
    error = json.loads(named.stdout)["error"]
    assert (named.returncode, error["type"]) == (1, "ServiceUnavailable")
    assert str(gone) in error["message"]
    assert (opted_out.returncode, json.loads(opted_out.stdout)) == (0, [])
    assert opted_out.stderr.decode() == "in-process runtime\n"
