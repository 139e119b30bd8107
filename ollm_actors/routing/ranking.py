"""Orders over candidates: the total order that settles every tie, the best of a scored
list, and the cut of the fitting candidates a decision lists.

The choice must never depend on the order the candidates came in, so every tie that score,
name and host leave open is settled by :func:`identity`, which compares every fact.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TypeVar

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import CandidateScore

__all__ = ("LISTED_CANDIDATES", "best", "cents", "identity", "listed", "listed_fits")

#: candidates a decision lists per kind (fitting, rejected, on other hosts); the rest are
#: only counted, so a decision over 10,000 models costs what choosing one does
LISTED_CANDIDATES = 100

_T = TypeVar("_T")


def identity(c: Candidate) -> tuple[object, ...]:
    """A total order over candidates, for ties that name and host do not break."""
    return (
        c.name,
        c.host,
        c.family,
        c.parameter_size,
        c.quantization,
        c.size,
        c.context_window,
        -1 if c.max_output_tokens is None else c.max_output_tokens,
        tuple(sorted(c.capabilities)),
        c.profiles,
        c.loaded,
        c.stale,
        c.online,
    )


def best(scored: Sequence[tuple[float, Candidate]]) -> tuple[float, Candidate]:
    """The highest score of ``scored`` (not empty) and the candidate that wins its tie by
    :func:`identity`."""
    top = max(s for s, _ in scored)
    tied = [pair for pair in scored if pair[0] == top]
    return min(tied, key=lambda pair: identity(pair[1]))


def cents(value: float) -> float:
    """``value`` to two decimals for display (``round(x, 2)`` is several times slower)."""
    return round(value * 100) / 100


def _score_of(entry: CandidateScore) -> float:
    return entry.score


def _rank(pair: tuple[float, Candidate]) -> tuple[float, str, str]:
    return (-pair[0], pair[1].name, pair[1].host)


def listed_fits(fitting: Sequence[tuple[float, Candidate]]) -> list[CandidateScore]:
    """The best-scored of ``fitting`` as entries, best first, at most LISTED_CANDIDATES.

    Under the cap equal scores keep the order the candidates came in; over it, the cut is
    by score, then name and host, so the same inventory lists the same ones in any order.
    """
    entry = CandidateScore
    if len(fitting) > LISTED_CANDIDATES:
        # The cut-off score from the floats alone (no key function), then only the few
        # candidates at or above it are ranked.
        cut = heapq.nlargest(LISTED_CANDIDATES, [s for s, _ in fitting])[-1]
        top = [pair for pair in fitting if pair[0] >= cut]
        top.sort(key=_rank)
        del top[LISTED_CANDIDATES:]
        # cents() inlined: this runs once per listed candidate.
        return [entry(name=c.name, host=c.host, score=round(s * 100) / 100) for s, c in top]
    entries = [entry(name=c.name, host=c.host, score=round(s * 100) / 100) for s, c in fitting]
    entries.sort(key=_score_of, reverse=True)
    return entries


def listed(items: Sequence[_T]) -> Sequence[_T]:
    """The first LISTED_CANDIDATES of ``items``, in the order they came in."""
    return items[:LISTED_CANDIDATES]
