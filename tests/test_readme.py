"""The README's Python example runs as written, against the emulator."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


async def test_readme_python_example_runs(tmp_path: Path) -> None:
    (block,) = [b for b in python_blocks() if "open_runtime()" in b]
    user_file = tmp_path / "settings.yaml"
    user_file.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    with anyio.fail_after(60):
        async with run_emulator(EmulatorState.default()) as emu:
            env.update(
                OLLM_HOST=emu.url,
                OLLM_CACHE_DIR=str(tmp_path / "cache"),
                OLLM_CONFIG=str(user_file),
            )
            proc = await anyio.run_process(
                [sys.executable, "-c", block], env=env, cwd=tmp_path, check=False
            )
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "llama3.1:8b" in out
    # The figures the README's comment promises.
    assert "True {'num_ctx': 10240, 'num_predict': 4096}" in out


def test_readme_settings_example_is_valid(tmp_path: Path) -> None:
    from ollm_actors import load_settings

    (block,) = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S)
    path = tmp_path / "settings.yaml"
    path.write_text(block)
    settings = load_settings(path, env={}, cwd=tmp_path)
    assert settings.model.routing.overrides["code"] == "deepseek-coder:6.7b"
    assert settings.routing.profiles["reviewer"].fallbackProfile == "code"
    assert settings.routing.profiles["code"].minContextWindow == 8192
    assert settings.routing.tasks["review"] == "reviewer"
    assert settings.limits.overrides["mymodel:*"].contextWindow == 32768
    assert settings.sources["options.maxTokens"].startswith(f"file:{path}")
