"""A program on asyncio using the client never imports trio (it costs 60-130 ms)."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import sys
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.ollama.client import OllamaClient

async def main():
    async with run_emulator(EmulatorState.default()) as emu:
        async with OllamaClient(emu.url) as client:
            assert (await client.list_models()).models
            async with client.pull("gemma2:2b") as lines:
                async for line in lines:
                    pass
    print("trio" in sys.modules)

anyio.run(main, backend="asyncio")
"""


def test_asyncio_program_does_not_import_trio() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROGRAM],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
