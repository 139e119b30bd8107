"""The memory rule's fast path: :mod:`ollm_actors.routing.memory_rule` with its answers kept
by the router's :class:`~ollm_actors.routing._fast.ScoreMemo` (tests in
``tests/routing/test_route_fast.py`` hold it equal to the plain rule).

Why: the estimate is pure but costs tens of microseconds, and a fleet of 16 hosts × 300
models would ask it for every candidate of every selection under a profile with
``allowCpuSpill: false``, at a context that changes with every prompt. Memory grows with
the context (the bisection of :func:`~ollm_actors.vocab.memory_fit.max_context` relies on
it too), so whether a model fits at a context that is a multiple of 1,024 (every context a
budget sends but a window or ``numCtx`` cap that is not) is one comparison with the
largest such context that fits: its *edge*, computed once per model, host and free bytes
and kept per candidate. Other contexts are placed exactly, and kept.
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
from ollm_actors.vocab.memory_fit import CONTEXT_STEP, Placement

__all__ = ("MemoryMemo", "MemoryView")

# Entries a table holds before it starts over (distinct models × hosts × contexts).
_LIMIT = 1 << 14
# Candidates whose edge is kept (a fleet of 16 hosts × 300 models is 4,800).
_CANDIDATE_LIMIT = 1 << 16

# (window, the model's max output, capabilities) -> the request's num_ctx
_ContextTable = dict[tuple[int, int | None, frozenset[str]], int]


def _fits_at(candidate: Candidate, num_ctx: int) -> bool:
    placed = placement(candidate, num_ctx)
    return placed is not None and placed.fits


def _edge(candidate: Candidate) -> int:
    """The largest multiple of CONTEXT_STEP, up to the window rounded up to one, at which
    ``candidate`` fits whole (0: not even one step)."""
    high = max(1, -(-candidate.context_window // CONTEXT_STEP))
    low = 0  # in steps: low fits (0: nothing yet), every step above high does not
    while low < high:
        middle = (low + high + 1) // 2
        if _fits_at(candidate, middle * CONTEXT_STEP):
            low = middle
        else:
            high = middle - 1
    return low * CONTEXT_STEP


class MemoryMemo:
    """Edges per model, host and free bytes and per candidate, exact placements, request
    contexts per need and rejections. Owned by a ``ScoreMemo``; bounded; a function of
    its keys only (candidates are kept with their entries, so ids are not reused), so it
    never needs invalidating."""

    __slots__ = ("_by_candidate", "_contexts", "_edges", "_placements", "_spills")

    def __init__(self) -> None:
        self._edges: dict[tuple[object, ...], int] = {}
        self._by_candidate: dict[int, tuple[Candidate, int]] = {}
        self._placements: dict[tuple[object, ...], Placement] = {}
        self._contexts: dict[Need, _ContextTable] = {}
        self._spills: dict[tuple[str, int, int, int], Misfit] = {}

    def view(self, need: Need) -> MemoryView:
        """The memo as seen by one request's ``need``."""
        table = self._contexts.get(need)
        if table is None:
            if len(self._contexts) >= _LIMIT:
                self._contexts.clear()
            table = self._contexts[need] = {}
        return MemoryView(self, need, table)

    def edge(self, candidate: Candidate) -> int:
        """:func:`_edge` of ``candidate`` (with memory facts)."""
        entry = self._by_candidate.get(id(candidate))
        if entry is not None and entry[0] is candidate:
            return entry[1]
        key = (placement_key(candidate, 0), candidate.context_window)
        edge = self._edges.get(key)
        if edge is None:
            if len(self._edges) >= _LIMIT:
                self._edges.clear()
            edge = self._edges[key] = _edge(candidate)
        if len(self._by_candidate) >= _CANDIDATE_LIMIT:
            self._by_candidate.clear()
        self._by_candidate[id(candidate)] = (candidate, edge)
        return edge

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

    def fits(self, candidate: Candidate, num_ctx: int) -> bool | None:
        """Whether ``candidate`` fits whole at ``num_ctx`` (None: memory unknown)."""
        if candidate.memory is None:
            return None
        if num_ctx % CONTEXT_STEP == 0:
            return num_ctx <= self.edge(candidate)
        placed = self.placed(candidate, num_ctx)
        return None if placed is None else placed.fits

    def spill(self, candidate: Candidate, num_ctx: int, profile: str) -> Misfit:
        """:func:`~ollm_actors.routing.memory_rule.spill_misfit`, one per distinct text."""
        memory = candidate.memory
        assert memory is not None
        key = (profile, num_ctx, memory.free, memory.vram)
        why = self._spills.get(key)
        if why is None:
            if len(self._spills) >= _LIMIT:
                self._spills.clear()
            why = self._spills[key] = spill_misfit(candidate, num_ctx, profile)
        return why


class MemoryView:
    """:class:`MemoryMemo` for one request's ``need`` (its context table looked up once)."""

    __slots__ = ("_contexts", "_memo", "contexts", "edges", "need", "spilled")

    def __init__(self, memo: MemoryMemo, need: Need, contexts: _ContextTable) -> None:
        self._memo = memo
        self.need = need
        self._contexts = contexts
        #: the tables a hot loop may read directly: request contexts by (window, max
        #: output, capabilities), and id(candidate) -> (candidate, edge)
        self.contexts = contexts
        self.edges = memo._by_candidate
        #: :meth:`MemoryMemo.spill`: the rejection of a candidate known to spill
        self.spilled = memo.spill

    def context(self, candidate: Candidate) -> int:
        """:func:`~ollm_actors.routing.memory_rule.request_context`."""
        shape = (candidate.context_window, candidate.max_output_tokens, candidate.capabilities)
        num_ctx = self._contexts.get(shape)
        if num_ctx is None:
            if len(self._contexts) >= _LIMIT:
                self._contexts.clear()
            num_ctx = self._contexts[shape] = request_context(candidate, self.need)
        return num_ctx

    def placement(self, candidate: Candidate) -> tuple[Placement | None, int]:
        """The exact placement at the request's context, and that context."""
        num_ctx = self.context(candidate)
        return self._memo.placed(candidate, num_ctx), num_ctx

    def rank(self, candidate: Candidate) -> int:
        """The memory rank (fits, unknown, spills) of ``candidate``."""
        if candidate.memory is None:
            return UNKNOWN
        fits = self._memo.fits(candidate, self.context(candidate))
        if fits is None:
            return UNKNOWN
        return FITS if fits else SPILLS

    def spill(self, candidate: Candidate) -> Misfit | None:
        """The rejection of a candidate that spills, for a profile that allows no spill;
        None when it fits or its memory is unknown."""
        if candidate.memory is None:
            return None
        num_ctx = self.context(candidate)
        if self._memo.fits(candidate, num_ctx) is not False:
            return None
        return self._memo.spill(candidate, num_ctx, self.need.profile)
