"""Shared by the CLI tests that run `ollm` as a process."""

from __future__ import annotations

import os
from pathlib import Path


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment minus the user's settings, with an empty settings file of our own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    settings = tmp_path / "settings.yaml"
    settings.touch()
    env.update(OLLM_CONFIG=str(settings), OLLM_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    return env
