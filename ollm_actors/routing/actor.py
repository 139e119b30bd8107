"""The router actor: picks a model for a profile among the models available now, and caches
the decision until something it depends on changes.

Candidates are the inventory's models on every host (online ones and, marked stale, the
cached lists of offline hosts) with what ``/api/ps`` says is loaded and each host's health,
each resolved through the limits actor; the models of a host in cooldown are left out and
every decision's reasons name it. Selection itself is the pure
:func:`~ollm_actors.routing.select.select_model`.

Shared cooldowns. Before every selection the router reads the cooldowns other runtimes
share (:meth:`~ollm_actors.state.interface.SharedState.cooldowns`, answered from a cache at
most ``state.staleness`` old): a host another runtime put in cooldown is skipped like one of
its own (:mod:`~ollm_actors.routing.shared_cooldowns`), and the cached decisions are dropped
whenever that set changes, so none hides a new shared cooldown longer than the staleness.

Caching. The candidate list is kept for ``inventory.ttl`` seconds (then the inventory is asked
again; it decides itself whether to refetch from the hosts). Decisions are kept per
``(profile, prompt_tokens, require)`` as long as the candidate list they were made from. Both
are dropped at once on ``inventory.changed``, ``limits.learned``, ``host.online``,
``host.offline``, ``host.degraded``, ``host.cooldown``, ``host.cooldown_ended``,
``pull.done`` and ``model.deleted``: bus callbacks tell the actor an
:class:`~ollm_actors.routing.messages.Invalidate`, which is handled after every message sent
before the event, so an ask made after a change never sees the old answer. Every answered
decision is published as ``route.decided`` (payload: the :class:`RouteDecision`).

Fit. Whether a model can hold a prompt is the fit rule of :mod:`ollm_actors.vocab.fit`, the
same one ``rt.limits.budget`` applies (with ``providers.ollama.options.numCtx``), so a model
the router picks always has a budget that fits.

Memory. On a host whose ``vram`` the settings give, each candidate carries the model's
memory facts (learned by the limits actor from ``/api/show``) and the VRAM free for it
(capacity less what ``/api/ps`` says other models hold, or all of it with
``routing.memory.evict``); the memory rule (:mod:`ollm_actors.routing.memory_rule`) prefers
the host where the model fits at the request's context and, for ``allowCpuSpill: false``,
rejects a spill. Its placements are kept in the router's ``ScoreMemo``.
"""

from __future__ import annotations

import logging

from ollm_actors.actors import Actor, Event, InboxFull, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.errors import HostUnreachable, OllmError, StateDataError, UnknownProfile
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.limits.api import LimitsAPI
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.candidates_from import (
    build_candidates,
    candidate_from_limits,
    catalog_candidates,
    skipped_hosts,
)
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.messages import (
    GetRouterStatistics,
    Invalidate,
    RouterMessage,
    RouterStatistics,
    SelectModel,
    SuitedProfiles,
)
from ollm_actors.routing.select import ScoreMemo, normalise_capabilities, select_model
from ollm_actors.routing.shared_cooldowns import foreign_cooldowns, shared_skips, without_hosts
from ollm_actors.state.interface import SharedCooldown, SharedState
from ollm_actors.state.local import LocalState
from ollm_actors.vocab.database import DatabaseSource
from ollm_actors.vocab.fit import suited_profiles
from ollm_actors.vocab.names import model_key, parse_model_name
from ollm_actors.vocab.suggest import close_matches

__all__ = ("INVALIDATING_TOPICS", "RouterActor")

logger = logging.getLogger("ollm_actors.routing")

#: bus topics after which cached decisions may be wrong
INVALIDATING_TOPICS = (
    "inventory.changed",
    "limits.learned",
    "host.online",
    "host.offline",
    "host.degraded",
    "host.cooldown",
    "host.cooldown_ended",
    "pull.done",
    "model.deleted",
)

# Distinct (profile, prompt size, require) keys kept before the cache starts over; callers
# with free-form prompt sizes would otherwise grow it without bound.
_MAX_DECISIONS = 1024

_DecisionKey = tuple[str, int, tuple[str, ...]]


