"""The inventory's cache files as its actor sees them: loaded once, saved in the background.

A corrupt or foreign file is set aside, logged and published as ``cache.corrupt`` (the host
simply starts with no list). Temp files a killed writer left behind (older than
:data:`~ollm_actors.inventory.cache.STALE_TEMP_AGE` by the runtime clock's wall time) are
removed at load. A cache dir that cannot be written is logged and published as
``cache.unwritable`` once per outage; the inventory carries on in memory while the writer
retries with backoff, and the first write that succeeds again publishes ``cache.writable``
(payload :class:`~ollm_actors.inventory.types.CacheWritable`) and writes the latest
documents. Problems never raise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from anyio.abc import TaskStatus

from ollm_actors.actors.bus import EventBus
from ollm_actors.inventory.cache import CacheProblem, remove_stale_temps
from ollm_actors.inventory.store import HostCacheFile, encode_cache, load_host_cache
from ollm_actors.inventory.types import CacheUnwritable, CacheWritable
from ollm_actors.inventory.writer import (
    WRITE_PACE,
    CacheWriter,
    FailureReport,
    WriteFile,
    save_file,
)
from ollm_actors.vocab.clock import Clock

__all__ = ("CacheKeeper",)

logger = logging.getLogger("ollm_actors.inventory")


class CacheKeeper:
    """The cache files of the inventory's hosts in ``directory`` (None: no cache at all).

    Owned by the inventory actor and called from its handlers only. ``report`` and
    ``recovered`` are how the writer task tells the actor that a write failed or succeeded
    again; the actor's handlers then call :meth:`write_failed` or :meth:`write_recovered`, so
    the keeper's own state changes only in handlers. ``write`` and ``sleep`` are the
    writer's seams (see :class:`~ollm_actors.inventory.writer.CacheWriter`).
    """

    def __init__(
        self,
        directory: Path | None,
        bus: EventBus,
        report: FailureReport,
        clock: Clock,
        *,
        recovered: Callable[[str], Awaitable[None]] | None = None,
        write: WriteFile = save_file,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._clock = clock
        self._directory = directory
        self._bus = bus
        self._report = report
        self._recovered = recovered
        self._write = write
        self._sleep = sleep
        self._writer: CacheWriter | None = None
        self._outage = False

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
        self._writer = self._make_writer(directory)
        if directory.exists() and not directory.is_dir():
            # Nothing to read, but the writer keeps trying: the file may yet be moved away.
            self.write_failed(str(directory), "exists and is not a directory")
            return {}
        wall = self._clock.wall()

        def read_all() -> list[HostCacheFile | CacheProblem | None]:
            # One trip to a worker thread for every host, not one per host: 16 hosts cost
            # 16 round trips through the event loop otherwise.
            remove_stale_temps(directory, wall=wall)
            return [load_host_cache(directory, url, stamp=int(wall)) for url in hosts]

        found: dict[str, HostCacheFile] = {}
        for url, loaded in zip(hosts, await anyio.to_thread.run_sync(read_all), strict=True):
            if isinstance(loaded, HostCacheFile):
                found[url] = loaded
            elif isinstance(loaded, CacheProblem):
                self._set_aside(loaded)
        return found

    def _make_writer(self, directory: Path) -> CacheWriter:
        return CacheWriter(
            directory,
            self._report,
            recovered=self._recovered,
            stamp=lambda: int(self._clock.wall()),
            write=self._write,
            sleep=self._sleep,
            pace=WRITE_PACE,
        )

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
        """Queue ``document`` for writing. Never waits; a no-op without a cache dir."""
        if self._writer is not None:
            # Encoded when written: of a burst of saves only the last is encoded.
            self._writer.submit(document.host, lambda: encode_cache(document))

    def write_failed(self, path: str, reason: str) -> None:
        """Publish ``cache.unwritable`` unless this outage was already reported (the writer
        keeps retrying)."""
        if self._outage:
            return
        self._outage = True
        logger.warning(
            "inventory cache %s is not writable (%s); keeping it in memory", path, reason
        )
        self._bus.publish("cache.unwritable", CacheUnwritable(path=path, reason=reason))

    def write_recovered(self, path: str) -> None:
        """End the outage: publish ``cache.writable`` (nothing if none was reported)."""
        if not self._outage:
            return
        self._outage = False
        logger.info("inventory cache %s is writable again", path)
        self._bus.publish("cache.writable", CacheWritable(path=path))

    async def flush(self) -> None:
        """Write what is still queued now (the writer task is cancelled by then)."""
        if self._writer is not None:
            for path, reason in await self._writer.flush():
                self.write_failed(path, reason)
