"""The memory rule's fast path: :mod:`ollm_actors.routing.memory_rule` with its answers kept
per (model, host, free bytes, context) — what the rule depends on — by the router's
:class:`~ollm_actors.routing._fast.ScoreMemo` (tests in ``tests/routing/test_route_fast.py``
hold it equal to the plain rule).

Why: the estimate is pure and costs microseconds, but a fleet of 16 hosts × 300 models asks
it for every candidate of every selection under a profile with ``allowCpuSpill: false``;
candidates share few distinct (digest, host, context) values, so each is placed once.
"""

from __future__ import annotations

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.memory_rule import (
    FITS,
    SPILLS,
    UNKNOWN,
    placement,
    placement_key,
    request_context,
    spill_misfit,
)
from ollm_actors.vocab.fit import Misfit, Need
from ollm_actors.vocab.memory_fit import Placement

__all__ = ("MemoryMemo",)

# Entries a table holds before it starts over (distinct models × hosts × contexts).
_LIMIT = 1 << 14

# (window, the model's max output, generates) -> the request's num_ctx, per need
_ContextTable = dict[tuple[int, int | None, bool], int]


class MemoryMemo:
    """Placements by :func:`~ollm_actors.routing.memory_rule.placement_key`, the request
    context per need and model shape, and the rejections per profile. Owned by a
    ``ScoreMemo``; bounded; a function of its keys only, so never stale."""

    __slots__ = ("_contexts", "_placements", "_spills")

    def __init__(self) -> None:
        self._placements: dict[tuple[object, ...], Placement] = {}
        self._contexts: dict[Need, _ContextTable] = {}
        self._spills: dict[tuple[str, str, int, tuple[object, ...]], Misfit | None] = {}

    def context(self, candidate: Candidate, need: Need) -> int:
        """:func:`~ollm_actors.routing.memory_rule.request_context`."""
        table = self._contexts.get(need)
        if table is None:
            if len(self._contexts) >= _LIMIT:
                self._contexts.clear()
            table = self._contexts[need] = {}
        shape = (
            candidate.context_window,
            candidate.max_output_tokens,
            "completion" in candidate.capabilities,
        )
        num_ctx = table.get(shape)
        if num_ctx is None:
            if len(table) >= _LIMIT:
                table.clear()
            num_ctx = table[shape] = request_context(candidate, need)
        return num_ctx

    def placed(self, candidate: Candidate, num_ctx: int) -> Placement | None:
        """:func:`~ollm_actors.routing.memory_rule.placement`."""
        key = placement_key(candidate, num_ctx)
        if key is None:
            return None
        placed = self._placements.get(key)
        if placed is None:
            placed = placement(candidate, num_ctx)
            if placed is None:
                return None
            if len(self._placements) >= _LIMIT:
                self._placements.clear()
            self._placements[key] = placed
        return placed

    def rank(self, candidate: Candidate, need: Need) -> int:
        """The memory rank (fits, unknown, spills) of ``candidate`` for ``need``."""
        if candidate.memory is None:
            return UNKNOWN
        placed = self.placed(candidate, self.context(candidate, need))
        if placed is None:
            return UNKNOWN
        return FITS if placed.fits else SPILLS

    def spill(self, candidate: Candidate, need: Need) -> Misfit | None:
        """The rejection of a candidate (with memory facts) that spills, for a profile that
        allows no spill; None when it fits."""
        num_ctx = self.context(candidate, need)
        key = placement_key(candidate, num_ctx)
        if key is None:
            return None
        # The sentence names the host and its capacity besides what the placement reads.
        slot = (need.profile, candidate.host, candidate.memory.vram if candidate.memory else 0, key)
        spills = self._spills
        if slot in spills:
            return spills[slot]
        placed = self.placed(candidate, num_ctx)
        why = None
        if placed is not None and not placed.fits:
            why = spill_misfit(candidate, placed, num_ctx, need.profile)
        if len(spills) >= _LIMIT:
            spills.clear()
        spills[slot] = why
        return why
