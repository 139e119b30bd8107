"""Helpers for runtime tests: list the tasks alive now, under asyncio or trio."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import sniffio


def _trio_tasks() -> set[object]:
    import trio

    found: set[object] = set()
    pending = [trio.lowlevel.current_root_task()]
    while pending:
        task = pending.pop()
        found.add(task)
        for nursery in task.child_nurseries:
            pending.extend(nursery.child_tasks)
    return found


def running_tasks() -> set[object]:
    """Every task alive in the current event loop (call from inside a test)."""
    if sniffio.current_async_library() == "trio":
        return _trio_tasks()
    return set(asyncio.all_tasks())


@pytest.fixture
def tasks_alive() -> Callable[[], set[object]]:
    return running_tasks
