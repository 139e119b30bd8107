"""The one "did you mean": close matches for a word that names nothing known.

Model names, routing profiles, capabilities and settings keys all go through
:func:`close_matches`; only the candidates differ (what is installed for ``rm`` and ``show``,
what is pullable for ``pull``, the known keys for a settings file).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ollm_actors.vocab.pattern_names import pattern_name

__all__ = ("close_match", "close_matches", "pullable_names")

# Below this similarity a word is not worth suggesting (difflib's usual cutoff).
_CUTOFF = 0.6


def _base(word: str) -> str:
    return word.split(":", 1)[0]


def close_matches(word: str, candidates: Iterable[str], *, limit: int = 3) -> tuple[str, ...]:
    """Up to ``limit`` of ``candidates`` most similar to ``word``, best first, distinct.

    Words compare case-insensitively, whole and by their part before a ``:`` tag, so
    ``lama3`` finds ``llama3`` and ``llama3.1:8b``. ``word`` itself (and, for a model name,
    the same name with or without its implied ``:latest``) is never suggested. Ties go to
    the closer whole name, then the shorter, then the alphabetically first. Pure; never raises.
    """
    wanted = word.strip().casefold()
    wanted_base = _base(wanted)
    own = {wanted}
    if wanted in (wanted_base, f"{wanted_base}:latest"):
        own |= {wanted_base, f"{wanted_base}:latest"}
    scored: dict[str, tuple[float, float]] = {}
    for candidate in candidates:
        folded = candidate.casefold()
        if folded in own or candidate in scored:
            continue
        whole = difflib.SequenceMatcher(None, wanted, folded).ratio()
        score = max(whole, difflib.SequenceMatcher(None, wanted_base, _base(folded)).ratio())
        if score >= _CUTOFF:
            scored[candidate] = (score, whole)
    ranked = sorted(
        scored.items(), key=lambda item: (-item[1][0], -item[1][1], len(item[0]), item[0])
    )
    return tuple(candidate for candidate, _ in ranked[:limit])


def close_match(word: str, candidates: Iterable[str]) -> str | None:
    """The single best of :func:`close_matches`, or None."""
    found = close_matches(word, candidates, limit=1)
    return found[0] if found else None


def pullable_names(patterns: Iterable[str]) -> list[str]:
    """The model names the model database's glob ``patterns`` spell
    (:func:`~ollm_actors.vocab.pattern_names.pattern_name`): what ``pull`` can be pointed
    at. Patterns that spell no name are skipped; order kept, duplicates dropped."""
    seen: dict[str, None] = {}
    for pattern in patterns:
        name = pattern_name(pattern)
        if name is not None:
            seen.setdefault(name, None)
    return list(seen)
