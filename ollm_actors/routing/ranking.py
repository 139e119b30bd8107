"""Orders over candidates: the total order that settles every tie, the best of a scored
list, and the cut of the fitting candidates a decision lists.

The choice must never depend on the order the candidates came in, so every tie that score,
name and host leave open is settled by :func:`identity`, which compares every fact.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from typing import TypeVar

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import CandidateScore
from ollm_actors.routing.memory_rule import FITS, UNKNOWN

__all__ = (
    "LISTED_CANDIDATES",
    "best",
    "cents",
    "host_choice",
    "identity",
    "listed",
    "listed_fits",
    "preference",
)

#: candidates a decision lists per kind (fitting, rejected, on other hosts); the rest are
#: only counted, so a decision over 10,000 models costs what choosing one does
LISTED_CANDIDATES = 100

_T = TypeVar("_T")
#: a candidate's memory rank (:mod:`ollm_actors.routing.memory_rule`)
MemoryRank = Callable[[Candidate], int]


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
        c.degraded,
        -1.0 if c.latency_ms is None else c.latency_ms,
        ("", -1) if c.memory is None else (c.memory.digest, c.memory.free),
    )


def preference(c: Candidate, memory: int = UNKNOWN) -> tuple[object, ...]:
    """How a tie of equal scores is settled, lowest first: a host where the model fits whole
    in the GPU (``memory``, the memory rule's rank: fits, unknown, spills), then one where it
    is loaded (no cold load), then a healthy host over a degraded one, then the faster host
    (lower probe latency; unprobed last), then :func:`identity`."""
    return (memory, not c.loaded, c.degraded, _latency(c), identity(c))


def _no_memory(c: Candidate) -> int:
    return UNKNOWN


def best(
    scored: Sequence[tuple[float, Candidate]], rank: MemoryRank = _no_memory
) -> tuple[float, Candidate]:
    """The highest score of ``scored`` (not empty) and the candidate that wins its tie by
    :func:`preference`, ``rank`` giving each candidate's memory rank."""
    top = max(s for s, _ in scored)
    tied = [pair for pair in scored if pair[0] == top]
    return min(tied, key=lambda pair: preference(pair[1], rank(pair[1])))


def _latency(c: Candidate) -> float:
    return math.inf if c.latency_ms is None else c.latency_ms


def _host_facts(c: Candidate) -> str:
    facts = ["loaded" if c.loaded else "not loaded"]
    if c.degraded:
        facts.append("degraded")
    if c.latency_ms is not None:
        facts.append(f"{c.latency_ms:g} ms")
    return ", ".join(facts)


def host_choice(
    chosen: Candidate, peers: Sequence[Candidate], rank: MemoryRank = _no_memory
) -> str | None:
    """Why ``chosen`` runs on its host rather than on one of ``peers`` (the other hosts'
    candidates of the same model that fit too), or None when there are none; ``rank``
    gives each candidate's memory rank."""
    if not peers:
        return None
    peers = sorted(peers, key=lambda c: preference(c, rank(c)))
    rival = peers[0]
    if rank(chosen) < rank(rival):
        why = (
            "the model fits whole in its GPU"
            if rank(chosen) == FITS
            else f"the model would spill to the CPU on {rival.host}"
        )
    elif chosen.loaded and not rival.loaded:
        why = "the model is already loaded there (no cold load)"
    elif rival.degraded and not chosen.degraded:
        why = f"it answers well while {rival.host} is degraded"
    elif _latency(chosen) < _latency(rival):
        why = f"it answers faster ({_host_facts(chosen)} vs {_host_facts(rival)})"
    else:
        why = "the tie is settled by name order"
    others = ", ".join(f"{c.host} ({_host_facts(c)})" for c in peers[:3])
    more = f" and {len(peers) - 3} more" if len(peers) > 3 else ""
    return f"{chosen.name} is also on {others}{more}; {chosen.host} was chosen: {why}"


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
