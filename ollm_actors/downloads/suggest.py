"""Close names for a model name that does not exist: pure functions, no I/O."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ("literal_names", "suggest_names")

_GLOB = "*?["
# Below this similarity a name is not worth suggesting (difflib's usual cutoff).
_CUTOFF = 0.6


def literal_names(patterns: Iterable[str]) -> list[str]:
    """The literal model names the glob ``patterns`` of the model database start with.

    ``llama3.1*`` gives ``llama3.1``, ``llama4:scout*`` gives ``llama4:scout``; a pattern whose
    literal part is shorter than two characters gives nothing. Order kept, duplicates dropped.
    """
    seen: dict[str, None] = {}
    for pattern in patterns:
        cut = min((i for i in (pattern.find(c) for c in _GLOB) if i >= 0), default=len(pattern))
        literal = pattern[:cut].rstrip(":-._/")
        if len(literal) >= 2:
            seen.setdefault(literal, None)
    return list(seen)


def _base(name: str) -> str:
    return name.split(":", 1)[0]


def suggest_names(name: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """Up to ``limit`` of ``candidates`` most similar to ``name``, best first.

    Names compare case-insensitively, whole and by their part before the tag, so ``lama3``
    finds ``llama3`` and ``llama3.1:8b``. ``name`` itself (and an implied ``:latest``) is
    never suggested.
    """
    wanted = name.casefold()
    wanted_base = _base(wanted)
    own = {wanted, wanted_base, f"{wanted_base}:latest"}
    scored: dict[str, float] = {}
    for candidate in candidates:
        folded = candidate.casefold()
        if folded in own or candidate in scored:
            continue
        score = max(
            difflib.SequenceMatcher(None, wanted, folded).ratio(),
            difflib.SequenceMatcher(None, wanted_base, _base(folded)).ratio(),
        )
        if score >= _CUTOFF:
            scored[candidate] = score
    ranked = sorted(scored.items(), key=lambda item: (-item[1], len(item[0]), item[0]))
    return [candidate for candidate, _ in ranked[:limit]]
