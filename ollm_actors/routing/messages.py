"""Messages of the router actor: asks from :class:`~ollm_actors.routing.api.RouterAPI` and the
invalidation its bus callbacks send."""

from __future__ import annotations

import msgspec

from ollm_actors.actors import Request
from ollm_actors.routing.decision import RouteDecision

__all__ = (
    "GetRouterStatistics",
    "Invalidate",
    "RouterMessage",
    "RouterStatistics",
    "SelectModel",
    "SuitedProfiles",
)


class SelectModel(Request[RouteDecision], frozen=True):
    """The decision for ``profile`` given a prompt of ``prompt_tokens`` tokens and extra
    required capabilities ``require``."""

    profile: str
    prompt_tokens: int = 0
    require: tuple[str, ...] = ()


class SuitedProfiles(Request[list[str]], frozen=True):
    """The names of the routing profiles whose hard filters the model ``name`` passes."""

    name: str


class RouterStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """The router's counters: decisions answered from the cache or computed, invalidations
    taken, candidate lists built, and what is cached now."""

    hits: int
    misses: int
    invalidations: int
    refreshes: int
    cached_decisions: int
    candidates: int


class GetRouterStatistics(Request[RouterStatistics], frozen=True):
    """A snapshot of :class:`RouterStatistics`."""


class Invalidate(msgspec.Struct, frozen=True, tag=True):
    """Drop cached decisions and candidates: ``reason`` is the bus topic that caused it."""

    reason: str


RouterMessage = SelectModel | SuitedProfiles | GetRouterStatistics | Invalidate
