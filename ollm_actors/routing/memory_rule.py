"""The router's memory rule: does a candidate, at the context its request would load it with,
fit whole in the free VRAM of its host? And the sentences that say so.

* The context is the ``num_ctx`` the request's budget sends
  (:func:`~ollm_actors.limits.budget.budget_context`): the prompt and the output it asks
  for, rounded up to 1,024, capped at ``providers.ollama.options.numCtx`` and the window.
  A model the router picks is therefore sized at exactly the context it will run with.
* The memory is THE estimate (:func:`~ollm_actors.vocab.memory.estimate_memory`) placed
  on the host's free VRAM (:func:`~ollm_actors.vocab.memory_fit.place`), with the host's
  parallel slots, KV cache type and flash attention from its settings.
* Unknown stays unknown: a candidate without memory facts or host capacity is neither
  preferred nor rejected for memory.

Among candidates of equal score one that fits comes first, then one whose fit is unknown,
then one that spills (:func:`~ollm_actors.routing.ranking.preference`); a profile with
``allowCpuSpill: false`` rejects one that spills (:func:`spill_misfit`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ollm_actors.limits.budget import budget_context
from ollm_actors.routing.candidate import Candidate
from ollm_actors.vocab.fit import Misfit, Need
from ollm_actors.vocab.memory import estimate_memory
from ollm_actors.vocab.memory_fit import Placement, place

__all__ = (
    "FITS",
    "SPILLS",
    "UNKNOWN",
    "gigabytes",
    "memory_rank",
    "memory_reason",
    "placement",
    "placement_key",
    "request_context",
    "spill_misfit",
    "verdict",
)

#: memory ranks, lowest preferred
FITS, UNKNOWN, SPILLS = 0, 1, 2


def request_context(candidate: Candidate, need: Need) -> int:
    """The ``num_ctx`` a request of ``need`` would load ``candidate`` with (at least 1)."""
    return max(
        1,
        budget_context(
            candidate.context_window,
            need.prompt_tokens,
            num_ctx=need.num_ctx,
            requested=need.max_output,
            model_max=candidate.max_output_tokens,
            generates="completion" in candidate.capabilities,
        ),
    )


def placement(candidate: Candidate, num_ctx: int) -> Placement | None:
    """Where ``candidate`` at ``num_ctx`` goes on its host's free VRAM; None when unknown."""
    memory = candidate.memory
    if memory is None:
        return None
    estimate = estimate_memory(
        memory.facts,
        model=candidate.name,
        num_ctx=num_ctx,
        parallel=memory.parallel,
        kv_type=memory.kv_type,
        flash_attention=memory.flash_attention,
    )
    return place(estimate, memory.free)


def placement_key(candidate: Candidate, num_ctx: int) -> tuple[object, ...] | None:
    """What :func:`placement` depends on, for a memo: the model (its digest names its facts;
    else its name and host), the free bytes, the context and the server's slots, KV type
    and flash attention; None when memory is unknown."""
    memory = candidate.memory
    if memory is None:
        return None
    model = memory.digest or f"{candidate.name}@{candidate.host}"
    return (
        model, memory.free, num_ctx, memory.parallel, memory.kv_type, memory.flash_attention
    )


def memory_rank(placed: Placement | None) -> int:
    """:data:`FITS`, :data:`UNKNOWN` or :data:`SPILLS`."""
    if placed is None:
        return UNKNOWN
    return FITS if placed.fits else SPILLS


def gigabytes(size: int) -> str:
    """Bytes as decimal GB with one decimal, a whole number without it (``48``, ``20.1``)."""
    text = f"{size / 1e9:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _capacity(candidate: Candidate) -> str:
    memory = candidate.memory
    assert memory is not None
    if memory.free == memory.vram:
        return f"{gigabytes(memory.vram)} GB"
    return f"{gigabytes(memory.free)} GB free of {gigabytes(memory.vram)} GB"


def verdict(candidate: Candidate, placed: Placement, num_ctx: int) -> str:
    """``fits: 20.1 of 48 GB on B at num_ctx 8192`` or ``on A it would put 63 % on the CPU
    (20.1 GB at num_ctx 8192, 12 GB free of 24 GB)``."""
    if placed.fits:
        return (
            f"fits: {gigabytes(placed.size)} of {_capacity(candidate)} on {candidate.host} "
            f"at num_ctx {num_ctx}"
        )
    return (
        f"on {candidate.host} it would put {round(placed.cpu_share * 100)} % on the CPU "
        f"({gigabytes(placed.size)} GB at num_ctx {num_ctx}, {_capacity(candidate)})"
    )


def spill_misfit(candidate: Candidate, num_ctx: int, profile: str) -> Misfit:
    """Why a profile with ``allowCpuSpill: false`` rejects a candidate that spills at
    ``num_ctx`` (the decision's reasons give the size and the share on the CPU of the
    candidates they name; a rejection names the context and the room, which is what many
    candidates share)."""
    return Misfit(
        "memory",
        f"does not fit whole in the GPU at num_ctx {num_ctx} ({_capacity(candidate)}); "
        f"'{profile}' sets allowCpuSpill: false",
    )


#: a candidate's placement at its request's context, and that context
Placed = Callable[[Candidate], tuple[Placement | None, int]]

# Other hosts a reason names before it only counts them.
_NAMED_PEERS = 3


def memory_reason(chosen: Candidate, others: Sequence[Candidate], placed: Placed) -> str | None:
    """The reason a decision gives about memory: whether ``chosen`` fits its host's GPU and
    how the same model would fare on the ``others`` hosts of known capacity
    (``fits: 20.1 of 48 GB on B at num_ctx 8192; on A it would put 63 % on the CPU (…)``);
    None when the chosen host's capacity or the model's facts are unknown."""
    mine, num_ctx = placed(chosen)
    if mine is None:
        return None
    said = verdict(chosen, mine, num_ctx)
    parts = [said if mine.fits else f"spills: {said}"]
    known = []
    for other in sorted(others, key=lambda c: c.host):
        theirs, other_ctx = placed(other)
        if theirs is not None:
            known.append(verdict(other, theirs, other_ctx))
    parts.extend(known[:_NAMED_PEERS])
    if len(known) > _NAMED_PEERS:
        parts.append(f"and {len(known) - _NAMED_PEERS} more hosts")
    return "; ".join(parts)
