"""Helpers for runtime tests: list the tasks alive now, under asyncio or trio."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ollm_actors.testing import running_tasks

__all__ = ("running_tasks",)


@pytest.fixture
def tasks_alive() -> Callable[[], set[object]]:
    return running_tasks
