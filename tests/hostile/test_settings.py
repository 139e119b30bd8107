"""Hostile settings through the real ``ollm`` process: exit code 2, one line naming the
source, no traceback, no secret on stdout or stderr, and no waiting on a FIFO or a device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import cli_env

PASSWORD = "s3c/r?t"
TOKEN = "t0kenvalue"


def _ollm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ollm_actors", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_config_show_masks_userinfo_and_query(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    env["OLLM_HOST"] = f"https://alice:{PASSWORD}@gpu-box/ollama?token={TOKEN}"
    for args in (("config", "show"), ("--json", "config", "show")):
        proc = _ollm(env, *args)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout + proc.stderr
        assert "s3c" not in out and TOKEN not in out
        assert "gpu-box" in out
    shown = json.loads(proc.stdout)["settings"]["providers"]["ollama"]["host"]
    assert shown == "https://***@gpu-box:443/ollama?***"  # canonical, secrets masked


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("OLLM_HOST", "http://gpu-box/" + "x" * 120_000, "env:OLLM_HOST"),
        ("OLLM_HOST", f"http://alice:{PASSWORD}@gpu-box:bad", "env:OLLM_HOST"),
        ("OLLM_CACHE_DIR", "~nosuchuser-ollm/x", "env:OLLM_CACHE_DIR"),
        ("OLLM_CONFIG", "/dev/zero", "file:/dev/zero"),
    ],
)
def test_hostile_environment_is_a_settings_error(
    tmp_path: Path, name: str, value: str, named: str
) -> None:
    env = cli_env(tmp_path)
    env[name] = value
    proc = _ollm(env, "config", "show")
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "s3c" not in proc.stdout + proc.stderr
    assert len(proc.stderr) < 1000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_settings_file_does_not_hang(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    env["OLLM_CONFIG"] = str(fifo)
    proc = _ollm(env, "--json", "config", "show")
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["error"]
    assert error["type"] == "SettingsError" and "not a regular file" in error["message"]


def test_host_bytes_that_are_not_utf8_do_not_crash_the_error_line(tmp_path: Path) -> None:
    env = {key: value for key, value in cli_env(tmp_path).items()}
    env_bytes = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
    env_bytes[b"OLLAMA_HOST"] = b"gpu-\xff-box"
    proc = subprocess.run(
        [sys.executable, "-m", "ollm_actors", "config", "show"],
        env=env_bytes,  # type: ignore[arg-type]
        capture_output=True,
        timeout=30,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, stderr
    assert "env:OLLAMA_HOST" in stderr and "Traceback" not in stderr
