"""The inventory's health probes: one ``/api/version`` request per host, timed, at most one
in flight per host; the loop that asks for a round every ``providers.ollama.health.interval``
seconds; the timer that ends a cooldown.

Each is a child task of the inventory actor that only *reports* (a message to the actor's
inbox); the actor's handlers apply the outcome (:mod:`ollm_actors.inventory.health`). All of
them end at the first cancellation (the actor stopping), holding nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ollm_actors.errors import OllmError
from ollm_actors.inventory.fetch import StartSoon, within_deadline
from ollm_actors.inventory.messages import CooldownEnds, HealthTick, ProbeDone
from ollm_actors.inventory.pending import PendingFetch
from ollm_actors.ollama.pool import HostPool

__all__ = ("Probes", "Sleep", "health_loop", "probe_once", "wait_for_cooldown")

#: How the loop and the timer wait (``anyio.sleep``; tests inject their own).
Sleep = Callable[[float], Awaitable[None]]
Tell = Callable[[ProbeDone | HealthTick | CooldownEnds], Awaitable[None]]


async def probe_once(
    host: str,
    version: Callable[[], Awaitable[str]],
    deadline: float,
    now: Callable[[], float],
    report: Tell,
) -> None:
    """Ask ``version()`` within ``deadline`` seconds, timed with ``now`` (the runtime's
    monotonic clock), and report a :class:`ProbeDone` with the version or the error."""
    started = now()
    try:
        answer = await within_deadline(version, host, deadline)
    except OllmError as exc:
        await report(ProbeDone(host, seconds=now() - started, error=exc))
    else:
        await report(ProbeDone(host, version=answer, seconds=now() - started))


class Probes:
    """The probes in flight: at most one per host; asks that need a probe's outcome join
    it (:class:`PendingFetch`, settled by the actor once it applied the outcome)."""

    def __init__(
        self,
        pool: HostPool,
        deadline: float,
        now: Callable[[], float],
        start_soon: StartSoon,
        report: Tell,
    ) -> None:
        self._pool = pool
        self._deadline = deadline
        self._now = now
        self._start_soon = start_soon
        self._report = report
        self._pending: dict[str, PendingFetch] = {}

    def in_flight(self) -> set[str]:
        """The hosts being probed now."""
        return set(self._pending)

    def probe(self, url: str) -> PendingFetch:
        """The probe of ``url`` in flight, started when there is none."""
        pending = self._pending.get(url)
        if pending is None:
            pending = self._pending[url] = PendingFetch()
            version = self._pool.client(url).version
            self._start_soon(
                probe_once,
                url,
                version,
                self._deadline,
                self._now,
                self._report,
                name=f"inventory:health:{url}",
            )
        return pending

    def finished(self, url: str) -> PendingFetch | None:
        """Forget the probe of ``url`` (it reported); None for one this incarnation of the
        actor did not start."""
        return self._pending.pop(url, None)


async def health_loop(interval: float, sleep: Sleep, report: Tell) -> None:
    """Every ``interval`` seconds, report a :class:`HealthTick` (the actor probes every
    host); runs until cancelled. The first round comes after one interval: a short-lived
    runtime (one CLI command) never pays for probes it does not use."""
    while True:
        await sleep(interval)
        await report(HealthTick())


async def wait_for_cooldown(host: str, seconds: float, sleep: Sleep, report: Tell) -> None:
    """After ``seconds`` (the cooldown's length), report :class:`CooldownEnds` for
    ``host``."""
    await sleep(seconds)
    await report(CooldownEnds(host))
