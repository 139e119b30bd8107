"""Building the :class:`RouteDecision` of a search: the chosen model, the reasons gathered,
and the candidates it lists (the best fitting ones, the rejected ones, those of the other
pool), at most :data:`~ollm_actors.routing.ranking.LISTED_CANDIDATES` of each kind."""

from __future__ import annotations

from collections.abc import Sequence

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import CandidateScore, RouteDecision
from ollm_actors.routing.outcome import Outcome
from ollm_actors.routing.ranking import listed, listed_fits
from ollm_actors.routing.scoring import Rules, reject

__all__ = ("routed_decision",)

_OFFLINE_NOTE = "cached entry of an offline host; used only when nothing online fits"


def routed_decision(
    requested: str,
    profile: str,
    chosen: Candidate,
    rules: Rules,
    outcome: Outcome,
    others: Sequence[Candidate],
    step: int,
    reasons: Sequence[str],
) -> RouteDecision:
    """The decision for ``chosen`` under ``profile`` (step ``step`` of the fallback chain
    from ``requested``), listing ``outcome``'s candidates and those of the ``others`` pool.

    A fresh ``chosen`` lists the others as offline cached entries; a stale one lists them
    with why they fail ``rules`` (nothing fresh fitted along the whole chain)."""
    entries = listed_fits(outcome.fitting)
    entries.extend(
        CandidateScore(name=c.name, host=c.host, score=0.0, rejected_reason=why.text)
        for c, why in listed(outcome.rejected)
    )
    listed_others = listed(others)
    if chosen.fresh:
        entries.extend(
            CandidateScore(name=c.name, host=c.host, score=0.0, rejected_reason=_OFFLINE_NOTE)
            for c in listed_others
        )
    else:
        for c in listed_others:
            why = reject(c, rules)
            text = why.text if why is not None else "not chosen"
            entries.append(
                CandidateScore(name=c.name, host=c.host, score=0.0, rejected_reason=text)
            )
    unlisted = len(outcome.fitting) + len(outcome.rejected) + len(others) - len(entries)
    return RouteDecision(
        profile=profile,
        requested_profile=requested,
        model=chosen.name,
        host=chosen.host,
        fallback_used=step > 0,
        reasons=tuple(reasons),
        candidates=tuple(entries),
        stale=not chosen.fresh,
        unlisted=unlisted,
    )
