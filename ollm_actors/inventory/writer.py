"""Background writing of the inventory's cache files: one at a time, the latest per host wins.

The actor encodes a document (fast) and hands the bytes over with :meth:`CacheWriter.submit`,
which never waits; the writer task writes them through ``anyio.to_thread``. A newer document
for a host replaces one not yet written, so a burst of changes costs one write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from anyio.abc import TaskStatus

from ollm_actors.inventory.cache import cache_path_for
from ollm_actors.inventory.store import save_host_cache

__all__ = ("CacheWriter",)

FailureReport = Callable[[str, str], Awaitable[None]]


class CacheWriter:
    """Writes host cache documents to ``directory``; failures go to ``report(path, reason)``."""

    def __init__(self, directory: Path, report: FailureReport) -> None:
        self._directory = directory
        self._report = report
        self._pending: dict[str, bytes] = {}
        self._wake = anyio.Event()

    def submit(self, host: str, data: bytes) -> None:
        """Queue ``data`` as the cache of ``host``. Never waits."""
        self._pending[host] = data
        self._wake.set()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Write submitted documents until cancelled.

        A write already in its thread finishes before cancellation takes effect, and each
        write is atomic, so no file is ever half-written.
        """
        task_status.started()
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            while self._pending:
                host = next(iter(self._pending))
                data = self._pending[host]
                failure = await self._write(host, data)
                # Taken off only once written: a write cancelled before its thread started
                # stays pending for flush().
                if self._pending.get(host) is data:
                    del self._pending[host]
                if failure is not None:
                    await self._report(*failure)

    async def flush(self) -> list[tuple[str, str]]:
        """Write everything still pending now; returns the ``(path, reason)`` of failures."""
        failures = []
        while self._pending:
            host = next(iter(self._pending))
            failure = await self._write(host, self._pending.pop(host))
            if failure is not None:
                failures.append(failure)
        return failures

    async def _write(self, host: str, data: bytes) -> tuple[str, str] | None:
        try:
            await anyio.to_thread.run_sync(save_host_cache, self._directory, host, data)
        except OSError as exc:
            path = cache_path_for(self._directory, host)
            return str(path), exc.strerror or str(exc)
        return None
