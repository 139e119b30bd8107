"""Shared by the tests/fleet/test_hosts_* tests: `ollm` in a subprocess with an environment
of the test's own, and settings for several emulators with short deadlines."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import anyio

from ollm_actors.config import Settings
from ollm_actors.testing import hermetic_settings

_REPO = str(Path(__file__).resolve().parents[2])

#: Deadlines short enough that a hung host costs a test well under a second.
# REQUEST is far above the rest, so a test bounded by HUNG_HOST_COST + MARGIN fails if
# the first-byte bound does not hold.
CONNECT, FIRST_BYTE, REQUEST = 0.3, 0.4, 5.0
QUICK: dict[str, object] = {
    "providers.ollama.timeouts.connect": CONNECT,
    "providers.ollama.timeouts.firstByte": FIRST_BYTE,
    "providers.ollama.timeouts.request": REQUEST,
    # The probe of a host that went offline must not add requests while a test measures.
    "inventory.probe.initial": 60.0,
}
#: What a hung host may cost a command: its connect and first-byte bounds.
HUNG_HOST_COST = CONNECT + FIRST_BYTE
#: Slack for the rest (start-up, the healthy hosts' answers, a loaded CI machine).
MARGIN = 1.5


def quick_settings(
    hosts: list[str], cache: Path, extra: Mapping[str, object] | None = None
) -> Settings:
    """Hermetic settings over ``hosts`` with the short deadlines of :data:`QUICK`."""
    return hermetic_settings(hosts, cache, {**QUICK, **(extra or {})})


def _empty_settings(cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    settings_file = cache.parent / "empty-settings.yaml"
    settings_file.touch()
    return settings_file


async def run_cli(
    *args: str, cache: Path, env: Mapping[str, str] | None = None
) -> tuple[int, str, str]:
    """``python -m ollm_actors ARGS`` with only ``cache`` as state plus ``env``:
    (exit code, stdout, stderr)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    settings_file = await anyio.to_thread.run_sync(_empty_settings, cache)
    full.update(OLLM_CACHE_DIR=str(cache), OLLM_CONFIG=str(settings_file), PYTHONPATH=_REPO)
    full.update(env or {})
    result = await anyio.run_process(
        [sys.executable, "-m", "ollm_actors", *args], env=full, check=False, cwd=cache.parent
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()
