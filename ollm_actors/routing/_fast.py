"""The router's fast path, beside the plain rules it must agree with (hypothesis tests in
``tests/routing/test_route_fast.py`` hold every pair equal).

- :func:`fast_model_base`: :func:`ollm_actors.vocab.names.model_base` for the common shape
  ``model[:tag]`` by splitting a string instead of parsing a name.
- :class:`PoolScorer`: :func:`~ollm_actors.routing.scoring.reject`,
  :func:`~ollm_actors.routing.scoring.score` and :func:`~ollm_actors.routing.scoring.explain`
  over a whole pool under one profile.
- :class:`ScoreMemo`: the tables a :class:`PoolScorer` fills, kept by whoever selects
  again and again (the router actor) so that later selections find them filled: score
  parts per distinct fact, whole scores per candidate (a score never depends on the
  request's prompt size, only the fit does), the split of a candidate tuple into the online
  and the cached pool, and which hosts have a model.

Why: a router scores every candidate of the inventory for each profile it tries, and the
plain rules (a name parse, two regexes, a loop over the preferred families and the fit rule
per candidate) cost several times the rest of the selection. Candidates share few distinct
values of the facts those rules read (routing family and model base, parameter size,
quantization, context window and capabilities), so each part is computed once per distinct
value, by the plain rule itself, and the parts are added in the plain rule's order so that
every score is the same float. The tables belong to an instance, never to the module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypeVar

from ollm_actors.routing._fast_memory import MemoryMemo
from ollm_actors.routing.candidate import Candidate, estimated_billions, parse_parameter_size
from ollm_actors.routing.outcome import Outcome
from ollm_actors.routing.scoring import (
    CODE_TUNED_BONUS,
    Rules,
    add_dynamic_points,
    explain,
    family_part,
    quant_points,
    size_points,
)
from ollm_actors.vocab.fit import Misfit, Need, misfit
from ollm_actors.vocab.memory_fit import CONTEXT_STEP, Placement
from ollm_actors.vocab.names import model_base

__all__ = ("PoolScorer", "ScoreMemo", "fast_model_base")

# A Misfit no rule produces marks a memo slot not filled yet, so that one dict lookup
# tells "fits" (None), "does not fit" and "not checked" apart.
_UNCHECKED = Misfit("unchecked", "")

# Entries a table holds before it starts over. Tables are keyed by distinct facts of the
# models seen (a fleet has hundreds, not thousands) or by distinct requests (prompt sizes
# are free-form), so a long-lived memo stays bounded without evicting what it uses.
_TABLE_LIMIT = 4096

# Entries a per-candidate table holds (a fleet of 16 hosts x 300 models is 4,800 candidates,
# each seen again at every selection).
_CANDIDATE_LIMIT = 1 << 16

# (window, the model's max output) -> capabilities -> the fit rule's answer
_FitTable = dict[tuple[int, int | None], dict[frozenset[str], Misfit | None]]
# id(candidate) -> (the candidate, its score): the candidate is kept, so its id cannot be
# reused by another object while the entry exists, and ``is`` confirms the match.
_ScoreTable = dict[int, tuple[Candidate, float]]
_ScoreKey = tuple[str, tuple[str, ...], bool, bool, bool, bool, int]
_FamilyTable = dict[str, dict[str, tuple[float, bool]]]
_SizeTable = dict[str, float | None]


def fast_model_base(name: str) -> str:
    """:func:`~ollm_actors.vocab.names.model_base` of ``name``.

    A name without ``/`` and with at most one ``:`` has no host or namespace, so its model
    part is whatever comes before the ``:``, valid or not; any other shape goes to the plain
    rule."""
    head, _, tag = name.partition(":")
    if ":" in tag or "/" in name:
        return model_base(name)
    return head.lower()


_K = TypeVar("_K")
_V = TypeVar("_V")


def _bounded(table: dict[_K, _V]) -> None:
    if len(table) >= _TABLE_LIMIT:
        table.clear()


class ScoreMemo:
    """The memo tables of :class:`PoolScorer`, by what each part depends on: the fit rule's
    answers per request need, family parts per preferred families, size parts per size
    preference, quantization parts for all, and the explanations of the models chosen.

    Owned by its creator (one ``select_model`` call, or the router actor across calls) and
    dropped with it; every table is bounded. Holds no state of the inventory (every entry is
    a function of a model's identity and a profile), so it never needs invalidating."""

    __slots__ = (
        "_explained",
        "_families",
        "_fits",
        "_names",
        "_quants",
        "_scores",
        "_sizes",
        "_split",
        "memory",
    )

    def __init__(self) -> None:
        self._explained: dict[tuple[Rules, Candidate], list[str]] = {}
        self._fits: dict[Need, _FitTable] = {}
        self._families: dict[tuple[tuple[str, ...], bool], _FamilyTable] = {}
        self._sizes: dict[bool, _SizeTable] = {}
        self._quants: dict[str, float] = {}
        self._scores: dict[_ScoreKey, _ScoreTable] = {}
        self._split: tuple[tuple[Candidate, ...], list[Candidate], list[Candidate]] | None = None
        self._names: tuple[Sequence[Candidate], dict[str, list[Candidate]]] | None = None
        #: the memory rule's answers (placements per model, host, free bytes and context)
        self.memory = MemoryMemo()

    def split(self, everyone: Sequence[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
        """``everyone`` split into the candidates of hosts that answer now (online and not
        stale) and the rest, each in the order given. The caller must not change the lists.

        A tuple (immutable, of frozen candidates) is split once and the split kept for the
        next call with the same tuple, as the router actor makes one per candidate list."""
        last = self._split
        if last is not None and last[0] is everyone:
            return last[1], last[2]
        fresh: list[Candidate] = []
        cached: list[Candidate] = []
        for cand in everyone:
            (fresh if cand.online and not cand.stale else cached).append(cand)
        if isinstance(everyone, tuple):
            self._split = (everyone, fresh, cached)
        return fresh, cached

    def same_name(self, pool: Sequence[Candidate], name: str) -> list[Candidate]:
        """The candidates of ``pool`` named ``name`` (every host that has the model), from
        an index kept for the last pool asked about (the same object: the split's lists)."""
        index = self._names
        if index is None or index[0] is not pool:
            table: dict[str, list[Candidate]] = {}
            for cand in pool:
                table.setdefault(cand.name, []).append(cand)
            index = self._names = (pool, table)
        return index[1].get(name, [])

    def scorer(self, rules: Rules) -> PoolScorer:
        """A :class:`PoolScorer` for ``rules`` that reads and fills this memo."""
        return PoolScorer(rules, self)

    def _tables(self, rules: Rules) -> tuple[_FitTable, _FamilyTable, _SizeTable, dict[str, float]]:
        fits = self._fits.get(rules.need)
        if fits is None:
            _bounded(self._fits)
            fits = self._fits[rules.need] = {}
        prefs = (rules.preferred, rules.code_tuned)
        families = self._families.get(prefs)
        if families is None:
            _bounded(self._families)
            families = self._families[prefs] = {}
        sizes = self._sizes.setdefault(rules.small, {})
        return fits, families, sizes, self._quants

    def _score_table(self, rules: Rules) -> _ScoreTable:
        # What a score depends on besides the candidate: every field of Rules but the need.
        key = (
            rules.profile,
            rules.preferred,
            rules.small,
            rules.mid,
            rules.code_tuned,
            rules.wide_window,
            rules.min_window,
        )
        table = self._scores.get(key)
        if table is None:
            _bounded(self._scores)
            table = self._scores[key] = {}
        return table


class PoolScorer:
    """Filters, scores and explains candidates under one profile's ``rules`` exactly as
    :func:`~ollm_actors.routing.scoring.reject`, :func:`~ollm_actors.routing.scoring.score`
    and :func:`~ollm_actors.routing.scoring.explain` do, each part looked up in ``memo`` (a
    fresh one when not given) and computed by the plain rule when missing. Never waits."""

    __slots__ = (
        "_explained",
        "_families",
        "_fits",
        "_memory",
        "_quants",
        "_scores",
        "_sizes",
        "rules",
    )

    def __init__(self, rules: Rules, memo: ScoreMemo | None = None) -> None:
        self.rules = rules
        if memo is None:
            memo = ScoreMemo()
        self._fits, self._families, self._sizes, self._quants = memo._tables(rules)
        self._explained = memo._explained
        self._scores = memo._score_table(rules)
        self._memory = memo.memory.view(rules.need)

    def misfit(self, candidate: Candidate) -> Misfit | None:
        """:func:`~ollm_actors.routing.scoring.reject` of ``candidate``."""
        window, output = candidate.context_window, candidate.max_output_tokens
        by_caps = self._fits.get((window, output))
        if by_caps is None:
            _bounded(self._fits)
            by_caps = self._fits[window, output] = {}
        caps = candidate.capabilities
        why = by_caps.get(caps, _UNCHECKED)
        if why is _UNCHECKED:
            _bounded(by_caps)
            why = by_caps[caps] = misfit(caps, window, self.rules.need, output)
        if why is None and candidate.memory is not None and not self.rules.allow_cpu_spill:
            return self._memory.spill(candidate)
        return why

    def placement(self, candidate: Candidate) -> tuple[Placement | None, int]:
        """Where ``candidate`` goes on its host's free VRAM at its request's context (None:
        unknown), and that context."""
        return self._memory.placement(candidate)

    def memory_rank(self, candidate: Candidate) -> int:
        """The memory rank of ``candidate`` (fits, unknown, spills) at its request's
        context: what settles a tie first (:func:`~ollm_actors.routing.ranking.preference`)."""
        return self._memory.rank(candidate)

    def score(self, candidate: Candidate) -> float:
        """:func:`~ollm_actors.routing.scoring.score` of a candidate that fits."""
        return add_dynamic_points(self._static(candidate), candidate, self.rules)

    def explain(self, candidate: Candidate) -> list[str]:
        """:func:`~ollm_actors.routing.scoring.explain` of ``candidate`` (a new list)."""
        key = (self.rules, candidate)
        sentences = self._explained.get(key)
        if sentences is None:
            _bounded(self._explained)
            sentences = self._explained[key] = explain(candidate, self.rules)
        return list(sentences)

    def _family(self, family: str, base: str) -> tuple[float, bool]:
        by_base = self._families.get(family)
        if by_base is None:
            _bounded(self._families)
            by_base = self._families[family] = {}
        part = by_base.get(base)
        if part is None:
            _bounded(by_base)
            part = by_base[base] = family_part(family, base, self.rules)
        return part

    def _size(self, candidate: Candidate) -> float:
        text = candidate.parameter_size
        sizes = self._sizes
        if text in sizes:
            points = sizes[text]
        else:
            _bounded(sizes)
            parsed = parse_parameter_size(text)
            points = sizes[text] = (
                None if parsed is None else size_points(self.rules.small, parsed)
            )
        if points is None:
            # Not parseable: estimated from the file size, which differs per model.
            billions = estimated_billions(text, candidate.quantization, candidate.size)
            return size_points(self.rules.small, billions)
        return points

    def _quant(self, quantization: str) -> float:
        points = self._quants.get(quantization)
        if points is None:
            _bounded(self._quants)
            points = self._quants[quantization] = quant_points(quantization)
        return points

    def _static(self, candidate: Candidate) -> float:
        # The parts and their order are those of scoring.static_points.
        total, code_tuned = self._family(candidate.family, fast_model_base(candidate.name))
        rules = self.rules
        if rules.small or rules.mid:
            total += self._size(candidate)
        if code_tuned:
            total += CODE_TUNED_BONUS
        if candidate.quantization:
            total += self._quant(candidate.quantization)
        return total

    def evaluate(self, pool: Iterable[Candidate]) -> Outcome:
        """Filter and score ``pool`` in one pass, tracking the leaders as it goes.

        The hot loop of a selection (once per candidate per profile tried): the table
        lookups of :meth:`misfit` and :meth:`_static` are inlined, and only a miss calls
        out, to the method that fills the table.
        """
        outcome = Outcome()
        add_fit = outcome.fitting.append
        add_rejected = outcome.rejected.append
        rules = self.rules
        fits = self._fits
        families = self._families
        sizes = self._sizes
        quants = self._quants
        sized = rules.small or rules.mid
        dynamic = add_dynamic_points
        model_base_of = fast_model_base
        scores = self._scores
        known = scores.get
        no_spill = not rules.allow_cpu_spill
        spill = self._memory.spill
        edge_of = self._memory.edges.get
        spilled = self._memory.spilled
        profile = rules.profile
        context_of = self._memory.contexts.get
        top = -math.inf
        leaders: list[Candidate] = []
        for cand in pool:
            by_caps = fits.get((cand.context_window, cand.max_output_tokens))
            why = _UNCHECKED if by_caps is None else by_caps.get(cand.capabilities, _UNCHECKED)
            if why is _UNCHECKED:
                why = self.misfit(cand)
            elif why is None and no_spill and cand.memory is not None:
                # MemoryView.spill inlined for the common case: the candidate's edge known
                # and a context on the 1,024 grid; anything else goes to the method.
                edge = edge_of(id(cand))
                num_ctx = context_of(
                    (cand.context_window, cand.max_output_tokens, cand.capabilities)
                )
                if (
                    edge is None
                    or edge[0] is not cand
                    or num_ctx is None
                    or num_ctx % CONTEXT_STEP
                ):
                    why = spill(cand)
                elif num_ctx > edge[1]:
                    why = spilled(cand, num_ctx, profile)
            if why is not None:
                add_rejected((cand, why))
                continue
            # A score does not depend on the request (only whether it fits does), so a
            # candidate seen before under the same preferences has its score kept.
            seen = known(id(cand))
            if seen is not None and seen[0] is cand:
                total = seen[1]
                add_fit((total, cand))
                if total > top:
                    top = total
                    leaders = [cand]
                elif total == top:
                    leaders.append(cand)
                continue
            base = model_base_of(cand.name)
            by_base = families.get(cand.family)
            part = None if by_base is None else by_base.get(base)
            if part is None:
                part = self._family(cand.family, base)
            total, code_tuned = part
            if sized:
                points = sizes.get(cand.parameter_size)
                total += self._size(cand) if points is None else points
            if code_tuned:
                total += CODE_TUNED_BONUS
            quantization = cand.quantization
            if quantization:
                q = quants.get(quantization)
                total += self._quant(quantization) if q is None else q
            total = dynamic(total, cand, rules)
            if len(scores) >= _CANDIDATE_LIMIT:
                scores.clear()
            scores[id(cand)] = (cand, total)
            add_fit((total, cand))
            if total > top:
                top = total
                leaders = [cand]
            elif total == top:
                leaders.append(cand)
        outcome.top = top
        outcome.leaders = leaders
        return outcome
