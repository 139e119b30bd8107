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


async def pull_then_signal(
    argv: list[str], env: dict[str, str], sig: int
) -> tuple[int, list[dict[str, object]]]:
    """Run ``pull --json`` (``argv``), send ``sig`` once a progress line arrived, and read
    every line to the end: (exit code, the NDJSON events)."""
    import json

    import anyio

    lines: list[dict[str, object]] = []
    async with await anyio.open_process(argv, env=env) as process:
        assert process.stdout is not None
        buffered = b""
        async for chunk in process.stdout:
            buffered += chunk
            *complete, buffered = buffered.split(b"\n")
            lines.extend(json.loads(line) for line in complete)
            if any(line["event"] == "progress" for line in lines):
                process.send_signal(sig)
                break
        rest = b"".join([buffered, *[chunk async for chunk in process.stdout]])
        lines.extend(json.loads(line) for line in rest.splitlines() if line)
        code = await process.wait()
    return code, lines
