"""The must-show of events across machines: two `ollm serve` services on different sockets
sharing one Valkey and one Ollama host; `ollm events` through the second shows the pull
started through the first, each event tagged with the first service's runtime id, and
`ollm events` through the first shows the same pull once, untagged (its own)."""

from __future__ import annotations

import json
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

from ollm_actors.emulator import RunningEmulator
from tests.cli.support import cli_env

# The downloads tests' emulator (phi3:mini installed; llama3.2 to pull).
from tests.downloads.conftest import emulator
from tests.state.conftest import ValkeyServer

__all__ = ("emulator",)

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:latest"


def ollm(*args: str) -> list[str]:
    return [sys.executable, "-m", "ollm_actors", *args]


def machine_env(
    home: Path, emulator: RunningEmulator, valkey: str, namespace: str
) -> dict[str, str]:
    """What one machine's `ollm` processes run with: its own settings file (naming the
    shared namespace) and cache, the shared Valkey (``OLLM_STATE_URL``), the one host."""
    home.mkdir()
    env = cli_env(home)
    Path(env["OLLM_CONFIG"]).write_text(f"state:\n  namespace: {namespace}\n")
    return {**env, "OLLM_HOST": emulator.url, "OLLM_STATE_URL": valkey}


async def wait_for_line(stream: Any, text: str, into: list[bytes]) -> None:
    """Read ``stream`` into ``into`` until ``text`` was read (AssertionError at its end)."""
    async for chunk in stream:
        into.append(chunk)
        if text.encode() in b"".join(into):
            return
    raise AssertionError(f"{text!r} never came: {b''.join(into).decode()}")


@asynccontextmanager
async def ollm_serve(env: dict[str, str], socket: Path) -> AsyncIterator[anyio.abc.Process]:
    """`ollm serve --socket SOCKET`, once it serves; SIGINT and awaited on exit."""
    argv = ollm("serve", "--socket", str(socket))
    async with await anyio.open_process(argv, env=env) as process:
        err: list[bytes] = []
        await wait_for_line(process.stderr, "serving on ", err)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGINT)
            await process.wait()


@asynccontextmanager
async def ollm_events(
    env: dict[str, str], done: Callable[[dict[str, Any]], bool]
) -> AsyncIterator[tuple[list[dict[str, Any]], anyio.Event, list[int]]]:
    """`ollm -v events --json pull.*` once it is subscribed: the lines it printed so far,
    an event set when ``done(line)`` held for one, and (after the block) its exit code."""
    lines: list[dict[str, Any]] = []
    finished = anyio.Event()
    code: list[int] = []
    argv = ollm("-v", "events", "--json", "pull.*")
    async with await anyio.open_process(argv, env=env) as process, anyio.create_task_group() as tg:

        async def read() -> None:
            buffered = b""
            async for chunk in process.stdout:  # type: ignore[union-attr]
                buffered += chunk
                *complete, buffered = buffered.split(b"\n")
                lines.extend(json.loads(line) for line in complete if line)
                if any(done(line) for line in lines):
                    finished.set()

        err: list[bytes] = []
        await wait_for_line(process.stderr, "subscribed to pull.*", err)
        tg.start_soon(read)
        yield lines, finished, code
        await finished.wait()
        process.send_signal(signal.SIGINT)
        code.append(await process.wait())


def pull_done(line: dict[str, Any]) -> bool:
    return line.get("topic") == "pull.done" and line["payload"]["model"] == MODEL


async def origins_in_valkey(url: str, namespace: str) -> set[str]:
    """The origins of the ``pull.*`` entries of the shared stream: who published them."""
    import coredis

    async with coredis.Redis.from_url(url, decode_responses=True) as client:
        entries = await client.xrange(f"{namespace}:events")
    return {
        entry.field_values["origin"]
        for entry in entries
        if entry.field_values["topic"].startswith("pull.")
    }


async def test_events_through_the_second_service_show_the_pull_started_through_the_first(
    valkey: ValkeyServer, emulator: RunningEmulator, tmp_path: Path
) -> None:
    namespace = f"t{secrets.token_hex(6)}"
    one = machine_env(tmp_path / "one", emulator, valkey.url, namespace)
    two = machine_env(tmp_path / "two", emulator, valkey.url, namespace)
    one["OLLM_SERVICE"], two["OLLM_SERVICE"] = str(tmp_path / "1.sock"), str(tmp_path / "2.sock")
    with anyio.fail_after(120):  # five `ollm` processes start; a loaded machine is slow
        async with (
            ollm_serve(one, tmp_path / "1.sock"),
            ollm_serve(two, tmp_path / "2.sock"),
            ollm_events(two, pull_done) as (seen_two, _, code_two),
            ollm_events(one, pull_done) as (seen_one, _, code_one),
        ):
            pulled = await anyio.run_process(ollm("pull", "--json", "llama3.2"), env=one)
            assert pulled.returncode == 0, pulled.stderr.decode()
        (first,) = await origins_in_valkey(valkey.url, namespace)  # service 1 wrote them all
    assert code_one == code_two == [130]
    assert first.startswith("rt-")
    # Through the second service: the first one's pull, each event tagged with its id.
    assert {line["origin"] for line in seen_two} == {first}
    assert {line["payload"]["model"] for line in seen_two} == {MODEL}
    topics = [line["topic"] for line in seen_two]
    assert topics[0] == "pull.queued" and topics.count("pull.done") == 1
    assert topics[-1] == "pull.done"
    # Through the first: the same pull, its own (no origin), and never twice.
    assert {line["origin"] for line in seen_one} == {None}
    assert [line["topic"] for line in seen_one if line["topic"] != "pull.progress"] == [
        t for t in topics if t != "pull.progress"
    ]
    assert [line["payload"]["pull_id"] for line in seen_two if line["topic"] == "pull.done"] == [
        line["payload"]["pull_id"] for line in seen_one if line["topic"] == "pull.done"
    ]
