"""Shared state on Valkey (or Redis): :class:`ValkeyState`, the ``state.backend: valkey``
implementation of :class:`~ollm_actors.state.interface.SharedState`.

Keys live under one namespace (``ollm`` by default): ``snap:{host}``, ``facts:{digest}``,
``lease:{key}`` (``holder|token``), ``cancel:{key}``, ``ended:{key}``, ``cool:{host}`` and the
stream ``events``. Every call is bounded by ``call_timeout``; a store that does not answer in time
(or refuses the connection) makes the state *degraded*: calls answer from an embedded
:class:`LocalState`, which also receives every write, and the store is probed again after a
capped backoff, not on every call. When it answers again the writes made meanwhile are
written back. Reads fetch through one Lua script that checks the type and the length before
the value leaves the server, so a hostile value is never transferred, let alone decoded.

This module and its stream module (:mod:`ollm_actors.state.stream`) are the only ones
importing ``coredis``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any, TypeVar

import anyio
import coredis
import coredis.exceptions
import coredis.retry
import msgspec

from ollm_actors.errors import StateDataError
from ollm_actors.state.guard import Guard
from ollm_actors.state.interface import (
    Health,
    HealthCallback,
    Lease,
    RemoteEvent,
    SharedCooldown,
    Stamped,
)
from ollm_actors.state.local import LocalState, new_origin
from ollm_actors.state.scripts import ACQUIRE, BOUNDED_GET, CANCEL, RELEASE, RENEW, ms
from ollm_actors.state.stream import BLOCK_MS, EventStream
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.hosts import redact_url

__all__ = ("ValkeyState",)

logger = logging.getLogger("ollm_actors.state")

T = TypeVar("T")

_UNREACHABLE = (TimeoutError, OSError, coredis.exceptions.ConnectionError)

class ValkeyState:
    """:class:`~ollm_actors.state.interface.SharedState` on a Valkey server at ``url``.

    Use it as an async context manager (it holds coredis's connection pool); ``on_health``
    is called once per change of health with a reason naming the redacted URL.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        namespace: str = "ollm",
        staleness: float = 2.0,
        stream_length: int = 10_000,
        max_value_bytes: int = 8 * 1024 * 1024,
        connect_timeout: float = 1.0,
        call_timeout: float = 0.5,
        on_health: HealthCallback | None = None,
        origin: str | None = None,
    ) -> None:
        self._url = url
        self._shown = redact_url(url)
        self._clock = clock if clock is not None else Clock(anyio.current_time)
        self._origin = origin or new_origin()
        self._local = LocalState(self._clock, origin=self._origin)
        self._ns = namespace
        self._staleness, self._stream_length = staleness, stream_length
        self._max_bytes = max_value_bytes
        self._connect_timeout, self._call_timeout = connect_timeout, call_timeout
        self._guard = Guard(
            clock=self._clock, shown=self._shown, connect_timeout=connect_timeout,
            call_timeout=call_timeout, unreachable=_UNREACHABLE, on_health=on_health,
            write_back=self._write_back,
        )
        self._call = self._guard.call
        self._dirty_snapshots: set[str] = set()
        self._dirty_facts: set[str] = set()
        self._dirty_cooldowns: set[str] = set()
        self._cool_cache: tuple[float, dict[str, SharedCooldown]] | None = None
        self._client: Any = None
        self._stack = AsyncExitStack()

    def __repr__(self) -> str:
        return f"ValkeyState({self._shown!r}, origin={self._origin!r}, health={self.health!r})"

    async def __aenter__(self) -> ValkeyState:
        client = coredis.Redis.from_url(
            self._url,
            connect_timeout=self._connect_timeout,
            stream_timeout=max(self._call_timeout, BLOCK_MS / 1000 + self._call_timeout),
            retry_policy=coredis.retry.NoRetryPolicy(),
            verify_version=False,
        )
        self._client = await self._stack.enter_async_context(client)
        self._stream = EventStream(
            self._client, self._guard, shown=self._shown, stream=f"{self._ns}:events",
            origin=self._origin, length=self._stream_length,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def shared(self) -> bool:
        return True

    @property
    def health(self) -> Health:
        return self._guard.health

    @property
    def fallback(self) -> LocalState:
        """The process-local state that answers while the store is degraded."""
        return self._local

    def _key(self, kind: str, name: str) -> str:
        return f"{self._ns}:{kind}:{name}"

    async def _write_back(self) -> None:
        local, client = self._local, self._client
        for host in sorted(self._dirty_snapshots):
            stamped = await local.get_snapshot(host)
            if stamped is not None:
                await client.set(self._key("snap", host), msgspec.msgpack.encode(stamped))
            self._dirty_snapshots.discard(host)
        for digest in sorted(self._dirty_facts):
            facts = await local.get_facts(digest)
            if facts is not None:
                await client.set(self._key("facts", digest), facts)
            self._dirty_facts.discard(digest)
        cooling = await local.cooldowns()
        for host in sorted(self._dirty_cooldowns):
            cooldown = cooling.get(host)
            if cooldown is None:
                await client.delete([self._key("cool", host)])
            else:
                await self._set_cooldown(cooldown, cooldown.until - self._clock.wall())
            self._dirty_cooldowns.discard(host)
        self._cool_cache = None

    # -- bounded reads ---------------------------------------------------------------------

    async def _read(self, keys: list[str]) -> list[bytes | None]:
        answer = await self._client.eval(BOUNDED_GET, keys, [self._max_bytes])
        values: list[bytes | None] = []
        for key, value in zip(keys, answer, strict=True):
            if value == -2:
                raise StateDataError(self._shown, key, "not a string value")
            if value == -1:
                raise StateDataError(self._shown, key, f"longer than {self._max_bytes} bytes")
            values.append(value)
        return values

    async def _read_each(self, keys: list[str]) -> list[bytes | StateDataError | None]:
        """:meth:`_read` of many keys, each hostile one its own error (the rest still read)."""
        answer = await self._client.eval(BOUNDED_GET, keys, [self._max_bytes]) if keys else []
        values: list[bytes | StateDataError | None] = []
        for key, value in zip(keys, answer, strict=True):
            if value == -2:
                values.append(StateDataError(self._shown, key, "not a string value"))
            elif value == -1:
                values.append(
                    StateDataError(self._shown, key, f"longer than {self._max_bytes} bytes")
                )
            else:
                values.append(value)
        return values

    def _decode(self, key: str, raw: bytes, kind: type[T]) -> T:
        try:
            return msgspec.msgpack.decode(raw, type=kind)
        except msgspec.DecodeError as exc:
            raise StateDataError(self._shown, key, f"undecodable: {exc}") from None

    # -- snapshots and facts ---------------------------------------------------------------

    async def put_snapshot(self, host: str, value: bytes) -> None:
        await self._local.put_snapshot(host, value)
        stamped = await self._local.get_snapshot(host)
        assert stamped is not None
        self._dirty_snapshots.add(host)

        async def remote() -> None:
            await self._client.set(self._key("snap", host), msgspec.msgpack.encode(stamped))
            self._dirty_snapshots.discard(host)

        await self._call(remote, _nothing)

    async def get_snapshot(self, host: str) -> Stamped | None:
        key = self._key("snap", host)

        async def remote() -> Stamped | None:
            (raw,) = await self._read([key])
            if raw is None:
                return None
            stamped = self._decode(key, raw, Stamped)
            self._local.remember_snapshot(host, stamped)
            return stamped

        return await self._call(remote, lambda: self._local.get_snapshot(host))

    async def put_facts(self, digest: str, value: bytes) -> None:
        await self._local.put_facts(digest, value)
        self._dirty_facts.add(digest)

        async def remote() -> None:
            await self._client.set(self._key("facts", digest), value)
            self._dirty_facts.discard(digest)

        await self._call(remote, _nothing)

    async def get_facts(self, digest: str) -> bytes | None:
        async def remote() -> bytes | None:
            (raw,) = await self._read([self._key("facts", digest)])
            if raw is not None:
                await self._local.put_facts(digest, raw)
            return raw

        return await self._call(remote, lambda: self._local.get_facts(digest))

    # -- leases ----------------------------------------------------------------------------

    def _lease_keys(self, key: str) -> list[str]:
        return [self._key("lease", key), self._key("cancel", key), self._key("ended", key)]

    async def acquire(self, key: str, ttl: float) -> Lease | None:
        token = new_origin().removeprefix("rt-") + new_origin().removeprefix("rt-")

        async def remote() -> Lease | None:
            value = f"{self._origin}|{token}"
            taken = await self._client.eval(ACQUIRE, self._lease_keys(key), [value, ms(ttl)])
            if taken != 1:
                return None
            return Lease(key=key, token=token, holder=self._origin, ttl=ttl)

        return await self._call(remote, lambda: self._local.acquire(key, ttl))

    async def holder(self, key: str) -> str | None:
        lease_key = self._key("lease", key)

        async def remote() -> str | None:
            (raw,) = await self._read([lease_key])
            if raw is None:
                return None
            holder, bar, _ = raw.decode("utf-8", "replace").partition("|")
            if not bar:
                raise StateDataError(self._shown, lease_key, "not holder|token")
            return holder

        return await self._call(remote, lambda: self._local.holder(key))

    async def renew(self, lease: Lease) -> bool:
        async def remote() -> bool:
            value = f"{lease.holder}|{lease.token}"
            keys = self._lease_keys(lease.key)
            return bool(await self._client.eval(RENEW, keys, [value, ms(lease.ttl)]) == 1)

        return await self._call(remote, lambda: self._local.renew(lease))

    async def release(self, lease: Lease, outcome: str | None = None) -> bool:
        async def remote() -> bool:
            value = f"{lease.holder}|{lease.token}"
            keys = self._lease_keys(lease.key)
            args = [value, outcome or "", ms(2 * lease.ttl)]
            return bool(await self._client.eval(RELEASE, keys, args) == 1)

        return await self._call(remote, lambda: self._local.release(lease, outcome))

    async def ended(self, key: str) -> str | None:
        ended_key = self._key("ended", key)

        async def remote() -> str | None:
            (raw,) = await self._read([ended_key])
            return None if raw is None else raw.decode("utf-8", "replace")

        return await self._call(remote, lambda: self._local.ended(key))

    async def request_cancel(self, key: str) -> None:
        async def remote() -> None:
            await self._client.eval(CANCEL, self._lease_keys(key), [])

        await self._call(remote, lambda: self._local.request_cancel(key))

    async def cancel_requested(self, key: str) -> bool:
        async def remote() -> bool:
            return bool(await self._client.exists([self._key("cancel", key)]) == 1)

        return await self._call(remote, lambda: self._local.cancel_requested(key))

    # -- cooldowns -------------------------------------------------------------------------

    async def _set_cooldown(self, cooldown: SharedCooldown, seconds: float) -> None:
        if seconds > 0:
            raw = msgspec.msgpack.encode(cooldown)
            await self._client.set(self._key("cool", cooldown.host), raw, px=ms(seconds))

    async def put_cooldown(self, host: str, reason: str, seconds: float) -> None:
        await self._local.put_cooldown(host, reason, seconds)
        cooldown = (await self._local.cooldowns()).get(host)
        self._dirty_cooldowns.add(host)
        self._cool_cache = None

        async def remote() -> None:
            if cooldown is not None:
                await self._set_cooldown(cooldown, seconds)
            self._dirty_cooldowns.discard(host)

        await self._call(remote, _nothing)

    async def clear_cooldown(self, host: str) -> None:
        await self._local.clear_cooldown(host)
        self._dirty_cooldowns.add(host)
        self._cool_cache = None

        async def remote() -> None:
            await self._client.delete([self._key("cool", host)])
            self._dirty_cooldowns.discard(host)

        await self._call(remote, _nothing)

    async def cooldowns(self) -> dict[str, SharedCooldown]:
        now = self._clock.now()
        if self._cool_cache is not None and now - self._cool_cache[0] <= self._staleness:
            wall = self._clock.wall()
            return {h: c for h, c in self._cool_cache[1].items() if c.until > wall}

        async def remote() -> dict[str, SharedCooldown]:
            # One hostile entry is that entry's problem: the others still count, and the
            # answer is cached as usual (else every route would scan again).
            keys = [
                key.decode("utf-8", "replace")
                async for key in self._client.scan_iter(match=self._key("cool", "*"))
            ]
            found: dict[str, SharedCooldown] = {}
            for key, raw in zip(keys, await self._read_each(keys), strict=True):
                if raw is None:
                    continue
                try:
                    if isinstance(raw, StateDataError):
                        raise raw
                    cooldown = self._decode(key, raw, SharedCooldown)
                except StateDataError as bad:
                    logger.debug("%s", bad)
                    continue
                found[cooldown.host] = cooldown
            self._cool_cache = (now, found)
            return dict(found)

        return await self._call(remote, self._local.cooldowns)

    # -- events (the stream module) ------------------------------------------------------

    async def publish(self, topic: str, data: bytes) -> None:
        await self._stream.publish_many([(topic, data)])

    async def publish_many(self, events: Sequence[tuple[str, bytes]]) -> None:
        await self._stream.publish_many(events)

    def foreign_events(self) -> AbstractAsyncContextManager[AsyncIterator[RemoteEvent]]:
        return self._stream.foreign_events()


async def _nothing() -> None:
    return None
