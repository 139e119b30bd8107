"""`examples/agent.py` runs: in-process under both backends, and as the script it is."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.testing import hermetic_settings

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "examples" / "agent.py"


def _load_example() -> ModuleType:
    # examples/ is a folder of scripts, not a package: load the file itself.
    spec = importlib.util.spec_from_file_location("ollm_example_agent", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


agent = _load_example()
TASKS: list[tuple[str, str]] = agent.TASKS


@pytest.mark.anyio
async def test_agent_serves_every_task_and_pulls_what_is_missing(tmp_path: Path) -> None:
    state = EmulatorState.default()
    lines: list[str] = []
    with anyio.fail_after(30):
        async with run_emulator(state) as emu:
            settings = hermetic_settings([emu.url], tmp_path / "agent")
            results = await agent.run_agent(settings, out=lines.append)
    assert [r["task"] for r in results] == [task for task, _ in TASKS]
    assert all(r["model"] and r["host"] == emu.url for r in results), results
    by_task = {r["task"]: r for r in results}
    # Nothing installed can see images: the agent pulled llava and then used it.
    assert by_task["image"]["model"] == "llava:7b"
    assert by_task["image"]["profile"] == "vision"
    assert state.find_installed("llava:7b") is not None
    assert any("[event] pull.done: llava:7b" in line for line in lines), lines
    assert any("pulling llava:7b: 100%" in line for line in lines), lines
    assert by_task["embed"]["profile"] == "embedding"
    assert "embed" in by_task["embed"]["model"]
    # Every prompt fits the chosen model with the options the agent would send.
    assert all(r["fits"] for r in results), results
    assert all(r["num_ctx"] and r["num_ctx"] > 0 for r in results), results


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_agent_script_runs_against_the_emulator(backend: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--emulator", "--backend", backend],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
        # The checkout's package, and none of the developer's settings.
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))},
            "PYTHONPATH": str(REPO),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for task, _ in TASKS:
        assert any(line.startswith(f"{task}: ") for line in result.stdout.splitlines()), task
    assert "pull.done: llava:7b" in result.stdout
