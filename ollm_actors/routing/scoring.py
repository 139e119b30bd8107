"""The router's per-candidate rules: hard filters (why a model cannot serve a profile) and
the score that orders the models that can, with a sentence for each part of the score.

Family matching: a preferred family ``p`` matches a candidate when its routing family or its
model name (without tag or namespace) equals ``p`` or starts with ``p`` followed by a
character that is not a letter, all case-insensitively. So ``qwen`` matches ``qwen2.5`` and
``qwen2.5-coder``, ``llama`` matches ``llama3.1`` but not ``llava``, and ``codellama`` (whose
routing family may be ``llama``) still matches ``codellama`` by its name. The better of the
two matches counts.

Score parts (higher is better; only fitting candidates are scored):

==========================  ============================================================
preferred family            30 (last in ``preferredFamilies``) to 50 (first)
listed for the profile      +15 when the model database lists the profile for the model
size suited to the profile  0–10: ``fast`` prefers ≤ 4B; ``general``, ``creative``,
                            ``tools`` and ``code`` prefer 7–14B (smaller within the band)
code-tuned                  +10 for ``code`` when the family or name says code/coder
larger window               0–10 for ``long-context``, growing with log2 of the window
already loaded              +8 (no load time)
quantization                +3 for 4–8 bit, −3 for 16/32 bit, 0 otherwise or unknown
stale                       −20 for an entry from an offline host's cached list
==========================  ============================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import msgspec

from ollm_actors.routing.candidate import (
    Candidate,
    estimated_billions,
    quantization_bits,
)
from ollm_actors.routing.memory_rule import placement, request_context, spill_misfit
from ollm_actors.vocab.fit import Misfit, Need, misfit, need_for
from ollm_actors.vocab.names import model_base
from ollm_actors.vocab.profiles import RoutingProfile

__all__ = (
    "Rules",
    "add_dynamic_points",
    "base_rank",
    "explain",
    "family_part",
    "family_rank",
    "quant_points",
    "reject",
    "rules_for",
    "score",
    "size_points",
    "static_points",
)

FAMILY_TOP = 50.0
FAMILY_SPAN = 20.0
LISTED_BONUS = 15.0
SIZE_MAX = 10.0
CODE_TUNED_BONUS = 10.0
WINDOW_MAX = 10.0
LOADED_BONUS = 8.0
QUANT_BONUS = 3.0
STALE_PENALTY = 20.0

_SMALL_PROFILES = frozenset({"fast"})
_MID_PROFILES = frozenset({"general", "creative", "tools", "code"})
_CODE_PROFILES = frozenset({"code"})
_WINDOW_PROFILES = frozenset({"long-context"})


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """One profile's need (the fit rule's input) and preferences, prepared once for a whole
    candidate list."""

    profile: str
    need: Need
    required: tuple[str, ...]
    min_window: int
    prompt_tokens: int
    preferred: tuple[str, ...]
    small: bool
    mid: bool
    code_tuned: bool
    wide_window: bool
    #: False: a candidate that would spill to the CPU is rejected (``allowCpuSpill``)
    allow_cpu_spill: bool = True


def rules_for(
    name: str,
    profile: RoutingProfile,
    *,
    require: Iterable[str] = (),
    prompt_tokens: int = 0,
    num_ctx: int | None = None,
    max_output: int | None = None,
) -> Rules:
    """Prepare the rules of ``profile`` (known under ``name``) plus a caller's ``require``.

    ``require`` must already be capability names of ``CAPABILITY_NAMES``; ``num_ctx`` is the
    context requests are sent with (``providers.ollama.options.numCtx``), if capped;
    ``max_output`` the output a request asks for (``options.maxTokens``), reserved by the fit.
    """
    need = need_for(
        name,
        profile,
        require=require,
        prompt_tokens=prompt_tokens,
        num_ctx=num_ctx,
        max_output=max_output,
    )
    return Rules(
        profile=name,
        need=need,
        required=need.required,
        min_window=need.min_window,
        prompt_tokens=need.prompt_tokens,
        preferred=tuple(f.lower() for f in profile.preferredFamilies),
        small=name in _SMALL_PROFILES,
        mid=name in _MID_PROFILES,
        code_tuned=name in _CODE_PROFILES,
        wide_window=name in _WINDOW_PROFILES,
        allow_cpu_spill=profile.allowCpuSpill is not False,
    )


def reject(candidate: Candidate, rules: Rules) -> Misfit | None:
    """The first rule of the fit rule (:mod:`ollm_actors.vocab.fit`) ``candidate`` breaks
    under ``rules``, or ``None`` if it fits; then, for a profile that allows no CPU spill,
    the memory rule (:mod:`ollm_actors.routing.memory_rule`)."""
    why = misfit(
        candidate.capabilities, candidate.context_window, rules.need, candidate.max_output_tokens
    )
    if why is None and not rules.allow_cpu_spill and candidate.memory is not None:
        num_ctx = request_context(candidate, rules.need)
        placed = placement(candidate, num_ctx)
        if placed is not None and not placed.fits:
            return spill_misfit(candidate, num_ctx, rules.profile)
    return why


def _matches(text: str, family: str) -> bool:
    if not text.startswith(family):
        return False
    return len(text) == len(family) or not text[len(family)].isalpha()


def base_rank(family: str, base: str, preferred: tuple[str, ...]) -> int | None:
    """The 0-based index in ``preferred`` (lower-cased families) of the first family that
    matches the routing ``family`` or the model ``base`` (lower-cased, as
    :func:`~ollm_actors.vocab.names.model_base` gives it); ``None`` if none does."""
    fam = family.lower()
    for index, wanted in enumerate(preferred):
        if _matches(fam, wanted) or _matches(base, wanted):
            return index
    return None


def family_rank(family: str, name: str, preferred: tuple[str, ...]) -> int | None:
    """:func:`base_rank` of the routing ``family`` and the model base of ``name``."""
    return base_rank(family, model_base(name), preferred)


def _family_points(rank: int, count: int) -> float:
    if count <= 1:
        return FAMILY_TOP
    return FAMILY_TOP - FAMILY_SPAN * rank / (count - 1)


def size_points(small: bool, billions: float | None) -> float:
    """Size fit for a small-model profile (``small``) or a mid-size one (otherwise)."""
    if billions is None:
        return 0.0
    if small:
        if billions <= 4:
            return SIZE_MAX
        if billions <= 8:
            return 5.0
        return 2.0 if billions <= 14 else 0.0
    if 7 <= billions <= 14:
        # Within the band, the lighter model answers sooner.
        return SIZE_MAX - 0.1 * (billions - 7)
    if 3 <= billions < 7:
        return 6.0
    if 14 < billions <= 34:
        return 5.0
    return 3.0 if billions < 3 else 1.0


def _is_code_tuned(family: str, base: str) -> bool:
    return "code" in family.lower() or "code" in base


def _window_points(rules: Rules, window: int) -> float:
    floor = max(rules.min_window, 1)
    if window <= floor:
        return 0.0
    return min(WINDOW_MAX, 2.5 * math.log2(window / floor))


def quant_points(quantization: str) -> float:
    """The quantization part of the score (``+3`` for 4–8 bit, ``-3`` for 16 bit and more,
    0 otherwise or when unknown)."""
    bits = quantization_bits(quantization)
    if bits is None:
        return 0.0
    if 4 <= bits <= 8:
        return QUANT_BONUS
    return -QUANT_BONUS if bits >= 16 else 0.0


def family_part(family: str, base: str, rules: Rules) -> tuple[float, bool]:
    """The preferred-family points (0.0 when no preferred family matches) of a model with
    the routing ``family`` and model ``base`` under ``rules``, and whether the code-tuned
    bonus applies to it."""
    points = 0.0
    if rules.preferred:
        rank = base_rank(family, base, rules.preferred)
        if rank is not None:
            points = _family_points(rank, len(rules.preferred))
    return points, rules.code_tuned and _is_code_tuned(family, base)


def static_points(candidate: Candidate, rules: Rules) -> float:
    """The score parts of ``candidate`` that depend only on its identity and the profile's
    preferences: family, size, code-tuned, quantization, added in that order (a fast path
    that sums the same parts in the same order gets the same float)."""
    total, code_tuned = family_part(candidate.family, model_base(candidate.name), rules)
    if rules.small or rules.mid:
        total += size_points(
            rules.small,
            estimated_billions(candidate.parameter_size, candidate.quantization, candidate.size),
        )
    if code_tuned:
        total += CODE_TUNED_BONUS
    if candidate.quantization:
        total += quant_points(candidate.quantization)
    return total


def add_dynamic_points(total: float, candidate: Candidate, rules: Rules) -> float:
    """``total`` plus the score parts that depend on the candidate's state (listed profiles,
    window, loaded, stale), added in a fixed order so every caller gets the same float;
    :func:`score` is ``add_dynamic_points(static_points(...), ...)``."""
    if rules.profile in candidate.profiles:
        total += LISTED_BONUS
    if rules.wide_window:
        total += _window_points(rules, candidate.context_window)
    if candidate.loaded:
        total += LOADED_BONUS
    if candidate.stale or not candidate.online:
        total -= STALE_PENALTY
    return total


def score(candidate: Candidate, rules: Rules) -> float:
    """The score of a candidate that passed :func:`reject` (higher is better)."""
    return add_dynamic_points(static_points(candidate, rules), candidate, rules)


def explain(candidate: Candidate, rules: Rules) -> list[str]:
    """Sentences saying what earned ``candidate`` its :func:`score` under ``rules``."""
    out: list[str] = []
    name = candidate.name
    base = model_base(name)
    count = len(rules.preferred)
    rank = base_rank(candidate.family, base, rules.preferred) if count else None
    if rank is not None:
        out.append(
            f"{name} is a '{rules.preferred[rank]}'-family model, rank {rank + 1} of "
            f"{count} in the '{rules.profile}' profile's preferredFamilies"
        )
    elif count:
        out.append(f"{name} is in none of the '{rules.profile}' profile's preferredFamilies")
    if rules.profile in candidate.profiles:
        out.append(f"the model database lists {name} for '{rules.profile}'")
    billions = estimated_billions(candidate.parameter_size, candidate.quantization, candidate.size)
    if (rules.small or rules.mid) and billions is not None:
        points = size_points(rules.small, billions)
        band = "≤ 4B" if rules.small else "7–14B"
        verdict = "suits" if points >= SIZE_MAX - 1 else "is outside"
        out.append(
            f"its size ({billions:.3g}B parameters) {verdict} the {band} "
            f"'{rules.profile}' prefers"
        )
    if rules.code_tuned and _is_code_tuned(candidate.family, base):
        out.append(f"{name} is tuned for code")
    if rules.wide_window and _window_points(rules, candidate.context_window) > 0:
        out.append(
            f"its {candidate.context_window}-token window exceeds the "
            f"{rules.min_window} tokens '{rules.profile}' needs"
        )
    if candidate.loaded:
        out.append(f"{name} is already loaded in memory on {candidate.host}")
    points = quant_points(candidate.quantization) if candidate.quantization else 0.0
    if points > 0:
        out.append(f"{candidate.quantization} quantization runs faster than full precision")
    elif points < 0:
        out.append(f"{candidate.quantization} is full precision, slower than a quantized build")
    return out
