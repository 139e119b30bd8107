"""The limits actor: resolves a model's limits with the pure core, adding live server facts.

Layers (see :mod:`ollm_actors.limits.resolve`): user override > live facts from the server >
built-in database > family default > safe default. Live facts (``<arch>.context_length`` and
``capabilities`` from ``/api/show``) come from the inventory, which fetches them once per
digest and keeps them in its cache file, so an offline host still has them. The first time a
digest's facts are seen, ``limits.learned`` is published. Resolved answers are cached until
the inventory reports a change (``inventory.changed``).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import msgspec

from ollm_actors.actors import Actor, InboxFull, Reply, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.errors import ModelNotFound, OllmError
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.limits.messages import LimitsLearned, LookupLimits
from ollm_actors.limits.resolve import ModelLimits, resolve_limits, server_facts_from_show
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.database import DatabaseSource
from ollm_actors.vocab.memory import facts_from_model_info
from ollm_actors.vocab.names import parse_model_name

__all__ = ("LimitsActor",)

logger = logging.getLogger("ollm_actors.limits")

_Key = tuple[str, str | None]  # (name key, host display URL or None for any host)


class _FactsArrived(msgspec.Struct, frozen=True, tag=True):
    key: _Key
    name: str
    details: ModelDetails | None
    error: Any = None


class _Forget(msgspec.Struct, frozen=True, tag=True):
    pass


LimitsMessage = LookupLimits | _FactsArrived | _Forget


class LimitsActor(Actor[LimitsMessage]):
    """Answers :class:`LookupLimits`; asks the inventory (spawned before it) for show facts."""

    def __init__(
        self,
        *,
        settings: Settings,
        hosts: HostPool,
        bus: EventBus,
        inventory: InventoryAPI | None,
        database: DatabaseSource,
    ) -> None:
        """``inventory`` supplies live facts; without it, limits come from ``database`` (and
        the overrides and defaults)."""
        self._database = database
        self._settings = settings
        self._pool = hosts
        self._bus = bus
        self._inventory = inventory

    async def on_start(self) -> None:
        # Every answer needs it: read it now, off the event loop.
        self._db = await anyio.to_thread.run_sync(self._database)
        self._overrides = self._settings.limits.overrides
        self._resolved: dict[_Key, ModelLimits] = {}
        self._waiting: dict[_Key, list[Reply[ModelLimits]]] = {}
        self._learned: set[str] = set()
        self._unsubscribe = self._bus.on("inventory.changed", self._on_inventory_changed)

    async def on_stop(self) -> None:
        self._unsubscribe()

    def _on_inventory_changed(self, event: Any) -> None:
        try:
            self.ref.tell_nowait(_Forget())
        except InboxFull:
            self.start_soon(self.ref.tell, _Forget())
        except OllmError:
            return  # stopping

    async def _learn(self, key: _Key, name: str, host: str | None) -> None:
        if self._inventory is None:
            await self.ref.tell(_FactsArrived(key, name, None))
            return
        try:
            details = await self._inventory.show_model(name, host)
        except OllmError as exc:
            await self.ref.tell(_FactsArrived(key, name, None, exc))
        else:
            await self.ref.tell(_FactsArrived(key, name, details))

    @handler
    async def _lookup(self, msg: LookupLimits) -> None:
        parsed = parse_model_name(msg.name)
        host = self._pool.resolve(msg.host) if msg.host is not None else None
        reply = self.defer(msg)
        key = (parsed.key, host)
        cached = self._resolved.get(key)
        if cached is not None:
            reply.send(cached)
            return
        waiting = self._waiting.get(key)
        if waiting is None:
            self._waiting[key] = waiting = []
            self.start_soon(self._learn, key, parsed.display, host, name=f"limits:{parsed.display}")
        waiting.append(reply)

    @handler
    async def _facts_arrived(self, msg: _FactsArrived) -> None:
        waiting = self._waiting.pop(msg.key, [])
        details = msg.details
        try:
            limits = self._resolve(msg.name, details)
        except OllmError as exc:
            for reply in waiting:
                reply.fail(exc)
            return
        # Without facts because the host could not be asked, try again next time; a model
        # that is simply not installed resolves the same until the inventory changes.
        if details is not None or msg.error is None or isinstance(msg.error, ModelNotFound):
            self._resolved[msg.key] = limits
        for reply in waiting:
            reply.send(limits)

    def _resolve(self, name: str, details: ModelDetails | None) -> ModelLimits:
        if details is None:
            return resolve_limits(name, database=self._db, overrides=self._overrides)
        facts = server_facts_from_show(
            details.model_info, details.capabilities, details.family or None, details.digest
        )
        if details.digest not in self._learned:
            self._learned.add(details.digest)
            self._bus.publish(
                "limits.learned",
                LimitsLearned(
                    model=details.name,
                    digest=details.digest,
                    context_length=facts.context_length,
                    capabilities=details.capabilities,
                ),
            )
        limits = resolve_limits(
            name,
            database=self._db,
            overrides=self._overrides,
            server=facts,
            family=details.family or None,
        )
        memory = facts_from_model_info(
            details.model_info, tensors=details.tensors, family=details.family, weighed=False
        )
        if memory is not None:
            limits = msgspec.structs.replace(limits, memory=memory)
        own = details.default_num_ctx
        if own is None:
            return limits
        # The Modelfile's num_ctx is what a request without options gets: a limit fact.
        return msgspec.structs.replace(
            limits, default_context=own, default_context_source="modelfile"
        )

    @handler
    async def _forget(self, msg: _Forget) -> None:
        self._resolved.clear()
