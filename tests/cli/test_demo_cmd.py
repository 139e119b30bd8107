"""`ollm demo` runs the whole walk-through against its own emulator, with no Ollama."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_walks_through_every_step(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    # The demo must not read or write the user's files: point both at an empty place.
    env["OLLM_CONFIG"] = str(tmp_path / "missing.yaml")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    proc = subprocess.run(
        [sys.executable, "-m", "ollm_actors", "demo", "--pace", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for step in range(1, 8):
        assert f"{step}. " in out
    assert "qwen2.5-coder:7b" in out and "llava:7b" in out
    assert "deleted 'llava:7b'" in out
    assert "refused" in out  # the long prompt does not fit phi3:mini
    for profile in ("fast", "general", "code", "creative", "vision", "tools", "embedding"):
        assert f"{profile} " in out
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "xdg-cache").exists()


def test_demo_shows_each_command_exactly_as_it_runs_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    env["OLLM_CONFIG"] = str(tmp_path / "missing.yaml")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    proc = subprocess.run(
        [sys.executable, "-m", "ollm_actors", "demo", "--pace", "0"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    commands = [line for line in lines if line.startswith("$ ollm")]
    # One `route PROFILE` per profile shown, each right above its own answer.
    for profile in ("fast", "general", "code", "creative", "vision", "tools", "embedding"):
        at = lines.index(next(c for c in commands if c.endswith(f" route {profile}")))
        assert lines[at + 1].startswith(profile), lines[at : at + 2]
    assert not any(c.endswith(" route") for c in commands), commands
    # The list after the rm is announced too, and so is every list.
    assert sum(c.endswith(" list") for c in commands) == 2, commands
    assert "pulled 'qwen2.5-coder:7b'" in proc.stdout
