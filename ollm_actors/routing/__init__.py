"""Routing: which model serves a profile or a task type, and why.

Every name loads on first use: the settings import ``routing.types`` on every command and
must not pay for the selection code, and the actor side depends on the limits package, whose
resolution imports this package's built-in profiles (an eager import would be circular).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ollm_actors._lazy import lazy_getattr

if TYPE_CHECKING:
    from ollm_actors.routing.actor import INVALIDATING_TOPICS, RouterActor
    from ollm_actors.routing.api import RouterAPI
    from ollm_actors.routing.candidate import Candidate
    from ollm_actors.routing.candidates_from import build_candidates, catalog_candidates
    from ollm_actors.routing.decision import CandidateScore, RouteDecision
    from ollm_actors.routing.errors import UnknownCapability, UnknownProfile
    from ollm_actors.routing.messages import RouterStatistics
    from ollm_actors.routing.profile_lookup import get_profile
    from ollm_actors.routing.profiles import BUILTIN_PROFILES, BUILTIN_TASKS
    from ollm_actors.routing.select import normalise_capabilities, select_model
    from ollm_actors.routing.types import RoutingProfile

__all__ = (
    "BUILTIN_PROFILES",
    "BUILTIN_TASKS",
    "INVALIDATING_TOPICS",
    "Candidate",
    "CandidateScore",
    "RouteDecision",
    "RouterAPI",
    "RouterActor",
    "RouterStatistics",
    "RoutingProfile",
    "UnknownCapability",
    "UnknownProfile",
    "build_candidates",
    "catalog_candidates",
    "get_profile",
    "normalise_capabilities",
    "select_model",
)

_LAZY = {
    "BUILTIN_PROFILES": "ollm_actors.routing.profiles",
    "BUILTIN_TASKS": "ollm_actors.routing.profiles",
    "Candidate": "ollm_actors.routing.candidate",
    "CandidateScore": "ollm_actors.routing.decision",
    "RouteDecision": "ollm_actors.routing.decision",
    "UnknownCapability": "ollm_actors.routing.errors",
    "UnknownProfile": "ollm_actors.routing.errors",
    "get_profile": "ollm_actors.routing.profile_lookup",
    "normalise_capabilities": "ollm_actors.routing.select",
    "select_model": "ollm_actors.routing.select",
    "RoutingProfile": "ollm_actors.routing.types",
    "INVALIDATING_TOPICS": "ollm_actors.routing.actor",
    "RouterActor": "ollm_actors.routing.actor",
    "RouterAPI": "ollm_actors.routing.api",
    "RouterStatistics": "ollm_actors.routing.messages",
    "build_candidates": "ollm_actors.routing.candidates_from",
    "catalog_candidates": "ollm_actors.routing.candidates_from",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
