"""Route selection: the pure function that picks one model for a profile and says why.

The search itself (the order of pools and profiles, overrides, ties) is
:mod:`ollm_actors.routing.search`; the decision it returns is built in
:mod:`ollm_actors.routing.build_decision`, the error when nothing fits in
:mod:`ollm_actors.routing.no_model`, and the decision with routing disabled in
:mod:`ollm_actors.routing.disabled`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ollm_actors.errors import UnknownCapability, UnknownProfile
from ollm_actors.routing._fast import ScoreMemo
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.disabled import default_decision
from ollm_actors.routing.ranking import LISTED_CANDIDATES
from ollm_actors.routing.scoring import rules_for
from ollm_actors.routing.search import Search
from ollm_actors.vocab.entries import CAPABILITY_NAMES
from ollm_actors.vocab.profiles import RoutingProfile
from ollm_actors.vocab.suggest import close_matches

__all__ = (
    "LISTED_CANDIDATES",
    "ScoreMemo",
    "fallback_chain",
    "normalise_capabilities",
    "select_model",
)

_ALIASES = {"toolcalling": "tools", "tool_calling": "tools", "tool-calling": "tools"}
_EMPTY: Mapping[str, str] = {}


def normalise_capabilities(names: Iterable[str]) -> tuple[str, ...]:
    """Capability names in the vocabulary of ``CAPABILITY_NAMES`` (``toolCalling`` and
    case variants accepted), de-duplicated, in input order.

    Raises :class:`~ollm_actors.errors.UnknownCapability` for any other name.
    """
    out: list[str] = []
    for raw in names:
        folded = raw.strip().lower()
        name = _ALIASES.get(folded, folded)
        if name not in CAPABILITY_NAMES:
            raise UnknownCapability(
                raw, CAPABILITY_NAMES, suggestions=close_matches(raw, CAPABILITY_NAMES, limit=1)
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def fallback_chain(
    requested: str, profiles: Mapping[str, RoutingProfile]
) -> tuple[list[tuple[str, RoutingProfile]], str | None]:
    """The fallback chain from ``requested`` (a key of ``profiles``), and a note when it
    ends early (a cycle, or a fallback naming a profile that does not exist)."""
    chain = [(requested, profiles[requested])]
    seen = {requested}
    nxt = chain[0][1].fallbackProfile
    while nxt:
        here = chain[-1][0]
        if nxt in seen:
            path = " → ".join([*(n for n, _ in chain), nxt])
            return chain, f"the fallback chain loops ({path}); stopped at '{here}'"
        profile = profiles.get(nxt)
        if profile is None:
            return chain, f"fallback profile '{nxt}' of '{here}' is not defined; stopped"
        chain.append((nxt, profile))
        seen.add(nxt)
        nxt = profile.fallbackProfile
    return chain, None


def select_model(
    profile_name: str,
    candidates: Sequence[Candidate],
    *,
    profiles: Mapping[str, RoutingProfile],
    overrides: Mapping[str, str] = _EMPTY,
    prompt_tokens: int = 0,
    num_ctx: int | None = None,
    max_output: int | None = None,
    require: Iterable[str] = (),
    routing_enabled: bool = True,
    default_model: str | None = None,
    catalog: Sequence[Candidate] = (),
    memo: ScoreMemo | None = None,
    skipped: Mapping[str, str] = _EMPTY,
) -> RouteDecision:
    """Pick the model for ``profile_name`` among ``candidates`` (the models available now).

    Hard filters: the profile's ``requiredCapabilities`` plus ``require`` (kept along the
    fallback chain), then the fit rule of :mod:`ollm_actors.vocab.fit`: a window of at least
    ``minContextWindow`` that holds ``prompt_tokens`` (capped by ``num_ctx``) with room for
    the reserved output, ``min(max_output, the model's max output)`` (``max_output`` None:
    one token); embedding-only models never serve generative profiles and generative models
    never serve embedding profiles. ``overrides`` maps a profile name
    to a model name (``model.routing.overrides``), compared by normalised name. When
    ``routing_enabled`` is false, ``default_model`` is used wherever it is available.
    ``memo`` keeps score parts from one call to the next (a caller that selects again and
    again, like the router actor, passes its own); without it the call starts afresh. The
    answer is the same either way.

    Returns a :class:`RouteDecision` whose ``reasons`` explain the choice, the overrides
    skipped, the fallbacks taken and any use of a stale cached list. Pure and synchronous.

    Raises :class:`~ollm_actors.errors.UnknownProfile` if ``profile_name`` is not in
    ``profiles``; :class:`~ollm_actors.errors.UnknownCapability` for a ``require``
    name outside ``CAPABILITY_NAMES``; :class:`~ollm_actors.errors.NoModelAvailable` (with
    every rejection and, from ``catalog``, models that would fit if pulled) when nothing fits
    at the end of the fallback chain, or routing is disabled and ``default_model`` is unset
    or not available.
    """
    profile = profiles.get(profile_name)
    if profile is None:
        raise UnknownProfile(
            profile_name, profiles, suggestions=close_matches(profile_name, profiles, limit=1)
        )
    extra = normalise_capabilities(require)
    if not routing_enabled:
        rules = rules_for(
            profile_name,
            profile,
            require=extra,
            prompt_tokens=prompt_tokens,
            num_ctx=num_ctx,
            max_output=max_output,
        )
        return default_decision(profile_name, candidates, default_model, rules)
    chain, note = fallback_chain(profile_name, profiles)
    return Search(
        profile_name,
        chain,
        note,
        candidates,
        overrides=overrides,
        extra=extra,
        prompt_tokens=prompt_tokens,
        num_ctx=num_ctx,
        catalog=catalog,
        memo=ScoreMemo() if memo is None else memo,
        max_output=max_output,
        skipped=skipped,
    ).run()
