"""The one backoff rule: capped exponential delays, for pull retries, host probes and actor
restarts alike."""

from __future__ import annotations

__all__ = ("backoff_delay",)


def backoff_delay(attempt: int, initial: float, maximum: float) -> float:
    """The wait before retry number ``attempt`` (1 for the first): ``initial`` doubled for
    each earlier retry, never more than ``maximum``. Attempts below 1 count as 1."""
    return min(maximum, initial * 2.0 ** max(0, attempt - 1))
