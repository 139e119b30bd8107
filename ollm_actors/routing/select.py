"""Route selection: the pure function that picks one model for a profile and says why.

Order of search. Candidates on hosts that answer now (``online`` and not ``stale``) are tried
first, along the whole ``fallbackProfile`` chain; only when nothing there fits any profile
of the chain is the chain walked again over entries from offline hosts' cached lists (a
cached model on an unreachable host is a worse bet than a fitting fallback on a live one).
At each profile a config override is honoured when that model is in the pool being searched
and passes the hard filters; otherwise the best-scored fitting candidate wins (see
:mod:`ollm_actors.routing.scoring`), ties broken by name, then host, then the remaining facts,
so the choice never depends on the order of the candidates.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import msgspec

from ollm_actors.errors import InvalidModelName, NoModelAvailable, UnknownCapability, UnknownProfile
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import CandidateScore, RouteDecision
from ollm_actors.routing.scoring import (
    Rules,
    add_dynamic_points,
    explain,
    reject,
    rules_for,
    score,
    static_points,
    static_table,
)
from ollm_actors.vocab.entries import CAPABILITY_NAMES
from ollm_actors.vocab.fit import Misfit
from ollm_actors.vocab.names import model_key, parse_model_name
from ollm_actors.vocab.profiles import RoutingProfile
from ollm_actors.vocab.suggest import close_matches

__all__ = ("normalise_capabilities", "select_model")

_ALIASES = {"toolcalling": "tools", "tool_calling": "tools", "tool-calling": "tools"}
_MAX_SUGGESTIONS = 5
_OFFLINE_NOTE = "cached entry of an offline host; used only when nothing online fits"
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


#: candidates a decision lists per kind (fitting, rejected, on other hosts); the rest are
#: only counted, so a decision over 10,000 models costs what choosing one does
LISTED_CANDIDATES = 100


def _score_of(entry: CandidateScore) -> float:
    return entry.score


def _rank(pair: tuple[float, Candidate]) -> tuple[float, str, str]:
    return (-pair[0], pair[1].name, pair[1].host)


def _listed_fits(scores: list[float], fits: list[Candidate]) -> list[CandidateScore]:
    """The best-scored fitting candidates as entries, at most LISTED_CANDIDATES of them.

    Under the cap equal scores keep the order the candidates came in; over it, the cut is
    by score, then name and host, so the same inventory lists the same ones in any order.
    """
    entry = CandidateScore
    if len(fits) > LISTED_CANDIDATES:
        # The cut-off score from the floats alone (no key function), then only the few
        # candidates at or above it are ranked.
        cut = heapq.nlargest(LISTED_CANDIDATES, scores)[-1]
        best = [(s, c) for s, c in zip(scores, fits, strict=True) if s >= cut]
        best.sort(key=_rank)
        del best[LISTED_CANDIDATES:]
        # _cents inlined: this runs once per listed candidate.
        return [entry(name=c.name, host=c.host, score=round(s * 100) / 100) for s, c in best]
    entries = [
        entry(name=c.name, host=c.host, score=round(s * 100) / 100)
        for s, c in zip(scores, fits, strict=True)
    ]
    entries.sort(key=_score_of, reverse=True)
    return entries


_T = TypeVar("_T")


def _listed(pairs: Sequence[tuple[Candidate, _T]]) -> Sequence[tuple[Candidate, _T]]:
    """The first LISTED_CANDIDATES of ``pairs``, in the order they came in."""
    return pairs[:LISTED_CANDIDATES]


def _cents(value: float) -> float:
    """``value`` to two decimals for display (``round(x, 2)`` is several times slower)."""
    return round(value * 100) / 100




def _identity(c: Candidate) -> tuple[object, ...]:
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


def _best(scored: Sequence[tuple[float, Candidate]]) -> tuple[float, Candidate]:
    top = max(s for s, _ in scored)
    tied = [pair for pair in scored if pair[0] == top]
    return min(tied, key=lambda pair: _identity(pair[1]))


class _Outcome(msgspec.Struct):
    """The evaluation of one pool under one profile: fitting ones scored, the rest with why;
    ``top`` is the best score and ``leaders`` the fitting candidates that reach it."""

    # Scores and candidates in two parallel lists rather than one list of pairs: a pair per
    # candidate is an object the garbage collector tracks, and at 10,000 candidates its
    # collections made the cost grow faster than the count.
    scores: list[float] = msgspec.field(default_factory=list)
    fits: list[Candidate] = msgspec.field(default_factory=list)
    rejected: list[tuple[Candidate, Misfit]] = msgspec.field(default_factory=list)
    top: float = -math.inf
    leaders: list[Candidate] = msgspec.field(default_factory=list)

    @property
    def fitting(self) -> list[tuple[float, Candidate]]:
        """The fitting candidates with their scores, in the order they came in."""
        return list(zip(self.scores, self.fits, strict=True))

    def best(self) -> tuple[float, Candidate]:
        """The best score and the candidate that wins its tie (``fits`` not empty)."""
        leaders = self.leaders
        chosen = leaders[0] if len(leaders) == 1 else min(leaders, key=_identity)
        return self.top, chosen


def _evaluate(pool: Sequence[Candidate], rules: Rules) -> _Outcome:
    """Filter and score ``pool`` in one pass, tracking the leaders as it goes.

    This loop is the router's hot path (once per candidate per profile tried), so the common
    case, a fitting candidate, is decided inline with the same test :func:`reject` starts
    with, and its identity-only score parts come from a memo table; :func:`reject` runs only
    for candidates that fail that test, to say why.
    """
    outcome = _Outcome()
    rejected = outcome.rejected
    add_score = outcome.scores.append
    add_fit = outcome.fits.append
    add_rejected = rejected.append
    table = static_table(rules)
    memo = table.get
    top = -math.inf
    leaders: list[Candidate] = []
    for cand in pool:
        why = reject(cand, rules)
        if why is not None:
            add_rejected((cand, why))
            continue
        points = memo(
            (cand.name, cand.family, cand.parameter_size, cand.quantization, cand.size)
        )
        if points is None:
            points = static_points(cand, rules, table)
        total = add_dynamic_points(points, cand, rules)
        add_score(total)
        add_fit(cand)
        if total > top:
            top = total
            leaders = [cand]
        elif total == top:
            leaders.append(cand)
    outcome.top = top
    outcome.leaders = leaders
    return outcome


def _why_none(outcome: _Outcome, rules: Rules, where: str) -> str:
    """One phrase saying why no candidate of a pool fits a profile."""
    if not outcome.rejected:
        return f"no model is available {where}"
    kinds = Counter(why.kind for _, why in outcome.rejected)
    single = {
        "window": f"no model with a {rules.min_window}-token window",
        "prompt": f"no model whose window holds a {rules.prompt_tokens}-token prompt",
        "capability": f"no model with {', '.join(rules.required)}",
        "embedding-only": "only embedding models are available",
        "generative": "no embedding model is available",
    }
    if len(kinds) == 1:
        return single[next(iter(kinds))]
    plural = {
        "window": f"with a window under {rules.min_window} tokens",
        "prompt": f"too small for a {rules.prompt_tokens}-token prompt",
        "capability": f"without {', '.join(rules.required)}",
        "embedding-only": "embedding-only",
        "generative": "not embedding models",
    }
    parts = ", ".join(f"{n} {plural[k]}" for k, n in sorted(kinds.items(), key=_by_count))
    return f"none of the {len(outcome.rejected)} models {where} fits ({parts})"


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


class _Search:
    """State of one ``select_model`` call: the chain, the pools, the reasons gathered."""

    __slots__ = (
        "catalog",
        "chain",
        "chain_note",
        "everyone",
        "extra",
        "num_ctx",
        "overrides",
        "prompt_tokens",
        "requested",
    )

    def __init__(
        self,
        requested: str,
        chain: list[tuple[str, RoutingProfile]],
        chain_note: str | None,
        everyone: Sequence[Candidate],
        *,
        overrides: Mapping[str, str],
        extra: tuple[str, ...],
        prompt_tokens: int,
        num_ctx: int | None,
        catalog: Sequence[Candidate],
    ) -> None:
        self.requested = requested
        self.chain = chain
        self.chain_note = chain_note
        self.everyone = everyone
        self.overrides = overrides
        self.extra = extra
        self.prompt_tokens = prompt_tokens
        self.num_ctx = num_ctx
        self.catalog = catalog

    def rules(self, name: str, profile: RoutingProfile) -> Rules:
        return rules_for(
            name,
            profile,
            require=self.extra,
            prompt_tokens=self.prompt_tokens,
            num_ctx=self.num_ctx,
        )

    def run(self) -> RouteDecision:
        fresh: list[Candidate] = []
        cached: list[Candidate] = []
        for cand in self.everyone:
            (fresh if cand.online and not cand.stale else cached).append(cand)
        online_reasons: list[str] = []
        decision = self._walk(fresh, cached, online=True, reasons=online_reasons)
        if decision is not None:
            return decision
        if cached:
            hosts = sorted({c.host for c in cached})
            lead = [
                "nothing on an online host fits: " + "; ".join(online_reasons),
                f"trying the cached model lists of offline hosts ({', '.join(hosts)})",
            ]
            decision = self._walk(cached, fresh, online=False, reasons=lead)
            if decision is not None:
                return decision
        raise self._no_model()

    def _walk(
        self,
        pool: Sequence[Candidate],
        others: Sequence[Candidate],
        *,
        online: bool,
        reasons: list[str],
    ) -> RouteDecision | None:
        where = "on an online host" if online else "in the cached lists"
        for step, (name, profile) in enumerate(self.chain):
            rules = self.rules(name, profile)
            outcome = _evaluate(pool, rules)
            chosen = self._override(name, others, outcome, reasons, online)
            if chosen is None and outcome.fits:
                best_score, best = outcome.best()
                fits = len(outcome.fits)
                reasons.append(
                    f"{best.name} on {best.host} is the best '{name}' model available "
                    f"(score {best_score:.1f}; {fits} of {len(pool)} models {where} fit)"
                )
                reasons.extend(explain(best, rules))
                chosen = best
            if chosen is not None:
                if not online:
                    reasons.append(
                        f"{chosen.host} did not answer: {chosen.name} comes from its cached "
                        "model list and may be out of date"
                    )
                return self._decision(name, chosen, rules, outcome, others, step, reasons)
            why = _why_none(outcome, rules, where)
            if step + 1 < len(self.chain):
                reasons.append(f"fell back from {name} to {self.chain[step + 1][0]}: {why}")
            else:
                reasons.append(f"{name}: {why}")
                if self.chain_note:
                    reasons.append(self.chain_note)
        return None

    def _override(
        self,
        name: str,
        others: Sequence[Candidate],
        outcome: _Outcome,
        reasons: list[str],
        online: bool,
    ) -> Candidate | None:
        wanted = self.overrides.get(name)
        if not wanted:
            return None
        setting = f"model.routing.overrides.{name}"
        try:
            key = parse_model_name(wanted).key
        except InvalidModelName as exc:
            reasons.append(f"override {wanted!r} ({setting}) is not a valid model name: "
                           f"{exc.reason}")
            return None
        fitting = [(s, c) for s, c in outcome.fitting if model_key(c.name) == key]
        if fitting:
            _, chosen = _best(fitting)
            reasons.append(
                f"override {chosen.name} for '{name}' ({setting}) is available on "
                f"{chosen.host} and fits"
            )
            return chosen
        misfits = [(c, why) for c, why in outcome.rejected if model_key(c.name) == key]
        if misfits:
            misfits.sort(key=lambda pair: _identity(pair[0]))
            cand, why = misfits[0]
            reasons.append(
                f"override {cand.name} ({setting}) on {cand.host} does not fit '{name}': "
                f"it {why.text}"
            )
            return None
        where = "any online host" if online else "the cached lists of offline hosts"
        elsewhere = sorted({c.host for c in others if model_key(c.name) == key})
        note = f" (it is listed on {', '.join(elsewhere)})" if elsewhere else ""
        reasons.append(f"override {wanted} ({setting}) is not installed on {where}{note}")
        return None

    def _decision(
        self,
        name: str,
        chosen: Candidate,
        rules: Rules,
        outcome: _Outcome,
        others: Sequence[Candidate],
        step: int,
        reasons: list[str],
    ) -> RouteDecision:
        entries = _listed_fits(outcome.scores, outcome.fits)
        rejected = _listed(outcome.rejected)
        entries.extend(
            CandidateScore(name=c.name, host=c.host, score=0.0, rejected_reason=why.text)
            for c, why in rejected
        )
        listed_others = others[:LISTED_CANDIDATES]
        if chosen.fresh:
            entries.extend(
                CandidateScore(name=c.name, host=c.host, score=0.0, rejected_reason=_OFFLINE_NOTE)
                for c in listed_others
            )
        else:
            # Fresh candidates were all rejected along the whole chain; say why under this one.
            for c in listed_others:
                why = reject(c, rules)
                text = why.text if why is not None else "not chosen"
                entries.append(
                    CandidateScore(name=c.name, host=c.host, score=0.0, rejected_reason=text)
                )
        unlisted = len(outcome.fits) + len(outcome.rejected) + len(others) - len(entries)
        return RouteDecision(
            profile=name,
            requested_profile=self.requested,
            model=chosen.name,
            host=chosen.host,
            fallback_used=step > 0,
            reasons=tuple(reasons),
            candidates=tuple(entries),
            stale=not chosen.fresh,
            unlisted=unlisted,
        )

    def _no_model(self) -> NoModelAvailable:
        first_name, first = self.chain[0]
        last_name, last = self.chain[-1]
        last_rules = self.rules(last_name, last)
        rejected: list[tuple[str, str]] = []
        for cand in sorted(self.everyone, key=_identity):
            why = reject(cand, last_rules)
            text = why.text if why is not None else "not chosen"
            if last_name != first_name:
                text = f"{text} (under '{last_name}', the end of the fallback chain)"
            if not cand.fresh:
                text = f"{text} [cached list, host offline]"
            rejected.append((cand.label, text))
        return NoModelAvailable(
            first_name,
            self.rules(first_name, first).required,
            rejected=rejected,
            suggestions=self._suggestions(),
        )

    def _suggestions(self) -> list[str]:
        if not self.catalog:
            return []
        have = {model_key(c.name) for c in self.everyone}
        picked: dict[str, tuple[int, float, tuple[object, ...], str]] = {}
        for step, (name, profile) in enumerate(self.chain):
            rules = self.rules(name, profile)
            for cand in self.catalog:
                key = model_key(cand.name)
                if key in have or reject(cand, rules) is not None:
                    continue
                rank = (step, -score(cand, rules), _identity(cand), cand.name)
                if key not in picked or rank < picked[key]:
                    picked[key] = rank
        ordered = sorted(picked.values())
        return [entry[3] for entry in ordered[:_MAX_SUGGESTIONS]]


def _chain(
    requested: str, profiles: Mapping[str, RoutingProfile]
) -> tuple[list[tuple[str, RoutingProfile]], str | None]:
    """The fallback chain from ``requested``, and a note when it ends early (a cycle, or a
    fallback naming a profile that does not exist)."""
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


def _default_decision(
    requested: str,
    candidates: Sequence[Candidate],
    default_model: str | None,
    rules: Rules,
) -> RouteDecision:
    disabled = "routing is disabled (model.routing.enabled is false)"
    if not default_model:
        raise NoModelAvailable(
            requested,
            rules.required,
            rejected=[("model.default", f"{disabled} and model.default is not set")],
        )
    try:
        key = parse_model_name(default_model).key
    except InvalidModelName as exc:
        raise NoModelAvailable(
            requested,
            rules.required,
            rejected=[(default_model, f"{disabled} and model.default is invalid: {exc.reason}")],
        ) from exc
    matches = [c for c in candidates if model_key(c.name) == key]
    if not matches:
        raise NoModelAvailable(
            requested,
            rules.required,
            rejected=[(default_model, f"{disabled} and model.default is not installed on any "
                                      "online host or in any cached list")],
        )
    fresh = [c for c in matches if c.fresh] or matches
    scored = [(score(c, rules), c) for c in fresh]
    _, chosen = _best(scored)
    reasons = [f"{disabled}: using model.default {chosen.name} on {chosen.host}"]
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
            CandidateScore(name=c.name, host=c.host, score=_cents(s)) for s, c in scored
        ),
        stale=not chosen.fresh,
    )


def select_model(
    profile_name: str,
    candidates: Sequence[Candidate],
    *,
    profiles: Mapping[str, RoutingProfile],
    overrides: Mapping[str, str] = _EMPTY,
    prompt_tokens: int = 0,
    num_ctx: int | None = None,
    require: Iterable[str] = (),
    routing_enabled: bool = True,
    default_model: str | None = None,
    catalog: Sequence[Candidate] = (),
) -> RouteDecision:
    """Pick the model for ``profile_name`` among ``candidates`` (the models available now).

    Hard filters: the profile's ``requiredCapabilities`` plus ``require`` (kept along the
    fallback chain), then the fit rule of :mod:`ollm_actors.vocab.fit`: a window of at least
    ``minContextWindow`` that holds ``prompt_tokens`` (capped by ``num_ctx``) with room for
    output; embedding-only models never serve generative profiles and generative models
    never serve embedding profiles. ``overrides`` maps a profile name
    to a model name (``model.routing.overrides``), compared by normalised name. When
    ``routing_enabled`` is false, ``default_model`` is used wherever it is available.

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
        )
        return _default_decision(profile_name, candidates, default_model, rules)
    chain, note = _chain(profile_name, profiles)
    return _Search(
        profile_name,
        chain,
        note,
        candidates,
        overrides=overrides,
        extra=extra,
        prompt_tokens=prompt_tokens,
        num_ctx=num_ctx,
        catalog=catalog,
    ).run()
