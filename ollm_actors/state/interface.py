"""The one interface of shared state, and the values it exchanges.

Every implementation keeps these promises, whatever is behind it:

- **No call waits past its deadline and none raises for an unreachable store.** A store that
  does not answer in time is *degraded*: the call answers from process-local state (what this
  runtime itself wrote or read last), and the implementation reports the change of health
  through ``on_health`` (``state.degraded`` / ``state.recovered``). Callers never handle a
  connection error.
- **Hostile data is a typed error for that read** (:class:`~ollm_actors.errors.StateDataError`):
  a value under our namespace of the wrong type, undecodable, or larger than the bound is
  refused before it is decoded. The caller treats it as absent.
- **Bounded staleness.** ``cooldowns()`` may answer from a cache at most ``staleness``
  seconds old; every other read goes to the store.
- **Leases are advisory**: they keep machines from doing the same work twice while every
  holder renews in time; a holder that stops renewing loses the lease after its TTL, and
  another machine may take it.
- **Events are at least once**, each tagged with the ``origin`` (the runtime id) that published
  it; ``foreign_events`` never yields this runtime's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

import msgspec

__all__ = (
    "Health",
    "Lease",
    "LeaseLost",
    "RemoteEvent",
    "SharedCooldown",
    "SharedState",
    "Stamped",
    "StateHealthChanged",
    "lease_key",
)

Health = Literal["ok", "degraded"]


class Stamped(msgspec.Struct, frozen=True, kw_only=True):
    """A shared document and when it was written (wall-clock seconds) and by whom."""

    value: bytes
    stamp: float
    origin: str


class Lease(msgspec.Struct, frozen=True, kw_only=True):
    """A lease this runtime holds: ``token`` proves it (renew and release compare it)."""

    key: str
    token: str
    holder: str
    ttl: float


class LeaseLost(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``state.lease_lost``: this runtime's lease ``key`` on pulling ``model`` from
    ``host`` ran out before it was renewed (``holder``: who holds it now, if anyone)."""

    key: str
    model: str
    host: str
    holder: str | None
    reason: str


class SharedCooldown(msgspec.Struct, frozen=True, kw_only=True):
    """A host put in cooldown by some runtime, until ``until`` (wall-clock seconds)."""

    host: str
    reason: str
    until: float
    origin: str


class RemoteEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event another runtime published: its topic, its ``Event`` encoded as JSON (decoded
    above this layer, where the payload types are known) and its origin."""

    topic: str
    data: bytes
    origin: str


class StateHealthChanged(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``state.degraded`` and ``state.recovered``: the shared store at ``url``
    (redacted) stopped or started answering; ``reason`` says what was seen."""

    health: Health
    url: str
    reason: str


def lease_key(kind: str, host: str, model: str) -> str:
    """The key of a lease on one piece of work, e.g. ``pull`` of ``model`` on ``host``."""
    return f"{kind}:{host}:{model.casefold()}"


class SharedState(Protocol):
    """What the actors share with other runtimes. See the module's promises."""

    @property
    def origin(self) -> str:
        """This runtime's id (random per runtime), the tag of what it writes."""
        ...

    @property
    def shared(self) -> bool:
        """True when other runtimes see what this one writes (Valkey); False for local."""
        ...

    @property
    def health(self) -> Health:
        """``ok``, or ``degraded`` while the store does not answer (local state serves)."""
        ...

    # 1. inventory snapshots per host, learned facts per digest
    async def put_snapshot(self, host: str, value: bytes) -> None:
        """Store this runtime's snapshot of ``host`` (stamped now, tagged with origin)."""
        ...

    async def get_snapshot(self, host: str) -> Stamped | None:
        """The newest snapshot of ``host`` any runtime stored, or None."""
        ...

    async def put_facts(self, digest: str, value: bytes) -> None:
        """Store the facts learned of a model ``digest`` (they never change for a digest)."""
        ...

    async def get_facts(self, digest: str) -> bytes | None:
        """The facts any runtime stored for ``digest``, or None."""
        ...

    # 2. leases: one runtime does a piece of work at a time
    async def acquire(self, key: str, ttl: float) -> Lease | None:
        """Take the lease ``key`` for ``ttl`` seconds; None while another runtime holds it."""
        ...

    async def holder(self, key: str) -> str | None:
        """The origin holding ``key``, or None."""
        ...

    async def renew(self, lease: Lease) -> bool:
        """Extend ``lease`` by its TTL; False when it was lost (expired, or taken since)."""
        ...

    async def release(self, lease: Lease, outcome: str | None = None) -> bool:
        """Give ``lease`` up (compare-and-delete: only with its token); False if not held.

        ``outcome`` (how the work ended, e.g. ``done``) is kept for :meth:`ended` for twice
        the lease's TTL, in the same atomic step, so a runtime that waited on the work learns
        how it ended even when it missed the event that told it."""
        ...

    async def ended(self, key: str) -> str | None:
        """The outcome the last holder of ``key`` released it with (until a new holder takes
        it, or the record's time ran out), or None."""
        ...

    async def request_cancel(self, key: str) -> None:
        """Ask whoever holds ``key`` to stop (seen at its next :meth:`cancel_requested`)."""
        ...

    async def cancel_requested(self, key: str) -> bool:
        """Whether some runtime asked the holder of ``key`` to stop since it was acquired."""
        ...

    # 3. host cooldowns
    async def put_cooldown(self, host: str, reason: str, seconds: float) -> None:
        """Put ``host`` in cooldown for every runtime for ``seconds``."""
        ...

    async def clear_cooldown(self, host: str) -> None:
        """End ``host``'s cooldown for every runtime (it answered again)."""
        ...

    async def cooldowns(self) -> dict[str, SharedCooldown]:
        """The hosts in cooldown now, by host (at most ``staleness`` seconds old)."""
        ...

    # 4. events across runtimes
    async def publish(self, topic: str, data: bytes) -> None:
        """Publish an encoded ``Event`` to every other runtime (bounded history)."""
        ...

    async def publish_many(self, events: Sequence[tuple[str, bytes]]) -> None:
        """:meth:`publish` each ``(topic, data)`` in order, in one round trip."""
        ...

    def foreign_events(self) -> AbstractAsyncContextManager[AsyncIterator[RemoteEvent]]:
        """``async with state.foreign_events() as events: async for e in events``: the events
        other runtimes publish from now on, never this runtime's own."""
        ...


#: called with the new health and a one-line reason (the URL redacted) when it changes
HealthCallback = Callable[[Health, str], None]
