"""The one clock of a runtime: a monotonic reading for durations (TTLs, backoff, stalls,
rates, ETAs) and, derived from the same reading, the wall-clock time for what leaves the
process (event stamps, RFC 3339 times in the cache). A test that injects a fake ``now``
therefore moves both at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ("Clock",)


class Clock:
    """``now()`` is the injected monotonic clock (the runtime passes
    ``anyio.current_time``); ``wall()`` is Unix time, anchored to the real wall clock when
    the Clock is made and advancing with ``now``. Never waits."""

    __slots__ = ("_offset", "now")

    def __init__(self, now: Callable[[], float], *, wall_at_start: float | None = None) -> None:
        self.now = now
        start = time.time() if wall_at_start is None else wall_at_start
        self._offset = start - now()

    def wall(self) -> float:
        """Seconds since the Unix epoch."""
        return self._offset + self.now()

    def rfc3339(self) -> str:
        """:meth:`wall` in RFC 3339 (UTC, whole seconds), e.g. ``2026-12-02T03:04:05Z``."""
        moment = datetime.fromtimestamp(self.wall(), UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
