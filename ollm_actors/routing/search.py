"""The search of one ``select_model`` call: the fallback chain walked over the online pool,
then over the cached lists of offline hosts, with config overrides honoured on the way.

Order of search. Candidates on hosts that answer now (``online`` and not ``stale``) are tried
first, along the whole ``fallbackProfile`` chain; only when nothing there fits any profile
of the chain is the chain walked again over entries from offline hosts' cached lists (a
cached model on an unreachable host is a worse bet than a fitting fallback on a live one).
At each profile a config override is honoured when that model is in the pool being searched
and passes the hard filters, the profile's ``minContextWindow`` excepted (the reasons say
so); otherwise the best-scored fitting candidate wins (see
:mod:`ollm_actors.routing.scoring`), ties broken by name, then host, then the remaining facts,
so the choice never depends on the order of the candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ollm_actors.errors import InvalidModelName, NoModelAvailable
from ollm_actors.routing._fast import PoolScorer, ScoreMemo
from ollm_actors.routing.build_decision import routed_decision
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.memory_rule import memory_reason
from ollm_actors.routing.no_model import no_model_error
from ollm_actors.routing.outcome import Outcome, why_none
from ollm_actors.routing.ranking import best, host_choice, identity
from ollm_actors.routing.scoring import rules_for
from ollm_actors.vocab.fit import override_misfit
from ollm_actors.vocab.names import model_key, parse_model_name
from ollm_actors.vocab.profiles import RoutingProfile

__all__ = ("Search",)


class Search:
    """One ``select_model`` call: the fallback ``chain`` of ``(name, profile)`` (not empty),
    the candidates, the overrides, and a scorer per profile, made when the walk first
    reaches it and shared by both walks."""

    __slots__ = (
        "_scorers",
        "catalog",
        "chain",
        "chain_note",
        "everyone",
        "extra",
        "max_output",
        "memo",
        "num_ctx",
        "overrides",
        "prompt_tokens",
        "requested",
        "skipped",
    )

    def __init__(
        self,
        requested: str,
        chain: Sequence[tuple[str, RoutingProfile]],
        chain_note: str | None,
        everyone: Sequence[Candidate],
        *,
        overrides: Mapping[str, str],
        extra: tuple[str, ...],
        prompt_tokens: int,
        num_ctx: int | None,
        catalog: Sequence[Candidate],
        memo: ScoreMemo,
        max_output: int | None = None,
        skipped: Mapping[str, str] | None = None,
    ) -> None:
        self.requested = requested
        self.chain = chain
        self.chain_note = chain_note
        self.everyone = everyone
        self.overrides = overrides
        self.extra = extra
        self.prompt_tokens = prompt_tokens
        self.num_ctx = num_ctx
        self.max_output = max_output
        self.catalog = catalog
        self.memo = memo
        self.skipped = skipped or {}
        self._scorers: list[PoolScorer] = []

    def _scorer(self, step: int) -> PoolScorer:
        scorers = self._scorers
        while len(scorers) <= step:
            name, profile = self.chain[len(scorers)]
            rules = rules_for(
                name,
                profile,
                require=self.extra,
                prompt_tokens=self.prompt_tokens,
                num_ctx=self.num_ctx,
                max_output=self.max_output,
            )
            scorers.append(self.memo.scorer(rules))
        return scorers[step]

    def run(self) -> RouteDecision:
        """The decision, from the online pool if anything there fits, else from the cached
        lists. Raises :class:`~ollm_actors.errors.NoModelAvailable` when neither has one."""
        fresh, cached = self.memo.split(self.everyone)
        online_reasons = [f"skipped {host}: {why}" for host, why in sorted(self.skipped.items())]
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
        chain = self.chain
        for step, (name, _) in enumerate(chain):
            scorer = self._scorer(step)
            rules = scorer.rules
            outcome = scorer.evaluate(pool)
            chosen = self._override(name, scorer, others, outcome, reasons, online)
            if chosen is None and outcome.fitting:
                best_score, top = outcome.best(scorer.memory_rank)
                fits = len(outcome.fitting)
                reasons.append(
                    f"{top.name} on {top.host} is the best '{name}' model available "
                    f"(score {best_score:.1f}; {fits} of {len(pool)} models {where} fit)"
                )
                reasons.extend(scorer.explain(top))
                elsewhere = [
                    c for c in self.memo.same_name(pool, top.name) if c.host != top.host
                ]
                peers = [c for c in elsewhere if scorer.misfit(c) is None]
                where_run = host_choice(top, peers, scorer.memory_rank)
                if where_run is not None:
                    reasons.append(where_run)
                memory = memory_reason(top, elsewhere, scorer.placement)
                if memory is not None:
                    reasons.append(memory)
                chosen = top
            if chosen is not None:
                if not online:
                    reasons.append(
                        f"{chosen.host} did not answer: {chosen.name} comes from its cached "
                        "model list and may be out of date"
                    )
                return routed_decision(
                    self.requested, name, chosen, rules, outcome, others, step, reasons
                )
            why = why_none(outcome, rules, where)
            if step + 1 < len(chain):
                reasons.append(f"fell back from {name} to {chain[step + 1][0]}: {why}")
            else:
                reasons.append(f"{name}: {why}")
                if self.chain_note:
                    reasons.append(self.chain_note)
        return None

    def _override(
        self,
        name: str,
        scorer: PoolScorer,
        others: Sequence[Candidate],
        outcome: Outcome,
        reasons: list[str],
        online: bool,
    ) -> Candidate | None:
        wanted = self.overrides.get(name)
        if not wanted:
            return None
        rules = scorer.rules
        setting = f"model.routing.overrides.{name}"
        try:
            key = parse_model_name(wanted).key
        except InvalidModelName as exc:
            reasons.append(f"override {wanted!r} ({setting}) is not a valid model name: "
                           f"{exc.reason}")
            return None
        fitting = [(s, c) for s, c in outcome.fitting if model_key(c.name) == key]
        if fitting:
            _, chosen = best(fitting, scorer.memory_rank)
            reasons.append(
                f"override {chosen.name} for '{name}' ({setting}) is available on "
                f"{chosen.host} and fits"
            )
            return chosen
        misfits = [(c, why) for c, why in outcome.rejected if model_key(c.name) == key]
        if misfits:
            misfits.sort(key=lambda pair: identity(pair[0]))
            # The user named this model: the profile's minimum window is a default it
            # overrules; what it cannot overrule is a prompt that does not fit or a
            # capability the caller required.
            for cand, why in misfits:
                if why.kind != "window":
                    continue
                relaxed = override_misfit(
                    cand.capabilities, cand.context_window, rules.need, cand.max_output_tokens
                )
                if relaxed is None:
                    reasons.append(
                        f"override {cand.name} for '{name}' ({setting}) is available on "
                        f"{cand.host} and honoured although its context window "
                        f"{cand.context_window} is under the {rules.min_window} tokens "
                        f"'{name}' asks for"
                    )
                    return cand
            cand, why = misfits[0]
            if why.kind == "window":
                # The minimum does not count for an override: say what does.
                why = override_misfit(
                    cand.capabilities, cand.context_window, rules.need, cand.max_output_tokens
                ) or why
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

    def _no_model(self) -> NoModelAvailable:
        steps = [(name, self._scorer(step)) for step, (name, _) in enumerate(self.chain)]
        return no_model_error(steps, self.everyone, self.catalog)
