"""Messages and events of the limits actor: what its typed client asks, what it publishes."""

from __future__ import annotations

import msgspec

from ollm_actors.actors.messages import Request
from ollm_actors.limits.resolve import ModelLimits

__all__ = ("LimitsLearned", "LookupLimits")


class LookupLimits(Request[ModelLimits], frozen=True):
    """The resolved limits of ``name`` (facts from ``host``, else any host that has it)."""

    name: str
    host: str | None = None


class LimitsLearned(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``limits.learned``: a server's facts about a digest, seen for the first time."""

    model: str
    digest: str
    context_length: int | None
    capabilities: tuple[str, ...] | None
