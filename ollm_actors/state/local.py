"""Shared state kept in this process only: the default (``state.backend: local``), and the
fallback a Valkey store answers from while it is degraded.

The same semantics as the Valkey implementation, with the injected monotonic clock for TTLs,
so the actors have one code path: a lease is exclusive until its TTL runs out, a cooldown
ends at its time, a cancel request waits for the lease's holder. No other runtime exists here,
so ``foreign_events`` yields nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio

from ollm_actors.state.interface import Health, Lease, RemoteEvent, SharedCooldown, Stamped
from ollm_actors.vocab.clock import Clock

__all__ = ("LocalState", "new_origin")

# Facts per digest kept at most (the oldest go first); snapshots are one per host.
_MAX_FACTS = 20_000


def new_origin() -> str:
    """A new runtime id: random, short enough to read in a log line."""
    return f"rt-{secrets.token_hex(6)}"


class _Held:
    __slots__ = ("cancel", "expires", "holder", "token")

    def __init__(self, holder: str, token: str, expires: float) -> None:
        self.holder, self.token, self.expires = holder, token, expires
        self.cancel = False


class LocalState:
    """:class:`~ollm_actors.state.interface.SharedState` in this process's memory."""

    def __init__(self, clock: Clock | None = None, *, origin: str | None = None) -> None:
        self._clock = clock if clock is not None else Clock(anyio.current_time)
        self._origin = origin or new_origin()
        self._snapshots: dict[str, Stamped] = {}
        self._facts: dict[str, bytes] = {}
        self._leases: dict[str, _Held] = {}
        self._cooldowns: dict[str, SharedCooldown] = {}
        #: key -> (outcome, monotonic time it is forgotten at)
        self._ended: dict[str, tuple[str, float]] = {}

    def __repr__(self) -> str:
        return f"LocalState(origin={self._origin!r})"

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def shared(self) -> bool:
        return False

    @property
    def health(self) -> Health:
        return "ok"

    async def put_snapshot(self, host: str, value: bytes) -> None:
        self._snapshots[host] = Stamped(value=value, stamp=self._clock.wall(), origin=self._origin)

    async def get_snapshot(self, host: str) -> Stamped | None:
        return self._snapshots.get(host)

    def remember_snapshot(self, host: str, stamped: Stamped) -> None:
        """Keep a snapshot read from a shared store (the fallback's copy), if newer."""
        known = self._snapshots.get(host)
        if known is None or known.stamp < stamped.stamp:
            self._snapshots[host] = stamped

    async def put_facts(self, digest: str, value: bytes) -> None:
        if len(self._facts) >= _MAX_FACTS and digest not in self._facts:
            del self._facts[next(iter(self._facts))]
        self._facts[digest] = value

    async def get_facts(self, digest: str) -> bytes | None:
        return self._facts.get(digest)

    def _live(self, key: str) -> _Held | None:
        held = self._leases.get(key)
        if held is not None and held.expires <= self._clock.now():
            del self._leases[key]
            return None
        return held

    async def acquire(self, key: str, ttl: float) -> Lease | None:
        if self._live(key) is not None:
            return None
        token = secrets.token_hex(16)
        self._ended.pop(key, None)
        self._leases[key] = _Held(self._origin, token, self._clock.now() + ttl)
        return Lease(key=key, token=token, holder=self._origin, ttl=ttl)

    async def holder(self, key: str) -> str | None:
        held = self._live(key)
        return None if held is None else held.holder

    async def renew(self, lease: Lease) -> bool:
        held = self._live(lease.key)
        if held is None or held.token != lease.token:
            return False
        held.expires = self._clock.now() + lease.ttl
        return True

    async def release(self, lease: Lease, outcome: str | None = None) -> bool:
        held = self._live(lease.key)
        if held is None or held.token != lease.token:
            return False
        del self._leases[lease.key]
        now = self._clock.now()
        for key in [k for k, (_, until) in self._ended.items() if until <= now]:
            del self._ended[key]
        if outcome is not None:
            self._ended[lease.key] = (outcome, now + 2 * lease.ttl)
        return True

    async def ended(self, key: str) -> str | None:
        record = self._ended.get(key)
        if record is None or record[1] <= self._clock.now():
            return None
        return record[0]

    async def request_cancel(self, key: str) -> None:
        held = self._live(key)
        if held is not None:
            held.cancel = True

    async def cancel_requested(self, key: str) -> bool:
        held = self._live(key)
        return held is not None and held.cancel

    async def put_cooldown(self, host: str, reason: str, seconds: float) -> None:
        until = self._clock.wall() + seconds
        self._cooldowns[host] = SharedCooldown(
            host=host, reason=reason, until=until, origin=self._origin
        )

    async def clear_cooldown(self, host: str) -> None:
        self._cooldowns.pop(host, None)

    async def cooldowns(self) -> dict[str, SharedCooldown]:
        now = self._clock.wall()
        for host in [h for h, c in self._cooldowns.items() if c.until <= now]:
            del self._cooldowns[host]
        return dict(self._cooldowns)

    async def publish(self, topic: str, data: bytes) -> None:
        """Nobody else is here to hear it."""

    async def publish_many(self, events: Sequence[tuple[str, bytes]]) -> None:
        """Nobody else is here to hear them."""

    @asynccontextmanager
    async def foreign_events(self) -> AsyncIterator[AsyncIterator[RemoteEvent]]:
        yield _Nothing()


class _Nothing:
    """An event stream on which nothing ever arrives (waits until cancelled)."""

    def __aiter__(self) -> _Nothing:
        return self

    async def __anext__(self) -> RemoteEvent:
        await anyio.sleep_forever()
        raise StopAsyncIteration

