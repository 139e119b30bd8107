"""Shared test configuration.

- Every async test runs under asyncio and trio.
- Hermetic by default: each test gets an environment without ``OLLM_*`` and ``OLLAMA_*``
  variables (nor ``NO_COLOR``, ``COLUMNS`` or ``LINES``: a terminal's width, or the 80 that
  pytest-xdist's workers set, would change every table), and its own ``HOME`` and XDG
  directories, so neither the developer's shell nor their real settings, cache or running
  service reach a test (or the `ollm` processes it starts).
- Ctrl-C works in child processes: a suite started with SIGINT ignored (a shell's background
  job, some CI runners) would hand that on to every child, and `ollm` would then never see a
  KeyboardInterrupt. The default handler is put back before any test runs.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

_LEAKY_PREFIXES = ("OLLM_", "OLLAMA_")
_LEAKY_NAMES = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def hermetic_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A clean environment and a private home for the test; returns that home."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) or name in _LEAKY_NAMES:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        path = home / folder
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(path))
    # Where the service's default socket lives: a developer's running `ollm serve` must not
    # answer the `ollm` processes a test starts.
    runtime_dir = home / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime_dir))
    return home
