"""The seed's RoutingProfile."""

from __future__ import annotations

import msgspec

__all__ = ("RoutingProfile",)


class RoutingProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A task profile: what a model must have and what the router prefers.

    Keys are the seed's camelCase so that settings files and the database read as the seed
    wrote them. ``requiredCapabilities`` uses the names of
    :data:`ollm_actors.vocab.entries.CAPABILITY_NAMES` (``toolCalling`` is accepted as ``tools``
    when settings load). ``allowCpuSpill: false`` rejects a model that would not fit whole
    in the GPU of a host whose capacity is known (None or true: a spill is allowed, only
    ranked below a host where the model fits).
    """

    name: str
    description: str = ""
    preferredFamilies: tuple[str, ...] = ()
    minContextWindow: int = 0
    requiredCapabilities: tuple[str, ...] = ()
    fallbackProfile: str | None = None
    allowCpuSpill: bool | None = None
