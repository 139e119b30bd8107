"""THE fit rule: can a model serve a request? One answer for the router, the token budget,
``show``'s "profiles it suits" and the model database.

A model fits a request when, in this order:

1. **kind**: a generative request (its required capabilities do not include ``embedding``)
   needs a model that completes text, so an embedding-only model (``embedding`` without
   ``completion``) never serves it; an embedding request needs a model without
   ``completion``;
2. **capabilities**: it has every required capability;
3. **window**: its context window reaches the profile's ``minContextWindow``;
4. **prompt**: the prompt fits its effective window (the window, capped by ``num_ctx`` when
   one is set) with room for at least one output token when the model generates. How much
   output to ask for is the budget's business (it clamps ``maxTokens`` to what is left and
   to the model's own maximum), never a reason to call a model too small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from ollm_actors.vocab.entries import CAPABILITY_NAMES
from ollm_actors.vocab.profiles import RoutingProfile

__all__ = (
    "Misfit",
    "Need",
    "effective_window",
    "misfit",
    "need_for",
    "prompt_fits",
    "suited_profiles",
)

_ORDER = {name: i for i, name in enumerate(CAPABILITY_NAMES)}


class Need(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What one request needs of a model: prepared once, checked against many models."""

    profile: str
    required: tuple[str, ...]  # in the vocabulary's order, for messages
    required_set: frozenset[str]
    min_window: int
    prompt_tokens: int = 0
    num_ctx: int | None = None

    @property
    def generative(self) -> bool:
        return "embedding" not in self.required_set


class Misfit(msgspec.Struct, frozen=True):
    """Why a model does not fit: a ``kind`` to group by and a sentence about the model."""

    kind: str  # embedding-only | generative | capability | window | prompt
    text: str


def need_for(
    name: str,
    profile: RoutingProfile,
    *,
    require: Iterable[str] = (),
    prompt_tokens: int = 0,
    num_ctx: int | None = None,
) -> Need:
    """The need of a request for ``profile`` (known as ``name``) plus ``require`` (capability
    names of ``CAPABILITY_NAMES``), with a prompt of ``prompt_tokens`` (negative counts as 0)
    and the ``num_ctx`` the request will be sent with (None: the model's whole window)."""
    required_set = frozenset(profile.requiredCapabilities) | frozenset(require)
    return Need(
        profile=name,
        required=tuple(sorted(required_set, key=lambda c: (_ORDER.get(c, 99), c))),
        required_set=required_set,
        min_window=profile.minContextWindow,
        prompt_tokens=max(prompt_tokens, 0),
        num_ctx=num_ctx,
    )


def effective_window(window: int, num_ctx: int | None) -> int:
    """The context a request really gets: the model's ``window``, capped by ``num_ctx``."""
    return window if num_ctx is None or num_ctx >= window else num_ctx


def prompt_fits(
    window: int, prompt_tokens: int, *, generates: bool, num_ctx: int | None = None
) -> bool:
    """Rule 4: the prompt fits the effective window, leaving one output token for a model
    that generates."""
    return prompt_tokens + (1 if generates else 0) <= effective_window(window, num_ctx)


def misfit(capabilities: frozenset[str], window: int, need: Need) -> Misfit | None:
    """The first rule a model with ``capabilities`` and a ``window`` breaks for ``need``,
    or None when it fits."""
    generative = "embedding" not in need.required_set
    generates = "completion" in capabilities
    if generative:
        if "embedding" in capabilities and not generates:
            return Misfit(
                "embedding-only",
                f"is an embedding-only model; '{need.profile}' needs a generative model",
            )
    elif generates:
        return Misfit(
            "generative", f"is a generative model; '{need.profile}' needs an embedding model"
        )
    if not need.required_set <= capabilities:
        missing = [c for c in need.required if c not in capabilities]
        return Misfit("capability", f"lacks {', '.join(missing)}")
    if window < need.min_window:
        return Misfit(
            "window",
            f"context window {window} is under the {need.min_window} tokens "
            f"'{need.profile}' needs",
        )
    if not prompt_fits(window, need.prompt_tokens, generates=generates, num_ctx=need.num_ctx):
        room = effective_window(window, need.num_ctx)
        output = " and any output" if generates else ""
        return Misfit(
            "prompt",
            f"context window {room} cannot hold a {need.prompt_tokens}-token prompt{output}",
        )
    return None


def suited_profiles(
    capabilities: frozenset[str], window: int, profiles: Mapping[str, RoutingProfile]
) -> list[str]:
    """The names of ``profiles`` a model with ``capabilities`` and ``window`` fits with no
    prompt, in the order of ``profiles`` (what ``ollm show`` lists as the profiles it suits)."""
    return [
        name
        for name, profile in profiles.items()
        if misfit(capabilities, window, need_for(name, profile)) is None
    ]
