"""The :class:`~ollm_actors.errors.NoModelAvailable` of a search that found nothing: every
candidate with why it fails the end of the fallback chain, and the catalogue's models that
would fit if pulled."""

from __future__ import annotations

from collections.abc import Sequence

from ollm_actors.errors import NoModelAvailable
from ollm_actors.routing._fast import PoolScorer
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.ranking import identity
from ollm_actors.vocab.names import model_key

__all__ = ("no_model_error",)

_MAX_SUGGESTIONS = 5


def no_model_error(
    steps: Sequence[tuple[str, PoolScorer]],
    everyone: Sequence[Candidate],
    catalog: Sequence[Candidate],
) -> NoModelAvailable:
    """The error for a fallback chain (``steps``, not empty) under which nothing of
    ``everyone`` fits.

    Rejections are judged by the last profile of the chain and listed in candidate order
    (:func:`~ollm_actors.routing.ranking.identity`); suggestions are up to five ``catalog``
    models not installed, by the earliest profile they fit, then by score."""
    first_name, first = steps[0]
    last_name, last = steps[-1]
    rejected: list[tuple[str, str]] = []
    for cand in sorted(everyone, key=identity):
        why = last.misfit(cand)
        text = why.text if why is not None else "not chosen"
        if last_name != first_name:
            text = f"{text} (under '{last_name}', the end of the fallback chain)"
        if not cand.fresh:
            text = f"{text} [cached list, host offline]"
        rejected.append((cand.label, text))
    return NoModelAvailable(
        first_name,
        first.rules.required,
        rejected=rejected,
        suggestions=_suggestions(steps, everyone, catalog),
    )


def _suggestions(
    steps: Sequence[tuple[str, PoolScorer]],
    everyone: Sequence[Candidate],
    catalog: Sequence[Candidate],
) -> list[str]:
    if not catalog:
        return []
    have = {model_key(c.name) for c in everyone}
    picked: dict[str, tuple[int, float, tuple[object, ...], str]] = {}
    for step, (_, scorer) in enumerate(steps):
        for cand in catalog:
            key = model_key(cand.name)
            if key in have or scorer.misfit(cand) is not None:
                continue
            rank = (step, -scorer.score(cand), identity(cand), cand.name)
            if key not in picked or rank < picked[key]:
                picked[key] = rank
    ordered = sorted(picked.values())
    return [entry[3] for entry in ordered[:_MAX_SUGGESTIONS]]
