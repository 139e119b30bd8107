"""The inventory's side of the shared state (:class:`~ollm_actors.state.interface.SharedState`):
what it writes for other runtimes (host cooldowns, its hosts' lists, the facts it learned)
and what it reads from them before asking a host (:class:`Sharing`).

One code path for every backend: with :class:`~ollm_actors.state.local.LocalState` every
read finds only this runtime's own writes, which the rules ignore, so nothing changes.

Writes never delay a handler: each runs in a child task of the actor. They are ordered per
key (a host's cooldown, its snapshot, a digest's facts) and the latest wins: a key has at
most one write in flight, and a newer one waiting replaces an older one, so a cooldown
cleared while it was still being put is never left standing by the slower put. The
shared state bounds every call by its own deadlines and never raises for an unreachable
store; a read of hostile data (``StateDataError``) is treated as absent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from ollm_actors.errors import StateDataError
from ollm_actors.inventory.fetch import Lookup, StartSoon
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.snapshots import (
    SharedDetails,
    SharedList,
    encode_facts,
    encode_snapshot,
    usable_facts,
    usable_snapshot,
)
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.ollama.types import ListedModel
from ollm_actors.state.interface import SharedState
from ollm_actors.vocab.clock import Clock

__all__ = ("Sharing",)

logger = logging.getLogger("ollm_actors.inventory")

Write = Callable[[], Awaitable[None]]


class Sharing:
    """Reads and writes of one inventory actor to ``shared``; ``ttl`` is ``inventory.ttl``
    (how old a shared list may be), ``start_soon`` the actor's. Used from its handlers."""

    def __init__(
        self, shared: SharedState, clock: Clock, start_soon: StartSoon, *, ttl: float
    ) -> None:
        self._shared = shared
        self._clock = clock
        self._start_soon = start_soon
        self._ttl = ttl
        self._due: dict[str, Write] = {}
        self._writing: set[str] = set()

    # writes --------------------------------------------------------------------------------

    def _write(self, key: str, write: Write) -> None:
        self._due[key] = write
        if key not in self._writing:
            self._writing.add(key)
            self._start_soon(self._drain, key, name=f"inventory:shared:{key}")

    async def _drain(self, key: str) -> None:
        # The handlers and this task share one thread and the dict is never read across an
        # await, so taking the next write and adding one cannot interleave.
        try:
            while (write := self._due.pop(key, None)) is not None:
                await write()
        finally:
            self._writing.discard(key)

    def cooldown_started(self, url: str, reason: str, seconds: float) -> None:
        """``url`` entered a cooldown of ``seconds``: every runtime skips it that long."""
        put = functools.partial(self._shared.put_cooldown, url, reason, seconds)
        self._write(f"cool:{url}", put)

    def cooldown_ended(self, url: str) -> None:
        """``url``'s cooldown is over: every runtime may use it again."""
        self._write(f"cool:{url}", functools.partial(self._shared.clear_cooldown, url))

    def listed(self, state: HostState, models: list[ListedModel]) -> None:
        """``state``'s host answered its list with ``models``: share it, stamped now."""
        state.snapshot_stamp = self._clock.wall()
        put = functools.partial(
            self._shared.put_snapshot, state.url, encode_snapshot(state.url, models)
        )
        self._write(f"snap:{state.url}", put)

    def learned(self, details: ModelDetails) -> None:
        """A host answered ``/api/show`` with ``details``: share them for the digest."""
        raw = encode_facts(self._shared.origin, details)
        put = functools.partial(self._shared.put_facts, details.digest, raw)
        self._write(f"facts:{details.digest}", put)

    # reads ---------------------------------------------------------------------------------

    def list_lookup(self, state: HostState) -> Lookup:
        """What to try before asking ``state``'s host for its list: another runtime's
        snapshot fresher than the list held (read when the fetch runs)."""
        url, own = state.url, state.snapshot_stamp

        async def lookup() -> SharedList | None:
            try:
                stamped = await self._shared.get_snapshot(url)
            except StateDataError as exc:
                logger.debug("shared snapshot of %s ignored: %s", url, exc)
                return None
            return usable_snapshot(
                stamped,
                host=url,
                origin=self._shared.origin,
                own_stamp=own,
                wall=self._clock.wall(),
                ttl=self._ttl,
            )

        return lookup

    def facts_lookup(self, url: str, name: str, digest: str) -> Lookup:
        """What to try before asking ``url`` about ``name``: facts another runtime shared
        for ``digest``."""

        async def lookup() -> SharedDetails | None:
            try:
                raw = await self._shared.get_facts(digest)
            except StateDataError as exc:
                logger.debug("shared facts of %s ignored: %s", digest, exc)
                return None
            return usable_facts(
                raw, digest=digest, origin=self._shared.origin, name=name, host=url
            )

        return lookup
