"""For the folders whose tests run `ollm` as a process: the CLI runs on asyncio only (trio is
for the programs that embed the runtime, whose tests run under both). The harness around the
process (the emulator, the pipes) is the same under either backend, so running each test
again under trio would test nothing new: those tests run once, on asyncio."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
