"""``InventoryAPI``: typed async calls over the inventory actor (what ``rt.models`` uses)."""

from __future__ import annotations

from typing import Any

from ollm_actors.actors.ref import ActorRef
from ollm_actors.inventory.messages import (
    GetStatus,
    HostsStatus,
    KnownDetails,
    ListLoaded,
    ListModels,
    ShowModel,
)
from ollm_actors.inventory.types import (
    HostStatus,
    InventorySnapshot,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ModelStatus,
)
from ollm_actors.ollama.pool import HostPool

__all__ = ("InventoryAPI",)


class InventoryAPI:
    """Lists, loaded models, show facts and model status, answered by the inventory actor.

    ``host`` is any host string: with the runtime's ``hosts`` pool given, a host the
    settings do not name is attached for the call (without it, such a host raises
    ``InvalidHost``). Every method may raise ``InvalidHost`` for a string that is not an
    Ollama address and ``ActorUnavailable`` while the runtime shuts down. Cancelling a call
    abandons its answer; a fetch it started still completes for the other askers and for
    the cache.
    """

    def __init__(self, ref: ActorRef[Any], hosts: HostPool | None = None) -> None:
        self._ref = ref
        self._hosts = hosts

    async def _host(self, host: str | None) -> str | None:
        if host is None or self._hosts is None:
            return host
        return await self._hosts.attach(host)

    async def snapshot(self, host: str | None = None, refresh: bool = False) -> InventorySnapshot:
        """Host statuses and models of ``host`` (None: every host) together.

        Answers from memory within ``inventory.ttl``; ``refresh`` forces a fetch. A host
        that is offline contributes its cached list marked stale. Raises ``HostUnreachable``
        only when no requested host has any data (online or cached).
        """
        answer: InventorySnapshot = await self._ref.ask(ListModels(await self._host(host), refresh))
        return answer

    async def list_models(self, host: str | None = None, refresh: bool = False) -> list[ModelInfo]:
        """The models of :meth:`snapshot`, in host order, each host's newest first."""
        return list((await self.snapshot(host, refresh)).models)

    async def list_loaded(self, host: str | None = None) -> list[LoadedModel]:
        """Models loaded in memory (``/api/ps``), asked of every online host now.

        An offline host contributes its last known loaded models marked stale. Raises
        ``HostUnreachable`` when no requested host answered and none has cached data.
        """
        answer: list[LoadedModel] = await self._ref.ask(ListLoaded(await self._host(host)))
        return answer

    async def show_model(self, name: str, host: str | None = None) -> ModelDetails:
        """The server's facts about ``name``, fetched once per digest and cached (also on disk).

        Raises ``InvalidModelName``, ``ModelNotFound`` (with close names) when no requested
        host has it, ``HostUnreachable`` when the facts are unknown and the host is offline.
        """
        answer: ModelDetails = await self._ref.ask(ShowModel(name, await self._host(host)))
        return answer

    async def known_details(self) -> list[ModelDetails]:
        """The ``/api/show`` facts already known of every host (fetched in this process or
        read from the cache file), without any request: what ``ollm list --json`` adds."""
        answer: list[ModelDetails] = await self._ref.ask(KnownDetails())
        return answer

    async def get_model_status(self, name: str, host: str | None = None) -> ModelStatus:
        """available | pulling | absent | unknown, with hosts, fraction or suggestions.

        Raises ``InvalidModelName`` for a name Ollama would reject.
        """
        answer: ModelStatus = await self._ref.ask(GetStatus(name, await self._host(host)))
        return answer

    async def hosts_status(self, probe: bool = False) -> list[HostStatus]:
        """Every host's status and health, in host order (see ``HostsAPI.status``)."""
        answer: list[HostStatus] = await self._ref.ask(HostsStatus(probe))
        return answer
