"""Which routing profiles a model can serve: the router's hard filters, applied to limits."""

from __future__ import annotations

from collections.abc import Mapping

from ollm_actors.limits.resolve import ModelLimits
from ollm_actors.routing.candidates_from import candidate_from_limits
from ollm_actors.routing.scoring import reject, rules_for
from ollm_actors.routing.types import RoutingProfile

__all__ = ("suited_profiles",)


def suited_profiles(limits: ModelLimits, profiles: Mapping[str, RoutingProfile]) -> list[str]:
    """The names of ``profiles`` whose capabilities and minimum context ``limits`` meet,
    in the order of ``profiles`` (pure; what ``ollm show`` lists as the profiles it suits)."""
    candidate = candidate_from_limits(limits)
    return [
        name
        for name, profile in profiles.items()
        if reject(candidate, rules_for(name, profile)) is None
    ]
