"""The decision when routing is disabled (``model.routing.enabled`` false): ``model.default``
wherever it is available, with a warning when it does not fit the profile asked for."""

from __future__ import annotations

from collections.abc import Sequence

from ollm_actors.errors import InvalidModelName, NoModelAvailable
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import CandidateScore, RouteDecision
from ollm_actors.routing.ranking import best, cents
from ollm_actors.routing.scoring import Rules, reject, score
from ollm_actors.vocab.names import model_key, parse_model_name

__all__ = ("default_decision",)

_DISABLED = "routing is disabled (model.routing.enabled is false)"


def default_decision(
    requested: str,
    candidates: Sequence[Candidate],
    default_model: str | None,
    rules: Rules,
) -> RouteDecision:
    """The decision for ``requested`` (prepared as ``rules``) that uses ``default_model``:
    its best-scored entry on a host that answers, else from a cached list.

    Raises :class:`~ollm_actors.errors.NoModelAvailable` when ``default_model`` is unset,
    not a valid name, or not among ``candidates``."""
    if not default_model:
        raise NoModelAvailable(
            requested,
            rules.required,
            rejected=[("model.default", f"{_DISABLED} and model.default is not set")],
        )
    try:
        key = parse_model_name(default_model).key
    except InvalidModelName as exc:
        raise NoModelAvailable(
            requested,
            rules.required,
            rejected=[(default_model, f"{_DISABLED} and model.default is invalid: {exc.reason}")],
        ) from exc
    matches = [c for c in candidates if model_key(c.name) == key]
    if not matches:
        raise NoModelAvailable(
            requested,
            rules.required,
            rejected=[(default_model, f"{_DISABLED} and model.default is not installed on any "
                                      "online host or in any cached list")],
        )
    fresh = [c for c in matches if c.fresh] or matches
    scored = [(score(c, rules), c) for c in fresh]
    _, chosen = best(scored)
    reasons = [f"{_DISABLED}: using model.default {chosen.name} on {chosen.host}"]
    misfit = reject(chosen, rules)
    if misfit is not None:
        reasons.append(f"warning: {chosen.name} does not fit '{requested}': it {misfit.text}")
    if not chosen.fresh:
        reasons.append(
            f"{chosen.host} did not answer: {chosen.name} comes from its cached model list"
        )
    return RouteDecision(
        profile=requested,
        requested_profile=requested,
        model=chosen.name,
        host=chosen.host,
        fallback_used=False,
        reasons=tuple(reasons),
        candidates=tuple(
            CandidateScore(name=c.name, host=c.host, score=cents(s)) for s, c in scored
        ),
        stale=not chosen.fresh,
    )
