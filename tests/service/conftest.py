"""Fixtures of the service tests: an emulator, a runtime on it, that runtime served on a
temporary socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings

# The downloads tests' emulator (phi3:mini installed) and fast retry settings.
from tests.downloads.conftest import FAST, emulator

__all__ = ("emulator", "served")


@asynccontextmanager
async def served(
    url: str, tmp_path: Path, **serve: Any
) -> AsyncIterator[tuple[Runtime, Any]]:
    """A runtime on ``url`` served at ``tmp_path/s.sock`` (or as ``serve`` says)."""
    settings = hermetic_settings([url], tmp_path / "cache", overrides=FAST)
    async with open_runtime(settings) as rt:
        if "listen" not in serve:
            serve.setdefault("socket", tmp_path / "s.sock")
        async with rt.serve(**serve) as service:
            yield rt, service
