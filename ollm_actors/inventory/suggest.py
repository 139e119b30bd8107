"""Close model names for "did you mean" hints: pure, from the inventory and the database."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ollm_actors.errors import InvalidModelName
from ollm_actors.ollama.names import parse_model_name

__all__ = ("close_names", "literal_patterns")

_WILDCARDS = frozenset("*?[")


def literal_patterns(patterns: Iterable[str]) -> list[str]:
    """The names database patterns spell out: a plain pattern itself, and the model of a
    ``name:*`` pattern (``phi3:*`` gives ``phi3``)."""
    names = []
    for pattern in patterns:
        if pattern.endswith(":*") and not _WILDCARDS & set(pattern[:-2]):
            names.append(pattern[:-2])
        elif not _WILDCARDS & set(pattern):
            names.append(pattern)
    return names


def close_names(name: str, candidates: Iterable[str], *, limit: int = 3) -> tuple[str, ...]:
    """Up to ``limit`` candidates close to ``name``, best first, without duplicates.

    Compared in Ollama's short display form, case-insensitively; a name that is itself in the
    candidates is not suggested. Never raises for an odd name: it is compared as written.
    """
    try:
        wanted = parse_model_name(name).display.lower()
    except InvalidModelName:
        wanted = name.lower()
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    by_lower.pop(wanted, None)
    # Bare model names ("llama3.1") compete with tagged ones, so compare both forms.
    bare = wanted.removesuffix(":latest")
    found = difflib.get_close_matches(wanted, list(by_lower), n=limit, cutoff=0.6)
    found += difflib.get_close_matches(bare, list(by_lower), n=limit, cutoff=0.6)
    seen: dict[str, None] = {}
    for item in found:
        seen.setdefault(by_lower[item], None)
    return tuple(seen)[:limit]
