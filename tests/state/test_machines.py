"""Several machines sharing one Valkey, as a person sees them: `ollm` processes, each with
its own cache and settings, against one emulator (held mid-pull until the test lets go)."""

from __future__ import annotations

import json
import secrets
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from tests.e2e.support import Ollm
from tests.state.conftest import ValkeyServer

pytestmark = pytest.mark.anyio

MODEL = "llama3.2:3b"
PULLS = "POST /api/pull"
FOLLOWING = "following the pull of runtime"


@pytest.fixture
def anyio_backend() -> str:
    # The harness runs `ollm` processes (asyncio inside); see tests/asyncio_only.py.
    return "asyncio"


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState.empty()
    state.pull_steps_per_layer = 4
    state.pull_hold = anyio.Event()
    async with run_emulator(state) as emu:
        yield emu


def machine(tmp_path: Path, name: str, valkey: ValkeyServer, namespace: str) -> Ollm:
    """A machine: its own home (cache, settings) naming the shared Valkey."""
    ollm = Ollm(tmp_path / name)
    assert ollm.settings_file is not None
    ollm.settings_file.write_text(
        "state:\n  backend: valkey\n"
        f"  url: {valkey.url}\n  namespace: {namespace}\n  leaseTtl: 3\n"
        # Generous deadlines: a loaded test machine must not look like a Valkey outage.
        "  timeouts: {call: 3, connect: 3}\n"
    )
    return ollm


@pytest.fixture
def machines(tmp_path: Path, valkey: ValkeyServer) -> list[Ollm]:
    namespace = f"t{secrets.token_hex(6)}"
    return [machine(tmp_path, name, valkey, namespace) for name in ("a", "b", "c")]


async def test_two_machines_pull_once_and_both_finish(
    machines: list[Ollm], emulator: RunningEmulator
) -> None:
    a, b, _ = machines
    pull = ("pull", MODEL, "--json", "--host", emulator.url)
    async with a.started(*pull) as first:
        await first.line_where('"pulling ')  # A holds the lease: only then B asks
        async with b.started(*pull) as second:
            line = await second.line_where(FOLLOWING)
            assert '"event":"progress"' in line.replace(" ", "")
            emulator.state.pull_hold.set()  # type: ignore[union-attr]
            ran_a, ran_b = await first.finish(), await second.finish()
    assert (ran_a.code, ran_b.code) == (0, 0), (ran_a.err, ran_b.err)
    last_a, last_b = json.loads(first.lines[-1]), json.loads(second.lines[-1])
    assert last_a["event"] == last_b["event"] == "done"
    assert last_a["total"] == last_b["total"]
    assert emulator.state.requests[PULLS] == 1


async def test_a_third_machine_cancels_and_both_end_cancelled(
    machines: list[Ollm], emulator: RunningEmulator
) -> None:
    a, b, c = machines
    pull = ("pull", MODEL, "--json", "--host", emulator.url)
    async with a.started(*pull) as first:
        await first.line_where('"pulling ')  # A holds the lease: only then B asks
        async with b.started(*pull) as second:
            await second.line_where(FOLLOWING)
            cancel = await c.run("cancel", MODEL, "--json", "--host", emulator.url)
            ran_a, ran_b = await first.finish(), await second.finish()
    assert cancel.code == 0, cancel.err
    assert json.loads(cancel.out)["state"] == "cancelled"
    assert (ran_a.code, ran_b.code) == (130, 130), (ran_a.err, ran_b.err)
    assert json.loads(first.lines[-1])["event"] == "cancelled"
    assert json.loads(second.lines[-1])["event"] == "cancelled"
    assert emulator.state.requests[PULLS] == 1


async def test_kill_9_of_the_holder_and_another_machine_completes_the_pull(
    machines: list[Ollm], emulator: RunningEmulator
) -> None:
    a, b, _ = machines
    pull = ("pull", MODEL, "--json", "--host", emulator.url)
    async with a.started(*pull) as first:
        await first.line_where('"pulling ')  # A holds the lease: only then B asks
        async with b.started(*pull) as second:
            await second.line_where(FOLLOWING)
            first.process.send_signal(signal.SIGKILL)
            assert await first.process.wait() == -signal.SIGKILL
            emulator.state.pull_hold.set()  # type: ignore[union-attr]
            ran_b = await second.finish()
    assert ran_b.code == 0, ran_b.err
    assert json.loads(second.lines[-1])["event"] == "done"
    assert emulator.state.requests[PULLS] == 2  # the dead holder's, then the taker's


async def test_a_closed_port_for_the_state_and_ollm_list_still_answers(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    from tests.state.conftest import free_port

    emulator.state.install("phi3:mini")
    ollm = Ollm(tmp_path / "alone")
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"  # nothing listens there
    with anyio.fail_after(15):  # a hang guard: the state's deadlines are a second or less
        run = await ollm.run("list", "--host", emulator.url, env={"OLLM_STATE_URL": url})
    assert run.code == 0, run.err
    assert "phi3:mini" in run.out
    assert "s3cret" not in run.err + run.out
    assert "Traceback" not in run.err
    (warning,) = [line for line in run.err.splitlines() if "shared state" in line]
    assert warning.startswith("warning:") and "redis://***@127.0.0.1:" in warning, run.err


async def test_a_cooldown_set_by_one_process_is_skipped_by_anothers_route(
    tmp_path: Path, valkey: ValkeyServer
) -> None:
    from ollm_actors.emulator import Fault
    from ollm_actors.runtime import open_runtime
    from tests.fleet.support import emulators
    from tests.inventory.support import FakeClock
    from tests.state.test_shared_cooldowns import _has, observer, shared_settings, until

    namespace = f"t{secrets.token_hex(6)}"
    first, second = EmulatorState.default(), EmulatorState.default()
    clock = FakeClock()
    async with emulators(first, second) as (a, b):
        settings = shared_settings([a.url, b.url], tmp_path / "a", valkey, namespace)
        async with open_runtime(settings, clock=clock) as rt:
            # This process sees host a fail twice within its window: a cooldown.
            first.inject(Fault(kind="http_500", path="/api/version", times=2))
            await rt.hosts.probe()
            clock.advance(5)
            (one, _) = await rt.hosts.probe()
            assert one.cooldown_until is not None
            async with observer(valkey, namespace) as server:
                await until(lambda: _has(server, a.url))  # its write reached the server
            other = machine(tmp_path, "b", valkey, namespace)
            with anyio.fail_after(15):  # a hang guard; a fresh process reads the store at once
                run = await other.run(
                    "route", "general", "--json", "--host", a.url, "--host", b.url
                )
    assert run.code == 0, run.err
    decision = json.loads(run.out)
    assert decision["host"] == b.url
    (skipped,) = [r for r in decision["reasons"] if r.startswith(f"skipped {a.url}")]
    assert "in shared cooldown until" in skipped and f"set by {rt.state.origin}" in skipped
