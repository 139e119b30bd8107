"""``ollm route`` in a subprocess against an emulator served by the test, under both backends."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    settings = tmp_path / "settings.yaml"
    settings.write_text("", encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "OLLM_CONFIG": str(settings),
        "OLLM_CACHE_DIR": str(tmp_path / "cache"),
    }


async def _ollm(url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    with anyio.fail_after(60):
        done = await anyio.run_process(
            [sys.executable, "-m", "ollm_actors", "--host", url, *args],
            env=_env(tmp_path),
            cwd=tmp_path,
            check=False,
        )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


INSTALLED = ("llama3.1:8b", "qwen2.5-coder:7b", "phi3:mini")


def _state(names: tuple[str, ...] = INSTALLED) -> EmulatorState:
    state = EmulatorState.empty()
    for name in names:
        state.install(name)
    return state


async def test_route_prints_model_host_profile_and_reasons(tmp_path: Path) -> None:
    async with run_emulator(_state()) as emu:
        code, out, err = await _ollm(emu.url, tmp_path, "route", "code")
        verbose_code, verbose, _ = await _ollm(emu.url, tmp_path, "-v", "route", "code")
    assert code == 0, err
    assert "model:   qwen2.5-coder:7b" in out
    assert f"host:    {emu.url}" in out
    assert "profile: code" in out
    assert "  - qwen2.5-coder:7b on" in out
    assert verbose_code == 0
    assert "SCORE" in verbose and "phi3:mini" in verbose and "under the 16384" in verbose


async def test_route_json_and_task(tmp_path: Path) -> None:
    async with run_emulator(_state()) as emu:
        code, out, err = await _ollm(
            emu.url, tmp_path, "--json", "route", "--task", "autocomplete",
            "--prompt-tokens", "6000",
        )
    assert code == 0, err
    doc = json.loads(out)
    assert {"profile", "requested_profile", "model", "host", "fallback_used", "reasons"} <= set(doc)
    # phi3:mini cannot hold 6,000 prompt tokens plus the output: fast picks another model.
    assert doc["profile"] == "fast" and doc["model"] != "phi3:mini"
    assert doc["host"] == emu.url and doc["fallback_used"] is False
    assert all(isinstance(r, str) for r in doc["reasons"])


async def test_route_fallback_is_shown(tmp_path: Path) -> None:
    # No window of 65,536 tokens here: long-context falls back to general.
    async with run_emulator(_state(("qwen2.5-coder:7b", "phi3:mini"))) as emu:
        code, out, err = await _ollm(emu.url, tmp_path, "route", "long-context")
    assert code == 0, err
    assert "profile: general (fell back from long-context)" in out


async def test_route_errors_and_exit_codes(tmp_path: Path) -> None:
    async with run_emulator(_state()) as emu:
        none_code, _, none_err = await _ollm(emu.url, tmp_path, "route", "vision")
        json_code, json_out, _ = await _ollm(emu.url, tmp_path, "--json", "route", "vision")
        bad_code, _, bad_err = await _ollm(emu.url, tmp_path, "route", "cod")
        cap_code, _, cap_err = await _ollm(
            emu.url, tmp_path, "route", "general", "--require", "toolz"
        )
    assert none_code == 1
    assert none_err.count("\n") == 1 and "no available model fits profile 'vision'" in none_err
    assert json_code == 1
    assert json.loads(json_out)["error"]["type"] == "NoModelAvailable"
    assert bad_code == 2 and "did you mean 'code'" in bad_err
    assert cap_code == 2 and "did you mean 'tools'" in cap_err
