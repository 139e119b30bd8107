"""Shared by the tests of acting on the right host: two emulators at once, `ollm` runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import msgspec

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from tests.inventory.support import run_ollm

__all__ = ("Ran", "dead_port", "ollm", "other_build", "two_emulators")


@asynccontextmanager
async def two_emulators(
    first: Sequence[str], second: Sequence[str]
) -> AsyncIterator[tuple[RunningEmulator, RunningEmulator]]:
    """Two emulators on loopback, with ``first`` / ``second`` installed."""
    states = []
    for names in (first, second):
        state = EmulatorState.empty()
        for name in names:
            state.install(name)
        states.append(state)
    async with run_emulator(states[0]) as a, run_emulator(states[1]) as b:
        yield a, b


def other_build(state: EmulatorState, name: str, *, context_length: int) -> None:
    """Install on ``state`` a different build of ``name``: another window (and size, so
    another digest, as a different build of a tag has in Ollama)."""
    model = state.catalog_model(name)
    assert model is not None
    state.install_model(
        msgspec.structs.replace(model, context_length=context_length, size=model.size + 4096)
    )


def dead_port() -> int:
    """A loopback port where nothing listens (bound, then closed): connections are refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Ran:
    """One `ollm` run: exit code, stdout, stderr; ``json`` is stdout decoded."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def json(self) -> Any:
        return json.loads(self.out)


async def ollm(hosts: Sequence[str], *args: str, cache: Path) -> Ran:
    """``ollm --host H... ARGS`` as a process, with only ``cache`` as state."""
    flags = [part for host in hosts for part in ("--host", host)]
    with anyio.fail_after(60):
        return Ran(*await run_ollm(*flags, *args, cache=cache))
