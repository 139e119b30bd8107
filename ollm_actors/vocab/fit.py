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
   one is set) together with the **reserved output** of a model that generates:
   ``min(requested max output, the model's max output)`` (:func:`reserved_output`), at
   least one token. The requested max output is the request's ``max_output``, else
   ``options.maxTokens``; the budget sends exactly that reserve as ``num_predict``, so a
   model the router accepts always has room for the output asked of it.

An explicit override (``model.routing.overrides``) must pass every rule but the profile's
minimum window (:func:`override_misfit`).
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
    "override_misfit",
    "prompt_fits",
    "reserved_output",
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
    max_output: int | None = None  # the requested max output (None: one token)

    @property
    def generative(self) -> bool:
        return "embedding" not in self.required_set


class Misfit(msgspec.Struct, frozen=True):
    """Why a model does not fit: a ``kind`` to group by and a sentence about the model."""

    kind: str  # embedding-only | generative | capability | window | prompt | memory (router)
    text: str


def need_for(
    name: str,
    profile: RoutingProfile,
    *,
    require: Iterable[str] = (),
    prompt_tokens: int = 0,
    num_ctx: int | None = None,
    max_output: int | None = None,
) -> Need:
    """The need of a request for ``profile`` (known as ``name``) plus ``require`` (capability
    names of ``CAPABILITY_NAMES``), with a prompt of ``prompt_tokens`` (negative counts as 0),
    the ``num_ctx`` the request will be sent with (None: the model's whole window) and the
    ``max_output`` it asks for (None: nothing beyond the one token any answer needs)."""
    required_set = frozenset(profile.requiredCapabilities) | frozenset(require)
    return Need(
        profile=name,
        required=tuple(sorted(required_set, key=lambda c: (_ORDER.get(c, 99), c))),
        required_set=required_set,
        min_window=profile.minContextWindow,
        prompt_tokens=max(prompt_tokens, 0),
        num_ctx=num_ctx,
        max_output=None if max_output is None else max(max_output, 0),
    )


def effective_window(window: int, num_ctx: int | None) -> int:
    """The context a request really gets: the model's ``window``, capped by ``num_ctx``."""
    return window if num_ctx is None or num_ctx >= window else num_ctx


def reserved_output(requested: int | None, model_max: int | None, *, generates: bool) -> int:
    """The output tokens a fit keeps room for: ``min(requested, model_max)`` (``model_max``
    None: unknown, so ``requested``), at least 1 for a model that generates; 0 for one that
    does not. Nothing ``requested`` (None) reserves the one token any answer needs."""
    if not generates:
        return 0
    if requested is None:
        return 1
    return max(1, requested if model_max is None else min(requested, model_max))


def prompt_fits(
    window: int,
    prompt_tokens: int,
    *,
    generates: bool,
    num_ctx: int | None = None,
    reserve: int = 1,
) -> bool:
    """Rule 4: the prompt fits the effective window, leaving ``reserve`` output tokens
    (:func:`reserved_output`) for a model that generates."""
    return prompt_tokens + (reserve if generates else 0) <= effective_window(window, num_ctx)


def misfit(
    capabilities: frozenset[str], window: int, need: Need, max_output: int | None = None
) -> Misfit | None:
    """The first rule a model with ``capabilities``, a ``window`` and its own ``max_output``
    (None: unknown) breaks for ``need``, or None when it fits."""
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
    reserve = reserved_output(need.max_output, max_output, generates=generates)
    fits = prompt_fits(
        window, need.prompt_tokens, generates=generates, num_ctx=need.num_ctx, reserve=reserve
    )
    if not fits:
        room = effective_window(window, need.num_ctx)
        output = ""
        if generates:
            output = " and any output" if reserve == 1 else f" and {reserve} tokens of output"
        return Misfit(
            "prompt",
            f"context window {room} cannot hold a {need.prompt_tokens}-token prompt{output}",
        )
    return None


def override_misfit(
    capabilities: frozenset[str], window: int, need: Need, max_output: int | None = None
) -> Misfit | None:
    """:func:`misfit` for a model the user named (``model.routing.overrides``): every rule
    but the profile's minimum window, which naming a model overrules; a prompt that cannot
    fit or a missing capability it cannot."""
    relaxed = msgspec.structs.replace(need, min_window=0)
    return misfit(capabilities, window, relaxed, max_output)


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
