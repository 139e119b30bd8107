"""The fault matrix, end to end: `ollm` as a process against the emulator (served in the test,
under asyncio and trio) when things go wrong. Each case checks the exit code, one clear
message (no traceback), and that nothing is lost or left half-written in the cache."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from anyio.abc import TaskStatus

from ollm_actors.emulator import EmulatorState, Fault, run_emulator
from ollm_actors.inventory.cache import cache_path_for
from tests.e2e.support import Ollm, Run, check_cache_dir, set_aside_files
from tests.inventory.support import free_port

pytestmark = pytest.mark.anyio

#: one quick retry, so a pull that cannot succeed fails fast
ONE_RETRY = {
    "OLLM_SET__downloads__retries": "1",
    "OLLM_SET__downloads__backoff__initial": "0.01",
    "OLLM_SET__downloads__backoff__max": "0.01",
}
INSTALLED = {"llama3.1:8b", "phi3:mini", "nomic-embed-text:latest"}


def _downloaded(ndjson_line: str) -> int:
    completed: int = json.loads(ndjson_line)["completed"]
    return completed


def _names(document: object) -> list[str]:
    assert isinstance(document, dict)
    return [m["name"] for m in document["models"]]


async def test_host_down_with_and_without_cache(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    async with run_emulator(EmulatorState.default(), port=port):
        filled = await ollm.run("list", "--host", host)
    assert filled.code == 0, filled.err

    # Down, with a cache: the cached list, stale, with its age; exit 0.
    stale = await ollm.run("list", "--host", host)
    assert stale.code == 0, stale.err
    assert "Traceback" not in stale.err and not stale.error_lines
    [warning] = stale.warning_lines
    assert host in warning and "offline" in warning
    assert "ago" in warning  # the age of the cached list
    assert {line.split()[0] for line in stale.out.splitlines()[1:]} == INSTALLED

    as_json = await ollm.run("list", "--json", "--host", host)
    assert as_json.code == 0
    document = as_json.json()
    assert isinstance(document, dict)
    assert document["hosts"][0]["stale"] is True and document["hosts"][0]["online"] is False
    assert set(_names(document)) == INSTALLED
    check_cache_dir(ollm.cache)

    # Down, nothing cached: exit 1, the host and how to start Ollama.
    fresh = Ollm(tmp_path / "fresh")
    down = await fresh.run("list", "--host", host)
    assert down.code == 1
    line = down.one_error()
    assert host in line and "ollama serve" in line
    down_json = await fresh.run("list", "--json", "--host", host)
    assert down_json.code == 1
    error = down_json.json_error()
    assert error["type"] == "HostUnreachable" and error["host"] == host


async def test_host_dying_mid_pull(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    state = EmulatorState.default()
    state.pull_line_delay = 0.02
    state.pull_steps_per_layer = 200
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    stop = anyio.Event()

    async def serve(*, task_status: TaskStatus[None]) -> None:
        async with run_emulator(state, port=port):
            task_status.started()
            await stop.wait()

    async with anyio.create_task_group() as tasks:
        await tasks.start(serve)
        async with ollm.started(
            "pull", "mistral:7b", "--json", "--host", host, env=ONE_RETRY
        ) as live:
            await live.line_where('"phase":"downloading"')
            stop.set()
            # The emulator goes away: the stream drops, the one retry is refused.
            run = await live.finish()
    assert run.code == 1, run.err
    events = [json.loads(line) for line in run.out.splitlines()]
    assert events[-1]["event"] == "failed"
    assert events[-1]["model"] == "mistral:7b"
    assert "'mistral:7b'" in events[-1]["error"] and "connection" in events[-1]["error"]
    assert events[-1]["error_type"] == "PullFailed"
    assert "retrying" in [e["event"] for e in events]
    assert "Traceback" not in run.err and not run.error_lines
    assert "mistral:7b" not in {m.name.lower() for m in state.installed.values()}


async def test_dropped_pull_stream_fails_after_retries(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    state = EmulatorState.default()
    state.inject(Fault(kind="drop", after_lines=3, times=-1))
    async with run_emulator(state) as emu:
        run = await ollm.run("pull", "mistral:7b", "--host", emu.url, env=ONE_RETRY)
    assert run.code == 1
    line = run.one_error()
    assert "mistral:7b" in line and "connection dropped" in line
    assert "gave up after 2 attempts" in line
    assert state.requests["POST /api/pull"] == 2


async def test_http_500_names_the_status(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    state = EmulatorState.default()
    state.inject(Fault(kind="http_500", path="/api/tags", times=-1, message="disk on fire"))
    async with run_emulator(state) as emu:
        run = await ollm.run("list", "--host", emu.url)
        as_json = await ollm.run("list", "--json", "--host", emu.url)
    assert run.code == 1 and as_json.code == 1
    error = as_json.json_error()
    line = run.one_error()
    assert "HTTP 500" in line and "disk on fire" in line and emu.url in line
    assert error["type"] == "ServerError" and error["status"] == 500


async def test_undecodable_pull_stream_is_a_protocol_error(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    state = EmulatorState.default()
    state.inject(Fault(kind="garbage_line", after_lines=3))
    async with run_emulator(state) as emu:
        run = await ollm.run("pull", "mistral:7b", "--host", emu.url)
    assert run.code == 1
    line = run.one_error()
    assert "protocol error" in line and "line 4" in line
    assert "mistral:7b" in line and "/api/pull" in line


async def test_corrupt_cache_of_a_host_that_is_down(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    host = f"http://127.0.0.1:{free_port()}"
    ollm.cache.mkdir()
    cache_path_for(ollm.cache, host).write_bytes(b'{"format": 1, "host": "trunc')
    run = await ollm.run("list", "--host", host)
    assert run.code == 1
    assert "set aside" in "\n".join(run.warning_lines)
    assert "cannot reach Ollama" in run.one_error()
    assert len(set_aside_files(ollm.cache)) == 1
    check_cache_dir(ollm.cache)


async def test_corrupt_cache_of_a_host_that_is_up(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    async with run_emulator(EmulatorState.default()) as emu:
        ollm.cache.mkdir()
        cache_path_for(ollm.cache, emu.url).write_bytes(b"\x00\xffnot json at all")
        run = await ollm.run("list", "--json", "--host", emu.url)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err and not run.error_lines
    [warning] = run.warning_lines
    assert "set aside" in warning
    assert set(_names(run.json())) == INSTALLED
    [bad] = set_aside_files(ollm.cache)
    assert bad.read_bytes() == b"\x00\xffnot json at all"  # kept for the user to look at
    # The fresh list replaced it.
    [document] = check_cache_dir(ollm.cache)
    assert {m.name for m in document.models} == INSTALLED


async def test_unwritable_cache_dir_lists_with_a_warning(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    # Running as root, permissions do not stop us: a regular file where the dir should be.
    ollm.cache.write_text("not a directory")
    async with run_emulator(EmulatorState.default()) as emu:
        run = await ollm.run("list", "--host", emu.url)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err and not run.error_lines
    [warning] = run.warning_lines
    assert str(ollm.cache) in warning and "not writable" in warning
    assert {line.split()[0] for line in run.out.splitlines()[1:]} == INSTALLED
    assert ollm.cache.read_text() == "not a directory"


async def test_ctrl_c_during_pull_cancels_and_leaves_no_partial_state(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    state = EmulatorState.default()
    state.pull_line_delay = 0.02
    state.pull_steps_per_layer = 500
    async with run_emulator(state) as emu:
        listed = await ollm.run("list", "--host", emu.url)
        assert listed.code == 0, listed.err
        async with ollm.started("pull", "mistral:7b", "--json", "--host", emu.url) as live:
            # Some bytes in: the emulator holds a partial blob when the pull is interrupted.
            while not _downloaded(await live.line_where('"phase":"downloading"')):
                pass
            live.interrupt()
            run = await live.finish()
        with anyio.fail_after(10):
            await emu.wait_idle()  # the pull's HTTP stream was closed
    assert run.code == 130, run.err
    assert "Traceback" not in run.err and not run.error_lines
    last = json.loads(run.out.splitlines()[-1])
    assert last["event"] == "cancelled" and last["model"] == "mistral:7b"
    assert state.find_installed("mistral:7b") is None
    assert state.partial  # it was stopped mid-download
    [document] = check_cache_dir(ollm.cache)
    assert {m.name for m in document.models} == INSTALLED


async def test_two_processes_list_and_pull_at_once(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    state = EmulatorState.default()
    # Paced so that the two pulls of the same model overlap.
    state.pull_line_delay = 0.02
    runs: dict[str, Run] = {}
    async with run_emulator(state) as emu:

        async def run(key: str, *args: str) -> None:
            runs[key] = await ollm.run(*args, "--json", "--host", emu.url)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run, "pull-1", "pull", "gemma2:2b")
            tasks.start_soon(run, "pull-2", "pull", "gemma2:2b")
            tasks.start_soon(run, "list-1", "list")
            tasks.start_soon(run, "list-2", "list")
        after = await ollm.run("list", "--json", "--refresh", "--host", emu.url)
    assert len(runs) == 4
    for key, outcome in runs.items():
        assert outcome.code == 0, (key, outcome.err)
    for key in ("pull-1", "pull-2"):
        assert json.loads(runs[key].out.splitlines()[-1])["event"] == "done"
    names = _names(after.json())
    assert names.count("gemma2:2b") == 1
    assert set(names) == {*INSTALLED, "gemma2:2b"}
    [document] = check_cache_dir(ollm.cache)
    assert [m.name for m in document.models].count("gemma2:2b") == 1
