"""The evaluation of one pool of candidates under one profile, and the phrase that says
why nothing in it fits."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import msgspec

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.ranking import preference
from ollm_actors.routing.scoring import Rules
from ollm_actors.vocab.fit import Misfit

__all__ = ("Outcome", "why_none")


class Outcome(msgspec.Struct):
    """One pool under one profile: the fitting candidates with their scores and the rest
    with why, both in the order they came in; ``top`` is the best score (``-inf`` when
    nothing fits) and ``leaders`` the fitting candidates that reach it."""

    fitting: list[tuple[float, Candidate]] = msgspec.field(default_factory=list)
    rejected: list[tuple[Candidate, Misfit]] = msgspec.field(default_factory=list)
    top: float = -math.inf
    leaders: list[Candidate] = msgspec.field(default_factory=list)

    def best(self, rank: Callable[[Candidate], int] | None = None) -> tuple[float, Candidate]:
        """The best score and the candidate that wins its tie by
        :func:`~ollm_actors.routing.ranking.preference` (``fitting`` not empty), ``rank``
        giving each leader's memory rank (None: unknown for all)."""
        leaders = self.leaders
        if len(leaders) == 1:
            return self.top, leaders[0]
        if rank is None:
            return self.top, min(leaders, key=preference)
        return self.top, min(leaders, key=lambda c: preference(c, rank(c)))


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def why_none(outcome: Outcome, rules: Rules, where: str) -> str:
    """One phrase saying why no candidate of a pool fits a profile (``where`` names the
    pool: "on an online host", "in the cached lists")."""
    if not outcome.rejected:
        return f"no model is available {where}"
    kinds = Counter(why.kind for _, why in outcome.rejected)
    single = {
        "window": f"no model with a {rules.min_window}-token window",
        "prompt": f"no model whose window holds a {rules.prompt_tokens}-token prompt",
        "capability": f"no model with {', '.join(rules.required)}",
        "embedding-only": "only embedding models are available",
        "generative": "no embedding model is available",
        "memory": "no model fits whole in the GPU of its host (allowCpuSpill: false)",
    }
    if len(kinds) == 1:
        return single[next(iter(kinds))]
    plural = {
        "window": f"with a window under {rules.min_window} tokens",
        "prompt": f"too small for a {rules.prompt_tokens}-token prompt",
        "capability": f"without {', '.join(rules.required)}",
        "embedding-only": "embedding-only",
        "generative": "not embedding models",
        "memory": "too large for the GPU of their host",
    }
    parts = ", ".join(f"{n} {plural[k]}" for k, n in sorted(kinds.items(), key=_by_count))
    return f"none of the {len(outcome.rejected)} models {where} fits ({parts})"
