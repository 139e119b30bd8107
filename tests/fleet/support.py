"""Shared by the fleet tests of health, cooldown and routing across hosts: several
emulators at once, settings for them, a recorder of host events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from ollm_actors.config.model import Settings
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from tests.inventory.support import settings_for

#: No probe loop (tests probe by hand), and a "slow" threshold no loopback answer reaches.
QUIET: dict[str, object] = {
    "providers.ollama.health.interval": 0,
    "providers.ollama.health.slow": 30.0,
}


@asynccontextmanager
async def emulators(*states: EmulatorState) -> AsyncIterator[list[RunningEmulator]]:
    """One emulator per state, all running until the block ends."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(run_emulator(state)) for state in states]


def fleet_settings(
    urls: list[str], tmp_path: Path, overrides: Mapping[str, object] | None = None
) -> Settings:
    """Hermetic settings for ``urls`` with :data:`QUIET` health (plus ``overrides``)."""
    return settings_for(urls, tmp_path, {**QUIET, **(overrides or {})}, cache=tmp_path / "c")


def host_topics(events: list[object], url: str) -> list[str]:
    """The ``host.*`` topics published about ``url``, in order."""
    return [
        e.topic  # type: ignore[attr-defined]
        for e in events
        if e.topic.startswith("host.")  # type: ignore[attr-defined]
        and getattr(e.payload, "host", None) == url  # type: ignore[attr-defined]
    ]