class RouterActor(Actor[RouterMessage]):
    """Answers :class:`SelectModel`, :class:`SuitedProfiles` and
    :class:`GetRouterStatistics`; uses the inventory and limits actors (spawned before it)."""

    def __init__(
        self,
        *,
        settings: Settings,
        bus: EventBus,
        inventory: InventoryAPI,
        limits: LimitsAPI,
        database: DatabaseSource,
        state: SharedState | None = None,
    ) -> None:
        """``database`` supplies the models that would fit if pulled; ``state`` what it shares
        with other runtimes (default: nothing, a :class:`LocalState`)."""
        self._shared: SharedState = state if state is not None else LocalState()
        self._database = database
        self._settings = settings
        self._bus = bus
        self._inventory = inventory
        self._limits = limits

    async def on_start(self) -> None:
        settings = self._settings
        self._profiles = settings.routing.profiles
        self._overrides = settings.model.routing.overrides
        self._enabled = settings.model.routing.enabled
        self._default_model = settings.model.default
        self._num_ctx = settings.providers.ollama.options.num_ctx
        self._max_output = settings.options.max_tokens  # reserved by the fit rule
        self._ttl = settings.inventory.ttl
        # Hosts of known GPU memory (providers.ollama.hosts[].vram) and how free is counted.
        self._capacities = settings.capacities()
        self._evict = settings.routing.memory.evict
        # What the inventory lists (less the hosts in this runtime's own cooldowns), the
        # hosts it knows and why it skips some; then, less the hosts in other runtimes'
        # cooldowns (as last read), the candidates. Tuples: the selection's memo keeps its
        # split into pools while it is the same one.
        self._listed: tuple[Candidate, ...] | None = None
        self._hosts: frozenset[str] = frozenset()
        self._own_skips: dict[str, str] = {}
        self._cooling: dict[str, SharedCooldown] = {}
        self._candidates: tuple[Candidate, ...] | None = None
        self._skipped: dict[str, str] = {}
        self._fetched_at = 0.0
        self._decisions: dict[_DecisionKey, RouteDecision] = {}
        self._catalog: list[Candidate] | None = None
        # Score parts are facts of a model's identity and a profile, never of the inventory's
        # state, so the memo outlives every invalidation.
        self._memo = ScoreMemo()
        # Set by a bus callback only when the inbox is too full to take an Invalidate.
        self._dirty = False
        self._hits = 0
        self._misses = 0
        self._invalidations = 0
        self._refreshes = 0
        bus = self._bus
        self._unsubscribe = [bus.on(topic, self._on_change) for topic in INVALIDATING_TOPICS]

    async def on_stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _on_change(self, event: Event) -> None:
        try:
            self.ref.tell_nowait(Invalidate(event.topic))
        except InboxFull:
            # The flag is read before every selection, so the change is still honoured.
            self._dirty = True
        except OllmError:
            return  # the actor is stopping: there is no cache left to drop

    def _drop(self) -> None:
        self._listed = None
        self._candidates = None
        self._decisions.clear()
        self._dirty = False

    async def _current(self) -> tuple[Candidate, ...]:
        """The candidate list, rebuilt when dropped or older than ``inventory.ttl``, and
        without the hosts other runtimes put in cooldown (read now: see the module).

        Raises ``HostUnreachable`` when no host has any data (online or cached).
        """
        if self._dirty or (
            self._listed is not None and self.now() - self._fetched_at >= self._ttl
        ):
            self._drop()
        if self._listed is None:
            started = self.now()
            self._listed = tuple(await self._fetch())
            self._fetched_at = started
            self._refreshes += 1
        cooling = await self._foreign_cooldowns()
        if self._candidates is None or cooling != self._cooling:
            # A decision made without (or with) a shared cooldown is wrong once it changed.
            self._decisions.clear()
            self._cooling = cooling
            shared = shared_skips(cooling, self._hosts, self._own_skips)
            self._skipped = {**self._own_skips, **shared}
            self._candidates = without_hosts(self._listed, shared.keys())
        return self._candidates

    async def _foreign_cooldowns(self) -> dict[str, SharedCooldown]:
        """Other runtimes' cooldowns; none when the shared state holds hostile data."""
        try:
            cooling = await self._shared.cooldowns()
        except StateDataError as exc:
            logger.debug("shared cooldowns ignored: %s", exc)
            return {}
        return foreign_cooldowns(cooling, self._shared.origin)

    async def _fetch(self) -> list[Candidate]:
        snapshot = await self._inventory.snapshot()
        try:
            loaded = await self._inventory.list_loaded()
        except HostUnreachable:
            loaded = []
        resolved = await self._limits.lookup_installed(snapshot.models)
        self._own_skips = skipped_hosts(snapshot)
        self._hosts = frozenset(status.url for status in snapshot.hosts)
        return build_candidates(
            snapshot, resolved, loaded, capacities=self._capacities, evict=self._evict
        )

    def _catalog_candidates(self) -> list[Candidate]:
        if self._catalog is None:
            self._catalog = catalog_candidates(self._database())
        return self._catalog

    @handler
    async def _select(self, msg: SelectModel) -> RouteDecision:
        if msg.profile not in self._profiles:
            raise UnknownProfile(
                msg.profile,
                self._profiles,
                suggestions=close_matches(msg.profile, self._profiles, limit=1),
            )
        require = normalise_capabilities(msg.require)
        prompt_tokens = max(msg.prompt_tokens, 0)
        key = (msg.profile, prompt_tokens, tuple(sorted(require)))
        candidates = await self._current()
        decision = self._decisions.get(key)
        if decision is None:
            self._misses += 1
            decision = select_model(
                msg.profile,
                candidates,
                profiles=self._profiles,
                overrides=self._overrides,
                prompt_tokens=prompt_tokens,
                num_ctx=self._num_ctx,
                max_output=self._max_output,
                require=require,
                routing_enabled=self._enabled,
                default_model=self._default_model,
                catalog=self._catalog_candidates(),
                memo=self._memo,
                skipped=self._skipped,
            )
            if len(self._decisions) >= _MAX_DECISIONS:
                self._decisions.clear()
            self._decisions[key] = decision
        else:
            self._hits += 1
        self._bus.publish("route.decided", decision)
        return decision

    @handler
    async def _suits(self, msg: SuitedProfiles) -> list[str]:
        wanted = parse_model_name(msg.name)
        try:
            installed = [c for c in await self._current() if model_key(c.name) == wanted.key]
        except HostUnreachable:
            installed = []
        if not installed:
            limits = await self._limits.lookup(msg.name)
            installed = [candidate_from_limits(limits)]
        suited: set[str] = set()
        for c in installed:
            suited.update(suited_profiles(c.capabilities, c.context_window, self._profiles))
        return [name for name in self._profiles if name in suited]

    @handler
    async def _statistics(self, msg: GetRouterStatistics) -> RouterStatistics:
        return RouterStatistics(
            hits=self._hits,
            misses=self._misses,
            invalidations=self._invalidations,
            refreshes=self._refreshes,
            cached_decisions=len(self._decisions),
            candidates=len(self._candidates or ()),
        )

    @handler
    async def _invalidate(self, msg: Invalidate) -> None:
        self._invalidations += 1
        self._drop()
