"""The inventory's cache files as its actor sees them: loaded once, saved in the background.

A corrupt or foreign file is set aside, logged and published as ``cache.corrupt`` (the host
simply starts with no list). A cache dir that cannot be written is logged and published once
as ``cache.unwritable``; from then on nothing more is written and the inventory carries on in
memory. Problems never raise.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import anyio
from anyio.abc import TaskStatus

from ollm_actors.actors.bus import EventBus
from ollm_actors.inventory.cache import CacheProblem
from ollm_actors.inventory.store import HostCacheFile, encode_cache, load_host_cache
from ollm_actors.inventory.types import CacheUnwritable
from ollm_actors.inventory.writer import CacheWriter, FailureReport
from ollm_actors.vocab.clock import Clock

__all__ = ("CacheKeeper",)

logger = logging.getLogger("ollm_actors.inventory")


class CacheKeeper:
    """The cache files of the inventory's hosts in ``directory`` (None: no cache at all).

    Owned by the inventory actor and called from its handlers only. ``report`` is how the
    writer task tells the actor that a write failed; the actor's handler then calls
    :meth:`write_failed`, so the keeper's own state changes only in handlers.
    """

    def __init__(
        self, directory: Path | None, bus: EventBus, report: FailureReport, clock: Clock
    ) -> None:
        self._clock = clock
        self._directory = directory
        self._bus = bus
        self._report = report
        self._writer: CacheWriter | None = None
        self._unwritable_reported = False

    @property
    def writing(self) -> bool:
        """True while documents are written (the writer task must then run: :meth:`run`)."""
        return self._writer is not None

    async def load(self, hosts: tuple[str, ...]) -> dict[str, HostCacheFile]:
        """The cache documents found for ``hosts`` (display URLs); reads in worker threads.

        Sets up writing unless the directory is unusable. Never raises for bad content.
        """
        directory = self._directory
        if directory is None:
            return {}
        if directory.exists() and not directory.is_dir():
            self.write_failed(str(directory), "exists and is not a directory")
            return {}
        self._writer = CacheWriter(directory, self._report)
        found: dict[str, HostCacheFile] = {}
        for url in hosts:
            loaded = await anyio.to_thread.run_sync(
                functools.partial(
                    load_host_cache, directory, url, stamp=int(self._clock.wall())
                )
            )
            if isinstance(loaded, HostCacheFile):
                found[url] = loaded
            elif isinstance(loaded, CacheProblem):
                self._set_aside(loaded)
        return found

    def _set_aside(self, problem: CacheProblem) -> None:
        if problem.moved_to is None:
            logger.warning("inventory cache %s not used: %s", problem.path, problem.reason)
        else:
            logger.warning(
                "inventory cache %s set aside as %s: %s",
                problem.path,
                problem.moved_to,
                problem.reason,
            )
        self._bus.publish("cache.corrupt", problem)

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """The writer task (see :meth:`CacheWriter.run`); returns at once if not writing."""
        if self._writer is None:
            task_status.started()
            return
        await self._writer.run(task_status=task_status)

    def save(self, document: HostCacheFile) -> None:
        """Queue ``document`` for writing. Never waits; a no-op once writing stopped."""
        if self._writer is not None:
            self._writer.submit(document.host, encode_cache(document))

    def write_failed(self, path: str, reason: str) -> None:
        """Stop writing; publish ``cache.unwritable`` the first time only."""
        self._writer = None
        if self._unwritable_reported:
            return
        self._unwritable_reported = True
        logger.warning(
            "inventory cache %s is not writable (%s); keeping it in memory", path, reason
        )
        self._bus.publish("cache.unwritable", CacheUnwritable(path=path, reason=reason))

    async def flush(self) -> None:
        """Write what is still queued now (the writer task is cancelled by then)."""
        if self._writer is not None:
            for path, reason in await self._writer.flush():
                self.write_failed(path, reason)
