"""The CLI's output is the same with and without a service: one scenario, run both ways.

The scenario (list, list --json, show, route, pull in plain mode, rm, an error) runs once
with an in-process runtime and once through a service started for the test on a temporary
socket (``OLLM_SERVICE``), each time against the same emulator with a fresh cache; every
command's exit code, stdout and stderr must match. The emulator's clock stands still (its
models are as old in both runs); only readings of the moment are left out: the hosts' health
readings in ``list --json`` (``PROBE_READINGS``), and the pull's intermediate progress lines
(their rates and how many there are depend on timing); the pull's last line is compared.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings
from tests.cli.support import cli_env
from tests.inventory.support import free_port

pytestmark = pytest.mark.anyio

SCENARIO: tuple[tuple[str, ...], ...] = (
    ("list",),
    ("list", "--json"),
    ("show", "phi3:mini"),
    ("route", "general"),
    ("pull", "llama3.2"),
    ("list", "--json"),
    ("rm", "llama3.2"),
    ("show", "nothere"),
    ("--json", "rm", "nothere"),
)

#: what a host's health says of the moment it was read: when (``fetched_at``,
#: ``cache_age_s``), how fast (``latency_ms``), and what the probes that had run by then learnt
#: (``version``, ``loaded``): a service that has run longer knows more of them
PROBE_READINGS = ("fetched_at", "cache_age_s", "latency_ms", "version", "loaded")

Transcript = list[tuple[tuple[str, ...], int, str, str]]


def _steady(args: tuple[str, ...], out: str, err: str) -> tuple[str, str]:
    """``out`` and ``err`` without the readings of the clock (see the module's docstring)."""
    if args[:1] == ("list",) and "--json" in args:
        document = json.loads(out)
        for host in document["hosts"]:
            for reading in PROBE_READINGS:
                host.pop(reading, None)
        out = json.dumps(document)
    if args[:1] == ("pull",):
        err = err.strip().splitlines()[-1]
    return out, err


async def _scenario(env: dict[str, str]) -> Transcript:
    transcript: Transcript = []
    for args in SCENARIO:
        run = await anyio.run_process(
            [sys.executable, "-m", "ollm_actors", *args], env=env, check=False
        )
        out, err = _steady(args, run.stdout.decode(), run.stderr.decode())
        transcript.append((args, run.returncode, out, err))
    return transcript


async def test_output_is_identical_with_and_without_a_service(tmp_path: Path) -> None:
    serve = pytest.importorskip("ollm_actors.service").serve

    transcripts: dict[str, Transcript] = {}
    port = free_port()
    with anyio.fail_after(120):
        for mode in ("in-process", "service"):
            # The same emulator each time: same port, same models, the same still clock.
            state = EmulatorState(clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
            for name in ("llama3.1:8b", "phi3:mini"):
                state.install(name)
            async with run_emulator(state, port=port) as emu:
                home = tmp_path / mode
                home.mkdir()
                env = {**cli_env(home), "OLLM_HOST": emu.url}
                if mode == "in-process":
                    transcripts[mode] = await _scenario(env)
                    continue
                socket = home / "s.sock"
                settings = hermetic_settings([emu.url], home / "service-cache")
                async with open_runtime(settings) as rt, serve(rt, socket=str(socket)):
                    env["OLLM_SERVICE"] = str(socket)
                    transcripts[mode] = await _scenario(env)
                    verbose = await anyio.run_process(
                        [sys.executable, "-m", "ollm_actors", "-v", "pulls"], env=env, check=False
                    )
                assert verbose.stderr.decode().startswith(f"using the service at unix:{socket}")
                assert emu.state.requests["POST /api/pull"] == 1
    in_process, service = transcripts["in-process"], transcripts["service"]
    # The scenario did what it says, so that "the same" is not "the same failure".
    codes = [code for _, code, _, _ in in_process]
    assert codes == [0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert "pulled 'llama3.2:latest'" in in_process[4][2]
    assert json.loads(in_process[8][2])["error"]["type"] == "ModelNotFound"
    if os.environ.get("DUMP_TRANSCRIPTS"):  # to read a difference whole
        await anyio.Path(os.environ["DUMP_TRANSCRIPTS"]).write_text(json.dumps(transcripts))
    for mine, theirs in zip(in_process, service, strict=True):
        assert theirs == mine
