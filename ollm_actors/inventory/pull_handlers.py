"""The inventory's handlers for what it hears of pulls and deletions (``pull.*`` and
``model.deleted``, told by :mod:`~ollm_actors.inventory.follow`): a part of
:class:`~ollm_actors.inventory.actor.InventoryActor`, mixed into it, kept apart so that the
actor's module stays one screenful of concerns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ollm_actors.actors import handler
from ollm_actors.errors import InvalidHost
from ollm_actors.inventory import rules
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.messages import ModelGone, PullSeen
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.names import model_key
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("PullHandlers",)


class _ActorNeeds(Protocol):
    """What :class:`PullHandlers` needs of the inventory actor it is mixed into."""

    _pool: HostPool
    _pulls: dict[rules.PullKey, PullEvent]

    def _state(self, url: str) -> HostState:
        """The state of host ``url`` (made on first use for an attached host)."""
        ...

    def _announce(self, news: Iterable[tuple[str, object]]) -> None:
        """Publish ``news`` (topic, payload pairs) on the bus."""
        ...

    def _persist(self, state: HostState) -> None:
        """Queue ``state``'s cache file for writing."""
        ...


class PullHandlers(_ActorNeeds):
    """Tracks pulls in flight (for ``pulling`` statuses and a refetch when one ends) and
    drops a deleted model at once. The actor provides what :class:`_ActorNeeds` lists
    (subclassing the protocol: an actor that lacks one stays abstract under mypy)."""

    def _known_host(self, host: str) -> HostState | None:
        try:
            return self._state(self._pool.resolve(host))
        except InvalidHost:
            return None

    @handler
    async def _pull_seen(self, msg: PullSeen) -> None:
        state = self._known_host(msg.event.host)
        if state is None:
            return
        key = (model_key(msg.event.model), state.url)
        if rules.track_pull(self._pulls, key, msg.topic, msg.event):
            state.dirty = True

    @handler
    async def _model_gone(self, msg: ModelGone) -> None:
        state = self._known_host(msg.event.host)
        if state is None:
            return
        news = rules.apply_deletion(state, model_key(msg.event.model))
        if news:
            self._announce(news)
            self._persist(state)
