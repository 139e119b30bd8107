"""Helpers for tests of code that embeds ollm-actors (and for this project's own tests).

``hermetic_settings()`` builds settings that ignore the user's files and environment;
``running_tasks()`` lists the live tasks, to prove an operation left none behind. A runtime
of some actors only is ``open_runtime(settings, actors=(...))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ollm_actors.config import load_settings
from ollm_actors.config.model import Settings

__all__ = ("hermetic_settings", "running_tasks")


def running_tasks() -> set[object]:
    """Every task alive in the current event loop, under asyncio or trio.

    Compare the sets before and after an operation to prove that it left no task behind.
    """
    import sniffio

    if sniffio.current_async_library() == "trio":
        import trio

        found: set[object] = set()
        root = trio.lowlevel.current_root_task()
        pending = [] if root is None else [root]
        while pending:
            task = pending.pop()
            found.add(task)
            for nursery in task.child_nurseries:
                pending.extend(nursery.child_tasks)
        return found
    import asyncio

    return set(asyncio.all_tasks())


def hermetic_settings(
    hosts: Sequence[str],
    cache_dir: Path | str,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Settings that use only ``hosts`` and ``cache_dir`` (plus ``overrides``): no user file,
    no project file, no environment variables."""
    merged: dict[str, object] = {
        "providers.ollama.host": hosts[0],
        "providers.ollama.hosts": list(hosts),
        "cache.dir": str(cache_dir),
    }
    merged.update(overrides or {})
    # An empty user file of our own, so a developer's real settings never leak into tests.
    user_file = Path(cache_dir) / "settings.yaml"
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.touch()
    return load_settings(user_file, env={}, overrides=merged, cwd=Path(cache_dir))
