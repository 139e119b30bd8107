"""The suite's own hygiene: nothing from the caller's shell reaches a test."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir

from ollm_actors.config import load_settings


def test_no_ollm_or_ollama_variable_reaches_a_test() -> None:
    leaked = [n for n in os.environ if n.startswith(("OLLM_", "OLLAMA_"))]
    assert leaked == []


def test_home_and_platform_dirs_are_private(hermetic_environment: Path) -> None:
    assert Path.home() == hermetic_environment
    assert Path(user_config_dir("ollm")).is_relative_to(hermetic_environment)
    assert Path(user_cache_dir("ollm")).is_relative_to(hermetic_environment)


def test_default_settings_come_from_the_defaults_only() -> None:
    settings = load_settings()
    assert settings.providers.ollama.host == "http://localhost:11434"
    assert all(source == "default" for source in settings.sources.values())


def test_children_can_be_interrupted() -> None:
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


_HOSTILE = {
    "OLLM_HOST": "http://192.0.2.1:9",
    "OLLAMA_HOST": "nowhere:1",
    "OLLM_MODEL": "bogus",
    "OLLM_TEMPERATURE": "hot",
    "OLLM_CONFIG": "/nonexistent/settings.yaml",
    "OLLM_SET__options__topP": "9",
    "NO_COLOR": "1",
}
# Tests that read settings from the environment, and the one that needs Ctrl-C in a child.
_SENSITIVE = (
    "tests/test_hermetic.py::test_no_ollm_or_ollama_variable_reaches_a_test",
    "tests/test_hermetic.py::test_default_settings_come_from_the_defaults_only",
    "tests/config/test_properties.py",
    "tests/actors/test_open_runtime.py",
    "tests/cli/test_pull_cli.py::test_sigint_cancels_the_pull_and_exits_130",
)


def test_the_suite_ignores_a_hostile_shell() -> None:
    """Started with hostile ``OLLM_*`` values exported and SIGINT ignored, the tests most
    exposed to either still pass."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    launcher = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "os.execv(sys.executable, [sys.executable, '-m', 'pytest', '-q', *sys.argv[1:]])"
    )
    done = subprocess.run(
        [sys.executable, "-c", launcher, *_SENSITIVE],
        env={**os.environ, **_HOSTILE},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
