"""Background writing of the inventory's cache files: one at a time, the latest per host wins.

The actor hands a document over with :meth:`CacheWriter.submit`, which never waits: its
bytes, or a call that encodes it, made only when the writer gets to it (on the event loop,
never in the thread). A newer document for a host replaces one not yet written, so a burst of
changes — a first ``list`` learning the facts of 5,000 models — costs one encoding and one
write, not one per change. The writer task writes through ``anyio.to_thread``.

A failed write (disk full, permission denied, a file where the cache dir should be) is
retried after :func:`~ollm_actors.vocab.backoff.backoff_delay`, with whatever document is
the latest by then, until the disk recovers: one bad moment never ends caching for the life
of the runtime.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from anyio.abc import TaskStatus

from ollm_actors.inventory.cache import cache_path_for
from ollm_actors.inventory.store import save_host_cache
from ollm_actors.vocab.backoff import backoff_delay

__all__ = (
    "RETRY_INITIAL",
    "RETRY_MAX",
    "CacheWriter",
    "Document",
    "FailureReport",
    "WriteFile",
    "save_file",
)

FailureReport = Callable[[str, str], Awaitable[None]]
WriteFile = Callable[[Path, str, bytes, int], None]
"""``write(directory, host, data, stamp)``: blocking, raises ``OSError``
(:func:`~ollm_actors.inventory.store.save_host_cache` in production)."""

Document = bytes | Callable[[], bytes]
"""A cache file's bytes, or the call that encodes them when the writer gets to them."""

RETRY_INITIAL = 1.0
RETRY_MAX = 60.0
#: seconds the runtime's writer rests between two rounds of writes
WRITE_PACE = 0.5


def save_file(directory: Path, host: str, data: bytes, stamp: int) -> None:
    """The production :data:`WriteFile`: :func:`~ollm_actors.inventory.store.save_host_cache`."""
    save_host_cache(directory, host, data, stamp=stamp)


class CacheWriter:
    """Writes host cache documents to ``directory``.

    The first failure of an outage goes to ``report(path, reason)``; the first success after
    it to ``recovered(path)`` (if given). In between, writes are retried after
    ``backoff_delay(attempt, retry_initial, retry_max)`` seconds, waited with ``sleep``
    (``anyio.sleep``; tests inject their own, to need no real waiting). ``write`` does the
    blocking work (see :data:`WriteFile`); ``stamp()`` is the Unix time that names a corrupt
    file found while writing.

    After writing what was pending the writer rests ``pace`` seconds before the next round:
    a burst of saves (thousands of model facts arriving on a first ``list``) is then one
    write every ``pace`` seconds of the newest document, not one full encode, fsync and
    replace per fact, which made a first list of N models cost O(N²). What arrives while it
    rests is still written by :meth:`flush` at the end.
    """

    def __init__(
        self,
        directory: Path,
        report: FailureReport,
        *,
        recovered: Callable[[str], Awaitable[None]] | None = None,
        stamp: Callable[[], int] = lambda: 0,
        write: WriteFile = save_file,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        retry_initial: float = RETRY_INITIAL,
        retry_max: float = RETRY_MAX,
        pace: float = 0.0,
    ) -> None:
        self._directory = directory
        self._report = report
        self._recovered = recovered
        self._stamp = stamp
        self._write_file = write
        self._sleep = sleep
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._pace = pace
        self._pending: dict[str, Document] = {}
        self._wake = anyio.Event()
        self._failures = 0

    @property
    def failing(self) -> bool:
        """True from a failed write until the next successful one."""
        return self._failures > 0

    def submit(self, host: str, data: Document) -> None:
        """Queue ``data`` as the cache of ``host`` (a call is made once, when written). Never
        waits."""
        self._pending[host] = data
        self._wake.set()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Write submitted documents until cancelled, retrying failed ones with backoff.

        A write already in its thread finishes before cancellation takes effect, and each
        write is atomic, so no file is ever half-written. Cancellation during a backoff wait
        leaves the document pending for :meth:`flush`.
        """
        task_status.started()
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            wrote = bool(self._pending)
            while self._pending:
                host = next(iter(self._pending))
                data = self._pending[host]
                failure = await self._write(host, data)
                if failure is None:
                    # Taken off only once written: a write cancelled before its thread
                    # started stays pending for flush().
                    if self._pending.get(host) is data:
                        del self._pending[host]
                    if self._failures:
                        self._failures = 0
                        if self._recovered is not None:
                            await self._recovered(_path_of(self._directory, host))
                    continue
                self._failures += 1
                if self._failures == 1:
                    await self._report(*failure)
                # To the back of the queue: a path only this host's file cannot use (a
                # directory squatting it) must not keep the other hosts from being written.
                self._pending[host] = self._pending.pop(host)
                await self._sleep(
                    backoff_delay(self._failures, self._retry_initial, self._retry_max)
                )
            if wrote and self._pace > 0:
                await anyio.sleep(self._pace)

    async def flush(self) -> list[tuple[str, str]]:
        """Write everything still pending now, once each (no retry: the runtime is stopping);
        returns the ``(path, reason)`` of failures."""
        failures = []
        while self._pending:
            host = next(iter(self._pending))
            failure = await self._write(host, self._pending.pop(host))
            if failure is not None:
                failures.append(failure)
        return failures

    async def _write(self, host: str, document: Document) -> tuple[str, str] | None:
        # Encoded here, on the event loop between two awaits: the actor's state cannot change
        # under it, and the thread gets bytes.
        data = document() if callable(document) else document
        try:
            await anyio.to_thread.run_sync(
                self._write_file, self._directory, host, data, self._stamp()
            )
        except OSError as exc:
            return _path_of(self._directory, host), exc.strerror or str(exc)
        return None


def _path_of(directory: Path, host: str) -> str:
    """The path a report about ``host``'s cache file names."""
    return str(cache_path_for(directory, host))
