"""The bound on every call to a shared store, and its health: :class:`Guard`.

A call that does not finish within its deadline, or whose connection fails, makes the store
*degraded*: it and the calls after it answer from the fallback until the next probe, which
comes after the project's capped backoff (not on every call). The first call that succeeds
again runs ``write_back`` and reports ``ok``. ``on_health`` hears each change once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from ollm_actors.state.interface import Health, HealthCallback
from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.clock import Clock

__all__ = ("Guard",)

T = TypeVar("T")

# Probes of a degraded store: the first soon, then doubling up to this.
PROBE_INITIAL, PROBE_MAX = 0.2, 10.0


class Guard:
    """Deadlines and health of one store at ``shown`` (its redacted URL)."""

    def __init__(
        self,
        *,
        clock: Clock,
        shown: str,
        connect_timeout: float,
        call_timeout: float,
        unreachable: tuple[type[BaseException], ...],
        on_health: HealthCallback | None,
        write_back: Callable[[], Awaitable[None]],
    ) -> None:
        self._clock, self._shown = clock, shown
        self.connect_timeout, self.call_timeout = connect_timeout, call_timeout
        self._unreachable = unreachable
        self._on_health, self._write_back = on_health, write_back
        self.health: Health = "ok"
        self._failures = 0
        self._next_probe = 0.0

    async def call(
        self,
        op: Callable[[], Awaitable[T]],
        fallback: Callable[[], Awaitable[T]],
        *,
        extra: float = 0.0,
    ) -> T:
        """``op()`` within the call timeout (plus ``extra``), else ``fallback()``."""
        if self.health == "degraded" and self._clock.now() < self._next_probe:
            return await fallback()
        timeout = self.call_timeout + extra
        if self.health == "degraded":
            timeout += self.connect_timeout
        try:
            with anyio.fail_after(timeout):
                result = await op()
        except self._unreachable as exc:
            self._degrade(exc)
            return await fallback()
        if self.health == "degraded":
            await self._recover()
        return result

    async def next_probe(self) -> None:
        """Wait for the next probe while degraded (at once when ``ok``)."""
        if self.health == "degraded":
            await anyio.sleep(max(0.0, self._next_probe - self._clock.now()))

    def _degrade(self, exc: BaseException) -> None:
        self._failures += 1
        delay = backoff_delay(self._failures, PROBE_INITIAL, PROBE_MAX)
        self._next_probe = self._clock.now() + delay
        if self.health == "ok":
            self.health = "degraded"
            self._report(f"shared state at {self._shown} does not answer ({type(exc).__name__})")

    def _report(self, reason: str) -> None:
        if self._on_health is not None:
            self._on_health(self.health, reason)

    async def _recover(self) -> None:
        try:
            with anyio.fail_after(self.call_timeout + self.connect_timeout):
                await self._write_back()
        except self._unreachable as exc:
            self._degrade(exc)
            return
        self.health, self._failures = "ok", 0
        self._report(f"shared state at {self._shown} answers again")
