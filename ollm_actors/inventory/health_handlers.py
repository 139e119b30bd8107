"""The inventory's handlers of host health: failed requests (and the cooldown rule they
feed), the probes of an offline host and the health probes, the end of a cooldown. A part
of :class:`~ollm_actors.inventory.actor.InventoryActor`, mixed into it like
:class:`~ollm_actors.inventory.pull_handlers.PullHandlers`; the decisions are the pure
functions of :mod:`~ollm_actors.inventory.health`."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from typing import Protocol

import anyio

from ollm_actors.actors import Actor, handler
from ollm_actors.errors import HostUnreachable, OllmError
from ollm_actors.inventory import health, rules
from ollm_actors.inventory.fetch import Fetches, probe
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.messages import (
    CooldownEnds,
    HealthTick,
    InventoryMessage,
    ProbeAnswered,
    ProbeDone,
)
from ollm_actors.inventory.probe import Probes, Sleep, wait_for_cooldown
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.cooldown import CooldownRule

__all__ = ("HealthHandlers",)


class _ActorNeeds(Protocol):
    """What :class:`HealthHandlers` needs of the inventory actor it is mixed into."""

    _pool: HostPool
    _clock: Clock
    _deadline: float
    _probe_initial: float
    _probe_max: float
    _slow: float
    _cooldown: CooldownRule
    _health_sleep: Sleep
    _hosts: dict[str, HostState]
    _fetches: Fetches
    _probes: Probes

    def _state(self, url: str) -> HostState:
        """The state of host ``url`` (made on first use for an attached host)."""
        ...

    def _announce(self, news: Iterable[tuple[str, object]]) -> None:
        """Publish ``news`` (topic, payload pairs) on the bus."""
        ...


class HealthHandlers(_ActorNeeds, Actor[InventoryMessage]):
    """Applies failures and probes to the hosts' health. The actor provides what
    :class:`_ActorNeeds` lists (the actor kernel the rest: ``ref``, ``now``,
    ``start_soon``)."""

    def _start_probe(self, state: HostState) -> None:
        state.probe = scope = anyio.CancelScope()
        initial, cap = self._probe_initial, self._probe_max
        delays = (backoff_delay(n, initial, cap) for n in itertools.count(1))
        report = functools.partial(self.ref.tell, ProbeAnswered(state.url))
        version = self._pool.client(state.url).version
        name = f"inventory:probe:{state.url}"
        self.start_soon(probe, scope, version, state.url, self._deadline, delays, report, name=name)

    def _failed(self, state: HostState, kind: str, error: OllmError) -> None:
        """Apply a failed request of endpoint ``kind``; count it for the cooldown when the
        host misbehaved (:func:`~ollm_actors.inventory.health.counts_for_cooldown`)."""
        counts = health.counts_for_cooldown(error, kind, was_offline=state.online is False)
        self._announce(rules.apply_failure(state, kind, error))
        if isinstance(error, HostUnreachable) and state.probe is None:
            self._start_probe(state)
        if counts:
            news = health.note_failure(
                state, self._cooldown, now=self.now(), wall=self._clock.wall(), reason=error.message
            )
            self._announce(news)
            if news:
                wait = wait_for_cooldown
                sleep, duration = self._health_sleep, self._cooldown.duration
                self.start_soon(wait, state.url, duration, sleep, self.ref.tell, name="cooldown")

    @handler
    async def _probe_answered(self, msg: ProbeAnswered) -> None:
        state = self._state(msg.host)
        state.probe = None
        if state.online is False:
            self._fetches.tags(state.url)

    @handler
    async def _probe_done(self, msg: ProbeDone) -> None:
        pending = self._probes.finished(msg.host)
        state = self._hosts[msg.host]
        state.probed_at = self.now()
        self._announce(health.cooldown_over(state, state.probed_at))
        if msg.error is not None:
            self._failed(state, "version", msg.error)
        elif health.apply_probe(state, msg.version, msg.seconds, now=self.now(), slow=self._slow):
            self._fetches.tags(state.url)
        else:
            self._announce(health.health_news(state))
        if pending is not None:
            pending.settle()

    @handler
    async def _health_tick(self, msg: HealthTick) -> None:
        for url in self._hosts:
            self._probes.probe(url)

    @handler
    async def _cooldown_ends(self, msg: CooldownEnds) -> None:
        state = self._hosts[msg.host]
        news = health.cooldown_over(state, self.now())
        self._announce(news)
        if news:
            self._probes.probe(state.url)
